// Commands load only when they run: the program built for one command line holds that command
// whole and stand-ins for the others, and the main help reads the same either way (in-process).
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli.js';
import type { Runtime } from '../src/runtime.js';
import type { Command } from 'commander';

const rt = {
  env: {},
  stdin: Readable.from([]),
  stdout: process.stdout,
  stderr: process.stderr,
  signal: new AbortController().signal,
  now: () => new Date(0),
} as unknown as Runtime;
const loaded = (cmd: {
  options: readonly unknown[];
  registeredArguments: readonly unknown[];
  commands: readonly unknown[];
}) => cmd.options.length + cmd.registeredArguments.length + cmd.commands.length > 0;
const argv = (...args: string[]) => ['node', 'imgcli', ...args];

describe('commands load when they run', () => {
  it('loads none for --version or the main help, one for a command, all for completion', async () => {
    const count = async (args: string[]) =>
      (await buildProgram(rt, argv(...args))).commands
        .filter((c) => c.name() !== 'help' && loaded(c))
        .map((c) => c.name());
    expect(await count(['--version'])).toEqual([]);
    expect(await count(['--help'])).toEqual([]);
    expect(await count(['--profile', 'gen', '--timeout', '5', 'edit', 'x.png', '-p', 'gen'])).toEqual(['edit']);
    expect(await count(['help', 'config', 'set'])).toEqual(['config']);
    expect(await count(['gen', '--base-url', 'http://x'])).toEqual(['gen']);
    expect((await count(['completion', 'bash'])).length).toBeGreaterThan(10);
  });

  it('lists every command in the main help exactly as the loaded program does', async () => {
    const lazy = (await buildProgram(rt, argv('--help'))).helpInformation();
    const whole = (await buildProgram(rt)).helpInformation();
    expect(lazy).toBe(whole);
    expect(lazy).toMatch(/gen \[options\] \[prompt\.\.\.\] +generate images from a text prompt/);
  });

  it("each command's run module has a handler for every part of it that runs, and no other", async () => {
    const program = await buildProgram(rt);
    const runnable = (cmd: Command, path: string): string[] => [
      ...(cmd.commands.length === 0 || cmd.registeredArguments.length > 0 ? [path] : []),
      ...cmd.commands.flatMap((sub) => runnable(sub, `${path} ${sub.name()}`)),
    ];
    for (const cmd of program.commands.filter((c) => c.name() !== 'help')) {
      const { handlers } = await import(/* @vite-ignore */ `../src/commands/${cmd.name()}/run.js`);
      expect(Object.keys(handlers).sort(), cmd.name()).toEqual(runnable(cmd, cmd.name()).sort());
    }
  });
});

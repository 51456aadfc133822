// Help fits the screen it is read on: every page at 80 columns in a pipe (and at a terminal's own
// width, 30 or 120), without a word broken in two; a command's page lists its own options and
// examples, and the global options once, by name. In-process (helpers/in-process.ts).
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli.js';
import { layoutHelp, wrapWords } from '../src/commands/shared/help-text.js';
import type { Runtime } from '../src/runtime.js';
import { runInProcess } from './helpers/in-process.js';

/** Every command path of the program ('' for imgcli itself). */
async function commandPaths(): Promise<string[][]> {
  const rt = {
    env: {},
    stdin: Readable.from([]),
    stdout: process.stdout,
    stderr: process.stderr,
    signal: new AbortController().signal,
    now: () => new Date(0),
  } as unknown as Runtime;
  const paths: string[][] = [[]];
  const visit = (cmd: Command, path: string[]) => {
    paths.push(path);
    for (const sub of cmd.commands) visit(sub, [...path, sub.name()]);
  };
  for (const cmd of (await buildProgram(rt)).commands) visit(cmd, [cmd.name()]);
  return paths;
}

/**
 * The words of a page: what no width may change (aside from the `\` that continues an example and
 * the `#` that starts each line of a comment).
 */
const words = (text: string) =>
  text
    .split(/\s+/)
    .filter((w) => w && w !== '\\' && w !== '#')
    .sort();

/**
 * Lines longer than `width` that are not one word (or one quoted argument of an example) too long
 * for any line, or a line of JSON (batch's jobs), which is code.
 */
const overflowing = (text: string, width: number) =>
  text.split('\n').filter((line) => {
    const rest = line
      .trim()
      .replace(/^[#$] /, '')
      .replace(/ \\$/, '');
    return line.length > width && !/^("[^"]*"|'[^']*'|\S+)$/.test(rest) && !/^\s+\{"/.test(line);
  });

describe('help fits the screen', () => {
  it('every page: 80 columns in a pipe, a terminal of 30 or 120 its own, and no word is broken', async () => {
    const paths = await commandPaths();
    expect(paths.length).toBeGreaterThan(20);
    for (const path of paths) {
      const label = `imgcli ${path.join(' ')} --help`;
      const pipe = await runInProcess([...path, '--help']);
      expect(pipe.exitCode, label).toBe(0);
      expect(overflowing(pipe.stdout, 80), label).toEqual([]);
      const wide = await runInProcess([...path, '--help'], { columns: 1000 });
      for (const columns of [30, 120]) {
        const tty = await runInProcess([...path, '--help'], { columns });
        expect(overflowing(tty.stdout, columns), `${label} at ${columns}`).toEqual([]);
        // Wrapping moves words to other lines, never cuts one.
        expect(words(tty.stdout), `${label} at ${columns}`).toEqual(words(wide.stdout));
      }
      expect(words(pipe.stdout), label).toEqual(words(wide.stdout));
    }
  }, 120_000);

  it('`help gen`: its own options and examples first, the global options once, by name, at the end', async () => {
    const r = await runInProcess(['help', 'gen']);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    const at = (heading: string) => lines.indexOf(heading);
    expect(at('Options:')).toBeGreaterThan(0);
    expect(at('Examples:')).toBeGreaterThan(at('Options:'));
    expect(at('Global options (imgcli --help describes them):')).toBeGreaterThan(at('Examples:'));
    expect(r.stdout).not.toContain('Global Options:');
    // Named once, not described: --api-key's description is the main help's.
    expect(r.stdout.match(/--api-key/g)).toHaveLength(1);
    expect(r.stdout).not.toContain('prefer the env var');
    expect(at('Examples:')).toBeLessThan(100);
    expect(lines.length).toBeLessThan(180);
    // The 219-character list of models, wrapped like any paragraph.
    expect(r.stdout).toMatch(/^Models: gpt-image-2\.6-flare, .*\n(.*\n)*.*default gpt-image-2\.$/m);
    const main = await runInProcess(['--help']);
    expect(main.stdout).toMatch(/--api-key <key> +API key \(env OPENAI_API_KEY/);
    expect(main.stdout).not.toContain('Global options (');
  });

  it('`imgcli help help` is the help of help, as `help` is listed', async () => {
    const r = await runInProcess(['help', 'help']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: imgcli help \[options\] \[command\.\.\.\]/);
    expect(r.stderr).toBe('');
    const main = await runInProcess(['--help']);
    expect(main.stdout).toMatch(/\n {2}help \[command\.\.\.\] +show help for a command\n/);
  });
});

describe('layoutHelp', () => {
  it('rewraps prose, hangs items under their description, and keeps examples whole and copyable', () => {
    const text = [
      'Examples:',
      '  $ imgcli gen "a lighthouse at dusk" -o out.png       # one image',
      '  $ imgcli gen "a koi pond, looping" -m gpt-image-2.6-flare -o koi.gif --frames 4',
      '',
      'A paragraph written on',
      'two lines in the source.',
      '',
      'Exit codes:',
      '  0    success, and the words of this item are many more than one line holds',
      '  {"prompt": "a line of JSON stays as it is, however long it is, since it is code"}',
    ].join('\n');
    expect(layoutHelp(text, 50).split('\n')).toEqual([
      'Examples:',
      '  # one image',
      '  $ imgcli gen "a lighthouse at dusk" -o out.png',
      '  $ imgcli gen "a koi pond, looping" -m \\',
      '      gpt-image-2.6-flare -o koi.gif --frames 4',
      '',
      'A paragraph written on two lines in the source.',
      '',
      'Exit codes:',
      '  0    success, and the words of this item are',
      '       many more than one line holds',
      '  {"prompt": "a line of JSON stays as it is, however long it is, since it is code"}',
    ]);
    // A command that fits the line exactly is not continued.
    expect(layoutHelp('  $ imgcli gen "a fox" --mock  # a long comment that cannot fit beside it', 29)).toBe(
      '  # a long comment that\n  # cannot fit beside it\n  $ imgcli gen "a fox" --mock',
    );
    // Wide enough: the examples as written, comments lined up.
    expect(layoutHelp(text, 200).split('\n').slice(0, 3)).toEqual(text.split('\n').slice(0, 3));
    expect(wrapWords('a b c supercalifragilistic d', 6)).toEqual(['a b c', 'supercalifragilistic', 'd']);
  });
});

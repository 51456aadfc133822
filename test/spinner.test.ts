// The spinner follows the colour rule: on a terminal it is cyan, and plain under NO_COLOR or
// --no-color (ora's own chalk does not know NO_COLOR). Runs the real program in-process over a
// stderr that says it is a terminal, so the spinner actually draws.
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import type { Runtime } from '../src/runtime.js';
import { startSpinner } from '../src/terminal/spinner.js';
import { baseEnv, cleanupTemps, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);

/** A stream that says it is a terminal and keeps what is written, cursor moves included. */
function fakeTerminal() {
  let text = '';
  const done = (cb: unknown) => typeof cb === 'function' && queueMicrotask(() => (cb as () => void)());
  const stream = {
    isTTY: true,
    columns: 80,
    rows: 24,
    write(chunk: string | Uint8Array, encoding?: unknown, cb?: unknown) {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      done(typeof encoding === 'function' ? encoding : cb);
      return true;
    },
    cursorTo: (_x: number, cb?: unknown) => (done(cb), true),
    moveCursor: (_x: number, _y: number, cb?: unknown) => (done(cb), true),
    clearLine: (_dir: number, cb?: unknown) => (done(cb), true),
    on: () => stream,
    once: () => stream,
    off: () => stream,
    removeListener: () => stream,
    emit: () => false,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

// Select Graphic Rendition: colours (and bold, dim...), not cursor moves or line clearing.
const SGR = /\x1b\[[\d;]*m/;
const CYAN = '\x1b[36m';

async function genOnTerminal(
  env: Record<string, string | undefined>,
  args: string[] = [],
): Promise<{ code: number; stderr: string }> {
  const cwd = tempDir();
  const all: Record<string, string | undefined> = { ...baseEnv(cwd), CI: undefined, NO_COLOR: undefined, ...env };
  for (const [k, v] of Object.entries(all)) if (v === undefined) delete all[k];
  const stderr = fakeTerminal();
  const stdout = fakeTerminal();
  const stdin = Readable.from([]) as unknown as NodeJS.ReadStream;
  const rt: Runtime = {
    signal: new AbortController().signal,
    env: all,
    stdin,
    stdout: stdout.stream,
    stderr: stderr.stream,
    now: () => new Date(0),
  };
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await runCli(rt, ['node', 'imgcli', ...args, 'gen', 'a fox', '--mock', '-o', 'fox.png']);
    return { code, stderr: stderr.text() };
  } finally {
    process.chdir(before);
  }
}

describe('the spinner', () => {
  it('is cyan on a terminal', async () => {
    const r = await genOnTerminal({});
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('gpt-image-2: waiting for the image');
    expect(r.stderr).toContain(CYAN);
  });

  it('has no colour under NO_COLOR (any value) or --no-color, even where chalk itself would paint', async () => {
    // On a real terminal chalk's own detection says "colour"; this test process is not one, so say it for it.
    const { default: chalk } = await import('chalk');
    const level = chalk.level;
    chalk.level = 1;
    try {
      for (const [env, args] of [
        [{ NO_COLOR: '1' }, []],
        [{ NO_COLOR: '' }, []],
        [{}, ['--no-color']],
      ] as const) {
        const r = await genOnTerminal(env, [...args]);
        expect(r.code).toBe(0);
        // The spinner did draw...
        expect(r.stderr, JSON.stringify(env)).toContain('gpt-image-2: waiting for the image');
        // ...without a colour.
        expect(r.stderr, JSON.stringify(env)).not.toMatch(SGR);
      }
    } finally {
      chalk.level = level;
    }
  });

  it('is not drawn under CI or --quiet, whatever the terminal', async () => {
    for (const opts of [{ CI: '1' }, {}] as const) {
      const term = fakeTerminal();
      const spinner = await startSpinner({ env: opts, stderr: term.stream }, 'waiting', { quiet: !('CI' in opts) });
      spinner.stop();
      expect(term.text()).toBe('');
    }
  });
});

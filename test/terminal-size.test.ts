// Class 8: nothing hangs and every hang can be interrupted. In a terminal that reports 0
// columns (`script ... </dev/null`), the spinner draws a bounded line, the run finishes, and
// SIGINT still stops it; the batch progress line fits any width.
import { readdirSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { fitLine, renderProgress } from '../src/batch/progress.js';
import { usableColumns } from '../src/terminal/spinner.js';
import { BIN, baseEnv, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

/** Runs `command` in a pseudo-terminal whose size is unknown (0x0), as `script` makes it with stdin at /dev/null. */
async function inZeroColumnTerminal(command: string) {
  const cwd = tempDir();
  // Not CI, so the spinner runs, as in a user's terminal.
  const env = { ...baseEnv(cwd), CI: undefined, TERM: 'xterm' };
  delete env.CI;
  const r = await execa('script', ['-q', '-c', command, '/dev/null'], {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 30_000,
    stripFinalNewline: false,
  });
  return { ...r, files: readdirSync(cwd).filter((f) => f !== 'config') };
}

describe('a terminal of 0 columns', () => {
  it('the spinner runs and stops: exit 0, the file, a few hundred bytes of terminal codes', async () => {
    mock.setLatency(1500);
    const r = await inZeroColumnTerminal(`node "${BIN}" --base-url "${mock.url}" gen x -o a.png; echo "exit=$?"`);
    expect(r.stdout).toMatch(/exit=0/);
    expect(r.stdout).toContain('waiting for the image');
    expect(r.stdout.length).toBeLessThan(20_000);
    expect(r.files).toEqual(['a.png']);
  });

  it('SIGINT stops a run whose spinner is drawing: exit 130, no file, no temp file', async () => {
    mock.setLatency(20_000);
    const r = await inZeroColumnTerminal(
      `timeout --preserve-status -s INT 2 node "${BIN}" --base-url "${mock.url}" gen x -o a.png; echo "exit=$?"`,
    );
    expect(r.stdout).toMatch(/exit=130/);
    expect(r.stdout).toContain('Interrupted (SIGINT)');
    expect(r.files).toEqual([]);
  });

  it('SIGTERM likewise: exit 143', async () => {
    mock.setLatency(20_000);
    const r = await inZeroColumnTerminal(
      `timeout --preserve-status -s TERM 2 node "${BIN}" --base-url "${mock.url}" gen x -o a.png; echo "exit=$?"`,
    );
    expect(r.stdout).toMatch(/exit=143/);
    expect(r.files).toEqual([]);
  });
});

describe('widths', () => {
  it('usableColumns falls back to 80 for 0, negative, fractional or missing widths', () => {
    expect([0, -3, undefined, NaN, 0.5, 1, 132].map((columns) => usableColumns({ columns }))).toEqual([
      80, 80, 80, 80, 80, 1, 132,
    ]);
  });

  it('the batch progress line never wraps, at any width', () => {
    const line = renderProgress({ total: 10, done: 3, failed: 1, skipped: 0, running: 2 }, 65_000);
    for (const columns of [0, 1, 2, 10, 40])
      expect(fitLine(line, columns).length).toBeLessThanOrEqual(Math.max(1, (columns || 80) - 1));
    expect(fitLine(line, 200)).toBe(line);
  });
});

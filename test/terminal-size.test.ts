// Class 8: nothing hangs and every hang can be interrupted. In a terminal that reports 0
// columns (`script ... </dev/null`), the spinner draws a bounded line, the run finishes, and
// SIGINT still stops it; the batch progress line fits any width.
import { readdirSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { fitLine, progressFor, renderProgress } from '../src/batch/progress.js';
import { spinnerLine, usableColumns } from '../src/terminal/spinner.js';
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

describe('narrow terminals keep what matters most', () => {
  const tally = { total: 120, done: 47, failed: 3, skipped: 0, running: 8 };

  it('the batch progress line ends with the whole ETA at any width: the bar narrows, then goes, then the words', () => {
    // 12:34 elapsed of 50 jobs: 70 to go at that pace.
    const full = renderProgress(tally, 754_000);
    expect(full).toBe('[########------------] 50/120: 47 done, 3 failed, 8 running, 12:34 elapsed, ETA 17:36');
    expect(full.length).toBeGreaterThan(79);
    expect(progressFor(tally, 754_000, 80)).toBe(
      '[####------] 50/120: 47 done, 3 failed, 8 running, 12:34 elapsed, ETA 17:36',
    );
    expect(progressFor(tally, 754_000, 60)).toBe('50/120: 47 done, 3 failed, 8 running, ETA 17:36');
    expect(progressFor(tally, 754_000, 40)).toBe('50/120 3 failed 12:34 ETA 17:36');
    expect(progressFor(tally, 754_000, 30)).toBe('50/120 ETA 17:36');
    expect(progressFor(tally, 754_000, 200)).toBe(full);
    for (const columns of [0, 1, 5, 17, 25, 33, 79, 80, 81, 120]) {
      const line = progressFor(tally, 754_000, columns);
      expect(line.length, `${columns}`).toBeLessThanOrEqual(Math.max(1, (columns || 80) - 1));
      if ((columns || 80) > 17) expect(line, `${columns}`).toMatch(/ETA 17:36$/);
    }
  });

  it('the spinner keeps its elapsed seconds at 30 columns and cuts its text instead', () => {
    const label = 'waiting for the image (gpt-image-2, 1024x1024, high)';
    expect(spinnerLine(label, 42, 120)).toBe(`${label} 42s`);
    const narrow = spinnerLine(label, 42, 30);
    expect(narrow).toBe('waiting for the image… 42s');
    expect(narrow.length).toBeLessThanOrEqual(27);
    expect(spinnerLine(label, 42, 6)).toBe('42s');
  });
});

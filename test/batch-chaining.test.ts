// Item 7: "generate a.png, then edit a.png" in one jobs file. A job whose input is another job's
// output runs after it (a local batch orders the jobs, whatever their lines' order); it is skipped
// when that job fails; a chain that can never run (a cycle) is refused up front; --remote refuses
// a chain whose first output is not made yet (a batch runs all at once), and takes it once it is.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

const rowsOf = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);

const CHAIN = [
  { command: 'edit', images: ['a.png'], prompt: 'add a hat', out: 'b.png' },
  { prompt: 'a cat', out: 'a.png' },
  { command: 'vary', image: 'b.png', out: 'c.png' },
];

async function batch(cwd: string, jobs: unknown[], extra: string[] = []) {
  writeFileSync(join(cwd, 'jobs.jsonl'), `${jobs.map((j) => JSON.stringify(j)).join('\n')}\n`);
  const r = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl', ...extra], { cwd, timeout: 60_000 });
  return { ...r, rows: rowsOf(r.stdout) };
}

describe("a batch whose jobs read each other's outputs", () => {
  it('runs every job after the one that makes its input, then finds them all up to date', async () => {
    const cwd = tempDir();
    const r = await batch(cwd, CHAIN, ['--concurrency', '4']);
    expect(r.stderr).not.toMatch(/error|bug/i);
    expect(r.exitCode).toBe(0);
    expect(r.rows.map((row) => [row.line, row.status])).toEqual([
      [2, 'ok'],
      [1, 'ok'],
      [3, 'ok'],
    ]);
    const paths = mock.apiRequests().map((q) => q.path);
    expect(paths).toEqual(['/v1/images/generations', '/v1/images/edits', '/v1/images/edits']);
    for (const f of ['a.png', 'b.png', 'c.png']) expect(existsSync(join(cwd, f))).toBe(true);
    const again = await batch(cwd, CHAIN);
    expect(again.exitCode).toBe(0);
    expect(again.rows.map((row) => row.status)).toEqual(['up-to-date', 'up-to-date', 'up-to-date']);
    expect(mock.apiRequests()).toHaveLength(3);
  });

  it('--dry-run lists a waiting job with the line it waits for, and sends nothing', async () => {
    const cwd = tempDir();
    const r = await batch(cwd, CHAIN, ['--dry-run']);
    expect(r.exitCode).toBe(0);
    expect(r.rows.find((row) => row.line === 1)).toMatchObject({ status: 'waits', after: [2] });
    expect(r.rows.find((row) => row.line === 3)).toMatchObject({ status: 'waits', after: [1] });
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('skips a job whose input failed to be made (exit 7), without a crash', async () => {
    const cwd = tempDir();
    mock.enqueueFault(
      { status: 400, body: { error: { message: 'no', type: 'invalid_request_error', param: null, code: null } } },
      1,
      /generations/,
    );
    const r = await batch(cwd, CHAIN.slice(0, 2));
    expect(r.exitCode).toBe(7);
    expect(r.rows.find((row) => row.line === 1)).toMatchObject({
      status: 'skipped',
      error: 'not started: line 2, whose output it reads, did not succeed',
    });
    expect(r.stderr).not.toMatch(/bug/);
  });

  it('refuses jobs that wait for each other (exit 2, nothing sent)', async () => {
    const cwd = tempDir();
    const r = await batch(cwd, [
      { command: 'edit', images: ['y.png'], prompt: 'x', out: 'x.png' },
      { command: 'edit', images: ['x.png'], prompt: 'y', out: 'y.png' },
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /line 1: it reads the output of line 2, which waits \(directly or not\) for this job's own output/,
    );
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('--remote refuses a chain whose first output is not made yet, and takes it once it is up to date', async () => {
    const cwd = tempDir();
    const jobs = CHAIN.slice(0, 2);
    const r = await batch(cwd, jobs, ['--remote']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('line 1 reads the output of line 2, which is not made yet');
    expect(r.stderr).toMatch(/hint: Run the batch without --remote/);
    expect(mock.apiRequests()).toHaveLength(0);
    expect((await imgcli(['--base-url', mock.url, 'gen', 'a cat', '-o', 'a.png'], { cwd })).exitCode).toBe(0);
    const then = await batch(cwd, jobs, ['--remote', '--poll-interval', '0.2']);
    expect(then.exitCode).toBe(0);
    expect(then.rows.map((row) => [row.line, row.status])).toEqual([
      [2, 'up-to-date'],
      [1, 'ok'],
    ]);
  });
});

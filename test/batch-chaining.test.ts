// Item 7: "generate a.png, then edit a.png" in one jobs file. A job whose input is another job's
// output runs after it (a local batch orders the jobs, whatever their lines' order); it is skipped
// when that job fails; a chain that can never run (a cycle) is refused up front; --remote refuses
// a chain whose first output is not made yet (a batch runs all at once), and takes it once it is.
// An edit's mask and markup layer are inputs like its images.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../src/markup/flags.js';
import { renderMarkup } from '../src/markup/render.js';
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

/** An edit whose mask or markup layer is made by the line after it (a transparent generation). */
async function layerChain(key: string): Promise<{ cwd: string; jobs: unknown[] }> {
  const cwd = tempDir();
  await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#4080c0' } })
    .png()
    .toFile(join(cwd, 'photo.png'));
  const model = 'gpt-image-2.6-flare';
  const jobs = [
    { command: 'edit', images: ['photo.png'], [key]: 'layer.png', model, prompt: 'add a hat', out: 'b.png' },
    { prompt: 'marks', model, background: 'transparent', size: '1024x1024', out: 'layer.png' },
  ];
  return { cwd, jobs };
}

describe('a batch whose edit reads a mask or markup layer another job makes', () => {
  it.each(['mask', 'markup'])('the edit runs after the job that makes its %s, and sends it', async (key) => {
    const { cwd, jobs } = await layerChain(key);
    const r = await batch(cwd, jobs, ['--concurrency', '4']);
    expect(r.stderr).not.toMatch(/error|bug/i);
    expect(r.exitCode).toBe(0);
    expect(r.rows.map((row) => [row.line, row.status])).toEqual([
      [2, 'ok'],
      [1, 'ok'],
    ]);
    expect(mock.apiRequests().map((q) => q.path)).toEqual(['/v1/images/generations', '/v1/images/edits']);
    expect(mock.apiRequests()[1]!.parts?.find((p) => p.name === key)?.filename).toBe('layer.png');
    expect(existsSync(join(cwd, 'b.png'))).toBe(true);
  });

  it.each(['mask', 'markup'])(
    '--dry-run shows the edit waiting for its %s, even when an older one exists',
    async (key) => {
      const { cwd, jobs } = await layerChain(key);
      const older = await renderMarkup(parseFlags([{ type: 'box', value: '0.1,0.1,0.4,0.4' }]), {
        width: 1024,
        height: 1024,
      });
      writeFileSync(join(cwd, 'layer.png'), older.png);
      const r = await batch(cwd, jobs, ['--dry-run']);
      expect(r.exitCode).toBe(0);
      expect(r.rows.find((row) => row.line === 1)).toMatchObject({ status: 'waits', after: [2] });
      expect(mock.apiRequests()).toHaveLength(0);
    },
  );

  it.each(['mask', 'markup'])('--remote refuses the edit while its %s is not made yet', async (key) => {
    const { cwd, jobs } = await layerChain(key);
    const r = await batch(cwd, jobs, ['--remote']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('line 1 reads the output of line 2, which is not made yet');
    expect(mock.apiRequests()).toHaveLength(0);
  });
});

// Item 3: after a finished remote run, an image deleted by hand is not reported as written. The
// next run writes it again from the batch's output file while the server keeps it (nothing is
// sent again), and otherwise reports it as missing: its own status, a failed run (exit 7), what to do.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_KEY, imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

const JOBS = '{"prompt": "a fox", "out": "fox.png"}\n{"prompt": "an owl", "out": "owl.png"}\n';
const rowsOf = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
const run = (cwd: string, extra: string[] = []) =>
  imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl', '--remote', '--poll-interval', '0.2', ...extra], {
    cwd,
    timeout: 60_000,
  });
const creates = () => mock.apiRequests().filter((r) => r.method === 'POST' && r.path.endsWith('/batches')).length;

async function finished() {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'jobs.jsonl'), JOBS);
  const first = await run(cwd);
  expect(first.exitCode).toBe(0);
  expect(creates()).toBe(1);
  return cwd;
}

describe('a remote re-run after an image was deleted', () => {
  it('writes it again from the batch output file, sending nothing new', async () => {
    const cwd = await finished();
    const before = readFileSync(join(cwd, 'fox.png'));
    rmSync(join(cwd, 'fox.png'));
    const r = await run(cwd);
    expect(r.exitCode).toBe(0);
    expect(rowsOf(r.stdout).map((row) => [row.line, row.status])).toEqual(
      expect.arrayContaining([
        [1, 'ok'],
        [2, 'ok'],
      ]),
    );
    expect(rowsOf(r.stdout)).toHaveLength(2);
    expect(r.stderr).toContain('writing it again from its results');
    expect(readFileSync(join(cwd, 'fox.png')).equals(before)).toBe(true);
    expect(creates()).toBe(1);
  });

  it('reports it as missing (exit 7: a job failed; what to do) once the server no longer has the output file', async () => {
    const cwd = await finished();
    const state = JSON.parse(readFileSync(join(cwd, 'jobs.jsonl.imgcli-batch.json'), 'utf8'));
    const fileId = state.parts[0].output_file_id as string;
    const deleted = await fetch(`${mock.url}/files/${fileId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${FAKE_KEY}` },
    });
    expect(deleted.status).toBe(200);
    rmSync(join(cwd, 'fox.png'));
    const r = await run(cwd);
    expect(r.exitCode).toBe(7);
    const fox = rowsOf(r.stdout).find((row) => row.line === 1)!;
    expect(fox).toMatchObject({ status: 'missing', files: [] });
    expect(fox.error).toMatch(/^fox\.png is no longer there, and batch \S+'s results are no longer on the server/);
    expect(rowsOf(r.stdout).find((row) => row.line === 2)).toMatchObject({ status: 'ok' });
    expect(fox.error).toMatch(/: restore it, or run with --resubmit to make it again \(billed\)$/);
    expect(r.stderr).toMatch(/^hint: .*run the same command with --resubmit/m);
    expect(existsSync(join(cwd, 'fox.png'))).toBe(false);
    expect(creates()).toBe(1);
    // --resubmit makes it again, in a new batch.
    const again = await run(cwd, ['--resubmit']);
    expect(again.exitCode).toBe(0);
    expect(existsSync(join(cwd, 'fox.png'))).toBe(true);
    expect(creates()).toBe(2);
  });
});

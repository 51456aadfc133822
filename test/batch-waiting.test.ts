// Waiting for a remote batch is bounded: a status the Batch API never documented is told once
// (with what imgcli does about it), and no batch is waited on past an hour after its 24-hour
// window: then the run stops with exit 6, its state kept so the same command attaches again.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
import { PINNED } from './helpers/clock.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({
  payload: 'flat',
  labels: false,
  now: () => PINNED,
  batchTiming: { validatingMs: 0, perRequestMs: 0, finalizingMs: 0 },
});

function folder(): string {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'jobs.jsonl'), `${JSON.stringify({ prompt: 'a fox', out: 'fox.png' })}\n`);
  return cwd;
}

const remote = (cwd: string) =>
  imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl', '--remote', '--poll-interval', '0.05'], {
    cwd,
    timeout: 60_000,
  });
const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.includes('does not document'));

describe('a status the Batch API does not document', () => {
  it('is told once, and the batch is waited on until it ends', async () => {
    const cwd = folder();
    mock.enqueueBatchFault({ showStatus: 'paused', showTimes: 4 });
    const r = await remote(cwd);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'ok', files: [{ path: 'fox.png' }] });
    expect(warnings(r.stderr)).toEqual([
      expect.stringMatching(
        /^warning: batch batch_\w+ reports the status "paused", which the Batch API does not document; imgcli keeps waiting for it to end, at most until an hour after its 24-hour window closes \(until 2026-12-02T13:00:00\.000Z\), then stops \(exit 6\)/,
      ),
    ]);
  });

  it('is not waited on past an hour after the window: exit 6, the batch id told, the state kept', async () => {
    const cwd = folder();
    const expired = Math.floor(PINNED.getTime() / 1000) - 2 * 3600;
    mock.enqueueBatchFault({ showStatus: 'paused', showFields: { expires_at: expired } });
    const r = await remote(cwd);
    expect(r.exitCode).toBe(6);
    expect(r.stdout).toBe('');
    expect(warnings(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(
      /error: batch (batch_\w+) still reports "paused" more than an hour after its 24-hour window closed \(2026-12-01T10:00:00\.000Z\); imgcli stopped waiting for it\./,
    );
    expect(r.stderr).toContain('hint: Its state is kept');
    const id = /error: batch (batch_\w+)/.exec(r.stderr)![1];
    expect(JSON.parse(readFileSync(join(cwd, 'jobs.jsonl.imgcli-batch.json'), 'utf8')).parts[0]).toMatchObject({
      batch_id: id,
      status: 'paused',
    });
  });

  it('a documented status is bounded the same way', async () => {
    const cwd = folder();
    const expired = Math.floor(PINNED.getTime() / 1000) - 2 * 3600;
    mock.enqueueBatchFault({ showStatus: 'in_progress', showFields: { expires_at: expired } });
    const r = await remote(cwd);
    expect(r.exitCode).toBe(6);
    expect(warnings(r.stderr)).toEqual([]);
    expect(r.stderr).toContain('still reports "in_progress" more than an hour after');
  });
});

// Server ids are data, never paths or lines: an id that is not an id's shape (letters, digits, -
// and _) is refused before it goes into a URL or onto stdout (exit 6 for a server's, exit 2 for
// the user's argument, nothing sent); and lists that page for ever are stopped.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiId } from '../src/api/ids.js';
import { eachPage, MAX_PAGES } from '../src/api/pages.js';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({
  payload: 'flat',
  labels: false,
  batchTiming: { validatingMs: 0, perRequestMs: 0, finalizingMs: 0 },
});

let cwd: string;
beforeAll(async () => {
  cwd = tempDir();
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#335577' } })
    .png()
    .toFile(join(cwd, 'a.png'));
});

const run = (args: string[], dir = cwd, timeout = 20_000) =>
  imgcli(['--base-url', mock.url, ...args], { cwd: dir, timeout });
const fileObject = (id: string) => ({
  id,
  object: 'file',
  bytes: 3,
  created_at: 1,
  filename: 'a.png',
  purpose: 'vision',
});

describe("a server's id", () => {
  it('files upload refuses an id holding a line break: nothing reaches the pipe (exit 6)', async () => {
    mock.enqueueFault({ status: 200, body: fileObject('file-abc\nfile-injected') }, 1, /^\/v1\/files$/);
    const r = await run(['files', 'upload', 'a.png']);
    expect(r.exitCode).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('gives id "file-abc\\nfile-injected" is not an id');
    expect(r.stderr).toContain('hint: The server is not speaking the API as it should');
  });

  it("a batch whose output_file_id is '..' is refused before its results are fetched (no GET /v1/)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'jobs.jsonl'), `${JSON.stringify({ prompt: 'a fox', out: 'fox.png' })}\n`);
    mock.enqueueBatchFault({ showFields: { output_file_id: '..' } });
    const r = await run(['batch', 'jobs.jsonl', '--remote', '--poll-interval', '0.05'], dir, 60_000);
    expect(r.exitCode).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('output_file_id ".." is not an id');
    const paths = mock.requests.map((q) => q.path);
    expect(paths.filter((p) => !/^\/v1\/(files|batches)(\/[A-Za-z0-9_-]+(\/content|\/cancel)?)?$/.test(p))).toEqual([]);
  });

  it('a batch list with an id that is not one fails (exit 6) instead of printing it', async () => {
    mock.enqueueFault({
      status: 200,
      body: { object: 'list', data: [{ id: 'batch_1/../../files', object: 'batch', status: 'completed' }] },
    });
    const r = await run(['batch', 'list']);
    expect(r.exitCode).toBe(6);
    expect(r.stdout).toBe('');
  });

  it('a state file whose batch id is a path is refused before anything is sent (exit 2)', async () => {
    const dir = tempDir();
    const state = {
      version: 1,
      tool: 'imgcli',
      jobs_file: 'jobs.jsonl',
      jobs_fingerprint: 'x',
      server: mock.url,
      created: '2026-01-01T00:00:00Z',
      updated: '2026-01-01T00:00:00Z',
      inputs: {},
      jobs: {},
      parts: [
        { n: 1, endpoint: 'generations', token: 't', custom_ids: [], bytes: 1, sha256: '', batch_id: '../files' },
      ],
      results: {},
    };
    writeFileSync(join(dir, 'jobs.jsonl.imgcli-batch.json'), JSON.stringify(state));
    const r = await run(['batch', 'status', 'jobs.jsonl'], dir);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`part 1's batch_id "../files" is not an id`);
    expect(mock.requests).toEqual([]);
  });
});

describe("the user's id", () => {
  for (const id of ['..', '.', 'file-a/../b', 'file-a\nb']) {
    it(`files rm ${JSON.stringify(id)} is refused, nothing sent (exit 2)`, async () => {
      const r = await run(['files', 'rm', 'file-ok', id]);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`error: not a file id: ${JSON.stringify(id).replace(/\n/g, '\\n')}`);
      expect(mock.requests).toEqual([]);
    });
  }

  it('files rm reports a file the server did not say it deleted as failed', async () => {
    mock.enqueueFault({ status: 200, body: { id: 'file-other', object: 'file', deleted: true } });
    const r = await run(['files', 'rm', 'file-mine']);
    expect(r.exitCode).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('does not say file-mine was deleted');
  });
});

describe('lists that never end', () => {
  it('files list stops when the server gives the same cursor again (exit 6), after two requests', async () => {
    mock.enqueueFault(
      { status: 200, body: { object: 'list', data: [fileObject('file-a')], has_more: true, last_id: 'file-a' } },
      Infinity,
      /^\/v1\/files$/,
    );
    const r = await run(['files', 'list']);
    expect(r.exitCode).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('goes on from file-a again; imgcli stopped reading it');
    expect(mock.requests.filter((q) => q.path === '/v1/files')).toHaveLength(2);
    expect(mock.requests[1]!.query.after).toBe('file-a');
  });

  it('batch list stops the same way', async () => {
    const batch = { id: 'batch_a', object: 'batch', status: 'completed' };
    mock.enqueueFault(
      { status: 200, body: { object: 'list', data: [batch], has_more: true, last_id: 'batch_a' } },
      Infinity,
      /^\/v1\/batches$/,
    );
    const r = await run(['batch', 'list', '--limit', '1000']);
    expect(r.exitCode).toBe(6);
    expect(mock.requests.filter((q) => q.path === '/v1/batches')).toHaveLength(2);
  });

  it(`a list that gives a new cursor every time is stopped after ${MAX_PAGES} pages`, async () => {
    let n = 0;
    const pages = eachPage('file list', async () => ({ items: [n], hasMore: true, lastId: `file-${n++}` as ApiId }));
    const read: number[][] = [];
    await expect(
      (async () => {
        for await (const page of pages) read.push(page);
      })(),
    ).rejects.toThrow(`still says there is more after ${MAX_PAGES} pages`);
    expect(read).toHaveLength(MAX_PAGES);
  });
});

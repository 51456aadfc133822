// `imgcli files upload|list|rm` in-process against the offline server: ids on stdout one per line,
// --json documents, every image checked before the first upload, failures that say what to do.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({ now: () => new Date('2026-12-01T12:00:00Z') });

let cwd: string;
beforeAll(async () => {
  cwd = tempDir();
  await sharp({ create: { width: 32, height: 32, channels: 3, background: '#224466' } })
    .png()
    .toFile(join(cwd, 'a.png'));
  await sharp({ create: { width: 40, height: 20, channels: 3, background: '#664422' } })
    .jpeg()
    .toFile(join(cwd, 'b.jpg'));
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
    .tiff()
    .toFile(join(cwd, 'c.tiff'));
  writeFileSync(join(cwd, 'notes.txt'), 'not an image\n');
});

const run = (...args: string[]) => imgcliInProcess(['--base-url', mock.url, 'files', ...args], { cwd });
const uploads = () => mock.apiRequests().filter((r) => r.method === 'POST' && r.path === '/v1/files');

describe('imgcli files upload', () => {
  it('uploads each image with purpose vision and prints one file id per line, in order', async () => {
    const r = await run('upload', 'a.png', 'b.jpg');
    expect(r.exitCode).toBe(0);
    const ids = r.stdout.split('\n');
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^file-[A-Za-z0-9]+$/);
    expect(r.stderr).toBe('');
    expect(uploads().map((q) => q.parts?.map((p) => [p.name, p.value ?? p.filename, p.contentType]))).toEqual([
      [
        ['purpose', 'vision', undefined],
        ['expires_after[anchor]', 'created_at', undefined],
        ['expires_after[seconds]', '604800', undefined],
        ['file', 'a.png', 'image/png'],
      ],
      [
        ['purpose', 'vision', undefined],
        ['expires_after[anchor]', 'created_at', undefined],
        ['expires_after[seconds]', '604800', undefined],
        ['file', 'b.jpg', 'image/jpeg'],
      ],
    ]);
  });

  it('--json prints one document with each file object and its path', async () => {
    const r = await run('upload', 'a.png', '--json');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      files: [
        {
          path: 'a.png',
          id: expect.stringMatching(/^file-/),
          object: 'file',
          bytes: expect.any(Number),
          created_at: 1796126400,
          // Seven days on (files-expire-after's default): the offline server keeps the expiry sent.
          expires_at: 1796126400 + 7 * 86_400,
          filename: 'a.png',
          purpose: 'vision',
          status: 'processed',
        },
      ],
    });
  });

  it('checks every image before the first upload: nothing is sent when one is not an image edits take', async () => {
    const text = await run('upload', 'a.png', 'notes.txt');
    expect(text.exitCode).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^error: image notes\.txt is not an image/);
    const tiff = await run('upload', 'a.png', 'c.tiff');
    expect(tiff.stderr).toBe(
      'error: c.tiff is a TIFF file; edits take PNG, JPEG or WebP images under 50 MB\nhint: Convert it first (a PNG is always taken); nothing was uploaded.',
    );
    const missing = await run('upload', 'missing.png');
    expect(missing.stderr).toMatch(/^error: cannot read image missing\.png: no such file/);
    expect(uploads()).toHaveLength(0);
  });

  it('names the files already uploaded when a later one fails, and leaves their ids on stdout', async () => {
    mock.enqueueFault({
      status: 200,
      body: { id: 'file-first', object: 'file', bytes: 1, created_at: 1, filename: 'a.png', purpose: 'vision' },
    });
    mock.enqueueFault({
      status: 400,
      body: { error: { message: 'Storage quota exceeded.', type: 'invalid_request_error', param: null, code: null } },
    });
    const r = await run('upload', 'a.png', 'b.jpg');
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('file-first');
    expect(r.stderr).toMatch(
      /^error: The API answered 400 \(invalid_request_error\): Storage quota exceeded\.\nhint: 1 of 2 uploaded before this failed \(their ids are on stdout\); remove them with `imgcli files rm file-first`, or keep them and upload the rest\.\nrequest id: req_/,
    );
  });

  it('warns with --mock that the offline server started for the run forgets its files', async () => {
    const r = await imgcliInProcess(['--mock', 'files', 'upload', 'a.png'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^file-/);
    expect(r.stderr).toMatch(
      /^warning: --mock: the offline server started for this run forgets its files when imgcli exits; run `imgcli mock-server` and point --base-url at it to keep them\.$/m,
    );
  });
});

describe('imgcli files list and rm', () => {
  it('lists the files newest first as a table, --purpose filters, --json gives the objects', async () => {
    const before = (await run('list', '--json')).stdout;
    for (const f of JSON.parse(before).files) await run('rm', f.id);
    const empty = await run('list');
    expect([empty.exitCode, empty.stdout, empty.stderr]).toEqual([0, '', 'no files on the server']);
    const [a, b] = (await run('upload', 'a.png', 'b.jpg')).stdout.split('\n');
    const r = await run('list');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'ID                           BYTES  CREATED               PURPOSE  FILENAME',
      `${b}  ${String(JSON.parse((await run('list', '--json')).stdout).files[0].bytes).padEnd(5)}  2026-12-01T12:00:00Z  vision   b.jpg`,
      expect.stringMatching(new RegExp(`^${a}  \\d+ +2026-12-01T12:00:00Z  vision   a\\.png$`)),
    ]);
    expect((await run('list', '--purpose', 'batch')).stderr).toBe('no files with purpose batch on the server');
    const limited = JSON.parse((await run('list', '--limit', '1', '--json')).stdout);
    expect(limited.files.map((f: { id: string }) => f.id)).toEqual([b]);
    expect((await run('list', '--limit', '0')).stderr).toMatch(/^error: --limit 0 lists nothing/);
  });

  it('rm deletes each id, prints the ones deleted, and reports an unknown one with where the ids are', async () => {
    const [a, b] = (await run('upload', 'a.png', 'b.jpg')).stdout.split('\n');
    const r = await run('rm', a!, 'file-nope', b!);
    expect(r.exitCode).toBe(3);
    expect(r.stdout.split('\n')).toEqual([a, b]);
    expect(r.stderr).toMatch(
      /^error: The API answered 404 \(invalid_request_error, param id\): No such File object: file-nope\nhint: The server has no file file-nope: `imgcli files list` shows the ids it has/,
    );
    const json = await run('rm', 'file-gone', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      deleted: [],
      failed: [
        {
          id: 'file-gone',
          error: 'The API answered 404 (invalid_request_error, param id): No such File object: file-gone',
        },
      ],
    });
    const bad = await run('rm', '../models');
    expect([bad.exitCode, bad.stderr]).toEqual([
      2,
      'error: not a file id: "../models" (an id is letters, digits, "-" and "_"); nothing was deleted\nhint: File ids look like file-abc123; `imgcli files list` shows them.',
    ]);
  });
});

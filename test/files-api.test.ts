// src/api/files.ts against the offline server's /v1/files, in-process: upload (from disk and from
// memory), list with pages and a purpose, retrieve, content, delete, and the errors of each.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/errors.js';
import { deleteFile, eachFile, fileContent, listFiles, retrieveFile, uploadFile } from '../src/api/files.js';
import type { Connection } from '../src/api/http.js';
import { tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({ now: () => new Date('2026-12-01T12:00:00Z') });
const conn = (): Connection => ({
  baseUrl: mock.url,
  apiKey: 'sk-test',
  timeoutMs: 10_000,
  maxRetries: 0,
  userAgent: 'imgcli/test',
  signal: new AbortController().signal,
});

let dir: string;
let png: Buffer;
beforeAll(async () => {
  dir = tempDir();
  png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#123456' } })
    .png()
    .toBuffer();
  writeFileSync(join(dir, 'photo.png'), png);
});

const upload = (purpose = 'vision', source: { path: string } | { blob: Blob } = { path: join(dir, 'photo.png') }) =>
  uploadFile(conn(), { source, filename: 'photo.png', contentType: 'image/png' }, purpose);

describe('the Files API client', () => {
  it('uploads a file from disk as multipart (purpose and file), and reads back the file object', async () => {
    const { file, requestId } = await upload();
    expect(file).toMatchObject({
      id: expect.stringMatching(/^file-[A-Za-z0-9]{22}$/),
      object: 'file',
      bytes: png.length,
      filename: 'photo.png',
      purpose: 'vision',
      created_at: 1796126400,
    });
    expect(requestId).toMatch(/^req_/);
    const req = mock.requests.at(-1)!;
    expect([req.method, req.path]).toEqual(['POST', '/v1/files']);
    expect(req.parts).toEqual([
      { name: 'purpose', filename: undefined, contentType: undefined, bytes: 6, value: 'vision' },
      { name: 'file', filename: 'photo.png', contentType: 'image/png', bytes: png.length },
    ]);
    expect(await retrieveFile(conn(), file.id)).toEqual(file);
    const chunks: Uint8Array[] = [];
    const content = await fileContent(conn(), file.id, (c) => void chunks.push(c));
    expect(Buffer.concat(chunks).equals(png)).toBe(true);
    expect(content).toEqual({ bytes: png.length, contentType: 'image/png' });
  });

  it('lists newest first, page by page, filtered by purpose', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (await upload(i === 4 ? 'user_data' : 'vision', { blob: new Blob([png], { type: 'image/png' }) })).file.id,
      );
    const page = await listFiles(conn(), { limit: 2, purpose: 'vision' });
    expect(page.files.map((f) => f.id)).toEqual([ids[3], ids[2]]);
    expect(page.hasMore).toBe(true);
    expect(mock.requests.at(-1)!.query).toEqual({ limit: '2', purpose: 'vision' });
    const all = [];
    for await (const f of eachFile(conn(), { purpose: 'vision', limit: 2 })) all.push(f.id);
    expect(all.slice(0, 4)).toEqual([ids[3], ids[2], ids[1], ids[0]]);
    expect(all).not.toContain(ids[4]);
    const two = [];
    for await (const f of eachFile(conn(), { max: 2 })) two.push(f.id);
    expect(two).toEqual([ids[4], ids[3]]);
  });

  it("deletes a file; then it is gone (404, the API's words)", async () => {
    const { file } = await upload();
    expect(await deleteFile(conn(), file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    expect(mock.requests.at(-1)!.method).toBe('DELETE');
    const gone = await retrieveFile(conn(), file.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ApiError);
    expect(gone).toMatchObject({ status: 404, param: 'id', detail: `No such File object: ${file.id}` });
    await expect(deleteFile(conn(), file.id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a bad purpose, and a vision file that is not an image', async () => {
    await expect(upload('pictures')).rejects.toMatchObject({ status: 400, param: 'purpose', code: 'invalid_value' });
    const text = uploadFile(
      conn(),
      { source: { blob: new Blob(['hello']) }, filename: 'notes.txt', contentType: 'text/plain' },
      'vision',
    );
    await expect(text).rejects.toMatchObject({ status: 400, param: 'file', code: 'invalid_file_format' });
  });

  it("says plainly when an answer is not the Files API's", async () => {
    mock.enqueueFault({ status: 200, body: { data: 'nope' } });
    await expect(listFiles(conn())).rejects.toMatchObject({ kind: 'answer', problem: 'not-a-file' });
    mock.enqueueFault({ status: 200, body: '<html>gateway</html>' });
    await expect(retrieveFile(conn(), 'file-x')).rejects.toMatchObject({ kind: 'answer', problem: 'not-json' });
  });
});

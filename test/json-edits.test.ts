// Edits whose inputs are references, end to end against the offline server: an image URL served
// by a local test server, a data URL, an uploaded file id; the body's shape as the server received
// it, the multipart/JSON choice, what is checked before sending, and `files upload | xargs edit`.
import { crc32 } from 'node:zlib';
import { createServer, type Server } from 'node:http';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSource, MAX_IMAGE_URL } from '../src/upload/json-edit.js';
import { BIN, baseEnv, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({ streamDelayMs: 0 });

let cwd: string;
let photo: Buffer;
let mask: Buffer;
let site: Server;
let origin: string;
const served: string[] = [];

beforeAll(async () => {
  cwd = tempDir();
  photo = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3366aa' } })
    .png()
    .toBuffer();
  const pixels = Buffer.alloc(64 * 64 * 4, 255);
  for (let i = 3; i < pixels.length / 2; i += 4) pixels[i] = 0;
  mask = await sharp(pixels, { raw: { width: 64, height: 64, channels: 4 } })
    .png()
    .toBuffer();
  writeFileSync(join(cwd, 'photo.png'), photo);
  writeFileSync(join(cwd, 'mask.png'), mask);
  writeFileSync(
    join(cwd, 'scribble.png'),
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } })
      .png()
      .toBuffer(),
  );
  // A whole PNG whose bytes make a data URL past the API's 20,971,520 characters: the photo with
  // a 16 MB private ancillary chunk before IEND (decoders skip it; it is complete to the end).
  const padding = Buffer.alloc(16 * 1024 * 1024);
  const type = Buffer.from('prVt');
  const chunk = Buffer.concat([Buffer.alloc(4), type, padding, Buffer.alloc(4)]);
  chunk.writeUInt32BE(padding.length, 0);
  chunk.writeUInt32BE(crc32(Buffer.concat([type, padding])), 8 + padding.length);
  writeFileSync(
    join(cwd, 'huge.png'),
    Buffer.concat([photo.subarray(0, photo.length - 12), chunk, photo.subarray(photo.length - 12)]),
  );
  // The web server an image URL points at: a real server on 127.0.0.1 that the offline server fetches from.
  site = createServer((req, res) => {
    served.push(req.url ?? '');
    if (req.url === '/cat.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(photo);
    res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => site.close(() => resolve())));

const run = (...args: string[]) => imgcliInProcess(['--base-url', mock.url, ...args], { cwd });
const edits = () => mock.apiRequests().filter((r) => r.path === '/v1/images/edits');
const last = () => edits().at(-1)!;
const dataUrl = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;
const upload = async (file: string) => (await run('files', 'upload', file)).stdout.trim();

describe('JSON edits: the references sent', () => {
  it('an image URL goes as {"image_url"} in a JSON body; the server fetches it', async () => {
    const r = await run('edit', `${origin}/cat.png`, '-p', 'add a red scarf', '-o', 'cat.png', '--json');
    expect(r.exitCode).toBe(0);
    expect(String(last().headers['content-type'])).toBe('application/json');
    expect(last().parts).toBeUndefined();
    expect(last().json).toEqual({
      model: 'gpt-image-2',
      prompt: 'add a red scarf',
      output_format: 'png',
      images: [{ image_url: `${origin}/cat.png` }],
    });
    expect(served).toContain('/cat.png');
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ endpoint: 'edits', request_body: 'json', files: [{ path: 'cat.png', format: 'png' }] });
    expect(await sharp(join(cwd, 'cat.png')).metadata()).toMatchObject({ format: 'png', width: 1024, height: 1024 });
  });

  it('a data URL given as the image is sent as it is', async () => {
    const url = dataUrl(photo);
    const r = await run('edit', url, '-p', 'a hat', '-o', 'hat.png');
    expect(r.exitCode).toBe(0);
    expect((last().json as { images: unknown }).images).toEqual([{ image_url: url }]);
  });

  it('an uploaded file id goes as {"file_id"}, and a mask can be one too', async () => {
    const image = await upload('photo.png');
    const maskId = await upload('mask.png');
    const r = await run('edit', image, '--mask', maskId, '-p', 'a window', '-n', '2', '-o', 'win.png', '--json');
    expect(r.exitCode).toBe(0);
    expect(last().json).toEqual({
      model: 'gpt-image-2',
      prompt: 'a window',
      n: 2,
      output_format: 'png',
      images: [{ file_id: image }],
      mask: { file_id: maskId },
    });
    expect(JSON.parse(r.stdout).files.map((f: { path: string }) => f.path)).toEqual(['win-1.png', 'win-2.png']);
  });

  it('local files beside a reference go as data URLs, checked first; a local mask follows them', async () => {
    const id = await upload('photo.png');
    const r = await run('edit', id, 'photo.png', '--mask', 'mask.png', '-p', 'together', '-o', 'mixed.png');
    expect(r.exitCode).toBe(0);
    const body = last().json as { images: Array<Record<string, string>>; mask: { image_url: string } };
    expect(body.images).toEqual([{ file_id: id }, { image_url: dataUrl(photo) }]);
    expect(body.mask).toEqual({ image_url: dataUrl(mask) });
    // The mask's size cannot be compared with a file id's image: it is checked alone, and stderr says so.
    expect(r.stderr).toContain(`--mask mask.png: its size cannot be checked against ${id}; the server checks it`);
  });
});

describe('multipart or JSON', () => {
  it('local files alone go multipart, as before; --body json sends them as data URLs', async () => {
    const multipart = await run('edit', 'photo.png', '-p', 'x', '-o', 'm.png', '--json');
    expect(String(last().headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    expect(last().json).toBeUndefined();
    expect(last().parts?.map((p) => p.name)).toEqual(['model', 'prompt', 'output_format', 'image']);
    expect(JSON.parse(multipart.stdout).request_body).toBe('multipart');
    const json = await run('edit', 'photo.png', '-p', 'x', '--body', 'json', '-o', 'j.png', '--json');
    expect(json.exitCode).toBe(0);
    expect(last().json).toEqual({
      model: 'gpt-image-2',
      prompt: 'x',
      output_format: 'png',
      images: [{ image_url: dataUrl(photo) }],
    });
    expect(JSON.parse(json.stdout).request_body).toBe('json');
  });

  it('--body multipart with a reference, and references for dall-e-2, are refused before sending', async () => {
    const mp = await run('edit', `${origin}/cat.png`, '-p', 'x', '--body', 'multipart');
    expect(mp.stderr).toBe(
      `error: --body multipart uploads files, but ${origin}/cat.png is a reference\nhint: Drop --body multipart: references go as JSON; or give local files.`,
    );
    const dalle = await run('edit', 'file-abc123', '-p', 'x', '-m', 'dall-e-2');
    expect(dalle.stderr).toBe(
      'error: dall-e-2 edits take uploaded files only (multipart), and file-abc123 is not a local file\nhint: Download the image and give the file, or use a GPT image model (-m gpt-image-2), which takes URLs and file ids.',
    );
    const vary = await run('vary', `${origin}/cat.png`, '-m', 'dall-e-2');
    expect(vary.stderr).toMatch(/^error: dall-e-2 variations take uploaded files only \(multipart\)/);
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('vary with a GPT model takes a reference too: JSON through /images/edits', async () => {
    const id = await upload('photo.png');
    const r = await run('vary', id, '-o', 'take.png');
    expect(r.exitCode).toBe(0);
    expect(last().json).toMatchObject({
      model: 'gpt-image-2',
      images: [{ file_id: id }],
      prompt: expect.stringMatching(/^Create a variation of this image/),
    });
  });

  it('--moderation goes with a JSON edit, and is refused on a multipart one with where it is taken', async () => {
    const id = await upload('photo.png');
    expect((await run('edit', id, '-p', 'x', '--moderation', 'low', '-o', 'mod.png')).exitCode).toBe(0);
    expect(last().json).toMatchObject({ moderation: 'low' });
    const mp = await run('edit', 'photo.png', '-p', 'x', '--moderation', 'low');
    expect(mp.stderr).toBe(
      'error: --moderation is not accepted by gpt-image-2 for edits; it is for generations and edits sent as JSON (an image URL or file id, or --body json)',
    );
  });
});

describe('checked before sending', () => {
  it('a local file too large for a data URL is refused with the way around it', async () => {
    const r = await run('edit', 'huge.png', '-p', 'x', '--body', 'json');
    expect(r.exitCode).toBe(2);
    const length = 'data:image/png;base64,'.length + Math.ceil((photo.length + 12 + 16 * 1024 * 1024) / 3) * 4;
    expect(r.stderr).toBe(
      `error: huge.png is 16.0 MB: as a data URL it would be ${length.toLocaleString('en')} characters, and a JSON edit takes at most 20,971,520 per image (about 15 MB of image)\nhint: Upload it once and refer to it by id: imgcli files upload huge.png, then pass the file id it prints in place of the path.`,
    );
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('--mask-from needs a local first image: its size makes the mask', async () => {
    const r = await run('edit', `${origin}/cat.png`, '-p', 'x', '--mask-from', 'scribble.png');
    expect(r.stderr).toBe(
      `error: --mask-from draws the mask at the first image's size, which imgcli cannot see for ${origin}/cat.png\nhint: Build the mask at that size yourself (imgcli mask drawing.png --size WxH -o mask.png) and pass --mask mask.png, or put a local file first.`,
    );
  });

  it('reads an argument as a path, a URL or a file id, and checks what it can of a reference', () => {
    expect(readSource('photo.png', 'image')).toEqual({ kind: 'path', path: 'photo.png' });
    expect(readSource('C:\\pics\\a.png', 'image')).toEqual({ kind: 'path', path: 'C:\\pics\\a.png' });
    expect(readSource('./file-abc', 'image')).toEqual({ kind: 'path', path: './file-abc' });
    expect(readSource('file-AbC_12-x', 'image')).toEqual({ kind: 'file', id: 'file-AbC_12-x' });
    expect(readSource('HTTPS://example.com/a.png?x=1', 'image')).toEqual({
      kind: 'url',
      url: 'HTTPS://example.com/a.png?x=1',
    });
    expect(() => readSource('ftp://example.com/a.png', 'image')).toThrow(
      'image ftp://example.com/a.png is a ftp: URL; the API fetches http(s) URLs only',
    );
    expect(() => readSource('https://', 'image')).toThrow(/is not a valid URL/);
    expect(() => readSource('data:text/plain;base64,aGk=', '--mask')).toThrow(
      '--mask is a data URL, but not a base64 PNG, JPEG or WebP image (data:image/png;base64,...)',
    );
    expect(() => readSource(`https://example.com/${'a'.repeat(MAX_IMAGE_URL)}`, 'image')).toThrow(
      /a URL of 20,971,540 characters; the API takes at most 20,971,520/,
    );
  });

  it('warns when file-... names a local file too', async () => {
    writeFileSync(join(cwd, 'file-local'), photo);
    const r = await run('edit', 'file-local', '-p', 'x', '--dry-run');
    expect(r.stderr).toContain(
      'warning: file-local is read as a Files API id; a local file of that name exists: write ./file-local to send the file.',
    );
  });
});

describe('what the server says about references', () => {
  it('a URL it cannot fetch, an unknown file id: exit 3 with a next step', async () => {
    const missing = await run('edit', `${origin}/missing.png`, '-p', 'x', '-o', 'no.png');
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toMatch(
      new RegExp(
        `^error: The API answered 400 \\(invalid_image_url, param images\\[0\\]\\.image_url\\): Error while downloading ${origin}/missing\\.png\\.\\nhint: The server could not use that image URL`,
      ),
    );
    const unknown = await run('edit', 'file-nope', '-p', 'x', '-o', 'no.png');
    expect(unknown.exitCode).toBe(3);
    expect(unknown.stderr).toMatch(
      /\nhint: The server has no file with that id: `imgcli files list` shows the ids it has; `imgcli files upload` adds one\.\n/,
    );
    expect(existsSync(join(cwd, 'no.png'))).toBe(false);
  });
});

describe('the rest of edit works on JSON edits too', () => {
  it('--dry-run shows a data URL shortened, and says so', async () => {
    const r = await run('edit', 'photo.png', '-p', 'x', '--body', 'json', '--dry-run', '--json');
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.body.images).toEqual([
      { image_url: `data:image/png;base64,<${dataUrl(photo).length.toLocaleString('en')} characters>` },
    ]);
    expect(doc.note).toBe('data URLs are shortened here (<N characters>); the request sends them whole');
    expect(doc.headers['content-type']).toBe('application/json');
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('--stream streams a JSON edit (image_edit events, partials written)', async () => {
    const id = await upload('photo.png');
    const r = await run('edit', id, '-p', 'x', '--stream', '--partial-images', '1', '-o', 'streamed.png');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['streamed.png', 'streamed.partial-0.png']);
    expect(last().json).toMatchObject({ stream: true, partial_images: 1, images: [{ file_id: id }] });
  });

  it('--if-changed: the fingerprint counts a reference as written, so the same URL is up to date', async () => {
    const args = ['edit', `${origin}/cat.png`, '-p', 'a scarf', '-o', 'fresh.png', '--if-changed'];
    expect((await run(...args)).exitCode).toBe(0);
    const again = await run(...args);
    expect([again.exitCode, again.stdout, again.stderr]).toEqual([0, 'fresh.png', 'up to date: fresh.png']);
    expect(edits()).toHaveLength(1);
    const other = await run('edit', `${origin}/cat.png?v=2`, '-p', 'a scarf', '-o', 'fresh.png', '--check');
    expect(other.exitCode).toBe(1);
  });
});

describe('batch', () => {
  it('an edit job takes a URL or a file id as its image, and goes as JSON', async () => {
    const id = await upload('photo.png');
    const jobs = [
      { command: 'edit', image: `${origin}/cat.png`, prompt: 'job one', out: 'b1.png' },
      { command: 'edit', images: [id, 'photo.png'], prompt: 'job two', out: 'b2.png' },
    ];
    writeFileSync(join(cwd, 'jobs.jsonl'), jobs.map((j) => JSON.stringify(j)).join('\n'));
    const r = await run('batch', 'jobs.jsonl');
    expect(r.exitCode, r.stderr).toBe(0);
    const body = (prompt: string) =>
      edits().find((q) => (q.json as { prompt?: string } | undefined)?.prompt === prompt)?.json;
    expect(body('job one')).toMatchObject({ images: [{ image_url: `${origin}/cat.png` }] });
    expect(body('job two')).toMatchObject({ images: [{ file_id: id }, { image_url: dataUrl(photo) }] });
  });
});

describe('files upload | xargs imgcli edit', () => {
  it('edits the uploaded image by its id, in a real shell pipeline', async () => {
    const bin = join(tempDir(), 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'imgcli'), `#!/bin/sh\nexec node ${JSON.stringify(BIN)} "$@"\n`);
    chmodSync(join(bin, 'imgcli'), 0o755);
    const env = { ...baseEnv(cwd), PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, OPENAI_BASE_URL: mock.url };
    const r = await execa(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        'imgcli files upload photo.png | xargs -I{} imgcli edit {} -p "add a red scarf" -o scarf.png',
      ],
      { cwd, env, extendEnv: false, reject: false },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('scarf.png');
    const [up, edit] = mock.apiRequests();
    expect([up!.method, up!.path, edit!.path]).toEqual(['POST', '/v1/files', '/v1/images/edits']);
    const id = (edit!.json as { images: Array<{ file_id: string }> }).images[0]!.file_id;
    expect(id).toMatch(/^file-/);
    expect(edit!.json).toEqual({
      model: 'gpt-image-2',
      prompt: 'add a red scarf',
      output_format: 'png',
      images: [{ file_id: id }],
    });
    expect(readFileSync(join(cwd, 'scarf.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});

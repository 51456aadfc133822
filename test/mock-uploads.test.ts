// The offline server's edits and variations endpoints in-process: the multipart parser, and the
// API's refusals for what imgcli itself never sends (octet-stream parts, JSON to variations, wrong fields).
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundaryOf, MultipartError, parseMultipart } from '../src/mock/multipart.js';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { formBody } from './helpers/uploads.js';

let mock: MockServer;
// Made in beforeAll; the case tables below are built earlier, so they name images by key.
const images: Record<'png' | 'rgba', Buffer> = { png: Buffer.alloc(0), rgba: Buffer.alloc(0) };
beforeAll(async () => {
  mock = await startMockServer();
  images.png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();
  images.rgba = await sharp({
    create: { width: 32, height: 32, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
  })
    .png()
    .toBuffer();
});
afterAll(() => mock.close());

type Part = [name: string, value: string | [image: keyof typeof images, filename: string, type: string]];

async function post(path: string, parts: Part[]) {
  const form = new FormData();
  for (const [name, value] of parts) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([images[value[0]]], { type: value[2] }), value[1]);
  }
  const { body, contentType } = await formBody(form);
  const res = await request(`${mock.url}${path}`, {
    method: 'POST',
    body,
    headers: { authorization: 'Bearer sk-test', 'content-type': contentType },
  });
  return {
    status: res.statusCode,
    body: (await res.body.json()) as {
      error?: { message: string; param: string | null; code: string | null };
      data?: unknown[];
      usage?: { input_tokens_details: { image_tokens: number } };
    },
  };
}

describe('multipart parser', () => {
  it('reads names, filenames, content types and bytes, and refuses a cut body', () => {
    const body = Buffer.concat([
      Buffer.from('--xyz\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-image-2\r\n'),
      Buffer.from(
        '--xyz\r\nContent-Disposition: form-data; name="image[]"; filename="a %22b%22.png"\r\nContent-Type: image/png\r\n\r\n',
      ),
      Buffer.from([0, 13, 10, 45, 45, 255]),
      Buffer.from('\r\n--xyz--\r\n'),
    ]);
    expect(boundaryOf('multipart/form-data; boundary=xyz')).toBe('xyz');
    expect(boundaryOf('application/json')).toBeUndefined();
    const parts = parseMultipart(body, 'xyz');
    expect(parts.map((p) => [p.name, p.filename, p.contentType, p.data.length])).toEqual([
      ['model', undefined, undefined, 11],
      ['image[]', 'a "b".png', 'image/png', 6],
    ]);
    expect(() => parseMultipart(body.subarray(0, body.length - 12), 'xyz')).toThrow(MultipartError);
  });
});

describe('offline /images/edits and /images/variations', () => {
  it('answers an edit with a derived image and counts the input image tokens', async () => {
    const r = await post('/images/edits', [
      ['model', 'gpt-image-2'],
      ['prompt', 'x'],
      ['size', '1024x1024'],
      ['image', ['png', 'a.png', 'image/png']],
    ]);
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(1);
    expect(r.body.usage!.input_tokens_details.image_tokens).toBeGreaterThan(0);
    expect(mock.requests.at(-1)!.parts).toEqual([
      { name: 'model', bytes: 11, value: 'gpt-image-2' },
      { name: 'prompt', bytes: 1, value: 'x' },
      { name: 'size', bytes: 9, value: '1024x1024' },
      { name: 'image', filename: 'a.png', contentType: 'image/png', bytes: images.png.length },
    ]);
  });

  it.each<[string, string, Part[], RegExp, string | null]>([
    [
      'octet-stream',
      '/images/edits',
      [
        ['model', 'gpt-image-2'],
        ['prompt', 'x'],
        ['image', ['png', 'a.png', 'application/octet-stream']],
      ],
      /unsupported mimetype \('application\/octet-stream'\)/,
      'image',
    ],
    [
      'bytes unlike the type',
      '/images/edits',
      [
        ['model', 'gpt-image-2'],
        ['prompt', 'x'],
        ['image', ['png', 'a.jpg', 'image/jpeg']],
      ],
      /sent as 'image\/jpeg' but its content is png/,
      'image',
    ],
    [
      'no image',
      '/images/edits',
      [
        ['model', 'gpt-image-2'],
        ['prompt', 'x'],
      ],
      /Missing required parameter: 'image'/,
      'image',
    ],
    [
      'image as text',
      '/images/edits',
      [
        ['model', 'gpt-image-2'],
        ['prompt', 'x'],
        ['image', 'a.png'],
      ],
      /expected a file/,
      'image',
    ],
    [
      'unknown file field',
      '/images/edits',
      [
        ['model', 'gpt-image-2'],
        ['prompt', 'x'],
        ['image', ['png', 'a.png', 'image/png']],
        ['picture', ['png', 'b.png', 'image/png']],
      ],
      /Unknown parameter: 'picture'/,
      'picture',
    ],
    [
      'mask without alpha',
      '/images/edits',
      [
        ['model', 'gpt-image-2'],
        ['prompt', 'x'],
        ['image', ['png', 'a.png', 'image/png']],
        ['mask', ['png', 'm.png', 'image/png']],
      ],
      /Invalid mask image/,
      'mask',
    ],
    [
      'moderation on edits',
      '/images/edits',
      [
        ['model', 'gpt-image-2'],
        ['prompt', 'x'],
        ['moderation', 'low'],
        ['image', ['png', 'a.png', 'image/png']],
      ],
      /Unknown parameter: 'moderation'/,
      'moderation',
    ],
    [
      'dall-e-2 without transparency',
      '/images/edits',
      [
        ['model', 'dall-e-2'],
        ['prompt', 'x'],
        ['image', ['png', 'a.png', 'image/png']],
      ],
      /format must be in \['RGBA', 'LA', 'L'\], got RGB/,
      'image',
    ],
    [
      'two images for dall-e-2',
      '/images/edits',
      [
        ['model', 'dall-e-2'],
        ['prompt', 'x'],
        ['image[]', ['rgba', 'a.png', 'image/png']],
        ['image[]', ['rgba', 'b.png', 'image/png']],
      ],
      /too many images/,
      'image',
    ],
    [
      'a prompt for variations',
      '/images/variations',
      [
        ['model', 'dall-e-2'],
        ['prompt', 'x'],
        ['image', ['png', 'a.png', 'image/png']],
      ],
      /Unknown parameter: 'prompt'/,
      'prompt',
    ],
    [
      'variations on a GPT model',
      '/images/variations',
      [
        ['model', 'gpt-image-2'],
        ['image', ['png', 'a.png', 'image/png']],
      ],
      /does not support variations/,
      'model',
    ],
  ])('refuses %s', async (_name, path, parts, message, param) => {
    const r = await post(path, parts);
    expect(r.status).toBe(400);
    expect(r.body.error!.message).toMatch(message);
    expect(r.body.error!.param).toBe(param);
  });

  it('refuses a JSON body on the variations endpoint (multipart only), and a text body on edits', async () => {
    const json = await request(`${mock.url}/images/variations`, {
      method: 'POST',
      body: '{"model":"dall-e-2"}',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
    });
    expect(json.statusCode).toBe(400);
    expect(((await json.body.json()) as { error: { message: string } }).error.message).toBe(
      'Invalid Content-Type header (application/json), expected multipart/form-data.',
    );
    const text = await request(`${mock.url}/images/edits`, {
      method: 'POST',
      body: 'hello',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'text/plain' },
    });
    expect(((await text.body.json()) as { error: { message: string } }).error.message).toBe(
      'Invalid Content-Type header (text/plain), expected multipart/form-data or application/json.',
    );
  });
});

// The offline server's refusals against canned API error bodies: each request the offline server
// refuses is sent to it, and the status and body it answers must equal the fixture in
// fixtures/api-errors/ exactly. The fixtures hold what api.openai.com answers, as far as it is
// known (fixtures/api-errors/README.md says where each wording comes from); the offline server
// is not their source, so a change to its table or wording cannot change what it is held to.
import { readFileSync, readdirSync } from 'node:fs';
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { useMockServer } from './helpers/mock.js';
import { formBody } from './helpers/uploads.js';

const mock = useMockServer();
let strict: MockServer;
let noGif: MockServer;
beforeAll(async () => {
  strict = await startMockServer({ apiKey: 'sk-right-key-000000005678' });
  noGif = await startMockServer({ gifAccess: false });
});
afterAll(() => Promise.all([strict.close(), noGif.close()]));

const FIXTURES = new URL('../fixtures/api-errors/', import.meta.url);
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as {
    status: number;
    body: { error: Record<string, unknown> };
  };

interface Answer {
  status: number;
  body: unknown;
}

const AUTH = { authorization: 'Bearer sk-test-abcdefghijklmnop1234' };

async function answer(res: Awaited<ReturnType<typeof request>>): Promise<Answer> {
  const text = await res.body.text();
  return { status: res.statusCode, body: JSON.parse(text) };
}

const post = async (path: string, body: unknown, headers: Record<string, string> = AUTH, server: MockServer = mock) =>
  answer(
    await request(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
const generate = (body: Record<string, unknown>) => post('/images/generations', body);

type File = { file: Buffer; filename: string; type: string };
type Field = [string, string | File];

async function upload(path: string, fields: Field[]): Promise<Answer> {
  const form = new FormData();
  for (const [name, value] of fields) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([value.file], { type: value.type }), value.filename);
  }
  const { body, contentType } = await formBody(form);
  return answer(
    await request(`${mock.url}${path}`, { method: 'POST', headers: { ...AUTH, 'content-type': contentType }, body }),
  );
}

let img: Record<'rgb' | 'rgba' | 'wide' | 'jpeg' | 'bigPng' | 'hugePng', Buffer>;
beforeAll(async () => {
  const solid = (w: number, h: number, channels: 3 | 4) =>
    sharp({ create: { width: w, height: h, channels, background: { r: 40, g: 90, b: 160, alpha: 0.5 } } });
  const rgb = await solid(64, 64, 3).png().toBuffer();
  img = {
    rgb,
    rgba: await solid(64, 64, 4).png().toBuffer(),
    wide: await solid(64, 48, 4).png().toBuffer(),
    jpeg: await solid(64, 64, 3).jpeg().toBuffer(),
    // Size limits are judged on the bytes sent: a small PNG with bytes after its end.
    bigPng: Buffer.concat([rgb, Buffer.alloc(4 * 1024 * 1024)]),
    hugePng: Buffer.concat([rgb, Buffer.alloc(50 * 1024 * 1024)]),
  };
});

const png = (file: Buffer, filename = 'a.png'): File => ({ file, filename, type: 'image/png' });
const dataUrl = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;
const edit = (model: string, ...files: Field[]) =>
  upload('/images/edits', [['model', model], ['prompt', 'a red scarf'], ...files]);

/** Each fixture and the request that earns it. */
const CASES: Record<string, () => Promise<Answer>> = {
  'missing-api-key': () => post('/images/generations', { model: 'gpt-image-2', prompt: 'x' }, {}),
  'incorrect-api-key': () =>
    post(
      '/images/generations',
      { model: 'gpt-image-2', prompt: 'x' },
      { authorization: 'Bearer sk-wrong-key-000000001234' },
      strict,
    ),
  'invalid-url': () => post('/images/generate', { model: 'gpt-image-2', prompt: 'x' }),
  'invalid-json': () => post('/images/generations', '{nope'),
  'missing-model': () => generate({ prompt: 'x' }),
  'model-not-found': () => generate({ model: 'no-such-model', prompt: 'x' }),
  'unknown-parameter': () => generate({ model: 'gpt-image-2', prompt: 'x', response_format: 'url' }),
  'missing-prompt': () => generate({ model: 'gpt-image-2' }),
  'prompt-too-long': () => generate({ model: 'dall-e-2', prompt: 'x'.repeat(1001) }),
  'n-not-integer': () => generate({ model: 'gpt-image-2', prompt: 'x', n: 'two' }),
  'n-below-minimum': () => generate({ model: 'gpt-image-2', prompt: 'x', n: 0 }),
  'n-above-maximum': () => generate({ model: 'dall-e-2', prompt: 'x', n: 11 }),
  'invalid-quality': () => generate({ model: 'gpt-image-1', prompt: 'x', quality: 'standard' }),
  'invalid-size': () => generate({ model: 'gpt-image-1', prompt: 'x', size: '1254x836' }),
  'invalid-custom-size': () => generate({ model: 'gpt-image-2', prompt: 'x', size: '1792x936' }),
  'transparent-jpeg': () =>
    generate({ model: 'gpt-image-2', prompt: 'x', background: 'transparent', output_format: 'jpeg' }),
  'compression-with-png': () => generate({ model: 'gpt-image-2', prompt: 'x', output_compression: 50 }),
  'compression-above-maximum': () =>
    generate({ model: 'gpt-image-2', prompt: 'x', output_compression: 101, output_format: 'jpeg' }),
  'partial-images-above-maximum': () =>
    generate({ model: 'gpt-image-2', prompt: 'x', stream: true, partial_images: 4 }),
  'complexity-before-2-6': () => generate({ model: 'gpt-image-2.5-flare', prompt: 'x', complexity: 'low' }),
  'gif-before-2-6': () => generate({ model: 'gpt-image-2.5-flare', prompt: 'x', output_format: 'gif' }),
  'frames-above-maximum': () =>
    generate({ model: 'gpt-image-2.6-flare', prompt: 'x', output_format: 'gif', frame_count: 17 }),
  'frames-without-gif': () => generate({ model: 'gpt-image-2.6-flare', prompt: 'x', frame_count: 4 }),
  'frame-duration-below-minimum': () =>
    generate({ model: 'gpt-image-2.6-flare', prompt: 'x', output_format: 'gif', frame_duration_ms: 10 }),
  'gif-sheet-too-large': () =>
    generate({ model: 'gpt-image-2.6-flare', prompt: 'x', output_format: 'gif', size: '1024x1024', frame_count: 6 }),
  'svg-n-above-one': () => generate({ model: 'gpt-image-2.6-flare', prompt: 'x', output_format: 'svg', n: 2 }),
  'gif-streamed': () =>
    generate({ model: 'gpt-image-2.6-flare', prompt: 'x', output_format: 'gif', stream: true, partial_images: 1 }),
  'compression-with-gif': () =>
    generate({ model: 'gpt-image-2.6-flare', prompt: 'x', output_format: 'gif', output_compression: 50 }),
  'svg-object-without-svg': () =>
    generate({ model: 'gpt-image-2.6-flare', prompt: 'x', svg: { model: 'gpt-5', reasoning: { effort: 'low' } } }),
  'svg-effort-minimal': () =>
    generate({
      model: 'gpt-image-2.6-flare',
      prompt: 'x',
      output_format: 'svg',
      svg: { model: 'gpt-5', reasoning: { effort: 'minimal' } },
    }),
  'gif-without-preview-access': () =>
    post('/images/generations', { model: 'gpt-image-2.6-flare', prompt: 'x', output_format: 'gif' }, AUTH, noGif),
  'gif-edit-with-mask': () =>
    edit('gpt-image-2.6-flare', ['output_format', 'gif'], ['image', png(img.rgb)], ['mask', png(img.rgba, 'm.png')]),
  'markup-before-2-6': () => edit('gpt-image-2.5-flare', ['image', png(img.rgb)], ['markup', png(img.rgba, 'k.png')]),
  'markup-with-mask': () =>
    edit(
      'gpt-image-2.6-flare',
      ['image', png(img.rgb)],
      ['mask', png(img.rgba, 'm.png')],
      ['markup', png(img.rgba, 'k.png')],
    ),
  'markup-without-alpha': () => edit('gpt-image-2.6-flare', ['image', png(img.rgb)], ['markup', png(img.rgb, 'k.png')]),
  'markup-size-mismatch': () =>
    edit('gpt-image-2.6-flare', ['image', png(img.rgb)], ['markup', png(img.wide, 'k.png')]),
  'edit-json-markup-with-mask': () =>
    post('/images/edits', {
      model: 'gpt-image-2.6-flare',
      prompt: 'x',
      images: [{ image_url: dataUrl(img.rgb) }],
      mask: { image_url: dataUrl(img.rgba) },
      markup: { image_url: dataUrl(img.rgba) },
    }),
  'edit-svg': () => edit('gpt-image-2.6-flare', ['output_format', 'svg'], ['image', png(img.rgb)]),
  'moderation-blocked': () => generate({ model: 'gpt-image-2', prompt: 'a forbidden thing' }),
  'content-policy-violation': () => generate({ model: 'dall-e-3', prompt: 'a forbidden thing' }),
  'model-without-endpoint': () => edit('dall-e-3', ['image', png(img.rgba)]),
  'edit-size-dall-e-2': () => edit('dall-e-2', ['size', '1536x1024'], ['image', png(img.rgba)]),
  'edit-image-as-text': () => edit('gpt-image-2', ['image', 'a.png']),
  'edit-unknown-file-field': () => edit('gpt-image-2', ['image', png(img.rgb)], ['picture', png(img.rgb)]),
  'edit-unsupported-mimetype': () =>
    edit('gpt-image-1', ['image', { file: img.rgb, filename: 'a', type: 'application/octet-stream' }]),
  'edit-unsupported-mimetype-dall-e-2': () =>
    edit('dall-e-2', ['image', { file: img.rgba, filename: 'a', type: 'application/octet-stream' }]),
  'edit-invalid-image-file': () => edit('gpt-image-2', ['image', png(Buffer.from('shopping list: eggs, flour\n'))]),
  'edit-mislabelled-image': () => edit('gpt-image-2', ['image', png(img.jpeg)]),
  'edit-image-too-large': () => edit('gpt-image-2', ['image', png(img.hugePng)]),
  'edit-image-too-large-dall-e-2': () => edit('dall-e-2', ['image', png(img.bigPng)]),
  'edit-missing-image': () => edit('gpt-image-2'),
  'edit-too-many-images': () =>
    edit('gpt-image-2', ...Array.from({ length: 17 }, (): Field => ['image[]', png(img.rgb)])),
  'edit-two-masks': () =>
    edit('gpt-image-2', ['image', png(img.rgb)], ['mask', png(img.rgba, 'm.png')], ['mask', png(img.rgba, 'm.png')]),
  'edit-not-square-dall-e-2': () => edit('dall-e-2', ['image', png(img.wide)]),
  'edit-mask-without-alpha': () => edit('gpt-image-2', ['image', png(img.rgb)], ['mask', png(img.rgb, 'm.png')]),
  'edit-mask-size-mismatch': () => edit('gpt-image-2', ['image', png(img.rgb)], ['mask', png(img.wide, 'm.png')]),
  'edit-no-alpha-dall-e-2': () => edit('dall-e-2', ['image', png(img.rgb)]),
  'edit-json-missing-images': () => post('/images/edits', { model: 'gpt-image-2', prompt: 'x' }),
  'edit-wrong-content-type': () =>
    post('/images/edits', 'model=gpt-image-2', { ...AUTH, 'content-type': 'text/plain' }),
  'edit-json-dall-e-2': () =>
    post('/images/edits', { model: 'dall-e-2', prompt: 'x', images: [{ image_url: dataUrl(img.rgba) }] }),
  'edit-json-unknown-file-id': () =>
    post('/images/edits', { model: 'gpt-image-2', prompt: 'x', images: [{ file_id: 'file-nope' }] }),
  'edit-json-url-not-local': () =>
    post('/images/edits', {
      model: 'gpt-image-2',
      prompt: 'x',
      images: [{ image_url: 'https://example.com/cat.png' }],
    }),
  'edit-json-ref-both-keys': () =>
    post('/images/edits', {
      model: 'gpt-image-2',
      prompt: 'x',
      images: [{ image_url: dataUrl(img.rgb), file_id: 'file-x' }],
    }),
  'edit-json-too-many-images': () =>
    post('/images/edits', {
      model: 'gpt-image-2',
      prompt: 'x',
      images: Array.from({ length: 17 }, () => ({ image_url: dataUrl(img.rgb) })),
    }),
  'edit-broken-multipart': () =>
    post('/images/edits', 'not a form', { ...AUTH, 'content-type': 'multipart/form-data; boundary=xyz' }),
  'variation-prompt': () =>
    upload('/images/variations', [
      ['model', 'dall-e-2'],
      ['prompt', 'x'],
      ['image', png(img.rgba)],
    ]),
  'files-no-such-file': async () => answer(await request(`${mock.url}/files/file-nope`, { headers: AUTH })),
  'files-bad-purpose': () =>
    upload('/files', [
      ['purpose', 'pictures'],
      ['file', png(img.rgb)],
    ]),
  'files-missing-purpose': () => upload('/files', [['file', png(img.rgb)]]),
  'files-missing-file': () => upload('/files', [['purpose', 'vision']]),
  'files-expiry-out-of-range': () =>
    upload('/files', [
      ['purpose', 'vision'],
      ['expires_after[anchor]', 'created_at'],
      ['expires_after[seconds]', '60'],
      ['file', png(img.rgb)],
    ]),
  'model-get-not-found': async () => answer(await request(`${mock.url}/models/no-such-model`, { headers: AUTH })),
  'models-wrong-method': () => post('/models', {}),
};

/**
 * What the offline server cannot say as the API does, each with its reason; applied to the
 * fixture to give the offline server's exact answer. Everything else must match as it is.
 */
const GAPS: Record<string, { why: string; expect: (real: ReturnType<typeof fixture>) => ReturnType<typeof fixture> }> =
  {
    'moderation-blocked': {
      why: 'the API ends the message with its own request id and may add moderation_details; the offline server says the first sentence only',
      expect: (real) => {
        const { moderation_details: _details, ...error } = real.body.error;
        return {
          ...real,
          body: {
            error: { ...error, message: String(error.message).replace(/ If you believe this is an error.*$/, '') },
          },
        };
      },
    },
  };

describe('the offline server refuses as api.openai.com does', () => {
  it('has a request for every fixture and a fixture for every request', () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.keys(CASES))('%s', async (name) => {
    const real = fixture(name);
    const expected = GAPS[name]?.expect(real) ?? real;
    expect(await CASES[name]!()).toEqual(expected);
  });
});

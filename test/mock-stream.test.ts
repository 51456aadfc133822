// The offline server's streamed answers, in-process: the API's event shape for generations and
// edits, partials that sharpen towards the final, events spaced over time, stream faults.
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readSse, type SseEvent } from '../src/api/sse.js';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { formBody } from './helpers/uploads.js';

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer({ streamDelayMs: 0 });
});
afterAll(() => mock.close());
afterEach(() => {
  mock.clearFaults();
  mock.setStreamDelay(0);
});

const auth = { authorization: 'Bearer sk-test' };

async function events(path: string, body: FormData | Record<string, unknown>, bodyTimeout?: number) {
  const form = body instanceof FormData ? await formBody(body) : undefined;
  const res = await request(`${mock.url}${path}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': form ? form.contentType : 'application/json' },
    body: form ? form.body : JSON.stringify(body),
    ...(bodyTimeout ? { bodyTimeout } : {}),
  });
  const got: Array<SseEvent & { json: Record<string, any> }> = [];
  let error: unknown;
  try {
    for await (const e of readSse(res.body)) got.push({ ...e, json: JSON.parse(e.data) });
  } catch (err) {
    error = err;
  }
  return { status: res.statusCode, type: String(res.headers['content-type']), events: got, error };
}

const gen = (extra: Record<string, unknown> = {}, bodyTimeout?: number) =>
  events(
    '/images/generations',
    { model: 'gpt-image-1.5', prompt: 'a fox', quality: 'low', stream: true, partial_images: 2, ...extra },
    bodyTimeout,
  );

describe('streamed generations', () => {
  it('partials then the completed event, in the API shape, each event name repeated in its type', async () => {
    const r = await gen();
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/event-stream/);
    expect(r.events.map((e) => e.event)).toEqual([
      'image_generation.partial_image',
      'image_generation.partial_image',
      'image_generation.completed',
    ]);
    for (const e of r.events) expect(e.json.type).toBe(e.event);
    expect(r.events.map((e) => e.json.partial_image_index)).toEqual([0, 1, undefined]);
    const meta = {
      created_at: expect.any(Number),
      size: '1024x1024',
      quality: 'low',
      background: 'opaque',
      output_format: 'png',
    };
    expect(r.events[0]!.json).toMatchObject(meta);
    expect(r.events[2]!.json).toMatchObject({
      ...meta,
      usage: { output_tokens: 272, total_tokens: expect.any(Number) },
    });
    expect(r.events[0]!.json.usage).toBeUndefined();
  });

  it('partials are full-size renders of the final that get closer to it', async () => {
    const r = await gen({ partial_images: 3 });
    const raw = await Promise.all(
      r.events.map((e) => sharp(Buffer.from(e.json.b64_json, 'base64')).raw().toBuffer({ resolveWithObject: true })),
    );
    for (const { info } of raw) expect([info.width, info.height]).toEqual([1024, 1024]);
    const final = raw.at(-1)!.data;
    const distance = (d: Buffer) => d.reduce((sum, v, i) => sum + Math.abs(v - final[i]!), 0);
    const d = raw.slice(0, 3).map((x) => distance(x.data));
    expect(d[0]).toBeGreaterThan(d[1]!);
    expect(d[1]).toBeGreaterThan(d[2]!);
  });

  it('partial_images 0 sends only the completed event; n = 2 sends two, each with the whole usage', async () => {
    expect((await gen({ partial_images: 0 })).events.map((e) => e.event)).toEqual(['image_generation.completed']);
    const two = await gen({ partial_images: 1, n: 2 });
    expect(two.events.map((e) => e.event.split('.')[1])).toEqual([
      'partial_image',
      'completed',
      'partial_image',
      'completed',
    ]);
    expect(two.events[1]!.json.usage).toEqual(two.events[3]!.json.usage);
    expect(two.events[1]!.json.b64_json).not.toBe(two.events[3]!.json.b64_json);
  });

  it('spaces the events by the stream delay', async () => {
    // A delay far beyond the client's patience between chunks: the headers come at once, then
    // nothing, until the client gives up. No clock is read.
    mock.setStreamDelay(600_000);
    const r = await gen({}, 300);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/event-stream/);
    expect(r.events).toEqual([]);
    expect(r.error).toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
  });

  it('answers errors as plain JSON, as the API does before a stream starts', async () => {
    const r = await request(`${mock.url}/images/generations`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-1.5', prompt: 'forbidden fruit', stream: true }),
    });
    expect(r.statusCode).toBe(400);
    expect(String(r.headers['content-type'])).toMatch(/json/);
    expect(((await r.body.json()) as { error: { code: string } }).error.code).toBe('moderation_blocked');
  });
});

describe('streamed edits', () => {
  it('take stream=true from the form and answer image_edit events', async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({
      model: 'gpt-image-1.5',
      prompt: 'a scarf',
      stream: 'true',
      partial_images: '1',
      size: '1024x1024',
    }))
      form.append(k, v);
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    form.append('image', new Blob([png], { type: 'image/png' }), 'in.png');
    const r = await events('/images/edits', form);
    expect(r.events.map((e) => e.event)).toEqual(['image_edit.partial_image', 'image_edit.completed']);
  });
});

describe('stream faults', () => {
  it('streamCut: the connection closes after that many events', async () => {
    mock.enqueueFault({ streamCut: 1 });
    const r = await gen();
    expect(r.events.map((e) => e.event)).toEqual(['image_generation.partial_image']);
    expect(r.error).toBeDefined();
  });

  it('streamError: an `event: error` in the API error shape after that many events', async () => {
    mock.enqueueFault({
      streamError: {
        message: 'Your request was rejected by the safety system.',
        type: 'image_generation_user_error',
        code: 'moderation_blocked',
      },
      afterEvents: 2,
    });
    const r = await gen();
    expect(r.events.map((e) => e.event)).toEqual([
      'image_generation.partial_image',
      'image_generation.partial_image',
      'error',
    ]);
    expect(r.events[2]!.json).toEqual({
      error: {
        message: 'Your request was rejected by the safety system.',
        type: 'image_generation_user_error',
        param: null,
        code: 'moderation_blocked',
      },
    });
  });

  it('truncate works on a stream too; a stream fault on a request that does not stream is used up harmlessly', async () => {
    mock.enqueueFault({ truncate: 2000 });
    const cut = await gen();
    expect(cut.type).toMatch(/event-stream/);
    expect(cut.events).toEqual([]);
    mock.enqueueFault({ streamCut: 0 });
    const plain = await request(`${mock.url}/images/generations`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-1.5', prompt: 'x', quality: 'low' }),
    });
    expect(plain.statusCode).toBe(200);
    expect(((await plain.body.json()) as { data: unknown[] }).data).toHaveLength(1);
    expect((await gen({ partial_images: 0 })).events).toHaveLength(1);
  });
});

// The offline server on its own, in-process: it must answer like api.openai.com.
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { synthesizeImage } from '../src/mock/synth.js';

// The server's clock is the test's: URLs expire when the test moves it, not after real time.
let clock = Date.parse('2026-12-01T12:00:00Z');
let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer({ now: () => new Date(clock) });
});
afterAll(() => mock.close());
afterEach(() => {
  mock.requests.length = 0;
  mock.clearFaults();
  mock.setLatency(0);
});

async function post(body: unknown, headers: Record<string, string> = { authorization: 'Bearer sk-test' }) {
  const res = await request(`${mock.url}/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

describe('answers like the API', () => {
  it('wants a key, and sends a request id on every answer', async () => {
    const r = await post({ model: 'gpt-image-2', prompt: 'x' }, {});
    expect(r.status).toBe(401);
    // No key at all: the API's code is null (a wrong key is invalid_api_key); fixtures/api-errors.
    expect(r.json.error).toMatchObject({ code: null, type: 'invalid_request_error' });
    expect(r.headers['x-request-id']).toMatch(/^req_[0-9a-f]{24}$/);
    const strict = await startMockServer({ apiKey: 'sk-right' });
    const wrong = await request(`${strict.url}/images/generations`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-wrong' },
      body: '{}',
    });
    expect(wrong.statusCode).toBe(401);
    await wrong.body.text();
    await strict.close();
  });

  it.each([
    [{ model: 'gpt-image-2', prompt: 'x', response_format: 'url' }, 400, 'unknown_parameter', 'response_format'],
    [{ model: 'gpt-image-2', prompt: 'x', style: 'vivid' }, 400, 'unknown_parameter', 'style'],
    [{ model: 'gpt-image-2', prompt: 'x', size: '1000x1000' }, 400, 'invalid_value', 'size'],
    [{ model: 'gpt-image-1.5', prompt: 'x', size: '2048x1152' }, 400, 'invalid_value', 'size'],
    [{ model: 'dall-e-3', prompt: 'x', n: 2 }, 400, 'integer_above_max_value', 'n'],
    [{ model: 'gpt-image-2', prompt: 'x', quality: 'hd' }, 400, 'invalid_value', 'quality'],
    [
      { model: 'gpt-image-2', prompt: 'x', background: 'transparent', output_format: 'jpeg' },
      400,
      'invalid_value',
      'background',
    ],
    [{ model: 'gpt-image-2', prompt: 'x', output_compression: 50 }, 400, 'invalid_value', 'output_compression'],
    [{ model: 'dall-e-2', prompt: 'x'.repeat(1001) }, 400, 'string_above_max_length', 'prompt'],
    [{ model: 'gpt-image-2' }, 400, 'missing_required_parameter', 'prompt'],
    [{ prompt: 'x' }, 400, 'missing_required_parameter', 'model'],
    [{ model: 'no-such-model', prompt: 'x' }, 404, 'model_not_found', null],
    [{ model: 'gpt-image-2', prompt: 'x', mystery: 1 }, 400, 'unknown_parameter', 'mystery'],
  ])('%j -> %i %s', async (body, status, code, param) => {
    const r = await post(body);
    expect(r.status).toBe(status);
    expect(r.json.error).toMatchObject({ code, param });
    expect(typeof r.json.error.message).toBe('string');
  });

  it('refuses unparseable JSON', async () => {
    const r = await post('{nope');
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/could not parse the JSON body/);
  });

  it('plays the safety system for prompts with "forbidden"', async () => {
    expect((await post({ model: 'gpt-image-2', prompt: 'a forbidden thing' })).json.error).toMatchObject({
      code: 'moderation_blocked',
      type: 'image_generation_user_error',
    });
    expect((await post({ model: 'dall-e-3', prompt: 'a forbidden thing' })).json.error.code).toBe(
      'content_policy_violation',
    );
  });

  it('generates base64 images at the requested size and format, with usage', async () => {
    const r = await post({
      model: 'gpt-image-2',
      prompt: 'fox',
      n: 2,
      size: '1536x864',
      output_format: 'webp',
      background: 'transparent',
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ output_format: 'webp', size: '1536x864', background: 'transparent' });
    expect(r.json.data).toHaveLength(2);
    expect(r.json.data[0].url).toBeUndefined();
    const meta = await sharp(Buffer.from(r.json.data[0].b64_json, 'base64')).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 1536, height: 864, hasAlpha: true });
    expect(r.json.data[0].b64_json).not.toBe(r.json.data[1].b64_json);
    expect(r.json.usage.total_tokens).toBe(r.json.usage.input_tokens + r.json.usage.output_tokens);
  });

  it('is deterministic: same prompt, same bytes', async () => {
    const a = await synthesizeImage({ prompt: 'same', width: 64, height: 64 });
    const b = await synthesizeImage({ prompt: 'same', width: 64, height: 64 });
    const c = await synthesizeImage({ prompt: 'other', width: 64, height: 64 });
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.bytes.equals(c.bytes)).toBe(false);
  });

  it('with payload noise, serves photo-sized PNGs, still deterministic', async () => {
    const noisy = await startMockServer({ payload: 'noise' });
    try {
      const ask = async () => {
        const res = await request(`${noisy.url}/images/generations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
          body: JSON.stringify({ model: 'gpt-image-1', prompt: 'noise', size: '1024x1024' }),
        });
        return Buffer.from(((await res.body.json()) as any).data[0].b64_json, 'base64');
      };
      const [a, b] = [await ask(), await ask()];
      expect(a.equals(b)).toBe(true);
      // A real 1024x1024 gpt-image PNG is 1.5-3 MB; the gradient alone is a few hundred KB.
      expect(a.length).toBeGreaterThan(1_500_000);
      expect(a.length).toBeLessThan(3_000_000);
      expect(await sharp(a).metadata()).toMatchObject({ format: 'png', width: 1024, height: 1024 });
    } finally {
      await noisy.close();
    }
  });

  it('serves dall-e URLs, then expires them with 403', async () => {
    const r = await post({ model: 'dall-e-3', prompt: 'lighthouse' });
    expect(r.json.data[0].revised_prompt).toMatch(/lighthouse/);
    const url: string = r.json.data[0].url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/[0-9a-f]+\.png$/);
    const ok = await request(url);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('image/png');
    expect((await sharp(Buffer.from(await ok.body.arrayBuffer())).metadata()).width).toBe(1024);
    expect(r.json.created).toBe(clock / 1000);
    clock += 59 * 60_000;
    const later = await request(url);
    expect(later.statusCode).toBe(200);
    await later.body.dump();
    // Image URLs live 60 minutes, as OpenAI's do.
    clock += 60_001;
    const gone = await request(url);
    expect(gone.statusCode).toBe(403);
    expect(await gone.body.text()).toMatch(/AuthenticationFailed/);
  });
});

describe('faults', () => {
  it('answers an enqueued status with headers, `times` over', async () => {
    mock.enqueueFault(
      {
        status: 429,
        headers: { 'retry-after': '1' },
        body: { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
      },
      2,
    );
    for (let i = 0; i < 2; i++) {
      const r = await post({ model: 'gpt-image-2', prompt: 'x' });
      expect(r.status).toBe(429);
      expect(r.headers['retry-after']).toBe('1');
    }
    expect((await post({ model: 'gpt-image-2', prompt: 'x' })).status).toBe(200);
    expect(mock.apiRequests()).toHaveLength(3);
  });

  it('drops, truncates and sends raw bodies', async () => {
    mock.enqueueFault({ drop: 'before-response' });
    await expect(post({ model: 'gpt-image-2', prompt: 'x' })).rejects.toThrow();
    mock.enqueueFault({ truncate: 50 });
    await expect(post({ model: 'gpt-image-2', prompt: 'x' })).rejects.toThrow();
    mock.enqueueFault({ body: '<html>oops</html>', status: 502 });
    const html = await post({ model: 'gpt-image-2', prompt: 'x' });
    expect(html.status).toBe(502);
    expect(html.headers['content-type']).toBe('text/html');
  });

  // Latency and stalls outlast the client's patience by far, so the client giving up shows the
  // answer was held; no clock is read.
  it('adds latency and stalls', async () => {
    const HOLD_MS = 600_000;
    const impatient = () =>
      request(`${mock.url}/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
        body: JSON.stringify({ model: 'gpt-image-2', prompt: 'x', size: '1024x1024', quality: 'low' }),
        headersTimeout: 300,
      });
    mock.setLatency(HOLD_MS);
    await expect(impatient()).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    mock.setLatency(0);
    mock.enqueueFault({ stallMs: HOLD_MS });
    await expect(impatient()).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    // The stall was one request's fault: the next is answered.
    const next = await impatient();
    expect(next.statusCode).toBe(200);
    await next.body.dump();
    expect(mock.apiRequests()).toHaveLength(3);
  });
});

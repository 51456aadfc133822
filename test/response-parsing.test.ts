// Parsing Images API bodies: lenient on what is extra, strict on what is broken. A property test
// feeds truncated and corrupted bodies and expects only ApiError of kind answer, never a crash.
import { describe, expect, it } from 'vitest';
import { parseImagesResponse, readText } from '../src/api/images.js';
import { ApiError, parseErrorBody, firstLine } from '../src/api/errors.js';
import { mulberry32, randomInt } from './helpers/chunks.js';

const PNG_1x1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const valid = JSON.stringify({
  created: 1713833628,
  data: [{ b64_json: PNG_1x1, revised_prompt: null, extra: { nested: true } }],
  background: 'opaque',
  output_format: 'png',
  size: '1024x1024',
  quality: 'ultra-new-value',
  usage: { total_tokens: 100, input_tokens: 50, output_tokens: 50, new_field: 1 },
  brand_new_key: [1, 2, 3],
});

describe('parseImagesResponse', () => {
  it('keeps unknown keys and open enum values', () => {
    const r = parseImagesResponse(valid, 'req_1');
    expect(r.quality).toBe('ultra-new-value');
    expect((r as Record<string, unknown>).brand_new_key).toEqual([1, 2, 3]);
    expect((r.usage as Record<string, unknown>).new_field).toBe(1);
  });

  it.each([
    ['', /was empty/],
    ['<html>502</html>', /not JSON \(it starts: 502\)/],
    // A missing `created` is a warning, not a refusal: what is wrong here is the empty data.
    ['{"data": []}', /without any image/],
    ['[1, 2]', /not an Images API response \(it is a list\)/],
    ['{"created": 1, "data": "x"}', /not an Images API response \(data:/],
    ['{"created": 1, "data": []}', /without any image/],
    ['{"created": 1, "data": [{}]}', /neither b64_json nor url/],
  ])('refuses %j', (body, message) => {
    expect(() => parseImagesResponse(body, 'req_1')).toThrow(message);
  });

  it('keeps the images when a number is beyond range (1e999 parses as Infinity), and says which', () => {
    const warnings: string[] = [];
    const body = `{"created":1e999,"data":[{"b64_json":"${PNG_1x1}"}],"usage":{"total_tokens":1e999,"output_tokens":5}}`;
    const r = parseImagesResponse(body, 'req_1', { warn: (line) => warnings.push(line) });
    expect(r.data?.[0]?.b64_json).toBe(PNG_1x1);
    expect(r.created).toBeUndefined();
    expect(r.usage).toEqual({ output_tokens: 5 });
    expect(warnings).toEqual([
      `the answer's "created" is Infinity, not a time; the run's time is used instead.`,
      "the answer's usage.total_tokens is Infinity, not a number; it is left out.",
    ]);
  });

  it('never throws anything but ApiError of kind answer on truncated or corrupted bodies', () => {
    const rand = mulberry32(42);
    const bytes = Buffer.from(valid);
    for (let i = 0; i < 2000; i++) {
      const copy = Buffer.from(bytes.subarray(0, randomInt(rand, bytes.length + 1)));
      for (let k = randomInt(rand, 4); k > 0; k--)
        copy[randomInt(rand, Math.max(copy.length, 1))] = randomInt(rand, 256);
      try {
        parseImagesResponse(copy.toString('utf8'));
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        expect((err as ApiError).kind).toBe('answer');
      }
    }
  });
});

describe('error bodies', () => {
  it('reads the OpenAI shape and falls back to a short first line', () => {
    expect(parseErrorBody('{"error":{"message":"m","type":"t","param":"size","code":"invalid_value"}}')).toEqual({
      message: 'm',
      type: 't',
      param: 'size',
      code: 'invalid_value',
    });
    expect(parseErrorBody('<html><body><h1>502 Bad Gateway</h1></body></html>')).toEqual({ raw: '502 Bad Gateway' });
    expect(firstLine('x'.repeat(500))).toHaveLength(200);
    expect(firstLine('')).toBe('(empty body)');
  });
});

describe('readText', () => {
  /** A body as undici hands it over: chunks to iterate, or text() for the whole. */
  const bodyOf = (chunks: Buffer[]) => ({
    async *[Symbol.asyncIterator]() {
      yield* chunks;
    },
    text: async () => `text(): ${Buffer.concat(chunks).toString('utf8')}`,
  });
  const head = (length?: string) => ({
    status: 200,
    headers: length === undefined ? {} : { 'content-length': length },
  });
  const bytes = Buffer.from(`\ufeff{"prompt":"über 🦊","data":[]}`, 'utf8');
  const split = (b: Buffer, at: number[]) => [0, ...at].map((from, i) => b.subarray(from, at[i] ?? b.length));

  it('decodes UTF-8 split anywhere, without the byte order mark, when the length is declared', async () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await readText(bodyOf(split(bytes, [cut])), head(String(bytes.length)))).toBe(
        '{"prompt":"über 🦊","data":[]}',
      );
    }
  });

  it('reads bodies without a usable length chunk by chunk, never through the unbounded text()', async () => {
    for (const length of [undefined, 'abc', '0', '-5']) {
      expect(await readText(bodyOf(split(bytes, [3, 7])), head(length))).toBe('{"prompt":"über 🦊","data":[]}');
    }
  });

  it('stops at its limit, whether the length is announced or not', async () => {
    await expect(readText(bodyOf([bytes]), head(String(2 ** 40)))).rejects.toThrow(
      /passed 256 MB, more than imgcli reads/,
    );
    await expect(readText(bodyOf([Buffer.alloc(600), Buffer.alloc(600)]), head(), 1000)).rejects.toThrow(/passed 1 KB/);
    await expect(readText(bodyOf([Buffer.alloc(2000)]), head('2000'), 1000)).rejects.toThrow(/passed 1 KB/);
  });

  it('returns what arrived when the body is shorter, and refuses more than announced', async () => {
    expect(await readText(bodyOf([Buffer.from('{"a":1}')]), head('100'))).toBe('{"a":1}');
    await expect(readText(bodyOf([Buffer.from('{"a":1}')]), head('3'))).rejects.toThrow(/more than the 3 bytes/);
  });
});

// Parsing Images API bodies: lenient on what is extra, strict on what is broken. A property test
// feeds truncated and corrupted bodies and expects only ResponseError, never a crash.
import { describe, expect, it } from 'vitest';
import { parseImagesResponse } from '../src/api/images.js';
import { parseErrorBody, firstLine } from '../src/api/errors.js';
import { ResponseError } from '../src/errors.js';
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
    ['{"data": []}', /not an Images API response \(created/],
    ['{"created": 1, "data": []}', /without any image/],
    ['{"created": 1, "data": [{}]}', /neither b64_json nor url/],
  ])('refuses %j', (body, message) => {
    expect(() => parseImagesResponse(body, 'req_1')).toThrow(message);
  });

  it('never throws anything but ResponseError on truncated or corrupted bodies', () => {
    const rand = mulberry32(42);
    const bytes = Buffer.from(valid);
    for (let i = 0; i < 2000; i++) {
      const copy = Buffer.from(bytes.subarray(0, randomInt(rand, bytes.length + 1)));
      for (let k = randomInt(rand, 4); k > 0; k--) copy[randomInt(rand, Math.max(copy.length, 1))] = randomInt(rand, 256);
      try {
        parseImagesResponse(copy.toString('utf8'));
      } catch (err) {
        expect(err).toBeInstanceOf(ResponseError);
      }
    }
  });
});

describe('error bodies', () => {
  it('reads the OpenAI shape and falls back to a short first line', () => {
    expect(parseErrorBody('{"error":{"message":"m","type":"t","param":"size","code":"invalid_value"}}')).toEqual({ message: 'm', type: 't', param: 'size', code: 'invalid_value' });
    expect(parseErrorBody('<html><body><h1>502 Bad Gateway</h1></body></html>')).toEqual({ raw: '502 Bad Gateway' });
    expect(firstLine('x'.repeat(500))).toHaveLength(200);
    expect(firstLine('')).toBe('(empty body)');
  });
});

// The streaming b64_json extractor: the same images and the same JSON at every chunk split.
import { describe, expect, it } from 'vitest';
import { B64Extractor, PLACEHOLDER, type Sink } from '../src/api/b64-extract.js';
import { mulberry32, randomChunks } from './helpers/chunks.js';

function memorySink() {
  const images = new Map<number, Buffer[]>();
  const closed = new Set<number>();
  const broken = new Map<number, string>();
  const sink: Sink = {
    markBroken: (slot, why) => void broken.set(slot, why),
    open: (slot) => void images.set(slot, []),
    write: (slot, bytes) => void images.get(slot)!.push(bytes),
    close: (slot) => void closed.add(slot),
  };
  return { sink, images: () => [...images.values()].map((parts) => Buffer.concat(parts)), closed, broken };
}

function extract(chunks: Uint8Array[]) {
  const m = memorySink();
  const x = new B64Extractor(m.sink);
  for (const c of chunks) x.push(c);
  return { json: x.end(), images: m.images(), closed: m.closed, broken: m.broken };
}

const pics = [
  Buffer.from('first image bytes \u00ff\u0000 with binary', 'latin1'),
  Buffer.from([1, 2, 3, 4, 5, 250, 251]),
  Buffer.alloc(3000, 7),
];
const body = JSON.stringify({
  created: 1,
  data: pics.map((p, i) => ({ b64_json: p.toString('base64'), revised_prompt: `a "quoted" b64_json: ${i} ✓` })),
  note: 'b64_json',
  usage: { total_tokens: 3 },
});

describe('B64Extractor', () => {
  it('takes the images out and leaves placeholders', () => {
    const r = extract([Buffer.from(body)]);
    expect(r.images).toEqual(pics);
    const parsed = JSON.parse(r.json);
    expect(parsed.data.map((d: { b64_json: string }) => d.b64_json)).toEqual(
      [0, 1, 2].map((i) => `${PLACEHOLDER}${i}`),
    );
    expect(parsed.data[1].revised_prompt).toBe('a "quoted" b64_json: 1 ✓');
    expect(parsed.note).toBe('b64_json');
    expect(r.closed.size).toBe(3);
  });

  it('gives the same result at every two-chunk split and at random splits', () => {
    const bytes = Buffer.from(body);
    const whole = extract([bytes]);
    for (let at = 0; at <= bytes.length; at += 7) {
      const r = extract([bytes.subarray(0, at), bytes.subarray(at)]);
      expect(r.json).toBe(whole.json);
      expect(r.images).toEqual(pics);
    }
    const rand = mulberry32(7);
    for (let k = 0; k < 200; k++) expect(extract(randomChunks(bytes, rand, 50)).images).toEqual(pics);
  });

  it('accepts escaped slashes and null values', () => {
    const b64 = Buffer.from([255, 255, 255, 0]).toString('base64');
    const escaped = `{"data":[{"b64_json":"${b64.replaceAll('/', '\\/')}"},{"b64_json":null,"url":"http://x/y"}],"created":1}`;
    const r = extract([Buffer.from(escaped)]);
    expect(r.images).toEqual([Buffer.from([255, 255, 255, 0])]);
    expect(JSON.parse(r.json).data[1]).toEqual({ b64_json: null, url: 'http://x/y' });
  });

  it.each([
    ['aGVsbG8*', /character "\*"/],
    ['aGVsbG8', /multiple of 4/],
    ['aGVs=bG8=', /after its = padding/],
  ])('marks %s broken and keeps going', (b64, message) => {
    const r = extract([Buffer.from(`{"data":[{"b64_json":"${b64}"},{"b64_json":"aGk="}]}`)]);
    expect(r.broken.get(0)).toMatch(message);
    expect(r.broken.has(1)).toBe(false);
    expect(r.images[1]).toEqual(Buffer.from('hi'));
  });

  it('leaves a cut body for JSON.parse to refuse', () => {
    const bytes = Buffer.from(body);
    const r = extract([bytes.subarray(0, 60)]);
    expect(() => JSON.parse(r.json)).toThrow();
  });
});

describe('b64_json as a data URL (data:image/jpeg;base64,..., as xAI sends it)', () => {
  const prefixed = JSON.stringify({
    data: pics.map((p) => ({ b64_json: `data:image/jpeg;base64,${p.toString('base64')}` })),
  });

  it('is its payload, at every chunk split, escaped slashes included', () => {
    for (const text of [prefixed, prefixed.replace(/image\/jpeg/g, 'image\\/jpeg')]) {
      const random = mulberry32(7);
      for (let run = 0; run < 50; run++) {
        const r = extract(randomChunks(Buffer.from(text), random));
        expect(r.images).toEqual(pics);
        expect(r.broken.size).toBe(0);
      }
    }
  });

  it('refuses a data: prefix that is not base64, and passes plain values shorter than the prefix', () => {
    const bad = extract([Buffer.from(JSON.stringify({ data: [{ b64_json: 'data:text/plain,aGVsbG8=' }] }))]);
    expect([...bad.broken.values()]).toEqual(['a data: prefix that is not base64']);
    const tiny = extract([Buffer.from(JSON.stringify({ data: [{ b64_json: 'AQI=' }] }))]);
    expect(tiny.images).toEqual([Buffer.from([1, 2])]);
    expect(tiny.broken.size).toBe(0);
  });
});

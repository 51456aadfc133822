// Class 1 of the reliability issue: a file is final only when it is proven complete. Every image
// that becomes a file (b64, URL, stream partial and final) passes one check: Content-Length when
// given, and the format's own end (PNG IEND, JPEG EOI, WebP RIFF size, GIF trailer).
import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isComplete, looksComplete, type ImageFormat } from '../src/image/format.js';
import { proveImage } from '../src/output/save.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

const picture = (format: 'png' | 'jpeg' | 'webp' | 'gif') =>
  sharp({ create: { width: 32, height: 24, channels: 3, background: '#3a6' } })
    [format]()
    .toBuffer();

describe('the completeness check, one entry per format', () => {
  it.each<ImageFormat>(['png', 'jpeg', 'webp', 'gif'])(
    'accepts a whole %s and refuses it cut anywhere',
    async (format) => {
      const bytes = await picture(format);
      expect(looksComplete(bytes, format)).toBe(true);
      for (const cut of [1, 2, 5, Math.floor(bytes.length / 2)])
        expect(looksComplete(bytes.subarray(0, bytes.length - cut), format)).toBe(false);
    },
  );

  it('judges a file from its head, its tail and its size alone', async () => {
    const png = await picture('png');
    expect(isComplete('png', { head: png.subarray(0, 32), tail: png.subarray(-64), size: png.length })).toBe(true);
    const webp = await picture('webp');
    expect(isComplete('webp', { head: webp.subarray(0, 16), tail: webp.subarray(-8), size: webp.length - 1 })).toBe(
      false,
    );
  });

  it('refuses bytes short of the Content-Length that was announced', async () => {
    const png = await picture('png');
    const ends = { head: png, tail: png.subarray(-64), size: png.length };
    expect(proveImage(ends, 0, undefined, 'here').format).toBe('png');
    expect(() => proveImage(ends, 0, 'req_1', 'downloaded from its URL', png.length + 10)).toThrow(
      `Image 1 downloaded from its URL is cut short: ${png.length} of the ${png.length + 10} bytes announced arrived.`,
    );
  });
});

async function run(args: string[]) {
  const cwd = tempDir();
  const r = await imgcliInProcess(['--base-url', mock.url, ...args], { cwd });
  return { ...r, files: readdirSync(cwd) };
}

describe('every path that writes an image goes through it', () => {
  it('a URL download whose chunked body ends cleanly half-way: exit 6, no file', async () => {
    mock.enqueueDownloadFault({ cleanCut: 2000 });
    const r = await run(['gen', 'a fox', '-m', 'dall-e-3', '-o', 'out.png']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(
      /^error: Image 1 downloaded from its URL is cut short \(an incomplete png: its end is missing\)\.$/m,
    );
    expect(r.stdout).toBe('');
    expect(r.files).toEqual([]);
    expect(mock.apiRequests()).toHaveLength(1);
    expect(mock.requests.filter((q) => q.path.startsWith('/files/'))).toHaveLength(1);
  });

  it('a b64 answer cut cleanly inside the image: exit 6, no file', async () => {
    // The body ends where the image string would go on: the JSON is cut, so it is not even parsed.
    mock.enqueueFault({ cleanCut: 3000 });
    const r = await run(['gen', 'a fox', '-o', 'out.png']);
    expect(r.exitCode).toBe(6);
    expect(r.files).toEqual([]);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('a streamed partial that is cut short is skipped with a warning; the final is kept', async () => {
    const whole = (await picture('png')).toString('base64');
    const cut = (await picture('png')).subarray(0, 60).toString('base64');
    const event = (type: string, b64: string, extra = {}) =>
      `event: ${type}\ndata: ${JSON.stringify({ type, b64_json: b64, ...extra })}\n\n`;
    const body =
      event('image_generation.partial_image', cut, { partial_image_index: 0 }) +
      event('image_generation.completed', whole, { created_at: 1 });
    mock.enqueueFault({ body, contentType: 'text/event-stream' });
    const r = await run(['gen', 'a fox', '-o', 'out.png', '--stream', '--partial-images', '1']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(
      'warning: Image 1 (partial 1) in the stream is cut short (an incomplete png: its end is missing). It was skipped.',
    );
    expect(r.files).toEqual(['out.png']);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('a streamed final that is cut short fails, and leaves neither it nor its partials', async () => {
    const whole = (await picture('png')).toString('base64');
    const cut = (await picture('png')).subarray(0, 60).toString('base64');
    const event = (type: string, b64: string, extra = {}) =>
      `event: ${type}\ndata: ${JSON.stringify({ type, b64_json: b64, ...extra })}\n\n`;
    mock.enqueueFault({
      body:
        event('image_generation.partial_image', whole, { partial_image_index: 0 }) +
        event('image_generation.completed', cut),
      contentType: 'text/event-stream',
    });
    const r = await run(['gen', 'a fox', '-o', 'out.png', '--stream', '--partial-images', '1']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/Image 1 in the answer is cut short/);
    expect(r.files).toEqual([]);
  });
});

// Sniffing formats and sizes from bytes (and from a file's first bytes), and spotting images cut short.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { framesOf, looksComplete, sniffImage, SNIFF_BYTES } from '../src/image/format.js';
import { gifFrameCount } from '../src/image/gif.js';
import { readHead } from '../src/image/head.js';
import { cleanupTemps, tempDir } from './helpers/cli.js';
import { decodeBase64 } from '../src/output/save.js';

const image = (format: 'png' | 'jpeg' | 'webp' | 'gif', width = 37, height = 21) =>
  sharp({ create: { width, height, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 1 } } })
    .toFormat(format)
    .toBuffer();

describe('sniffImage', () => {
  it.each(['png', 'jpeg', 'webp', 'gif'] as const)('reads %s format and size', async (format) => {
    const bytes = await image(format);
    expect(sniffImage(bytes)).toEqual({ format, width: 37, height: 21 });
    expect(looksComplete(bytes, format)).toBe(true);
    expect(looksComplete(bytes.subarray(0, bytes.length - 20), format)).toBe(false);
  });

  it('reads lossless webp and large sizes', async () => {
    const bytes = await sharp({ create: { width: 3000, height: 17, channels: 3, background: 'white' } })
      .webp({ lossless: true })
      .toBuffer();
    expect(sniffImage(bytes)).toEqual({ format: 'webp', width: 3000, height: 17 });
  });

  it('reads SVG documents: the root after a prolog, its size from width and height or the viewBox', () => {
    const svg = (root: string, prolog = '') => Buffer.from(`${prolog}${root}<rect width="1" height="1"/></svg>\n`);
    const prolog =
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n';
    expect(sniffImage(svg('<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="768px">', prolog))).toEqual({
      format: 'svg',
      width: 1024,
      height: 768,
    });
    expect(sniffImage(svg("<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 512 256.4'>"))).toEqual({
      format: 'svg',
      width: 512,
      height: 256,
    });
    expect(sniffImage(svg('<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="100%">'))).toEqual({
      format: 'svg',
      width: undefined,
      height: undefined,
    });
    const doc = svg('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">', prolog);
    expect(looksComplete(doc, 'svg')).toBe(true);
    expect(looksComplete(doc.subarray(0, doc.length - 4), 'svg')).toBe(false);
    expect(sniffImage(Buffer.from('<svgx/>'))).toBeUndefined();
    expect(sniffImage(Buffer.from('<?xml version="1.0"?><html/>'))).toBeUndefined();
  });

  it('counts the frames of a GIF and spots one cut short', async () => {
    const frames = await Promise.all(
      [0, 80, 160, 240].map((r) =>
        sharp({ create: { width: 12, height: 9, channels: 3, background: { r, g: 20, b: 30 } } })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif({ delay: [50, 50, 50, 50] })
      .toBuffer();
    expect(sniffImage(gif)).toEqual({ format: 'gif', width: 12, height: 9 });
    expect(framesOf(gif, 'gif')).toEqual({ frames: 4 });
    expect(gifFrameCount(await image('gif'))).toBe(1);
    expect(gifFrameCount(gif.subarray(0, gif.length - 1))).toBeUndefined();
    expect(looksComplete(gif.subarray(0, gif.length - 1), 'gif')).toBe(false);
    expect(framesOf(await image('png'), 'png')).toEqual({});
  });

  it('says undefined for what is not an image', () => {
    expect(sniffImage(Buffer.from('<html><body>502 Bad Gateway</body></html>'))).toBeUndefined();
    expect(sniffImage(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('readHead', () => {
  afterAll(cleanupTemps);

  it('reads the first bytes of a file, enough to sniff it, and fails on a folder', async () => {
    const dir = tempDir();
    const png = await image('png');
    writeFileSync(join(dir, 'small.png'), png);
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(SNIFF_BYTES + 10, 7));
    writeFileSync(join(dir, 'empty'), '');
    expect(sniffImage(await readHead(join(dir, 'small.png')))).toEqual({ format: 'png', width: 37, height: 21 });
    expect((await readHead(join(dir, 'small.png'))).equals(png)).toBe(true);
    expect((await readHead(join(dir, 'big.bin'))).length).toBe(SNIFF_BYTES);
    expect(await readHead(join(dir, 'big.bin'), 4)).toEqual(Buffer.alloc(4, 7));
    expect((await readHead(join(dir, 'empty'))).length).toBe(0);
    await expect(readHead(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readHead(dir)).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

describe('decodeBase64', () => {
  it('decodes valid base64 and refuses anything else', () => {
    expect(decodeBase64(Buffer.from('hello').toString('base64'), 0).toString()).toBe('hello');
    expect(() => decodeBase64('aGVsbG8*', 0)).toThrow(/not valid base64/);
    expect(() => decodeBase64('aGVsbG8', 1)).toThrow(/Image 2/);
  });

  it('takes line breaks and non-canonical padding bits, never base64url or cut values', () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256));
    const b64 = bytes.toString('base64');
    expect(decodeBase64(b64, 0).equals(bytes)).toBe(true);
    expect(decodeBase64(b64.replace(/.{76}/g, '$&\r\n'), 0).equals(bytes)).toBe(true);
    expect(decodeBase64('QR==', 0).equals(Buffer.from('A'))).toBe(true);
    expect(() => decodeBase64('-_-_', 0)).toThrow(/not valid base64/);
    expect(() => decodeBase64('QQ==QUJD', 0)).toThrow(/not valid base64/);
    expect(() => decodeBase64(b64.slice(0, -1), 0)).toThrow(/not valid base64/);
  });
});

// src/provenance in-process: records survive a round trip in every format and flavour sharp
// writes, the pixels do not move, re-embedding replaces, garbage never throws; fingerprints.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  canonicalJson,
  embedProvenance,
  ProvenanceError,
  readProvenance,
  requestFingerprint,
  XMP_NAMESPACE,
  type Provenance,
} from '../src/provenance/index.js';
import { gifFrameCount } from '../src/image/gif.js';
import { cleanupTemps, tempDir } from './helpers/cli.js';

afterAll(() => cleanupTemps());

const record = (over: Partial<Provenance> = {}): Provenance => ({
  prompt: 'a lighthouse at dusk',
  revised_prompt: 'A tall white lighthouse on a rocky shore at dusk.',
  model: 'gpt-image-1',
  endpoint: 'generations',
  parameters: { size: '1024x1024', quality: 'high', n: 1, background: 'auto' },
  request_id: 'req_0123456789abcdef',
  created: 1750000000,
  usage: {
    input_tokens: 12,
    output_tokens: 4160,
    total_tokens: 4172,
    input_tokens_details: { text_tokens: 12, image_tokens: 0 },
  },
  fingerprint: `sha256:${'ab'.repeat(32)}`,
  tool: 'imgcli 0.1.0',
  ...over,
});

/** Seeded noise, so a shifted or re-encoded pixel cannot hide in a flat colour. */
function noise(width: number, height: number, channels: 3 | 4): Buffer {
  const data = Buffer.alloc(width * height * channels);
  let s = 7;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return data;
}

type Flavour = {
  name: string;
  format: 'png' | 'jpeg' | 'webp' | 'gif' | 'svg';
  channels: 3 | 4;
  chunk?: string;
  options?: object;
};
const FLAVOURS: Flavour[] = [
  { name: 'png rgb', format: 'png', channels: 3 },
  { name: 'png rgba', format: 'png', channels: 4 },
  { name: 'jpeg', format: 'jpeg', channels: 3 },
  { name: 'webp lossy (simple VP8)', format: 'webp', channels: 3, chunk: 'VP8 ' },
  { name: 'webp lossy with alpha (VP8X + ALPH)', format: 'webp', channels: 4, chunk: 'VP8X' },
  { name: 'webp lossless (simple VP8L)', format: 'webp', channels: 3, chunk: 'VP8L', options: { lossless: true } },
  { name: 'webp lossless with alpha (VP8L)', format: 'webp', channels: 4, chunk: 'VP8L', options: { lossless: true } },
  { name: 'gif (one frame)', format: 'gif', channels: 3 },
  { name: 'gif (animated, looping)', format: 'gif', channels: 4, options: { frames: 3 } },
  { name: 'svg', format: 'svg', channels: 4 },
];

/** An SVG document with a prolog, a comment and content after the root's start tag. */
const svgDocument = (width: number, height: number) =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<!-- drawn by hand -->\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n  <rect width="${width}" height="${height}" fill="#2a6"/>\n  <circle cx="10" cy="10" r="8" fill="#c33"/>\n</svg>\n`,
  );

async function make(f: Flavour, width = 37, height = 23): Promise<Buffer> {
  if (f.format === 'svg') return svgDocument(width, height);
  const frames = (f.options as { frames?: number } | undefined)?.frames;
  if (f.format === 'gif' && frames) {
    const pages = await Promise.all(
      Array.from({ length: frames }, (_, i) =>
        sharp(
          noise(width, height, f.channels).map((v) => (v + i * 40) & 0xff),
          { raw: { width, height, channels: f.channels } },
        )
          .png()
          .toBuffer(),
      ),
    );
    return sharp(pages, { join: { animated: true } })
      .gif({ delay: Array(frames).fill(120), loop: 0 })
      .toBuffer();
  }
  return sharp(noise(width, height, f.channels), { raw: { width, height, channels: f.channels } })
    .toFormat(f.format, f.options)
    .toBuffer();
}
const pixels = (bytes: Buffer) => sharp(bytes).raw().toBuffer();
const countOf = (bytes: Buffer, text: string) => bytes.toString('latin1').split(text).length - 1;

describe.each(FLAVOURS)('$name', (f) => {
  it('round-trips the record and keeps every pixel', async () => {
    const bare = await make(f);
    if (f.chunk) expect(bare.toString('latin1', 12, 16)).toBe(f.chunk);
    expect(readProvenance(bare)).toBeUndefined();
    const p = record();
    const out = embedProvenance(bare, f.format, p);
    expect(readProvenance(out)).toEqual(p);
    expect((await pixels(out)).equals(await pixels(bare))).toBe(true);
    const [before, after] = await Promise.all([sharp(bare).metadata(), sharp(out).metadata()]);
    expect([after.format, after.width, after.height, after.hasAlpha, after.channels]).toEqual([
      before.format,
      37,
      23,
      before.hasAlpha,
      before.channels,
    ]);
  });

  it('replaces its own metadata instead of adding a second copy', async () => {
    const bare = await make(f);
    const first = embedProvenance(bare, f.format, record());
    const second = record({ prompt: 'a different prompt', request_id: undefined, created: 1760000000 });
    const again = embedProvenance(first, f.format, second);
    expect(readProvenance(again)).toEqual(second);
    expect(again.equals(embedProvenance(bare, f.format, second))).toBe(true);
  });

  it('keeps unicode, markup characters and line breaks exactly', async () => {
    const prompt = 'Ein Fuchs 🦊 im Schnee, 雪の中の狐, ثعلب\r\n<b>&amp;</b> "quoted" \'single\' ]]> \u0001 \\ end';
    const p = record({
      prompt,
      revised_prompt: `${prompt}\n`,
      parameters: { style: 'ä', nested: { list: [1, 'ü', null] } },
    });
    expect(readProvenance(embedProvenance(await make(f), f.format, p))).toEqual(p);
  });

  it('still decodes after a prefix or a byte is damaged, and never throws', async () => {
    const out = embedProvenance(await make(f), f.format, record());
    for (let cut = 0; cut < out.length; cut += 13) {
      const got = readProvenance(out.subarray(0, cut));
      if (got !== undefined) expect(got).toEqual(record());
    }
    for (let at = 0; at < out.length; at += 7) {
      const damaged = Buffer.from(out);
      damaged[at] ^= 0x5a;
      expect(() => readProvenance(damaged)).not.toThrow();
    }
  });

  it('refuses to embed into a file cut short', async () => {
    const bare = await make(f);
    expect(() => embedProvenance(bare.subarray(0, 30), f.format, record())).toThrow(ProvenanceError);
    // GIF and SVG end with a marker they cannot be whole without (a JPEG's scan is copied as it is).
    if (f.format === 'gif' || f.format === 'svg')
      expect(() => embedProvenance(bare.subarray(0, bare.length - 8), f.format, record())).toThrow(ProvenanceError);
  });
});

describe('GIF and SVG: what stays and what other tools see', () => {
  it('GIF: every frame, its timing and the loop survive; the record sits in IMGCLIPV1.0 and a comment, after the loop extension', async () => {
    const bare = await make(FLAVOURS.find((f) => f.name.includes('animated'))!);
    const out = embedProvenance(bare, 'gif', record());
    const [before, after] = await Promise.all([
      sharp(bare, { animated: true }).metadata(),
      sharp(out, { animated: true }).metadata(),
    ]);
    expect([after.pages, after.delay, after.loop]).toEqual([3, [120, 120, 120], 0]);
    expect([after.pages, after.delay, after.loop]).toEqual([before.pages, before.delay, before.loop]);
    expect(
      (await sharp(out, { animated: true }).raw().toBuffer()).equals(
        await sharp(bare, { animated: true }).raw().toBuffer(),
      ),
    ).toBe(true);
    const text = out.toString('latin1');
    expect(text.indexOf('NETSCAPE2.0')).toBeLessThan(text.indexOf('IMGCLIPV1.0'));
    expect(text).toContain('imgcli 0.1.0\nprompt: a lighthouse at dusk\nrevised_prompt: ');
    expect(gifFrameCount(out)).toBe(3);
  });

  it('SVG: a <metadata> element first in the root, with the XMP of JPEG and WebP; the rest of the document unchanged', () => {
    const bare = svgDocument(40, 30);
    const out = embedProvenance(bare, 'svg', record({ prompt: 'fish & <chips>' })).toString('utf8');
    const root = out.indexOf('<svg');
    const rootEnd = out.indexOf('>', root) + 1;
    expect(out.slice(rootEnd).startsWith('\n<metadata id="imgcli-provenance">\n<x:xmpmeta')).toBe(true);
    expect(out).toContain(`xmlns:imgcli="${XMP_NAMESPACE}"`);
    expect(out).toContain(
      '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">fish &amp; &lt;chips&gt;</rdf:li></rdf:Alt></dc:description>',
    );
    expect(out.replace(/\n<metadata id="imgcli-provenance">[\s\S]*<\/metadata>/, '')).toBe(bare.toString('utf8'));
  });

  it('SVG: refuses a document that is not SVG, has no end, or has an empty root', () => {
    expect(() => embedProvenance(Buffer.from('<html><body/></html>'), 'svg', record())).toThrow(/not an SVG document/);
    expect(() =>
      embedProvenance(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><rect/>'), 'svg', record()),
    ).toThrow(/not a complete SVG document/);
    expect(() => embedProvenance(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'svg', record())).toThrow(
      ProvenanceError,
    );
  });
});

describe('what other tools see', () => {
  it('PNG: per-field iTXt chunks and Software before the first IDAT', async () => {
    const out = embedProvenance(await make(FLAVOURS[1]!), 'png', record());
    const text = out.toString('latin1');
    for (const key of [
      'prompt',
      'revised_prompt',
      'model',
      'endpoint',
      'parameters',
      'request_id',
      'created',
      'usage',
      'fingerprint',
      'provenance',
    ]) {
      expect(text.indexOf(`iTXtimgcli:${key}\0`)).toBeGreaterThan(0);
      expect(text.indexOf(`iTXtimgcli:${key}\0`)).toBeLessThan(text.indexOf('IDAT'));
    }
    expect(text).toContain('tEXtSoftware\0imgcli 0.1.0');
    expect(text).toContain('iTXtimgcli:created\0\0\0\0\x002025-06-15T15:06:40.000Z');
    const { comments } = await sharp(out).metadata();
    expect(comments).toContainEqual({ keyword: 'Software', text: 'imgcli 0.1.0' });
  });

  it.each(['jpeg', 'webp'] as const)(
    '%s: XMP with dc:description, xmp:CreatorTool and the imgcli namespace',
    async (format) => {
      const out = embedProvenance(
        await make(FLAVOURS[format === 'jpeg' ? 2 : 3]!),
        format,
        record({ prompt: 'fish & <chips>' }),
      );
      const xmp = (await sharp(out).metadata()).xmp!.toString('utf8');
      expect(xmp).toContain(`xmlns:imgcli="${XMP_NAMESPACE}"`);
      expect(xmp).toContain(
        '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">fish &amp; &lt;chips&gt;</rdf:li></rdf:Alt></dc:description>',
      );
      expect(xmp).toContain('<xmp:CreatorTool>imgcli 0.1.0</xmp:CreatorTool>');
      expect(xmp).toContain('<imgcli:model>gpt-image-1</imgcli:model>');
    },
  );

  it('JPEG: a prompt too long for one APP1 segment moves to ExtendedXMP', async () => {
    const prompt = '雪'.repeat(32000); // 96,000 bytes of UTF-8, written twice
    const bare = await make(FLAVOURS[2]!);
    const p = record({ prompt, revised_prompt: prompt });
    const out = embedProvenance(bare, 'jpeg', p);
    expect(readProvenance(out)).toEqual(p);
    expect(countOf(out, 'http://ns.adobe.com/xmp/extension/\0')).toBeGreaterThanOrEqual(4);
    expect((await pixels(out)).equals(await pixels(bare))).toBe(true);
    const again = embedProvenance(out, 'jpeg', record());
    expect(countOf(again, 'http://ns.adobe.com/xmp/extension/\0')).toBe(0);
    expect(again.equals(embedProvenance(bare, 'jpeg', record()))).toBe(true);
  });

  it.each(['jpeg', 'webp'] as const)('%s: XMP written by another tool is kept beside ours', async (format) => {
    const foreign =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="5"/></rdf:RDF></x:xmpmeta>';
    const bare = await sharp(noise(16, 16, 3), { raw: { width: 16, height: 16, channels: 3 } })
      .toFormat(format)
      .withXmp(foreign)
      .toBuffer();
    const out = embedProvenance(bare, format, record());
    expect(readProvenance(out)).toEqual(record());
    expect(out.toString('utf8')).toContain('xmp:Rating="5"');
    expect((await pixels(out)).equals(await pixels(bare))).toBe(true);
  });
});

describe('readProvenance on other inputs', () => {
  it('returns undefined for images without a record and garbage', async () => {
    const gif = await sharp(noise(8, 8, 3), { raw: { width: 8, height: 8, channels: 3 } })
      .gif()
      .toBuffer();
    const riffHuge = Buffer.concat([Buffer.from('RIFF\xff\xff\xff\xffWEBPVP8X', 'latin1'), Buffer.alloc(4)]);
    const jpegGarbage = Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x01, 0xff, 0xe1, 0xff, 0xff, 0x00]);
    let s = 1;
    const random = Buffer.from(Array.from({ length: 4096 }, () => (s = (s * 48271) % 2147483647) & 0xff));
    const svg = svgDocument(8, 8);
    const foreignMetadata = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg"><metadata id="imgcli-provenance">{"model":"m"}</metadata></svg>',
    );
    for (const bytes of [
      gif,
      svg,
      foreignMetadata,
      Buffer.from('GIF89a\x01\x00'),
      Buffer.alloc(0),
      random,
      riffHuge,
      jpegGarbage,
      Buffer.from('\x89PNG\r\n\x1a\n\xff\xff\xff\xff', 'latin1'),
    ]) {
      expect(readProvenance(bytes)).toBeUndefined();
    }
  });

  it('ignores a record that is not valid JSON of the right shape', async () => {
    const bare = await make(FLAVOURS[0]!);
    const out = embedProvenance(bare, 'png', { model: 'm', endpoint: 'e', parameters: {}, created: 1, tool: 't' });
    expect(readProvenance(out)).toEqual({ model: 'm', endpoint: 'e', parameters: {}, created: 1, tool: 't' });
    expect(
      readProvenance(embedProvenance(bare, 'png', { ...record(), created: 'yesterday' } as unknown as Provenance)),
    ).toBeUndefined();
  });

  it('refuses to embed into bytes of another format', async () => {
    const png = await make(FLAVOURS[0]!);
    expect(() => embedProvenance(png, 'jpeg', record())).toThrow(ProvenanceError);
    expect(() => embedProvenance(png, 'webp', record())).toThrow(/not a WebP file/);
    expect(() => embedProvenance(Buffer.from('hello'), 'png', record())).toThrow(/not a PNG file/);
  });
});

describe('requestFingerprint', () => {
  const base = {
    endpoint: 'edits',
    model: 'gpt-image-1',
    params: { prompt: 'x', size: '1024x1024', extra: { b: 1, a: [2, { d: 3, c: 4 }] } },
  };

  it('is sha256 hex, stable across key order and blind to undefined values', async () => {
    const a = await requestFingerprint(base);
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    const reordered = {
      params: { extra: { a: [2, { c: 4, d: 3 }], b: 1 }, size: '1024x1024', prompt: 'x', user: undefined },
      model: 'gpt-image-1',
      endpoint: 'edits',
    };
    expect(await requestFingerprint(reordered)).toBe(a);
    expect(canonicalJson(reordered.params)).toBe(
      '{"extra":{"a":[2,{"c":4,"d":3}],"b":1},"prompt":"x","size":"1024x1024"}',
    );
  });

  it('changes with the endpoint, the model or any parameter', async () => {
    const a = await requestFingerprint(base);
    const others = await Promise.all([
      requestFingerprint({ ...base, endpoint: 'generations' }),
      requestFingerprint({ ...base, model: 'gpt-image-1.5' }),
      requestFingerprint({ ...base, params: { ...base.params, size: '1536x1024' } }),
      requestFingerprint({ ...base, params: { ...base.params, extra: { b: 1, a: [2, { d: 3, c: 5 }] } } }),
      requestFingerprint({ ...base, params: { ...base.params, quality: 'low' } }),
    ]);
    expect(new Set([a, ...others]).size).toBe(6);
  });

  it('hashes input files by content, streamed from disk or given as bytes', async () => {
    const dir = tempDir('imgcli-fp-');
    const image = Buffer.from(noise(300, 300, 4));
    const mask = Buffer.alloc(1000, 7);
    writeFileSync(join(dir, 'image.png'), image);
    writeFileSync(join(dir, 'copy.png'), image);
    writeFileSync(join(dir, 'mask.png'), mask);
    const byPath = await requestFingerprint({
      ...base,
      files: [
        { role: 'image', path: join(dir, 'image.png') },
        { role: 'mask', path: join(dir, 'mask.png') },
      ],
    });
    expect(
      await requestFingerprint({
        ...base,
        files: [
          { role: 'image', bytes: image },
          { role: 'mask', bytes: mask },
        ],
      }),
    ).toBe(byPath);
    expect(
      await requestFingerprint({
        ...base,
        files: [
          { role: 'image', path: join(dir, 'copy.png') },
          { role: 'mask', bytes: mask },
        ],
      }),
    ).toBe(byPath);
    expect(await requestFingerprint(base)).not.toBe(byPath);

    image[image.length - 1] ^= 1;
    writeFileSync(join(dir, 'image.png'), image);
    expect(
      await requestFingerprint({
        ...base,
        files: [
          { role: 'image', path: join(dir, 'image.png') },
          { role: 'mask', bytes: mask },
        ],
      }),
    ).not.toBe(byPath);
    expect(
      await requestFingerprint({
        ...base,
        files: [
          { role: 'mask', bytes: mask },
          { role: 'image', path: join(dir, 'copy.png') },
        ],
      }),
    ).not.toBe(byPath);
    expect(
      await requestFingerprint({
        ...base,
        files: [
          { role: 'image', path: join(dir, 'copy.png') },
          { role: 'image', bytes: mask },
        ],
      }),
    ).not.toBe(byPath);
  });

  it('rejects a missing file', async () => {
    await expect(
      requestFingerprint({ ...base, files: [{ role: 'image', path: '/nonexistent/imgcli.png' }] }),
    ).rejects.toThrow(/ENOENT/);
  });
});

// src/mask.ts in-process: pixel-exact checks of every mask operation on small inputs.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  buildMask,
  checkMask,
  MaskError,
  previewMask,
  sameAspect,
  type MaskOptions,
  type MaskSource,
} from '../src/mask/build.js';
import { encodePng } from './helpers/png.js';
import { maskAlpha, pillowL, pngOf, row } from './helpers/images.js';

const alphaOf = async (source: MaskSource, options?: MaskOptions) => maskAlpha((await buildMask(source, options)).png);
const lum = (image: Buffer, options?: MaskOptions) => alphaOf({ kind: 'luminance', image }, options);
const shapes = (width: number, height: number, more: Omit<Extract<MaskSource, { kind: 'shapes' }>, 'kind' | 'size'>) =>
  ({ kind: 'shapes', size: { width, height }, ...more }) as const;

async function rejects(promise: Promise<unknown>, code: string, message?: RegExp): Promise<MaskError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MaskError);
  expect((err as MaskError).code).toBe(code);
  if (message) expect((err as MaskError).message).toMatch(message);
  return err as MaskError;
}

describe('luminance to alpha (the Pillow recipe)', () => {
  it('matches a hand-computed case', async () => {
    // L = (R*19595 + G*38470 + B*7471 + 32768) >> 16, by hand:
    //   red   (255,0,0):    4996725 + 32768 = 5029493 -> 76.7 -> 76
    //   green (0,255,0):    9809850 + 32768 = 9842618 -> 150.2 -> 150
    //   blue  (0,0,255):    1905105 + 32768 = 1937873 -> 29.6 -> 29
    //   (10,200,30):        195950 + 7694000 + 224130 + 32768 = 8146848 -> 124.3 -> 124
    //   (1,0,0):            19595 + 32768 = 52363 -> 0.8 -> 0 (no rounding up below the half)
    //   (2,0,0):            39190 + 32768 = 71958 -> 1.1 -> 1 (0.598 rounds up: half-up rounding)
    const image = await pngOf([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 30, 1, 0, 0, 2, 0, 0], 6, 1, 3);
    const { alpha } = await lum(image);
    expect(alpha).toEqual([76, 150, 29, 124, 0, 1]);
  });

  it('equals the fixed-point recipe on 65536 colours and the 299/587/114 weights within 1', async () => {
    const rgb: number[] = [];
    for (let r = 0; r < 256; r++) for (let g = 0; g < 256; g++) rgb.push(r, g, (r * 7 + g * 13) % 256);
    const { alpha } = await lum(await pngOf(rgb, 256, 256, 3));
    let off = 0;
    let worst = 0;
    for (let i = 0; i < alpha.length; i++) {
      const [r, g, b] = [rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!];
      if (alpha[i] !== pillowL(r, g, b)) off++;
      worst = Math.max(worst, Math.abs(alpha[i]! - (0.299 * r + 0.587 * g + 0.114 * b)));
    }
    expect(off).toBe(0);
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('keeps greyscale exactly, 8-bit, 1-bit and grey stored as RGB', async () => {
    const greys = [0, 1, 63, 127, 128, 200, 254, 255];
    expect((await lum(await pngOf(greys, 8, 1, 1))).alpha).toEqual(greys);
    expect(
      (
        await lum(
          await pngOf(
            greys.flatMap((v) => [v, v, v]),
            8,
            1,
            3,
          ),
        )
      ).alpha,
    ).toEqual(greys);
    const bits = [0, 1, 1, 0, 1, 0, 0, 1];
    expect((await lum(encodePng({ width: 8, height: 1, colorType: 0, bitDepth: 1, samples: bits }))).alpha).toEqual(
      bits.map((b) => b * 255),
    );
  });

  it('writes an 8-bit RGBA PNG whatever came in, and reports the editable share', async () => {
    const result = await buildMask({ kind: 'luminance', image: await pngOf([0, 0, 255, 255], 2, 2, 1) });
    expect([result.png[24], result.png[25]]).toEqual([8, 6]);
    expect([result.width, result.height, result.editablePercent, result.flattenedTransparency]).toEqual([
      2,
      2,
      50,
      false,
    ]);
  });

  it('takes the high byte of 16-bit grey, RGB and RGBA, as Pillow opens 16-bit RGB', async () => {
    const v16 = [0, 255, 256, 32767, 32768, 65280, 65535];
    const high = v16.map((v) => v >> 8);
    const grey16 = encodePng({ width: 7, height: 1, colorType: 0, bitDepth: 16, samples: v16 });
    expect((await lum(grey16)).alpha).toEqual(high);
    const rgb16 = encodePng({
      width: 7,
      height: 1,
      colorType: 2,
      bitDepth: 16,
      samples: v16.flatMap((v) => [v, 0, 65535 - v]),
    });
    expect((await lum(rgb16)).alpha).toEqual(high.map((h) => pillowL(h, 0, 255 - h)));
    const opaque16 = encodePng({
      width: 7,
      height: 1,
      colorType: 6,
      bitDepth: 16,
      samples: v16.flatMap((v) => [v, v, v, 65535]),
    });
    expect((await lum(opaque16)).alpha).toEqual(high);
  });

  it('reads palette PNGs through their palette, with and without tRNS', async () => {
    const palette: [number, number, number][] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [0, 0, 0],
    ];
    const plain = encodePng({ width: 4, height: 1, colorType: 3, bitDepth: 8, samples: [0, 1, 2, 3], palette });
    expect((await lum(plain)).alpha).toEqual([76, 150, 29, 0]);
    // entry 3 (black) fully transparent: it becomes white, i.e. keep
    const withTrns = encodePng({
      width: 4,
      height: 1,
      colorType: 3,
      bitDepth: 8,
      samples: [0, 1, 2, 3],
      palette,
      paletteAlpha: [255, 255, 255, 0],
    });
    const built = await buildMask({ kind: 'luminance', image: withTrns });
    expect((await maskAlpha(built.png)).alpha).toEqual([76, 150, 29, 255]);
    expect(built.flattenedTransparency).toBe(true);
  });

  it('composites input transparency over white: transparent means keep', async () => {
    // black at alpha 0, 1, 128, 255 over white: 255 - alpha
    const rgba = await pngOf([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 128, 0, 0, 0, 255], 4, 1, 4);
    const built = await buildMask({ kind: 'luminance', image: rgba });
    expect((await maskAlpha(built.png)).alpha).toEqual([255, 254, 127, 0]);
    expect(built.flattenedTransparency).toBe(true);
    const ga = await pngOf([0, 0, 0, 255, 200, 255], 3, 1, 2);
    expect((await lum(ga)).alpha).toEqual([255, 0, 200]);
    const ga16 = encodePng({ width: 3, height: 1, colorType: 4, bitDepth: 16, samples: [0, 0, 0, 65535, 65535, 0] });
    expect((await lum(ga16)).alpha).toEqual([255, 0, 255]);
  });

  it('treats an opaque alpha channel as no alpha', async () => {
    const colours = [12, 34, 56, 200, 100, 50];
    const rgba = await pngOf([12, 34, 56, 255, 200, 100, 50, 255], 2, 1, 4);
    const built = await buildMask({ kind: 'luminance', image: rgba });
    expect(built.flattenedTransparency).toBe(false);
    expect((await maskAlpha(built.png)).alpha).toEqual([pillowL(12, 34, 56), pillowL(200, 100, 50)]);
    expect((await lum(await pngOf(colours, 2, 1, 3))).alpha).toEqual([pillowL(12, 34, 56), pillowL(200, 100, 50)]);
  });

  it('reads svg, gif, tiff, webp and jpeg', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="4"><rect width="8" height="4" fill="#fff"/><rect width="4" height="4" fill="#000"/></svg>',
    );
    expect(row((await lum(svg)).alpha, 8, 2)).toEqual([0, 0, 0, 0, 255, 255, 255, 255]);
    const base = await pngOf([255, 0, 0, 0, 255, 0, 0, 0, 255, 90, 90, 90], 4, 1, 3);
    const exact = [76, 150, 29, 90];
    for (const format of ['gif', 'tiff', 'webp'] as const) {
      const image = await sharp(base)
        .toFormat(format, format === 'webp' ? { lossless: true } : format === 'tiff' ? { compression: 'lzw' } : {})
        .toBuffer();
      expect((await lum(image)).alpha, format).toEqual(exact);
    }
    const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
      .jpeg({ quality: 100 })
      .toBuffer();
    expect((await lum(jpeg)).alpha.every((v) => Math.abs(v - 128) <= 1)).toBe(true);
  });
});

describe('invert and threshold', () => {
  const greys = [0, 1, 99, 100, 101, 254, 255];
  it('inverts: white becomes edit', async () => {
    expect((await lum(await pngOf(greys, 7, 1, 1), { invert: true })).alpha).toEqual(greys.map((v) => 255 - v));
  });

  it('thresholds to a hard edge: at or above the level keeps, below edits', async () => {
    const image = await pngOf(greys, 7, 1, 1);
    expect((await lum(image, { threshold: 100 })).alpha).toEqual([0, 0, 0, 255, 255, 255, 255]);
    expect((await lum(image, { threshold: 100, invert: true })).alpha).toEqual([255, 255, 255, 0, 0, 0, 0]);
    expect((await lum(image, { threshold: 255 })).alpha).toEqual([0, 0, 0, 0, 0, 0, 255]);
    expect((await lum(image, { threshold: 0 })).alpha).toEqual(greys.map(() => 255));
  });
});

describe('geometry', () => {
  it('marks rectangles editable on a keep canvas', async () => {
    // the example, scaled down: the bottom half of a square
    const { alpha } = await alphaOf(shapes(8, 8, { rects: [{ x: 0, y: 4, width: 8, height: 4 }] }));
    expect(alpha).toEqual([...Array<number>(32).fill(255), ...Array<number>(32).fill(0)]);
    const two = await alphaOf(
      shapes(6, 3, {
        rects: [
          { x: 0, y: 0, width: 1, height: 1 },
          { x: 4, y: 1, width: 2, height: 2 },
        ],
      }),
    );
    expect(two.alpha).toEqual([0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 255, 255, 255, 255, 0, 0]);
  });

  it('draws ellipses by pixel centres, clipped at the canvas edge', async () => {
    const cases = [
      { cx: 10, cy: 8, rx: 6, ry: 4 },
      { cx: 0, cy: 0, rx: 7.5, ry: 7.5 }, // a quarter disk in the corner
      { cx: 10.5, cy: 7.5, rx: 3, ry: 3 },
    ];
    for (const e of cases) {
      const { alpha } = await alphaOf(shapes(20, 16, { ellipses: [e] }));
      const want: number[] = [];
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < 20; x++)
          want.push(((x + 0.5 - e.cx) / e.rx) ** 2 + ((y + 0.5 - e.cy) / e.ry) ** 2 <= 1 ? 0 : 255);
      expect(alpha).toEqual(want);
    }
  });

  it('refuses shapes off the canvas, naming the shape', async () => {
    const err = await rejects(
      buildMask(
        shapes(1024, 1024, {
          rects: [
            { x: 0, y: 0, width: 10, height: 10 },
            { x: 0, y: 900, width: 1024, height: 200 },
          ],
        }),
      ),
      'rect-outside',
      /0,900,1024,200 reaches past the 1024x1024 canvas: y \+ height = 1100 > 1024/,
    );
    expect(err.index).toBe(1);
    await rejects(
      buildMask(shapes(10, 10, { rects: [{ x: -1, y: 0, width: 2, height: 2 }] })),
      'rect-outside',
      /non-negative/,
    );
    await rejects(buildMask(shapes(10, 10, { rects: [{ x: 1, y: 1, width: 0, height: 2 }] })), 'rect-outside', /empty/);
    await rejects(
      buildMask(shapes(10, 10, { ellipses: [{ cx: 11, cy: 5, rx: 2, ry: 2 }] })),
      'ellipse-outside',
      /centre outside the 10x10 canvas/,
    );
    await rejects(
      buildMask(shapes(10, 10, { ellipses: [{ cx: 5, cy: 5, rx: 0, ry: 2 }] })),
      'ellipse-outside',
      /radii/,
    );
  });
});

describe('grow, shrink and feather', () => {
  // a 20x20 editable square at (20, 20) on a 60x60 canvas
  const square = shapes(60, 60, { rects: [{ x: 20, y: 20, width: 20, height: 20 }] });
  const span = (line: number[]) => [line.indexOf(0), line.lastIndexOf(0)];

  it('moves straight edges by exactly the radius', async () => {
    for (const r of [1, 2, 3, 5, 8]) {
      const grown = (await alphaOf(square, { grow: r })).alpha;
      expect(span(row(grown, 60, 30)), `grow ${r}`).toEqual([20 - r, 39 + r]);
      const shrunk = (await alphaOf(square, { shrink: r })).alpha;
      expect(span(row(shrunk, 60, 30)), `shrink ${r}`).toEqual([20 + r, 39 - r]);
      expect(grown.every((v) => v === 0 || v === 255)).toBe(true);
    }
    // larger radii on a bigger canvas
    const half = shapes(400, 4, { rects: [{ x: 0, y: 0, width: 200, height: 4 }] });
    for (const r of [16, 40, 100]) {
      expect(span(row((await alphaOf(half, { grow: r })).alpha, 400, 2)), `grow ${r}`).toEqual([0, 199 + r]);
      expect(span(row((await alphaOf(half, { shrink: r })).alpha, 400, 2)), `shrink ${r}`).toEqual([0, 199 - r]);
    }
  });

  it('rounds corners, never loses editable pixels when growing, never adds when shrinking', async () => {
    const grown = (await alphaOf(square, { grow: 5 })).alpha;
    expect(grown[15 * 60 + 15]).toBe(255); // 7.1 px diagonally from the corner: outside a disk of 5
    expect(grown[15 * 60 + 25]).toBe(0);
    const dot = (await alphaOf(shapes(40, 40, { rects: [{ x: 20, y: 20, width: 1, height: 1 }] }), { grow: 10 })).alpha;
    expect(dot[20 * 40 + 20]).toBe(0);
    const hole = shapes(40, 40, {
      rects: [
        { x: 0, y: 0, width: 40, height: 20 },
        { x: 0, y: 20, width: 20, height: 20 },
      ],
    });
    const shrunk = (await alphaOf(hole, { shrink: 3 })).alpha;
    const before = (await alphaOf(hole)).alpha;
    expect(shrunk.every((v, i) => v === 255 || before[i] === 0)).toBe(true);
  });

  it('hardens a soft mask at 128 before growing', async () => {
    const ramp = await pngOf(
      Array.from({ length: 32 }, (_, i) => i * 8),
      32,
      1,
      1,
    );
    const { alpha } = await lum(ramp, { grow: 2 });
    // 16 * 8 = 128 is the first keep pixel; growing by 2 moves it to 18
    expect(alpha.indexOf(255)).toBe(18);
  });

  it('feathers an edge symmetrically, leaving the far inside editable', async () => {
    const half = shapes(40, 1, { rects: [{ x: 0, y: 0, width: 20, height: 1 }] });
    const { alpha } = await alphaOf(half, { feather: 4 });
    expect(alpha.slice(0, 14).every((v) => v === 0)).toBe(true);
    expect(alpha.slice(26).every((v) => v === 255)).toBe(true);
    for (let x = 1; x < 40; x++) expect(alpha[x]!).toBeGreaterThanOrEqual(alpha[x - 1]!);
    expect(alpha[19]! + alpha[20]!).toBeGreaterThan(240); // the edge sits between 19 and 20
    expect(alpha[19]! + alpha[20]!).toBeLessThan(270);
  });

  it('rejects values out of range and grow with shrink', async () => {
    await rejects(alphaOf(square, { threshold: 256 }), 'bad-value');
    await rejects(alphaOf(square, { grow: 1.5 }), 'bad-value');
    await rejects(alphaOf(square, { grow: 2, shrink: 2 }), 'bad-value', /cannot be combined/);
    await rejects(alphaOf(square, { feather: 0 }), 'bad-value');
  });
});

describe('resize', () => {
  // left half edit, right half keep, 8x4
  const halves = () =>
    pngOf(
      Array.from({ length: 32 }, (_, i) => (i % 8 < 4 ? 0 : 255)),
      8,
      4,
      1,
    );

  it('scales to the same aspect ratio, solid areas staying exactly 0 and 255', async () => {
    const { alpha, width, height } = await lum(await halves(), { resize: { size: { width: 32, height: 16 } } });
    expect([width, height]).toEqual([32, 16]);
    const line = row(alpha, 32, 8);
    expect(line.slice(0, 14).every((v) => v === 0) && line.slice(18).every((v) => v === 255)).toBe(true);
  });

  it('refuses another aspect ratio unless a fit is given', async () => {
    await rejects(
      lum(await halves(), { resize: { size: { width: 16, height: 16 } } }),
      'aspect-mismatch',
      /8x4 but the target is 16x16/,
    );
    const stretch = await lum(await halves(), { resize: { size: { width: 16, height: 16 }, fit: 'stretch' } });
    expect(
      row(stretch.alpha, 16, 0)
        .slice(0, 6)
        .every((v) => v === 0),
    ).toBe(true);
    // contain: the 16x8 picture is centred with keep above and below
    const contain = await lum(await halves(), { resize: { size: { width: 16, height: 16 }, fit: 'contain' } });
    expect(row(contain.alpha, 16, 1).every((v) => v === 255)).toBe(true);
    expect(
      row(contain.alpha, 16, 8)
        .slice(0, 6)
        .every((v) => v === 0),
    ).toBe(true);
    // cover: the middle of the picture fills the square (left edit, right keep)
    const cover = await lum(await halves(), { resize: { size: { width: 16, height: 16 }, fit: 'cover' } });
    expect([cover.alpha[16 * 8], cover.alpha[16 * 8 + 15]]).toEqual([0, 255]);
  });

  it('judges aspect ratios within a pixel', () => {
    expect(sameAspect({ width: 1000, height: 667 }, { width: 1536, height: 1024 })).toBe(true);
    expect(sameAspect({ width: 512, height: 512 }, { width: 1024, height: 1024 })).toBe(true);
    expect(sameAspect({ width: 1024, height: 768 }, { width: 1024, height: 1024 })).toBe(false);
  });
});

describe('from an existing alpha channel', () => {
  it('reuses alpha as is, 8-bit and 16-bit (high byte)', async () => {
    const rgba = await pngOf([9, 9, 9, 0, 9, 9, 9, 77, 9, 9, 9, 255], 3, 1, 4);
    expect((await alphaOf({ kind: 'alpha', image: rgba })).alpha).toEqual([0, 77, 255]);
    const rgba16 = encodePng({
      width: 3,
      height: 1,
      colorType: 6,
      bitDepth: 16,
      samples: [0, 0, 0, 255, 0, 0, 0, 32768, 0, 0, 0, 65535],
    });
    expect((await alphaOf({ kind: 'alpha', image: rgba16 })).alpha).toEqual([0, 128, 255]);
    expect((await alphaOf({ kind: 'alpha', image: rgba }, { invert: true })).alpha).toEqual([255, 178, 0]);
  });

  it('refuses an image without alpha', async () => {
    await rejects(buildMask({ kind: 'alpha', image: await pngOf([1, 2, 3], 1, 1, 3) }), 'no-alpha');
  });
});

describe('inputs that are not images', () => {
  it('says so for text, empty and truncated files', async () => {
    await rejects(
      buildMask({ kind: 'luminance', image: Buffer.from('hello, not an image') }),
      'not-image',
      /not an image sharp can read/,
    );
    await rejects(buildMask({ kind: 'luminance', image: Buffer.alloc(0) }), 'not-image');
    const png = await pngOf(
      Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 31) % 256),
      64,
      64,
      3,
    );
    await rejects(buildMask({ kind: 'luminance', image: png.subarray(0, png.length - 200) }), 'not-image');
  });
});

describe('checkMask', () => {
  const mask = async (rects: { x: number; y: number; width: number; height: number }[], width = 8, height = 8) =>
    (await buildMask(shapes(width, height, { rects }))).png;

  it('accepts an RGBA PNG of the right size and measures the editable share', async () => {
    const v = await checkMask(await mask([{ x: 0, y: 0, width: 4, height: 4 }]), { like: { width: 8, height: 8 } });
    expect(v).toMatchObject({
      valid: true,
      format: 'png',
      width: 8,
      height: 8,
      hasAlpha: true,
      editablePercent: 25,
      problems: [],
      warnings: [],
    });
  });

  it('names every problem at once: not PNG, no alpha, wrong size', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#000' } })
      .jpeg()
      .toBuffer();
    const v = await checkMask(jpeg, { like: { width: 8, height: 8 } });
    expect(v.valid).toBe(false);
    expect(v.problems.map((p) => p.code)).toEqual(['not-png', 'no-alpha', 'size-mismatch']);
    expect(v.problems[2]!.message).toBe('it is 8x6 but the image is 8x8');
    expect(v.editablePercent).toBeNull();
  });

  it('flags RGB PNGs, non-images and files over 4 MB', async () => {
    expect((await checkMask(await pngOf([0, 0, 0], 1, 1, 3))).problems.map((p) => p.code)).toEqual(['no-alpha']);
    const junk = await checkMask(Buffer.from('not an image'));
    expect(junk).toMatchObject({ valid: false, format: null, problems: [{ code: 'not-image' }] });
    // noise does not compress: 1100x1100 RGBA is about 4.6 MB as PNG
    const noise = Buffer.alloc(1100 * 1100 * 4);
    for (let i = 0, x = 1; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    const big = await sharp(noise, { raw: { width: 1100, height: 1100, channels: 4 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(big.length).toBeGreaterThan(4 * 1024 * 1024);
    expect((await checkMask(big)).problems.map((p) => p.code)).toEqual(['too-large']);
  });

  it('warns when nothing or everything is editable, and about palette masks', async () => {
    expect((await checkMask(await mask([]))).warnings).toEqual([
      'no pixel is fully transparent, so nothing will be edited',
    ]);
    const all = await checkMask(await mask([{ x: 0, y: 0, width: 8, height: 8 }]));
    expect([all.valid, all.editablePercent, all.warnings]).toEqual([
      true,
      100,
      ['every pixel is transparent, so the whole image may be repainted'],
    ]);
    const palette = encodePng({
      width: 2,
      height: 1,
      colorType: 3,
      bitDepth: 8,
      samples: [0, 1],
      palette: [
        [0, 0, 0],
        [255, 255, 255],
      ],
      paletteAlpha: [0, 255],
    });
    const v = await checkMask(palette);
    expect([v.valid, v.editablePercent, v.warnings]).toEqual([
      true,
      50,
      ['it is a palette PNG; some servers want RGBA masks'],
    ]);
  });
});

describe('previewMask', () => {
  it('tints the editable area and leaves the rest alone', async () => {
    const image = await pngOf(
      Array.from({ length: 4 * 2 * 3 }, () => 100),
      4,
      2,
      3,
    );
    const preview = await previewMask(
      image,
      await (async () => (await buildMask(shapes(4, 2, { rects: [{ x: 0, y: 0, width: 2, height: 2 }] }))).png)(),
    );
    const { data, info } = await sharp(preview).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([4, 2, 3]);
    const px = (x: number) => [...data.subarray(x * 3, x * 3 + 3)];
    expect(px(0)[0]).toBeGreaterThan(150); // magenta-ish: red up, green down
    expect(px(0)[1]).toBeLessThan(60);
    expect(px(3)).toEqual([100, 100, 100]);
  });

  it('refuses a mask of another size', async () => {
    const image = await pngOf([1, 2, 3], 1, 1, 3);
    await rejects(previewMask(image, (await buildMask(shapes(2, 2, { rects: [] }))).png), 'size-mismatch');
  });
});

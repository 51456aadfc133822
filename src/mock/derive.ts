// Answers for edits and variations on the offline server: the first input image resized to the
// requested size, tinted with a colour seeded by the request (and labelled like generations) where
// the edit may paint, so a person (or a test) can see the result came from the upload, and images
// of one request differ. Where the mask keeps the image (alpha above 0), its pixels are left as
// they were: an offline edit shows what a mask lets change before a paid one. A markup layer is
// read the way a model reads it: the change happens near what is drawn (within MARKUP_REACH of
// the image's short side), the rest is left alone, and the marks themselves are not in the answer.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { CONTENT_TYPES } from '../image/format.js';
import { animate, drawLabel, flatPng, MOCK_GIF, parseSize, type SynthFormat, type SynthImage } from './synth.js';

export interface DeriveOptions {
  n: number;
  width: number;
  height: number;
  format: SynthFormat;
  compression?: number;
  background?: string;
  /** Seeds the tints: the prompt, or anything that tells requests apart. */
  seed: string;
  /** gif: frames, each tinted a little differently, and how long each shows. */
  frames?: number;
  frameDurationMs?: number;
  /** Where the edit may paint: fully transparent pixels (alpha 0) of this PNG; absent: everywhere. */
  mask?: Buffer;
  /** With no mask, the input's own transparent pixels are the mask (dall-e-2 edits). */
  alphaIsMask?: boolean;
  /** A markup layer: the edit paints near its drawn pixels (alpha above 0) only. */
  markup?: Buffer;
  /** Lines written on the painted part (labels.ts); none: no words. */
  label?: string[];
  /** The flat payload: PNGs of the tint alone (a few hundred bytes), the input left aside. */
  flat?: boolean;
}

/** The output size: a WxH asked for, else (auto) the GPT size closest to the input's shape. */
export function answerSize(
  size: unknown,
  input: { width: number; height: number },
  gpt: boolean,
): { width: number; height: number } {
  if (typeof size === 'string' && /^\d+x\d+$/.test(size)) return parseSize(size);
  if (!gpt) return { width: 1024, height: 1024 };
  const ratio = input.width / input.height;
  return ratio > 1.2
    ? { width: 1536, height: 1024 }
    : ratio < 1 / 1.2
      ? { width: 1024, height: 1536 }
      : { width: 1024, height: 1024 };
}

function tint(seed: string, index: number): { r: number; g: number; b: number } {
  const h = createHash('sha256').update(`${seed}\u0000${index}`).digest();
  // Bright enough to read as a colour cast, never black.
  return { r: 80 + (h[0]! % 176), g: 80 + (h[1]! % 176), b: 80 + (h[2]! % 176) };
}

/** An animated GIF made from the input: one tinted copy per frame. */
async function deriveGif(input: Buffer, o: DeriveOptions, index: number): Promise<SynthImage> {
  const count = o.frames ?? MOCK_GIF.frames;
  const frames = await Promise.all(
    Array.from({ length: count }, async (_, frame) => {
      const img = sharp(input)
        .resize(o.width, o.height, { fit: 'cover' })
        .tint(tint(o.seed, index * 1000 + frame));
      const withAlpha = o.background === 'transparent';
      const data = await (withAlpha ? img.ensureAlpha() : img.removeAlpha()).raw().toBuffer();
      return { data, channels: (withAlpha ? 4 : 3) as 3 | 4 };
    }),
  );
  const bytes = await animate(frames, o.width, o.height, o.frameDurationMs ?? MOCK_GIF.frameDurationMs);
  return { bytes, width: o.width, height: o.height, format: 'gif', contentType: CONTENT_TYPES.gif };
}

/** RGBA pixels of an image fitted to the answer's size (the mask with the image's own geometry, unblended). */
function fitted(image: Buffer, width: number, height: number, opts: { nearest?: boolean } = {}) {
  return sharp(image)
    .resize(width, height, { fit: 'cover', kernel: opts.nearest ? 'nearest' : undefined })
    .ensureAlpha()
    .raw()
    .toBuffer();
}

/** How far from a mark the offline edit reaches: this share of the image's short side. */
export const MARKUP_REACH = 0.04;

/** 1 for each pixel within MARKUP_REACH of a drawn pixel of the markup layer, fitted to the answer's size. */
async function nearMarks(markup: Buffer, width: number, height: number): Promise<Uint8Array> {
  const alpha = await sharp(markup)
    .resize(width, height, { fit: 'cover', kernel: 'nearest' })
    .ensureAlpha()
    .extractChannel(3)
    .raw()
    .toBuffer();
  const reach = Math.max(1, Math.round(MARKUP_REACH * Math.min(width, height)));
  // A square neighbourhood: a mark widened along the rows, then that along the columns.
  const rows = spread(alpha, width, height, reach, 1, width);
  return spread(rows, height, width, reach, width, 1);
}

/**
 * 1 wherever a set value lies within `reach` along a line: `lines` lines of `length` values,
 * `step` apart inside a line and `stride` apart between lines. Two sweeps per line: O(values).
 */
function spread(
  src: Uint8Array | Buffer,
  length: number,
  lines: number,
  reach: number,
  step: number,
  stride: number,
): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let line = 0; line < lines; line++) {
    const at = (i: number) => line * stride + i * step;
    let last = -Infinity;
    for (let i = 0; i < length; i++) {
      if (src[at(i)]! > 0) last = i;
      if (i - last <= reach) out[at(i)] = 1;
    }
    let next = Infinity;
    for (let i = length - 1; i >= 0; i--) {
      if (src[at(i)]! > 0) next = i;
      if (next - i <= reach) out[at(i)] = 1;
    }
  }
  return out;
}

/** Whether every pixel of RGBA data is fully opaque (then the answer needs no alpha channel). */
function isOpaque(rgba: Buffer): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

export async function deriveImages(input: Buffer, o: DeriveOptions): Promise<SynthImage[]> {
  const quality = Math.max(1, Math.min(100, Math.round(o.compression ?? 100)));
  const { width, height } = o;
  if (o.flat && (o.format === 'png' || o.format === undefined)) {
    return Array.from({ length: o.n }, (_, index) => {
      const { r, g, b } = tint(o.seed, index);
      return {
        bytes: flatPng(width, height, [r, g, b]),
        width,
        height,
        format: 'png' as const,
        contentType: CONTENT_TYPES.png,
      };
    });
  }
  const original = await fitted(input, width, height);
  // 1 where the edit may paint: the mask's (or, for dall-e-2, the input's own) fully transparent pixels.
  const source = o.mask ? await fitted(o.mask, width, height, { nearest: true }) : o.alphaIsMask ? original : undefined;
  const near = o.markup ? await nearMarks(o.markup, width, height) : undefined;
  const editable = near ? (i: number) => near[i] === 1 : source && ((i: number) => source[i * 4 + 3] === 0);
  return Promise.all(
    Array.from({ length: o.n }, async (_, index) => {
      if (o.format === 'gif') return deriveGif(input, o, index);
      const tinted = await sharp(original, { raw: { width, height, channels: 4 } })
        .tint(tint(o.seed, index))
        .raw()
        .toBuffer();
      const painted = o.label?.length ? await drawLabel(tinted, width, height, 4, o.label) : tinted;
      const out = Buffer.from(original);
      for (let i = 0; i < width * height; i++) {
        if (editable && !editable(i)) continue;
        painted.copy(out, i * 4, i * 4, i * 4 + 3);
        // What the model paints is opaque, unless a transparent background was asked for.
        out[i * 4 + 3] = o.background === 'transparent' ? painted[i * 4 + 3]! : 255;
      }
      let img = sharp(out, { raw: { width, height, channels: 4 } });
      if (o.format === 'jpeg' || o.background === 'opaque') img = img.flatten({ background: '#ffffff' });
      else if (o.background !== 'transparent' && isOpaque(out)) img = img.removeAlpha();
      // Low effort: these are test images, speed matters more than size.
      // Edits make no SVG (the table's edits formats have none): a PNG stands in for any other format.
      const format = o.format === 'jpeg' || o.format === 'webp' ? o.format : 'png';
      const encoded =
        format === 'png'
          ? img.png({ compressionLevel: 2, adaptiveFiltering: false })
          : format === 'jpeg'
            ? img.jpeg({ quality })
            : img.webp({ quality, effort: 0 });
      const bytes = await encoded.toBuffer();
      return { bytes, width, height, format, contentType: CONTENT_TYPES[format] };
    }),
  );
}

/**
 * Input image tokens, roughly as OpenAI counts images: scaled to fit 2048 square, the short
 * side to 768, then 170 per 512-pixel tile plus 85.
 */
export function inputImageTokens(sizes: Array<{ width: number; height: number }>): number {
  return sizes.reduce((sum, { width, height }) => {
    let scale = Math.min(1, 2048 / Math.max(width, height));
    scale *= Math.min(1, 768 / (Math.min(width, height) * scale));
    const tiles = Math.ceil((width * scale) / 512) * Math.ceil((height * scale) / 512);
    return sum + 85 + 170 * tiles;
  }, 0);
}

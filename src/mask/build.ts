// src/mask/: edit masks from drawings, shapes and transparency, and mask checks; pure apart from sharp.
//
// Mask building for the edits endpoint: bytes in, an 8-bit RGBA PNG out, sharp (libvips) doing
// the pixel work. No CLI knowledge: errors are MaskErrors with a code the command translates.
//
// Every mask is first a single 8-bit plane K where 0 = edit and 255 = keep, then written as
// (K, K, K, K): alpha 0 is what the API reads as "paint here", and the colour channels make the
// file look right in a viewer (black = edit). That is the classic Pillow recipe
// (L = img.convert("L"); rgba = L.convert("RGBA"); rgba.putalpha(L)) generalised.
import sharp, { type Matrix3x3 } from 'sharp';
import {
  countValue,
  decoding,
  fromPlane,
  MaskError,
  raw1,
  readAlpha,
  readMetadata,
  toPlane,
  zeroPercent,
  type Plane,
  type Size,
} from './plane.js';
import { drawShapes, type Ellipse, type Rect } from './shapes.js';

export { MaskError, readMetadata, type MaskErrorCode, type Plane, type Size } from './plane.js';
export { formatEllipse, formatRect, type Ellipse, type Rect } from './shapes.js';
export {
  checkMask,
  MAX_MASK_BYTES,
  previewMask,
  type MaskProblem,
  type MaskProblemCode,
  type MaskVerdict,
} from './check.js';

export type Fit = 'stretch' | 'contain' | 'cover';

export type MaskSource =
  /** Luminance becomes alpha (black = edit). Transparent input pixels count as white. */
  | { kind: 'luminance'; image: Uint8Array }
  /** The image's own alpha channel is reused as is. */
  | { kind: 'alpha'; image: Uint8Array }
  /** A blank canvas (all keep) with rectangles and ellipses marked editable. */
  | { kind: 'shapes'; size: Size; rects?: Rect[]; ellipses?: Ellipse[] };

export interface MaskOptions {
  /** Scale to this size; without `fit`, a different aspect ratio is refused. */
  resize?: { size: Size; fit?: Fit };
  /** 0-255: luminance at or above becomes keep, below becomes edit; no grey left. */
  threshold?: number;
  /** Swap edit and keep. */
  invert?: boolean;
  /** Widen (grow) or narrow (shrink) the editable area by this many pixels. */
  grow?: number;
  shrink?: number;
  /** Soften the edge over about this many pixels on each side. */
  feather?: number;
}

export interface MaskResult {
  png: Buffer;
  width: number;
  height: number;
  /** Percent of pixels with alpha 0. */
  editablePercent: number;
  /** The luminance input had transparent pixels; they were treated as white (keep). */
  flattenedTransparency: boolean;
}

/**
 * ITU-R 601 luma exactly as Pillow's convert("L") computes it (libImaging/Convert.c, rgb2l):
 * L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16, i.e. weights 299/587/114 in 16-bit fixed
 * point, rounded half up. recomb with the integer weights is exact in float32 (the largest sum,
 * 255*65536, is below 2^24), and linear(1/65536, +0.5) then truncates to uchar: the same
 * integer as Pillow for all 2^24 colours (checked exhaustively while writing this).
 */
const LUMA: Matrix3x3 = [
  [19595, 38470, 7471],
  [0, 0, 0],
  [0, 0, 0],
];

/**
 * sharp runs libvips on one thread on glibc Linux without jemalloc, to limit fragmentation in
 * long-lived servers. A one-shot CLI does not live long enough to care, and the luminance step
 * is twice as fast on two cores. Called by commands, never at import.
 */
export function useAllCores(cores: number): void {
  sharp.concurrency(Math.max(1, cores));
}

async function luminancePlane(image: Uint8Array): Promise<{ plane: Plane; flattened: boolean }> {
  const meta = await readMetadata(image);
  if (meta.channels === 1 && meta.depth === 'uchar' && !meta.isPalette) {
    // 8-bit grey (1-bit included) already is L; skipping recomb saves ~60% on big inputs.
    return { plane: await decoding(() => toPlane(sharp(image))), flattened: false };
  }
  if (!meta.hasAlpha) {
    // recomb converts to 8-bit sRGB first: palette, grey, CMYK and 16-bit (high byte) included.
    return {
      plane: await decoding(() =>
        toPlane(
          sharp(image)
            .recomb(LUMA)
            .linear(1 / 65536, 0.5),
          'srgb',
        ),
      ),
      flattened: false,
    };
  }
  // Transparent means "not drawn on", so it counts as white (keep), as the image looks on a page.
  const alpha = await readAlpha(image);
  const flattened = countValue(alpha.data, 255) < alpha.data.length;
  let input = sharp(image);
  if (flattened && meta.depth !== 'uchar') {
    // Down to 8-bit before flattening: sharp's 16-bit flatten takes white as 65280, not 65535.
    const { data, info } = await decoding(() =>
      sharp(image).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }),
    );
    input = sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } });
  }
  if (flattened) input = input.flatten({ background: '#ffffff' });
  return { plane: await decoding(() => toPlane(input.recomb(LUMA).linear(1 / 65536, 0.5), 'srgb')), flattened };
}

/** Same shape within a pixel: 1000x667 fits 1536x1024, 1024x768 does not fit 1024x1024. */
export function sameAspect(from: Size, to: Size): boolean {
  return (
    Math.abs(Math.round((from.width * to.height) / from.height) - to.width) <= 1 ||
    Math.abs(Math.round((from.height * to.width) / from.width) - to.height) <= 1
  );
}

const SHARP_FIT = { stretch: 'fill', contain: 'contain', cover: 'cover' } as const;

async function resizePlane(p: Plane, size: Size, fit?: Fit): Promise<Plane> {
  if (p.width === size.width && p.height === size.height) return p;
  if (!fit && !sameAspect(p, size)) {
    throw new MaskError(
      'aspect-mismatch',
      `is ${p.width}x${p.height} but the target is ${size.width}x${size.height}, a different aspect ratio`,
    );
  }
  // Linear, not lanczos: no ringing, so solid edit and keep areas stay exactly 0 and 255.
  // contain pads with keep: nothing outside the drawn mask is handed to the model.
  return toPlane(
    fromPlane(p).resize(size.width, size.height, {
      fit: SHARP_FIT[fit ?? 'stretch'],
      kernel: 'linear',
      background: '#ffffff',
    }),
  );
}

function thresholdPlane(p: Plane, level: number): Promise<Plane> | Plane {
  // sharp treats threshold 0 as "off"; every pixel is >= 0, so all keep.
  if (level === 0) return { ...p, data: Buffer.alloc(p.data.length, 255) };
  return toPlane(fromPlane(p).threshold(level));
}

/**
 * Gaussian blur that keeps 0 and 255 plateaus exact. libvips' integer blur (the fast one: float
 * is 10-50x slower) can scale everything by up to -3% with some sigmas (a flat 255 comes out as
 * 247 at sigma 0.5); 0 stays 0. The scale is the same everywhere, so blurring a 1x1 white image
 * measures it and the same pipeline multiplies it back out.
 */
async function blurPlane(p: Plane, sigma: number): Promise<Plane> {
  const options = { sigma, minAmplitude: 0.01 }; // keep the tails: grow/shrink reads them
  const [white] = (await toPlane(fromPlane({ data: Buffer.from([255]), width: 1, height: 1 }).blur(options))).data;
  // +0.5: linear() truncates to uchar; this rounds, so 247 * (255 / 247) lands on 255.
  return toPlane(
    fromPlane(p)
      .blur(options)
      .linear(255 / Math.max(1, white!), 0.5),
  );
}

/** Radius per grow/shrink step: past ~32 px the 8-bit tail is too flat to cut at the right pixel. */
const MAX_MORPH_STEP = 16;

/**
 * Grow/shrink by blur-then-threshold on the side that spreads (editable to grow, keep to
 * shrink): a Gaussian with sigma r/2 falls to 255*Phi(-2) = 5.8 exactly r pixels past a
 * straight edge, so cutting at 6 moves the edge by r. Corners come out rounded, like a disk,
 * at O(r) per pixel where sharp's square dilate()/erode() cost O(r^2) (5 s at r=64 on
 * 4096x4096). Large radii go in steps of at most 16. OR-ing with the input means growing never
 * loses a pixel (a lone dot blurs below the cut) and shrinking never gains one.
 */
async function morph(k: Plane, radius: number, grow: boolean): Promise<Plane> {
  let p = grow ? await toPlane(fromPlane(k).negate()) : k;
  const steps = Math.ceil(radius / MAX_MORPH_STEP);
  for (let i = 0; i < steps; i++) {
    const r = Math.round((radius * (i + 1)) / steps) - Math.round((radius * i) / steps);
    const blurred = await blurPlane(p, r / 2);
    const last = i === steps - 1;
    // negate runs last in a sharp pipeline, so turning "editable" back into K costs no pass.
    p = await toPlane(
      fromPlane(blurred)
        .threshold(6)
        .boolean(p.data, 'or', raw1(p))
        .negate(last && grow),
    );
  }
  return p;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new MaskError('bad-value', what);
}

export function validateOptions(o: MaskOptions): void {
  const inRange = (v: number | undefined, lo: number, hi: number, integer: boolean) =>
    v === undefined || (v >= lo && v <= hi && (!integer || Number.isInteger(v)));
  check(inRange(o.threshold, 0, 255, true), 'threshold must be a whole number from 0 to 255');
  check(
    inRange(o.grow, 1, 1000, true) && inRange(o.shrink, 1, 1000, true),
    'grow and shrink take a whole number of pixels from 1 to 1000',
  );
  check(o.grow === undefined || o.shrink === undefined, 'grow and shrink cannot be combined');
  check(inRange(o.feather, 1, 1000, false), 'feather takes a number of pixels from 1 to 1000');
  if (o.resize)
    check(
      inRange(o.resize.size.width, 1, 100_000, true) && inRange(o.resize.size.height, 1, 100_000, true),
      'size must be whole pixels',
    );
}

/** Builds the K plane (0 = edit, 255 = keep) from a source and options, before encoding. */
export async function buildPlane(
  source: MaskSource,
  options: MaskOptions = {},
): Promise<{ plane: Plane; flattened: boolean }> {
  validateOptions(options);
  let flattened = false;
  let k: Plane;
  if (source.kind === 'shapes') k = drawShapes(source.size, source.rects ?? [], source.ellipses ?? []);
  else if (source.kind === 'alpha') k = await readAlpha(source.image);
  else ({ plane: k, flattened } = await luminancePlane(source.image));
  // Order: size first so px values mean pixels of the target image; the hard edge before
  // invert (it reads luminance); morphology on a hard edge; feather last so nothing re-hardens it.
  if (options.resize) k = await resizePlane(k, options.resize.size, options.resize.fit);
  const morphing = options.grow ?? options.shrink;
  if (options.threshold !== undefined || morphing) k = await thresholdPlane(k, options.threshold ?? 128);
  if (options.invert) k = await toPlane(fromPlane(k).negate());
  if (morphing) k = await morph(k, morphing, options.grow !== undefined);
  if (options.feather) k = await blurPlane(k, options.feather / 2);
  return { plane: k, flattened };
}

/** Writes K as the (K, K, K, K) 8-bit RGBA PNG. */
export function encodeMask(k: Plane): Promise<Buffer> {
  // Four real bands: joined grey + alpha would be written as a grey + alpha PNG, not RGBA.
  // zlib level 4 is its fastest level that still finds the four repeated bands: a mask comes out
  // no bigger than Pillow's at its default 6, and a detailed 4096x4096 one encodes in about a
  // third of the time (npm run bench, case 6).
  return fromPlane(k).joinChannel([k.data, k.data, k.data], raw1(k)).png({ compressionLevel: 4 }).toBuffer();
}

export async function buildMask(source: MaskSource, options: MaskOptions = {}): Promise<MaskResult> {
  const { plane, flattened } = await buildPlane(source, options);
  const png = await encodeMask(plane);
  return {
    png,
    width: plane.width,
    height: plane.height,
    editablePercent: zeroPercent(plane),
    flattenedTransparency: flattened,
  };
}

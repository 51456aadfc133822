// The shared ground of the mask modules: the error type, single-channel planes and the sharp
// plumbing that moves them between pipelines.
//
// sharp runs its operations in a fixed order whatever order they are called in (threshold
// before blur, negate last...), so a mask step that needs another order gets its own pipeline,
// and planes travel between pipelines as raw 8-bit buffers.
import sharp, { type Metadata, type Sharp } from 'sharp';

export interface Size {
  width: number;
  height: number;
}

/** One 8-bit channel, row by row. For masks: 0 = edit, 255 = keep. */
export interface Plane {
  data: Buffer;
  width: number;
  height: number;
}

export type MaskErrorCode =
  | 'not-image'
  | 'no-alpha'
  | 'aspect-mismatch'
  | 'rect-outside'
  | 'ellipse-outside'
  | 'size-mismatch'
  | 'bad-value';

export class MaskError extends Error {
  override name = 'MaskError';
  constructor(
    readonly code: MaskErrorCode,
    message: string,
    /** Which shape (0-based) a rect-outside or ellipse-outside error is about. */
    readonly index?: number,
  ) {
    super(message);
  }
}

export const raw1 = (p: Size) => ({ raw: { width: p.width, height: p.height, channels: 1 as const } });

export const fromPlane = (p: Plane) => sharp(p.data, raw1(p));

/**
 * Runs a pipeline and keeps one 8-bit band. `space` is the pipeline's own colour space: sharp
 * converts to the output space before extracting the band, so a plane pipeline says b-w (or
 * sharp would expand it to three sRGB bands) and a decoding pipeline says srgb (or sharp would
 * turn its bands into grey).
 */
export async function toPlane(s: Sharp, space: 'b-w' | 'srgb' = 'b-w', band: 0 | 3 = 0): Promise<Plane> {
  const { data, info } = await s.toColourspace(space).extractChannel(band).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function notImage(err: unknown): MaskError {
  const why = err instanceof Error ? err.message.replace(/^Input (buffer|file) /, '') : String(err);
  return new MaskError('not-image', `is not an image sharp can read (${why})`);
}

/** Runs a decoding step, turning sharp's failures (unknown format, truncated data) into not-image. */
export async function decoding<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw err instanceof MaskError ? err : notImage(err);
  }
}

/** Format, size and channels without decoding the pixels. */
export function readMetadata(image: Uint8Array): Promise<Metadata & Size> {
  return decoding(async () => {
    const meta = await sharp(image).metadata();
    if (!meta.width || !meta.height) throw new Error('it has no width and height');
    return meta as Metadata & Size;
  });
}

/**
 * The alpha channel as an 8-bit plane. 16-bit alpha keeps its high byte, as Pillow does when it
 * opens a 16-bit PNG (and so, most likely, the server reading the mask).
 */
export async function readAlpha(image: Uint8Array): Promise<Plane> {
  const meta = await readMetadata(image);
  if (!meta.hasAlpha) throw new MaskError('no-alpha', 'has no alpha channel (no transparency)');
  // Through 8-bit sRGB: grey + alpha and palette + tRNS come out as RGBA, alpha last.
  return decoding(() => toPlane(sharp(image), 'srgb', 3));
}

/**
 * How many bytes equal `value`. A reduction sharp offers only through stats(), which also
 * computes entropy and a Laplacian sharpness: 190 ms on 4096x4096 against 19 ms for this loop.
 * The one place pixels pass through JavaScript, and only to be counted.
 */
export function countValue(data: Uint8Array, value: number): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === value) n++;
  return n;
}

/** Percent of the plane that is exactly 0 (fully transparent once written as alpha). */
export function zeroPercent(p: Plane): number {
  return (100 * countValue(p.data, 0)) / p.data.length;
}

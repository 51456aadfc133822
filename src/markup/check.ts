// Verdicts on an existing markup file (would it do its job on this image?), as data: printing
// and exit codes are the command's business. Like src/mask/check.ts, a bad file is a verdict,
// never an exception.
import sharp from 'sharp';
import type { ImageSize } from './render.js';
import type { Size } from './spec.js';

export type MarkupProblemCode = 'not-image' | 'not-png' | 'no-alpha' | 'size-mismatch' | 'empty' | 'opaque';

export interface MarkupProblem {
  code: MarkupProblemCode;
  message: string;
}

export interface MarkupVerdict {
  /** No problems. Warnings do not make a markup file invalid. */
  valid: boolean;
  format: string | null;
  width: number | null;
  height: number | null;
  hasAlpha: boolean;
  bytes: number;
  /** Percent of pixels with any opacity (what is drawn); null without alpha. */
  drawnPercent: number | null;
  /** Percent of pixels that are fully opaque (hiding the photo there); null without alpha. */
  opaquePercent: number | null;
  problems: MarkupProblem[];
  warnings: string[];
}

/** Past this share of opaque pixels the model sees more drawing than photo. */
export const COVER_WARNING_PERCENT = 50;

/** Counts of alpha > 0 and alpha = 255, through 8-bit sRGB so every PNG kind reads alike. */
async function alphaCounts(bytes: Uint8Array): Promise<{ drawn: number; opaque: number; total: number }> {
  const { data } = await sharp(bytes)
    .toColourspace('srgb')
    .extractChannel(3)
    .raw()
    .toBuffer({ resolveWithObject: true });
  let [drawn, opaque] = [0, 0];
  for (let i = 0; i < data.length; i++) {
    if (data[i]! > 0) drawn++;
    if (data[i] === 255) opaque++;
  }
  return { drawn, opaque, total: data.length };
}

const percent = (n: number, total: number) => Math.round((1000 * n) / total) / 10;

/**
 * Checks a markup layer: a PNG with alpha, the size of the (first) image when `like` is given,
 * with something drawn and the photo still showing. `like` may carry the image's stored size
 * and EXIF orientation (readImageSize) to explain a layer drawn on the sideways file.
 */
export async function checkMarkup(bytes: Uint8Array, opts: { like?: Size | ImageSize } = {}): Promise<MarkupVerdict> {
  const verdict: MarkupVerdict = {
    valid: false,
    format: null,
    width: null,
    height: null,
    hasAlpha: false,
    bytes: bytes.length,
    drawnPercent: null,
    opaquePercent: null,
    problems: [],
    warnings: [],
  };
  const problem = (code: MarkupProblemCode, message: string) => verdict.problems.push({ code, message });
  let meta;
  try {
    meta = await sharp(bytes).metadata();
  } catch {
    problem('not-image', 'it is not an image; a markup layer is a transparent PNG');
    return verdict;
  }
  Object.assign(verdict, {
    format: meta.format,
    width: meta.width ?? null,
    height: meta.height ?? null,
    hasAlpha: Boolean(meta.hasAlpha),
  });
  if (meta.format !== 'png') problem('not-png', `it is ${meta.format.toUpperCase()}, not PNG; markup is sent as a PNG`);
  if (!meta.hasAlpha)
    problem('no-alpha', 'it has no alpha channel, so it would hide the whole photo; draw on a transparent layer');
  const like = opts.like;
  if (like && (like.width !== meta.width || like.height !== meta.height)) {
    const turned = 'stored' in like && like.orientation > 1 ? like : undefined;
    const sideways =
      turned && turned.stored.width === meta.width && turned.stored.height === meta.height
        ? ` (the size of the file before its EXIF rotation, orientation ${turned.orientation}; draw on the upright image)`
        : '';
    problem(
      'size-mismatch',
      `it is ${meta.width}x${meta.height} but the image is ${like.width}x${like.height}${sideways}`,
    );
  }
  if (meta.hasAlpha) {
    const { drawn, opaque, total } = await alphaCounts(bytes);
    verdict.drawnPercent = percent(drawn, total);
    verdict.opaquePercent = percent(opaque, total);
    if (drawn === 0) problem('empty', 'every pixel is transparent: nothing is drawn on it');
    else if (opaque === total) problem('opaque', 'every pixel is opaque: it would hide the whole photo');
    else if (verdict.opaquePercent > COVER_WARNING_PERCENT)
      verdict.warnings.push(`it hides ${verdict.opaquePercent}% of the photo; the model may not see what is under it`);
  }
  verdict.valid = verdict.problems.length === 0;
  return verdict;
}

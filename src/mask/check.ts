// Verdicts on existing masks (would the API accept this file?) and previews for people.
// Returns data; printing is the command's business.
import sharp from 'sharp';
import { fromPlane, MaskError, raw1, readAlpha, readMetadata, toPlane, zeroPercent, type Size } from './plane.js';

/** The API's limit on the mask upload (the reference says "under 4 MB"; read as MiB). */
export const MAX_MASK_BYTES = 4 * 1024 * 1024;

export type MaskProblemCode = 'not-image' | 'not-png' | 'no-alpha' | 'too-large' | 'size-mismatch';

export interface MaskProblem {
  code: MaskProblemCode;
  message: string;
}

export interface MaskVerdict {
  /** No problems: the API should take it. Warnings do not make a mask invalid. */
  valid: boolean;
  format: string | null;
  width: number | null;
  height: number | null;
  hasAlpha: boolean;
  bytes: number;
  /** Percent of pixels with alpha 0 (what the model may repaint); null without alpha. */
  editablePercent: number | null;
  problems: MaskProblem[];
  warnings: string[];
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/**
 * Checks a mask against the API's rules: a PNG, with alpha, under 4 MB, the same width and
 * height as the image (when `like` is given). Never throws for a bad file: that is a verdict.
 */
export async function checkMask(bytes: Uint8Array, opts: { like?: Size } = {}): Promise<MaskVerdict> {
  const verdict: MaskVerdict = {
    valid: false,
    format: null,
    width: null,
    height: null,
    hasAlpha: false,
    bytes: bytes.length,
    editablePercent: null,
    problems: [],
    warnings: [],
  };
  const problem = (code: MaskProblemCode, message: string) => verdict.problems.push({ code, message });
  if (bytes.length >= MAX_MASK_BYTES) problem('too-large', `it is ${mb(bytes.length)}; the API takes masks under 4 MB`);
  let meta;
  try {
    meta = await readMetadata(bytes);
  } catch (err) {
    if (!(err instanceof MaskError)) throw err;
    problem('not-image', 'it is not an image');
    return verdict;
  }
  Object.assign(verdict, {
    format: meta.format,
    width: meta.width,
    height: meta.height,
    hasAlpha: Boolean(meta.hasAlpha),
  });
  if (meta.format !== 'png') problem('not-png', `it is ${meta.format.toUpperCase()}, not PNG`);
  if (!meta.hasAlpha) problem('no-alpha', 'it has no alpha channel (the API edits where alpha is 0)');
  if (opts.like && (opts.like.width !== meta.width || opts.like.height !== meta.height)) {
    problem(
      'size-mismatch',
      `it is ${meta.width}x${meta.height} but the image is ${opts.like.width}x${opts.like.height}`,
    );
  }
  if (meta.hasAlpha) {
    const editable = zeroPercent(await readAlpha(bytes));
    verdict.editablePercent = editable;
    if (editable === 0) verdict.warnings.push('no pixel is fully transparent, so nothing will be edited');
    if (editable === 100) verdict.warnings.push('every pixel is transparent, so the whole image may be repainted');
  }
  // Palette + tRNS decodes with alpha, but servers that demand RGBA or LA masks may refuse it.
  if (meta.format === 'png' && meta.isPalette && meta.hasAlpha)
    verdict.warnings.push('it is a palette PNG; some servers want RGBA masks');
  verdict.valid = verdict.problems.length === 0;
  return verdict;
}

/** The editable area's tint in previews: a magenta no photo is likely to be full of. */
const TINT = { r: 255, g: 0, b: 160 };

/**
 * The image with the mask's editable area tinted (half strength where alpha is 0, fading with
 * partial alpha), as an 8-bit PNG for a person to look at.
 */
export async function previewMask(image: Uint8Array, mask: Uint8Array): Promise<Buffer> {
  const meta = await readMetadata(image);
  const alpha = await readAlpha(mask);
  if (alpha.width !== meta.width || alpha.height !== meta.height) {
    throw new MaskError(
      'size-mismatch',
      `the mask is ${alpha.width}x${alpha.height} but the image is ${meta.width}x${meta.height}`,
    );
  }
  // Overlay opacity (255 - alpha) / 2: solid edit areas half-tinted, the picture still visible.
  const strength = await toPlane(fromPlane(alpha).linear(-0.5, 127.5));
  const { data, info } = await sharp({
    create: { width: alpha.width, height: alpha.height, channels: 3, background: TINT },
  })
    .joinChannel(strength.data, raw1(strength))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const tinted = sharp(image).composite([
    { input: data, raw: { width: info.width, height: info.height, channels: info.channels } },
  ]);
  // Compositing adds alpha; an opaque picture stays RGB (removeAlpha runs after composite).
  return (meta.hasAlpha ? tinted : tinted.removeAlpha()).toColourspace('srgb').png().toBuffer();
}

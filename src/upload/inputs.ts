// What each file handed to `edit` or `vary` really is, read from its content (magic bytes, then
// sharp's header parse; never the extension), judged against the model's file rules, and, with
// --fit, turned into a square PNG the model takes. Only the head of a file is read here; the
// pixels are decoded only for --fit.
import { sizeText } from '../api/limits.js';
import { basename, extname } from 'node:path';
import sharp from 'sharp';
import { UsageError } from '../errors.js';
import { describeFsError } from '../fs-errors.js';
import { formatFromExtension, isComplete, looksComplete, sniffImage, type ImageFormat } from '../image/format.js';
import { readEnds } from '../image/head.js';
import { readRegularFile, regularFile } from '../image/input-file.js';
import type { FileRule, ResolvedModel } from '../models/table.js';

export type ImageFit = 'contain' | 'cover';

export interface InputImage {
  path: string;
  /** The file's own name, sent as the multipart filename. */
  filename: string;
  bytes: number;
  /** From the content: png, jpeg, webp, gif, or another format sharp knows (tiff, heif, svg...). */
  format: string;
  width: number;
  height: number;
  hasAlpha: boolean;
  /** EXIF orientation, 1 (as stored) to 8; width and height are the stored ones (5-8 show them swapped). */
  orientation: number;
}

/** The size a viewer (and a markup layer drawn on the photo) sees: after the EXIF orientation. */
export const uprightSize = (img: InputImage) =>
  img.orientation >= 5 ? { width: img.height, height: img.width } : { width: img.width, height: img.height };

/** A missing, unreadable or folder path as a usage error that names it. */
export function unreadable(path: string, role: string, err: unknown): UsageError {
  return new UsageError(`cannot read ${role} ${path}: ${describeFsError(err)}`, 'Check the path.');
}

/** Refuses an image in a format imgcli can check that is not whole (a truncated download, a cut copy). */
function refuseIncomplete(path: string, role: string, format: ImageFormat): never {
  throw new UsageError(
    `${role} ${path} is cut short: an incomplete ${FORMAT_NAMES[format]} (its end is missing); nothing was sent`,
    'The file was probably not copied or downloaded whole: get it again.',
  );
}

/** A whole input file in memory (masks, mask drawings), after the same checks as inspectImage. */
export async function readInputFile(path: string, role: string): Promise<Buffer> {
  await regularFile(path, role);
  const bytes = await readRegularFile(path, 'image', role);
  const sniffed = sniffImage(bytes);
  if (sniffed && !looksComplete(bytes, sniffed.format)) refuseIncomplete(path, role, sniffed.format);
  return bytes;
}

async function readHeadOf(path: string, role: string): Promise<{ head: Buffer; size: number; complete?: boolean }> {
  await regularFile(path, role);
  try {
    const ends = await readEnds(path);
    const sniffed = sniffImage(ends.head);
    return { head: ends.head, size: ends.size, complete: sniffed ? isComplete(sniffed.format, ends) : undefined };
  } catch (err) {
    throw unreadable(path, role, err);
  }
}

const printable = (b: Buffer) =>
  b
    .subarray(0, 16)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');

/** Reads what a file is; a missing, empty, damaged or non-image file is a usage error naming it. */
export async function inspectImage(path: string, role = 'image'): Promise<InputImage> {
  const { head, size, complete } = await readHeadOf(path, role);
  if (size === 0) throw new UsageError(`${role} ${path} is empty (0 bytes)`, 'Give a PNG, JPEG or WebP image file.');
  const sniffed = sniffImage(head);
  if (sniffed && complete === false) refuseIncomplete(path, role, sniffed.format);
  // sharp parses the header from disk (no decode): it confirms the file and reports alpha.
  const meta = await sharp(path)
    .metadata()
    .catch(() => undefined);
  if (!meta?.width || !meta.height) {
    const what = sniffed
      ? `a damaged ${sniffed.format.toUpperCase()} file`
      : `not an image (it starts: ${printable(head)})`;
    throw new UsageError(`${role} ${path} is ${what}`, 'Give a PNG, JPEG or WebP image file.');
  }
  return {
    path,
    filename: basename(path),
    bytes: size,
    format: sniffed?.format ?? meta.format,
    width: meta.width,
    height: meta.height,
    hasAlpha: Boolean(meta.hasAlpha),
    orientation: meta.orientation ?? 1,
  };
}

const FORMAT_NAMES: Record<string, string> = {
  png: 'PNG',
  jpeg: 'JPEG',
  webp: 'WebP',
  gif: 'GIF',
  tiff: 'TIFF',
  heif: 'HEIF',
  svg: 'SVG',
};
export const formatName = (f: string) => FORMAT_NAMES[f] ?? f.toUpperCase();

function describeFormat(img: InputImage): string {
  const named = formatFromExtension(extname(img.path));
  const despite = named && named !== img.format ? ` (whatever its ${extname(img.path)} name says)` : '';
  return `a ${formatName(img.format)} file${despite}`;
}

/** "square PNG images under 4 MB" */
export function ruleText(rule: FileRule): string {
  const formats = rule.formats.map(formatName);
  const list = formats.length > 1 ? `${formats.slice(0, -1).join(', ')} or ${formats.at(-1)}` : formats[0];
  return `${rule.square ? 'square ' : ''}${list} images under ${sizeText(rule.maxBytes)}`;
}

/** Why a file cannot be sent as it is under a rule; empty when it can. */
export function ruleProblems(img: InputImage, rule: FileRule): string[] {
  const problems: string[] = [];
  if (!rule.formats.includes(img.format)) problems.push(describeFormat(img));
  if (rule.square && img.width !== img.height) problems.push(`${img.width}x${img.height}, not square`);
  if (img.bytes >= rule.maxBytes) problems.push(sizeText(img.bytes, 'measured'));
  return problems;
}

/** Refuses a file the model cannot take, naming the file, what is wrong and the fix. */
export function refuseImage(img: InputImage, problems: string[], rule: FileRule, model: ResolvedModel): never {
  const fix = rule.square
    ? 'Add --fit contain (pads) or --fit cover (crops) to send a square PNG made from it.'
    : `Convert it, or add --fit contain to send a PNG made from it.`;
  throw new UsageError(`${img.path} is ${problems.join(', ')}; ${model.name} takes ${ruleText(rule)}`, fix);
}

/** Refuses too few or too many images for the model, before any file is read. */
export function checkCount(count: number, rule: FileRule | undefined, model: ResolvedModel, command: string): void {
  if (!rule || (count >= rule.minImages && count <= rule.maxImages)) return;
  const takes =
    rule.minImages === rule.maxImages ? `exactly ${rule.maxImages}` : `${rule.minImages} to ${rule.maxImages}`;
  const hint =
    rule.maxImages === 1
      ? `Give one image, or use a GPT image model (-m gpt-image-2), which takes up to 16.`
      : `Give at most ${rule.maxImages} images.`;
  throw new UsageError(`${count} images given; ${model.name} ${command} takes ${takes}`, hint);
}

/**
 * The image turned upright (its EXIF orientation applied, the tag gone), in its own format: what
 * an edit sends with a markup layer, which is drawn on the picture as it is seen. JPEG is
 * encoded again at quality 95 (no JPEG rotation is lossless in general); PNG and WebP losslessly.
 */
export async function uprightCopy(img: InputImage): Promise<{ bytes: Buffer; format: string }> {
  const s = sharp(img.path).autoOrient();
  const format = img.format === 'jpeg' || img.format === 'webp' ? img.format : 'png';
  const bytes =
    format === 'jpeg'
      ? await s.jpeg({ quality: 95 }).toBuffer()
      : format === 'webp'
        ? await s.webp({ lossless: true }).toBuffer()
        : await s.png().toBuffer();
  return { bytes, format };
}

export interface FittedImage {
  png: Buffer;
  side: number;
}

/**
 * A square PNG made from the image: contain pads (transparent when the image has alpha, else
 * white), cover crops the middle. The side is the image's own (long edge for contain, short for
 * cover) but at most `maxSide`, halved until the PNG is under the byte limit. The stored
 * orientation is kept (no EXIF rotation) so a mask drawn on the file still lines up; `upright`
 * turns it first, for a markup layer drawn on the picture as it is seen.
 */
export async function fitSquare(
  img: InputImage,
  fit: ImageFit,
  maxSide: number,
  maxBytes: number,
  upright = false,
): Promise<FittedImage> {
  const { width, height } = upright ? uprightSize(img) : img;
  let side = Math.min(maxSide, fit === 'contain' ? Math.max(width, height) : Math.min(width, height));
  const background = img.hasAlpha ? { r: 0, g: 0, b: 0, alpha: 0 } : { r: 255, g: 255, b: 255, alpha: 1 };
  for (;;) {
    const source = upright ? sharp(img.path).autoOrient() : sharp(img.path);
    const png = await source.resize(side, side, { fit, background }).png().toBuffer();
    if (png.length < maxBytes || side <= 64) return { png, side };
    side = Math.round(side / 2);
  }
}

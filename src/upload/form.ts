// What `edit` and `vary` share between a validated request and runImages: every file read and
// checked before any byte is sent, --fit applied, the mask prepared, and a multipart builder
// that makes a fresh form for each attempt (a sent body cannot be sent again).
import { openAsBlob } from 'node:fs';
import { basename, extname } from 'node:path';
import { FormData } from 'undici';
import { UsageError } from '../errors.js';
import { fitMask, maskFromDrawing, maskFromFile } from './mask.js';
import { CONTENT_TYPES, sniffImage, type ImageFormat } from '../image/format.js';
import { fitSquare, inspectImage, refuseImage, ruleProblems, type ImageFit, type InputImage } from './inputs.js';
import type { Messenger } from '../terminal/messenger.js';
import type { EndpointRules, ResolvedModel } from '../models/table.js';

export interface UploadPart {
  field: string;
  filename: string;
  contentType: string;
  /** A file streamed from disk on each attempt, or a Blob made in memory (--fit, masks) and read again per attempt. */
  source: { path: string } | { blob: Blob };
}

export interface UploadInput {
  paths: string[];
  model: ResolvedModel;
  rules: EndpointRules;
  fit?: ImageFit;
  mask?: string;
  maskFrom?: string;
  say: Messenger;
}

/** The content type a part is sent with: from the bytes, never application/octet-stream. */
export const contentTypeOf = (format: string) => CONTENT_TYPES[format as ImageFormat] ?? `image/${format}`;

/** One image goes in `image`; several in repeated `image[]`, as the SDKs and the spec send them. */
export const imageField = (count: number) => (count === 1 ? 'image' : 'image[]');

/** The largest square output size the endpoint offers: what --fit scales down to. */
function fitSide(rules: EndpointRules): number {
  const squares = rules.sizes.map((s) => /^(\d+)x\1$/.exec(s)).filter((m) => m !== null).map((m) => Number(m[1]));
  return squares.length ? Math.max(...squares) : 1024;
}

interface PreparedImage {
  part: UploadPart;
  info: InputImage;
  /** Set when --fit changed the image: the mask must follow. */
  fitted?: { fit: ImageFit; side: number };
}

async function prepareImage(path: string, field: string, input: UploadInput): Promise<PreparedImage> {
  const { rules, model, fit, say } = input;
  const info = await inspectImage(path);
  const problems = rules.files ? ruleProblems(info, rules.files) : [];
  if (problems.length === 0) {
    return { info, part: { field, filename: info.filename, contentType: contentTypeOf(info.format), source: { path } } };
  }
  if (!fit) refuseImage(info, problems, rules.files!, model);
  const { png, side } = await fitSquare(info, fit, fitSide(rules), rules.files!.maxBytes);
  say.info(`${path}: ${problems.join(', ')}; sending a ${side}x${side} PNG made from it (--fit ${fit})`);
  const filename = `${basename(path, extname(path))}.png`;
  // fitSquare keeps alpha when the image has it, so info.hasAlpha still holds.
  return { info, fitted: { fit, side }, part: { field, filename, contentType: 'image/png', source: { blob: new Blob([png], { type: 'image/png' }) } } };
}

/** Reads, checks and converts every file; throws a UsageError naming the first bad one. */
export async function prepareUpload(input: UploadInput): Promise<UploadPart[]> {
  const { paths, rules, model, say } = input;
  const field = imageField(paths.length);
  const images: PreparedImage[] = [];
  for (const path of paths) images.push(await prepareImage(path, field, input));
  const first = images[0]!;
  let mask: Buffer | undefined;
  if (input.mask !== undefined) mask = await maskFromFile(input.mask, first.info, say, Boolean(rules.mask));
  if (input.maskFrom !== undefined) mask = await maskFromDrawing(input.maskFrom, first.info, say);
  if (mask && first.fitted) mask = await fitMask(mask, first.fitted.fit, first.fitted.side);
  if (!mask && rules.files?.alphaWithoutMask && !first.info.hasAlpha) {
    throw new UsageError(
      `${first.info.path} has no transparency and no mask was given; ${model.name} edits only where the image is transparent`,
      'Add --mask <png> or --mask-from <drawing> (black = edit), or give a PNG whose transparent pixels mark the area to repaint.',
    );
  }
  const parts = images.map((i) => i.part);
  if (mask) {
    const name = input.mask !== undefined && !first.fitted ? basename(input.mask) : 'mask.png';
    const contentType = contentTypeOf(sniffImage(mask)?.format ?? 'png');
    parts.push({ field: 'mask', filename: name, contentType, source: { blob: new Blob([mask], { type: contentType }) } });
  }
  return parts;
}

/**
 * A builder for runImages: each call makes a new form, streaming files from disk as Blobs
 * (typed from their content). undici's own FormData: undici's request() cannot encode the
 * global one (Node bundles another undici copy, and its FormData fails undici's brand check).
 */
export function formBuilder(fields: Record<string, unknown>, parts: UploadPart[]): () => Promise<FormData> {
  return async () => {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.append(key, String(value));
    for (const { field, filename, contentType, source } of parts) {
      const blob = 'blob' in source ? source.blob : await openAsBlob(source.path, { type: contentType });
      form.append(field, blob, filename);
    }
    return form;
  };
}

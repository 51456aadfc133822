// src/upload/: what edits and variations send: inputs checked and fitted, masks, multipart and JSON bodies.
//
// What `edit` and `vary` share between a validated request and runImages: every file read and
// checked before any byte is sent, --fit applied, the mask prepared, and a multipart builder
// that makes a fresh form for each attempt (a sent body cannot be sent again).
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { multipartBody, type MultipartBody, type MultipartPart, type PartOrigin } from '../api/multipart.js';
import { UsageError } from '../errors.js';
import { fitMask, maskFromDrawing, maskFromFile } from './mask.js';
import { fitMarkup, markupFromFile } from './markup.js';
import { CONTENT_TYPES, sniffImage, type ImageFormat } from '../image/format.js';
import {
  fitSquare,
  inspectImage,
  refuseImage,
  ruleProblems,
  uprightCopy,
  type ImageFit,
  type InputImage,
} from './inputs.js';
import { dataUrlOf, describeSource, refOf, type ImageRef, type ImageSource } from './json-edit.js';
import type { Messenger } from '../terminal/messenger.js';
import type { EndpointRules, ResolvedModel } from '../models/table.js';

export interface UploadPart {
  field: string;
  filename: string;
  contentType: string;
  /**
   * A file streamed from disk on each attempt, or a Blob made in memory (--fit, masks) and read
   * again per attempt, with the file it holds or was made from (for --dry-run's curl command).
   */
  source: { path: string } | { blob: Blob; origin?: PartOrigin };
}

export interface UploadInput {
  /** The input images: local files, or (in a JSON edit) URLs and file ids. */
  sources: ImageSource[];
  model: ResolvedModel;
  rules: EndpointRules;
  fit?: ImageFit;
  /** --mask: a local PNG, or (in a JSON edit) a URL or file id. */
  mask?: ImageSource;
  maskFrom?: string;
  /** --markup: a transparent PNG drawn over the first image (2.6 edits), local or a reference. */
  markup?: ImageSource;
  say: Messenger;
}

/** The content type a part is sent with: from the bytes, never application/octet-stream. */
export const contentTypeOf = (format: string) => CONTENT_TYPES[format as ImageFormat] ?? `image/${format}`;

/** One image goes in `image`; several in repeated `image[]`, as the SDKs and the spec send them. */
export const imageField = (count: number) => (count === 1 ? 'image' : 'image[]');

/** The largest square output size the endpoint offers: what --fit scales down to. */
function fitSide(rules: EndpointRules): number {
  const squares = rules.sizes
    .map((s) => /^(\d+)x\1$/.exec(s))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
  return squares.length ? Math.max(...squares) : 1024;
}

interface PreparedImage {
  part: UploadPart;
  info: InputImage;
  /** Set when --fit changed the image: the mask must follow. */
  fitted?: { fit: ImageFit; side: number };
}

type Reference = Exclude<ImageSource, { kind: 'path' }>;

/** Every input read and checked, in order: local files as parts, references as they are. */
export interface PreparedInputs {
  images: Array<UploadPart | Reference>;
  mask?: UploadPart | Reference;
  markup?: UploadPart | Reference;
}

/**
 * One input image as a part. `upright`: the first image of a markup edit, whose layer is drawn on
 * the picture as it is seen, so an EXIF orientation is applied before sending rather than left
 * for the server to apply or not (the model would otherwise see the marks beside what they mark).
 */
async function prepareImage(path: string, field: string, input: UploadInput, upright = false): Promise<PreparedImage> {
  const { rules, model, fit, say } = input;
  const info = await inspectImage(path);
  const problems = rules.files ? ruleProblems(info, rules.files) : [];
  const turn = upright && info.orientation > 1;
  if (problems.length === 0 && turn) {
    const copy = await uprightCopy(info);
    say.info(
      `${path}: EXIF orientation ${info.orientation}; sending it upright (${copy.format === 'jpeg' ? 'a JPEG at quality 95' : `a ${copy.format.toUpperCase()}`}), as the markup is drawn on it`,
    );
    const contentType = contentTypeOf(copy.format);
    const filename = `${basename(path, extname(path))}.${copy.format === 'jpeg' ? 'jpg' : copy.format}`;
    return {
      info,
      part: {
        field,
        filename,
        contentType,
        source: {
          blob: new Blob([copy.bytes], { type: contentType }),
          origin: { path, made: `re-encoded upright (EXIF orientation ${info.orientation})` },
        },
      },
    };
  }
  if (problems.length === 0) {
    return {
      info,
      part: { field, filename: info.filename, contentType: contentTypeOf(info.format), source: { path } },
    };
  }
  if (!fit) refuseImage(info, problems, rules.files!, model);
  const { png, side } = await fitSquare(info, fit, fitSide(rules), rules.files!.maxBytes, turn);
  say.info(
    `${path}: ${problems.join(', ')}; sending a ${side}x${side} PNG made from it (--fit ${fit}${turn ? ', turned upright by its EXIF orientation' : ''})`,
  );
  const filename = `${basename(path, extname(path))}.png`;
  // fitSquare keeps alpha when the image has it, so info.hasAlpha still holds.
  return {
    info,
    fitted: { fit, side },
    part: {
      field,
      filename,
      contentType: 'image/png',
      source: {
        blob: new Blob([png], { type: 'image/png' }),
        origin: { path, made: `made into a ${side}x${side} PNG (--fit ${fit}${turn ? ', turned upright' : ''})` },
      },
    },
  };
}

/**
 * Reads, checks and converts every local file; throws a UsageError naming the first bad one.
 * A URL or file id is passed on as it is: the server checks it. The mask is checked against the
 * first image when that is a local file (and sized to it with --mask-from).
 */
export async function prepareInputs(input: UploadInput): Promise<PreparedInputs> {
  const { sources, rules, model, say } = input;
  const field = imageField(sources.length);
  const images: Array<PreparedImage | Reference> = [];
  for (const [i, source] of sources.entries())
    images.push(
      source.kind === 'path' ? await prepareImage(source.path, field, input, i === 0 && Boolean(input.markup)) : source,
    );
  const first = 'part' in images[0]! ? (images[0] as PreparedImage) : undefined;
  if (!first && input.maskFrom !== undefined) {
    throw new UsageError(
      `--mask-from draws the mask at the first image's size, which imgcli cannot see for ${describeSource(sources[0]!)}`,
      'Build the mask at that size yourself (imgcli mask drawing.png --size WxH -o mask.png) and pass --mask mask.png, or put a local file first.',
    );
  }
  let mask: Buffer | undefined;
  if (input.mask?.kind === 'path') {
    if (!first)
      say.info(
        `--mask ${input.mask.path}: its size cannot be checked against ${describeSource(sources[0]!)}; the server checks it`,
      );
    mask = await maskFromFile(input.mask.path, first?.info, say, Boolean(rules.mask));
  }
  if (input.maskFrom !== undefined) mask = await maskFromDrawing(input.maskFrom, first!.info, say);
  if (mask && first?.fitted) mask = await fitMask(mask, first.fitted.fit, first.fitted.side);
  if (first && !mask && !input.mask && rules.files?.alphaWithoutMask && !first.info.hasAlpha) {
    throw new UsageError(
      `${first.info.path} has no transparency and no mask was given; ${model.name} edits only where the image is transparent`,
      'Add --mask <png> or --mask-from <drawing> (black = edit), or give a PNG whose transparent pixels mark the area to repaint.',
    );
  }
  const parts = images.map((i) => ('part' in i ? i.part : i));
  const markup = await prepareMarkup(input, first);
  if (markup) return { images: parts, markup };
  if (mask) {
    const name = input.mask?.kind === 'path' && !first?.fitted ? basename(input.mask.path) : 'mask.png';
    const contentType = contentTypeOf(sniffImage(mask)?.format ?? 'png');
    const fitted = first?.fitted ? `fitted with the first image (--fit ${first.fitted.fit})` : undefined;
    const origin: PartOrigin | undefined =
      input.maskFrom !== undefined
        ? { path: input.maskFrom, made: `turned into a mask (black = edit)${fitted ? `, ${fitted}` : ''}` }
        : input.mask?.kind === 'path'
          ? { path: input.mask.path, made: fitted }
          : undefined;
    return {
      images: parts,
      mask: {
        field: 'mask',
        filename: name,
        contentType,
        source: { blob: new Blob([mask], { type: contentType }), origin },
      },
    };
  }
  return { images: parts, mask: input.mask && input.mask.kind !== 'path' ? input.mask : undefined };
}

/** The markup layer as a part (checked against the first image, fitted with it) or the reference it is. */
async function prepareMarkup(
  input: UploadInput,
  first: PreparedImage | undefined,
): Promise<UploadPart | Reference | undefined> {
  const source = input.markup;
  if (!source) return undefined;
  if (source.kind !== 'path') return source;
  if (!first)
    input.say.info(
      `--markup ${source.path}: its size cannot be checked against ${describeSource(input.sources[0]!)}; the server checks it`,
    );
  let bytes = await markupFromFile(source.path, first?.info, input.say, Boolean(input.rules.markup));
  if (first?.fitted) bytes = await fitMarkup(bytes, first.fitted.fit, first.fitted.side);
  const name = first?.fitted ? 'markup.png' : basename(source.path);
  return {
    field: 'markup',
    filename: name,
    contentType: 'image/png',
    source: {
      blob: new Blob([bytes], { type: 'image/png' }),
      origin: {
        path: source.path,
        made: first?.fitted ? `fitted with the first image (--fit ${first.fitted.fit})` : undefined,
      },
    },
  };
}

/**
 * The references of a JSON edit: URLs and file ids as given, local files (as checked and fitted)
 * as data URLs, refused past the API's length with the way around it.
 */
export async function inputRefs(
  prepared: PreparedInputs,
): Promise<{ images: ImageRef[]; mask?: ImageRef; markup?: ImageRef }> {
  const asRef = async (p: UploadPart | Reference): Promise<ImageRef> => {
    if (!('field' in p)) return refOf(p);
    const bytes =
      'blob' in p.source ? new Uint8Array(await p.source.blob.arrayBuffer()) : await readFile(p.source.path);
    return { image_url: dataUrlOf(bytes, p.contentType, 'path' in p.source ? p.source.path : p.filename) };
  };
  const images = [];
  for (const p of prepared.images) images.push(await asRef(p));
  return {
    images,
    ...(prepared.mask ? { mask: await asRef(prepared.mask) } : {}),
    ...(prepared.markup ? { markup: await asRef(prepared.markup) } : {}),
  };
}

/** The multipart parts of prepared inputs that are all local files: images, then the mask or the markup. */
export function uploadParts(prepared: PreparedInputs): UploadPart[] {
  const parts = [
    ...prepared.images,
    ...(prepared.mask ? [prepared.mask] : []),
    ...(prepared.markup ? [prepared.markup] : []),
  ];
  if (parts.some((p) => !('field' in p))) throw new Error('uploadParts: a reference cannot go in a multipart form');
  return parts as UploadPart[];
}

/**
 * A builder for runImages: each call makes a new multipart body (api/multipart.ts), its files
 * streamed from disk in large chunks and typed from their content.
 */
export function formBuilder(fields: Record<string, unknown>, parts: UploadPart[]): () => Promise<MultipartBody> {
  return async () => {
    const body: MultipartPart[] = Object.entries(fields).flatMap(([name, value]) =>
      value === undefined ? [] : [{ name, value: String(value) }],
    );
    for (const { field, filename, contentType, source } of parts) {
      if ('blob' in source)
        body.push({
          name: field,
          filename,
          contentType,
          bytes: new Uint8Array(await source.blob.arrayBuffer()),
          ...(source.origin ? { origin: source.origin } : {}),
        });
      else body.push({ name: field, filename, contentType, path: source.path, size: (await stat(source.path)).size });
    }
    return multipartBody(body);
  };
}

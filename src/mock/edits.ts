// POST /v1/images/edits and /v1/images/variations on the offline server: the multipart body is
// parsed and judged like api.openai.com does (field names incl. image[], content types, counts,
// sizes, masks, the dall-e-2 rules), then answered with pictures derived from the first image.
import { judgesModels } from './providers.js';
import sharp from 'sharp';
import { CONTENT_TYPES, sniffImage, type ImageFormat } from '../image/format.js';
import type { Endpoint, EndpointRules, ResolvedModel } from '../models/table.js';
import { imagesAnswer } from './answers.js';
import { answerSize, deriveImages, inputImageTokens } from './derive.js';
import { fontsAvailable, labelLines } from './labels.js';
import {
  boundaryOf,
  MultipartError,
  parseMultipart,
  recordParts,
  type FormPart,
  type RecordedPart,
} from './multipart.js';
import { errorAnswer, type RecordedRequest, type RouteAnswer, type RouteContext } from './route.js';
import { autoFrameSide, MOCK_GIF, SYNTH_FORMATS, type SynthFormat } from './synth.js';
import {
  judgeModel,
  standIn,
  moderate,
  quoteList,
  validateParams,
  type ApiErrorBody,
  type Judged,
} from './validate.js';

const bad = (param: string | null, code: string | null, message: string): ApiErrorBody => ({
  status: 400,
  message,
  type: 'invalid_request_error',
  param,
  code,
});
const MB = 1024 * 1024;

export interface Upload {
  param: string;
  part: FormPart;
  width: number;
  height: number;
  hasAlpha: boolean;
}

/** Splits the form into text fields and files, refusing what the endpoint has no field for. */
function sortParts(
  parts: FormPart[],
  endpoint: Endpoint,
): { fields: Record<string, unknown>; images: FormPart[]; masks: FormPart[]; markups: FormPart[] } | ApiErrorBody {
  const fields = Object.create(null) as Record<string, unknown>;
  const images: FormPart[] = [];
  const masks: FormPart[] = [];
  const markups: FormPart[] = [];
  const fileFields = endpoint === 'edits' ? ['image', 'image[]', 'mask', 'markup'] : ['image'];
  for (const part of parts) {
    const isFileField = fileFields.includes(part.name);
    if (part.filename === undefined) {
      if (isFileField)
        return bad(
          part.name,
          'invalid_type',
          `Invalid type for '${part.name}': expected a file, but got a string instead.`,
        );
      fields[part.name] = part.data.toString('utf8');
    } else if (!isFileField) {
      return bad(part.name, 'unknown_parameter', `Unknown parameter: '${part.name}'.`);
    } else (part.name === 'mask' ? masks : part.name === 'markup' ? markups : images).push(part);
  }
  return { fields, images, masks, markups };
}

/** Checks one uploaded file: declared type, real content, byte size; returns its dimensions. */
export async function checkFile(
  part: FormPart,
  param: string,
  formats: readonly string[],
  maxBytes: number,
  dalle: boolean,
): Promise<Upload | ApiErrorBody> {
  const allowed = formats.map((f) => CONTENT_TYPES[f as ImageFormat]);
  const declared = (part.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!allowed.includes(declared)) {
    return bad(
      param,
      'unsupported_file_mimetype',
      `Invalid file '${param}': unsupported mimetype ('${declared || 'none'}'). Supported file formats are ${quoteList([...allowed].sort())}.`,
    );
  }
  const sniffed = sniffImage(part.data);
  const meta =
    sniffed &&
    (await sharp(part.data)
      .metadata()
      .catch(() => undefined));
  if (!sniffed || !meta?.width || !meta.height)
    return bad(param, 'invalid_image_file', `Invalid image file or mode for '${param}', please check your image file.`);
  // Stricter than the API: a part labelled by its file name instead of its bytes is a client bug.
  if (CONTENT_TYPES[sniffed.format] !== declared) {
    return bad(
      param,
      'invalid_image_file',
      `Invalid file '${param}': it was sent as '${declared}' but its content is ${sniffed.format}.`,
    );
  }
  if (part.data.length >= maxBytes) {
    const message = dalle
      ? `Uploaded ${param === 'mask' ? 'mask' : 'image'} must be a PNG and less than 4 MB.`
      : `Invalid file '${param}': file too large (${(part.data.length / MB).toFixed(1)} MB); the limit is ${maxBytes / MB} MB.`;
    return bad(param, 'file_too_large', message);
  }
  return { param, part, width: meta.width, height: meta.height, hasAlpha: Boolean(meta.hasAlpha) };
}

/** How a JSON edit names the parts in errors, where a form names them image, image[i] and mask. */
export interface PartNames {
  image: (index: number, part: FormPart) => string;
}
const FORM_NAMES: PartNames = { image: (i, part) => (part.name === 'image[]' ? `image[${i}]` : 'image') };

/** The file rules of the endpoint: count, each image, the mask. Returns the images' dimensions, or the API's error. */
export async function checkUploads(
  images: FormPart[],
  masks: FormPart[],
  rules: EndpointRules | undefined,
  model: ResolvedModel,
  names: PartNames = FORM_NAMES,
  markups: FormPart[] = [],
): Promise<Upload[] | ApiErrorBody> {
  if (images.length === 0) return bad('image', 'missing_required_parameter', "Missing required parameter: 'image'.");
  const files = rules?.files;
  if (files && images.length > files.maxImages) {
    return bad(
      'image',
      'invalid_value',
      `Invalid 'image': too many images. Expected at most ${files.maxImages}, but got ${images.length}.`,
    );
  }
  if (masks.length > 1) return bad('mask', 'invalid_value', "Invalid 'mask': expected one file, but got several.");
  const dalle = model.family.startsWith('dall-e');
  const checked: Upload[] = [];
  for (const [i, part] of images.entries()) {
    const param = names.image(i, part);
    const upload = await checkFile(
      part,
      param,
      files?.formats ?? ['png', 'jpeg', 'webp'],
      files?.maxBytes ?? Infinity,
      dalle,
    );
    if ('status' in upload) return upload;
    if (files?.square && upload.width !== upload.height)
      return bad(
        param,
        'invalid_value',
        `Invalid input image - image must be square, got ${upload.width}x${upload.height}.`,
      );
    checked.push(upload);
  }
  const first = checked[0]!;
  const maskPart = masks[0];
  if (maskPart && rules?.mask) {
    const mask = await checkFile(maskPart, 'mask', rules.mask.formats, rules.mask.maxBytes, dalle);
    if ('status' in mask) return mask;
    if (!mask.hasAlpha)
      return bad('mask', 'invalid_value', "Invalid mask image - format must be in ['RGBA', 'LA'], got RGB.");
    if (mask.width !== first.width || mask.height !== first.height) {
      return bad(
        'mask',
        'invalid_value',
        `Invalid mask image - mask size (${mask.width}x${mask.height}) does not match image size (${first.width}x${first.height}).`,
      );
    }
  }
  const markup = await checkMarkup(markups, maskPart, first, rules, dalle);
  if (markup) return markup;
  if (!maskPart && files?.alphaWithoutMask && !first.hasAlpha) {
    return bad('image', 'invalid_value', "Invalid input image - format must be in ['RGBA', 'LA', 'L'], got RGB.");
  }
  return checked;
}

/**
 * The markup layer (2.6 edits): one PNG with alpha, the size of the first image, never with a
 * mask; a model whose rules take none answers unknown parameter. Undefined when it passes.
 */
async function checkMarkup(
  markups: FormPart[],
  mask: FormPart | undefined,
  first: Upload,
  rules: EndpointRules | undefined,
  dalle: boolean,
): Promise<ApiErrorBody | undefined> {
  const part = markups[0];
  if (!part) return undefined;
  if (rules && !rules.markup) return bad('markup', 'unknown_parameter', "Unknown parameter: 'markup'.");
  if (markups.length > 1)
    return bad('markup', 'invalid_value', "Invalid 'markup': expected one file, but got several.");
  if (mask) return bad('markup', 'invalid_value', "Invalid 'markup': markup cannot be combined with mask; send one.");
  const rule = rules?.markup ?? { formats: ['png'], maxBytes: 50 * MB };
  const markup = await checkFile(part, 'markup', rule.formats, rule.maxBytes, dalle);
  if ('status' in markup) return markup;
  if (!markup.hasAlpha)
    return bad('markup', 'invalid_value', "Invalid markup image - format must be in ['RGBA', 'LA'], got RGB.");
  if (markup.width !== first.width || markup.height !== first.height)
    return bad(
      'markup',
      'invalid_value',
      `Invalid markup image - markup size (${markup.width}x${markup.height}) does not match the first image's size (${first.width}x${first.height}).`,
    );
  return undefined;
}

/** A mask on an edit into a format that takes none (gif), as the API refuses it; undefined otherwise. */
export function maskFormatRefusal(
  fields: Record<string, unknown>,
  rules: EndpointRules | undefined,
  hasMask: boolean,
): ApiErrorBody | undefined {
  const format = String(fields.output_format ?? 'png');
  if (!hasMask || rules?.formatRules?.[format]?.masks !== false) return undefined;
  return bad('mask', 'invalid_value', `mask is not supported with output_format '${format}'.`);
}

async function handleUpload(
  endpoint: Endpoint,
  req: RecordedRequest,
  raw: Buffer,
  ctx: RouteContext,
): Promise<RouteAnswer> {
  const contentType = String(req.headers['content-type'] ?? '');
  const boundary = boundaryOf(contentType);
  if (!boundary) {
    const takes = endpoint === 'edits' ? 'multipart/form-data or application/json' : 'multipart/form-data';
    return errorAnswer(bad(null, null, `Invalid Content-Type header (${contentType || 'none'}), expected ${takes}.`));
  }
  let parts: FormPart[];
  try {
    parts = parseMultipart(raw, boundary);
  } catch (err) {
    if (!(err instanceof MultipartError)) throw err;
    return errorAnswer(bad(null, null, `Could not parse the multipart form: ${err.message}.`));
  }
  const sorted = sortParts(parts, endpoint);
  if ('status' in sorted) return errorAnswer(sorted);
  const { fields } = sorted;
  const judged = judgeModel(fields, endpoint, ctx.extraModels, !judgesModels(ctx.provider), standIn(ctx));
  if ('status' in judged) return errorAnswer(judged);
  const problem =
    (judged.rules && validateParams(fields, judged.rules)) ||
    maskFormatRefusal(fields, judged.rules, sorted.masks.length > 0);
  if (problem) return errorAnswer(problem);
  const uploads = await checkUploads(
    sorted.images,
    sorted.masks,
    judged.rules,
    judged.model,
    FORM_NAMES,
    sorted.markups,
  );
  if ('status' in uploads) return errorAnswer(uploads);
  const refused = moderate(fields.prompt, judged.model);
  if (refused) return errorAnswer(refused);
  return editAnswer(fields, uploads, judged, ctx, {
    endpoint,
    mask: sorted.masks[0]?.data,
    markup: sorted.markups[0]?.data,
  });
}

/** The answer to an edit or variation whose inputs passed: pictures derived from the first image. */
export async function editAnswer(
  fields: Record<string, unknown>,
  uploads: Upload[],
  judged: Judged,
  ctx: RouteContext,
  how: { endpoint: Endpoint; mask?: Buffer; markup?: Buffer },
): Promise<RouteAnswer> {
  const { endpoint } = how;
  const gpt = !judged.model.family.startsWith('dall-e');
  const format: SynthFormat = SYNTH_FORMATS.includes(String(fields.output_format))
    ? (fields.output_format as SynthFormat)
    : 'png';
  const first = uploads[0]!;
  const n = Number(fields.n ?? 1);
  const compression = fields.output_compression === undefined ? undefined : Number(fields.output_compression);
  const prompt = typeof fields.prompt === 'string' ? fields.prompt : '';
  const frames =
    format === 'gif' ? Number(fields.frame_count ?? judged.rules?.frameCount?.default ?? MOCK_GIF.frames) : undefined;
  const size =
    frames !== undefined && !/^\d+x\d+$/.test(String(fields.size ?? ''))
      ? { width: autoFrameSide(frames), height: autoFrameSide(frames) }
      : answerSize(fields.size, first, gpt);
  const label =
    ctx.labels !== false && prompt && (await fontsAvailable())
      ? labelLines(prompt, typeof fields.size === 'string' ? fields.size : undefined, size.width, size.height)
      : undefined;
  const images = await deriveImages(first.part.data, {
    n,
    ...size,
    format,
    compression,
    background: fields.background as string | undefined,
    seed: `${prompt}\u0000${first.part.data.length}`,
    frames,
    frameDurationMs: fields.frame_duration_ms === undefined ? undefined : Number(fields.frame_duration_ms),
    // Only edits paint inside a mask; a variation is a new take of the whole picture.
    mask: endpoint === 'edits' ? how.mask : undefined,
    markup: endpoint === 'edits' ? how.markup : undefined,
    alphaIsMask: endpoint === 'edits' && judged.rules?.files?.alphaWithoutMask,
    label,
    flat: ctx.payload === 'flat',
  });
  const json = await imagesAnswer(
    {
      model: judged.model,
      prompt,
      n,
      size: `${size.width}x${size.height}`,
      quality: typeof fields.quality === 'string' ? fields.quality : undefined,
      format,
      background: typeof fields.background === 'string' ? fields.background : undefined,
      responseFormat: typeof fields.response_format === 'string' ? fields.response_format : undefined,
      images,
      inputImageTokens: inputImageTokens(uploads),
    },
    ctx,
  );
  return { status: 200, json };
}

export type { RecordedPart };

/** The parts of a multipart body for the request log; none for other bodies or a malformed one (the route answers that). */
export function recordUploadParts(raw: Buffer, contentType: string): RecordedPart[] | undefined {
  const boundary = boundaryOf(contentType);
  if (!boundary) return undefined;
  try {
    return recordParts(parseMultipart(raw, boundary));
  } catch {
    return undefined;
  }
}

export const handleEdits = (req: RecordedRequest, raw: Buffer, ctx: RouteContext) =>
  handleUpload('edits', req, raw, ctx);
export const handleVariations = (req: RecordedRequest, raw: Buffer, ctx: RouteContext) =>
  handleUpload('variations', req, raw, ctx);

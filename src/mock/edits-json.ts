// JSON edits on the offline server (spec EditImageBodyJsonParam): `images` (and `mask`) as
// references, each exactly one of {"image_url"} (a data URL, or an http(s) URL) or {"file_id"}.
// It fetches nothing from the internet: it decodes data URLs, looks its own file ids up, and
// downloads URLs on 127.0.0.1 only (a test's own server). The images are then judged and
// answered like uploaded ones (edits.ts).
import { judgesModels } from './providers.js';
import { request } from 'undici';
import { CONTENT_TYPES, sniffImage, type ImageFormat } from '../image/format.js';
import { endpointRules } from '../models/table.js';
import { checkUploads, editAnswer, handleEdits, maskFormatRefusal } from './edits.js';
import { storedFile } from './files.js';
import type { FormPart } from './multipart.js';
import { errorAnswer, type RecordedRequest, type RouteAnswer, type RouteContext } from './route.js';
import { judgeModel, standIn, moderate, validateParams, type ApiErrorBody } from './validate.js';

const bad = (param: string | null, code: string | null, message: string): ApiErrorBody => ({
  status: 400,
  message,
  type: 'invalid_request_error',
  param,
  code,
});
const typeName = (v: unknown) =>
  typeof v === 'string'
    ? 'a string'
    : typeof v === 'number'
      ? 'a number'
      : Array.isArray(v)
        ? 'an array'
        : v === null
          ? 'null'
          : `a ${typeof v}`;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Downloads stop here: edits take images under 50 MB. */
const MAX_DOWNLOAD = 50 * 1024 * 1024;

/** One reference resolved to its bytes, labelled the way the API would read its type. */
export async function resolveRef(ref: unknown, param: string, ctx: RouteContext): Promise<FormPart | ApiErrorBody> {
  if (!ref || typeof ref !== 'object' || Array.isArray(ref))
    return bad(
      param,
      'invalid_type',
      `Invalid type for '${param}': expected an object, but got ${typeName(ref)} instead.`,
    );
  const keys = Object.keys(ref);
  const extra = keys.find((k) => k !== 'image_url' && k !== 'file_id');
  if (extra) return bad(`${param}.${extra}`, 'unknown_parameter', `Unknown parameter: '${param}.${extra}'.`);
  if (keys.length !== 1)
    return bad(param, 'invalid_value', `Invalid '${param}': provide exactly one of 'image_url' or 'file_id'.`);
  const { image_url: url, file_id: id } = ref as { image_url?: unknown; file_id?: unknown };
  if (id !== undefined) {
    const file = typeof id === 'string' ? storedFile(ctx, id) : undefined;
    if (!file)
      return bad(
        `${param}.file_id`,
        'invalid_value',
        `Invalid '${param}.file_id': no file with id '${String(id)}' (upload it with POST /v1/files first).`,
      );
    return { name: param, filename: file.filename, contentType: file.contentType, data: file.bytes };
  }
  if (typeof url !== 'string')
    return bad(
      `${param}.image_url`,
      'invalid_type',
      `Invalid type for '${param}.image_url': expected a string, but got ${typeName(url)} instead.`,
    );
  const data = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(url);
  if (data) {
    if (!data[2])
      return bad(
        `${param}.image_url`,
        'invalid_value',
        `Invalid '${param}.image_url': a data URL must be base64-encoded.`,
      );
    return {
      name: param,
      filename: 'image',
      contentType: data[1] || 'text/plain',
      data: Buffer.from(data[3]!, 'base64'),
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return bad(
      `${param}.image_url`,
      'invalid_value',
      `Invalid '${param}.image_url': expected a URL, but got '${url.slice(0, 80)}'.`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return bad(
      `${param}.image_url`,
      'invalid_value',
      `Invalid '${param}.image_url': only http(s) and data URLs are supported.`,
    );
  if (!LOCAL_HOSTS.has(parsed.hostname)) {
    return bad(
      `${param}.image_url`,
      'invalid_value',
      `Invalid '${param}.image_url': the offline server downloads image URLs on 127.0.0.1 only; it never goes to the internet (use a data URL, a file id, or a local server).`,
    );
  }
  return download(parsed, param);
}

async function download(url: URL, param: string): Promise<FormPart | ApiErrorBody> {
  const failed = bad(`${param}.image_url`, 'invalid_image_url', `Error while downloading ${url.href}.`);
  try {
    const res = await request(url, { method: 'GET', signal: AbortSignal.timeout(10_000) });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return failed;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_DOWNLOAD) {
        res.body.destroy();
        return bad(
          `${param}.image_url`,
          'file_too_large',
          `Invalid '${param}.image_url': the image is larger than ${MAX_DOWNLOAD / 1024 / 1024} MB.`,
        );
      }
      chunks.push(chunk as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    // A server's Content-Type is not the file's: the bytes say what it is, as the API reads them.
    const format = sniffImage(bytes)?.format;
    const contentType = format
      ? CONTENT_TYPES[format as ImageFormat]
      : String(res.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!;
    return { name: param, filename: url.pathname.split('/').pop() || 'image', contentType, data: bytes };
  } catch {
    return failed;
  }
}

export async function handleJsonEdit(req: RecordedRequest, ctx: RouteContext): Promise<RouteAnswer> {
  const body = req.json;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return errorAnswer(
      bad(
        null,
        null,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
      ),
    );
  }
  const { images, mask, markup, ...fields } = body as Record<string, unknown>;
  const judged = judgeModel(fields, 'edits', ctx.extraModels, !judgesModels(ctx.provider), standIn(ctx));
  if ('status' in judged) return errorAnswer(judged);
  const rules = judged.open ? undefined : endpointRules(judged.model, 'edits', 'json');
  if (rules && !rules.jsonBody)
    return errorAnswer(
      bad(
        'model',
        'invalid_value',
        `JSON edits support GPT image models only; ${judged.model.name} edits require multipart/form-data.`,
      ),
    );
  if (rules) {
    const problem = validateParams(fields, rules) || maskFormatRefusal(fields, rules, mask !== undefined);
    if (problem) return errorAnswer(problem);
  }
  if (images === undefined)
    return errorAnswer(bad('images', 'missing_required_parameter', "Missing required parameter: 'images'."));
  if (!Array.isArray(images))
    return errorAnswer(
      bad(
        'images',
        'invalid_type',
        `Invalid type for 'images': expected an array, but got ${typeName(images)} instead.`,
      ),
    );
  if (images.length === 0)
    return errorAnswer(
      bad(
        'images',
        'empty_array',
        "Invalid 'images': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      ),
    );
  const max = rules?.files?.maxImages ?? 16;
  if (images.length > max) {
    return errorAnswer(
      bad(
        'images',
        'array_above_max_length',
        `Invalid 'images': array too long. Expected an array with maximum length ${max}, but got an array with length ${images.length} instead.`,
      ),
    );
  }
  const parts: FormPart[] = [];
  for (const [i, ref] of images.entries()) {
    const part = await resolveRef(ref, `images[${i}]`, ctx);
    if ('status' in part) return errorAnswer(part);
    parts.push(part);
  }
  const maskPart = mask === undefined ? undefined : await resolveRef(mask, 'mask', ctx);
  if (maskPart && 'status' in maskPart) return errorAnswer(maskPart);
  const markupPart = markup === undefined ? undefined : await resolveRef(markup, 'markup', ctx);
  if (markupPart && 'status' in markupPart) return errorAnswer(markupPart);
  const uploads = await checkUploads(
    parts,
    maskPart ? [maskPart] : [],
    rules,
    judged.model,
    { image: (i) => `images[${i}]` },
    markupPart ? [markupPart] : [],
  );
  if ('status' in uploads) return errorAnswer(uploads);
  const refused = moderate(fields.prompt, judged.model);
  if (refused) return errorAnswer(refused);
  return editAnswer(fields, uploads, judged, ctx, {
    endpoint: 'edits',
    mask: maskPart?.data,
    markup: markupPart?.data,
  });
}

/** POST /v1/images/edits in either form: JSON (references) or multipart (uploads). */
export const handleAnyEdit = (req: RecordedRequest, raw: Buffer, ctx: RouteContext): Promise<RouteAnswer> =>
  /\bjson\b/i.test(String(req.headers['content-type'] ?? '')) ? handleJsonEdit(req, ctx) : handleEdits(req, raw, ctx);

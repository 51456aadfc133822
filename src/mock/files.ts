// The Files API on the offline server: POST /v1/files (multipart: file, purpose and an optional
// expires_after[anchor] and expires_after[seconds]), GET /v1/files (purpose, limit, after, order),
// GET and DELETE /v1/files/{id}, GET /v1/files/{id}/content. Files live in memory for the server's
// life, or until they expire on its clock; JSON edits (edits-json.ts) resolve their file ids here.
import { randomBytes } from 'node:crypto';
import { sniffImage } from '../image/format.js';
import { boundaryOf, MultipartError, parseMultipart } from './multipart.js';
import {
  errorAnswer,
  type RecordedRequest,
  type Route,
  type RouteAnswer,
  type RouteContext,
  type UploadedFile,
} from './route.js';
import { quoteList, type ApiErrorBody } from './validate.js';

const PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
/** What purpose `vision` takes: images. */
const VISION_FORMATS = ['png', 'jpeg', 'webp', 'gif'];

const bad = (param: string | null, code: string | null, message: string, status = 400): ApiErrorBody => ({
  status,
  message,
  type: 'invalid_request_error',
  param,
  code,
});
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const newId = () => `file-${[...randomBytes(22)].map((b) => BASE62[b % 62]).join('')}`;

let seq = 0;
/** The next upload number (batch output files take theirs from the same count). */
export const nextSeq = () => seq++;

/** The file object as the API shows it. */
export const fileObject = (f: UploadedFile) => ({
  id: f.id,
  object: 'file',
  bytes: f.disk?.size ?? f.bytes.length,
  created_at: f.createdAt,
  filename: f.filename,
  purpose: f.purpose,
  status: 'processed',
  expires_at: f.expiresAt ?? null,
});

/** Files of purpose batch expire after 30 days unless told otherwise (reference, Files API). */
const BATCH_DEFAULT_EXPIRY_S = 30 * 86_400;

/** A file by id, unless it has expired on the server's clock (then it is gone, as on the API). */
export function storedFile(ctx: RouteContext, id: string): UploadedFile | undefined {
  const file = ctx.uploads.get(id);
  if (file?.expiresAt !== undefined && file.expiresAt * 1000 <= ctx.nowMs()) {
    ctx.uploads.delete(id);
    return undefined;
  }
  return file;
}

/** expires_after from the form: the seconds, undefined when absent, or the API's error. */
function expiryOf(parts: Array<{ name: string; filename?: string; data: Buffer }>): number | undefined | ApiErrorBody {
  const field = (name: string) => parts.find((p) => p.name === name && p.filename === undefined)?.data.toString('utf8');
  const anchor = field('expires_after[anchor]');
  const seconds = field('expires_after[seconds]');
  if (anchor === undefined && seconds === undefined) return undefined;
  if (anchor !== 'created_at')
    return bad(
      'expires_after.anchor',
      'invalid_value',
      `Invalid value: '${anchor ?? ''}'. Supported values are: 'created_at'.`,
    );
  const n = Number(seconds);
  if (!Number.isInteger(n) || n < 3600 || n > 2_592_000)
    return bad(
      'expires_after.seconds',
      'invalid_value',
      `Invalid 'expires_after.seconds': expected an integer from 3600 to 2592000, but got ${seconds ?? 'nothing'} instead.`,
    );
  return n;
}

const notFound = (id: string) => errorAnswer(bad('id', null, `No such File object: ${id}`, 404));

async function upload(req: RecordedRequest, raw: Buffer, ctx: RouteContext): Promise<RouteAnswer> {
  const contentType = String(req.headers['content-type'] ?? '');
  const boundary = boundaryOf(contentType);
  if (!boundary)
    return errorAnswer(
      bad(null, null, `Invalid Content-Type header (${contentType || 'none'}), expected multipart/form-data.`),
    );
  let parts;
  try {
    parts = parseMultipart(raw, boundary);
  } catch (err) {
    if (!(err instanceof MultipartError)) throw err;
    return errorAnswer(bad(null, null, `Could not parse the multipart form: ${err.message}.`));
  }
  const file = parts.find((p) => p.name === 'file' && p.filename !== undefined);
  const purpose = parts.find((p) => p.name === 'purpose' && p.filename === undefined)?.data.toString('utf8');
  if (!file) return errorAnswer(bad('file', 'missing_required_parameter', "Missing required parameter: 'file'."));
  if (purpose === undefined)
    return errorAnswer(bad('purpose', 'missing_required_parameter', "Missing required parameter: 'purpose'."));
  if (!PURPOSES.includes(purpose))
    return errorAnswer(
      bad('purpose', 'invalid_value', `Invalid value: '${purpose}'. Supported values are: ${quoteList(PURPOSES)}.`),
    );
  const sniffed = sniffImage(file.data);
  if (purpose === 'vision' && (!sniffed || !VISION_FORMATS.includes(sniffed.format))) {
    return errorAnswer(
      bad(
        'file',
        'invalid_file_format',
        `Invalid file format for purpose 'vision': ${file.filename}. Supported formats: ${VISION_FORMATS.join(', ')}.`,
      ),
    );
  }
  const expiry = expiryOf(parts);
  if (typeof expiry === 'object') return errorAnswer(expiry);
  const createdAt = Math.floor(ctx.nowMs() / 1000);
  const seconds = expiry ?? (purpose === 'batch' ? BATCH_DEFAULT_EXPIRY_S : undefined);
  const stored: UploadedFile = {
    id: newId(),
    bytes: Buffer.from(file.data),
    filename: file.filename!,
    purpose,
    contentType: (file.contentType ?? 'application/octet-stream').split(';')[0]!.trim(),
    createdAt,
    seq: nextSeq(),
    ...(seconds === undefined ? {} : { expiresAt: createdAt + seconds }),
  };
  ctx.uploads.set(stored.id, stored);
  return { status: 200, json: fileObject(stored) };
}

function list(req: RecordedRequest, ctx: RouteContext): RouteAnswer {
  const { purpose, after, order = 'desc' } = req.query;
  const limit = req.query.limit === undefined ? 10_000 : Number(req.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    return errorAnswer(
      bad(
        'limit',
        'invalid_value',
        `Invalid 'limit': expected an integer from 1 to 10000, but got ${req.query.limit} instead.`,
      ),
    );
  }
  const sorted = [...ctx.uploads.keys()]
    .map((id) => storedFile(ctx, id))
    .filter((f): f is UploadedFile => f !== undefined && (purpose === undefined || f.purpose === purpose))
    .sort((a, b) => (order === 'asc' ? 1 : -1) * (a.createdAt - b.createdAt || a.seq - b.seq));
  const start = after === undefined ? 0 : sorted.findIndex((f) => f.id === after) + 1;
  const page = sorted.slice(start, start + limit);
  return {
    status: 200,
    json: {
      object: 'list',
      data: page.map(fileObject),
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: start + limit < sorted.length,
    },
  };
}

/** The route of a Files API path (without /v1), or undefined when it is not one. */
export function filesRoute(path: string): Route | undefined {
  if (path === '/v1/files') {
    return async (req, raw, ctx) =>
      req.method === 'POST'
        ? upload(req, raw, ctx)
        : req.method === 'GET'
          ? list(req, ctx)
          : errorAnswer(bad(null, null, `Invalid URL (${req.method} ${req.path})`, 404));
  }
  const m = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path);
  if (!m) return undefined;
  const id = decodeURIComponent(m[1]!);
  const content = Boolean(m[2]);
  return async (req, _raw, ctx) => {
    const file = storedFile(ctx, id);
    if (req.method === 'GET' && content) {
      if (!file) return notFound(id);
      return {
        status: 200,
        json: undefined,
        raw: file.disk
          ? { ...file.disk, contentType: file.contentType }
          : { body: file.bytes, contentType: file.contentType },
      };
    }
    if (req.method === 'GET') return file ? { status: 200, json: fileObject(file) } : notFound(id);
    if (req.method === 'DELETE' && !content) {
      if (!file) return notFound(id);
      ctx.uploads.delete(id);
      return { status: 200, json: { id, object: 'file', deleted: true } };
    }
    return errorAnswer(bad(null, null, `Invalid URL (${req.method} ${req.path})`, 404));
  };
}

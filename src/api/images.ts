// The Images API calls. Responses are parsed leniently: unknown keys kept, enums as open strings.
import { z } from 'zod/v3';
import { answerError, firstLine, httpError } from './errors.js';
import { B64Extractor, type Sink } from './b64-extract.js';
import { readText } from './body.js';
import { LIMITS } from './limits.js';
import { send, type Connection, type RequestSpec, type ResponseHead } from './http.js';
import { readImageStream, type ImageStreamEvent } from './image-stream.js';

// Billed answers are read leniently: a field of the wrong shape costs that field (with a warning
// through Connection.warn), never the images. normalize() fixes what it can before the schema.
const text = z.string().nullish().catch(undefined);

const Usage = z
  .object({
    total_tokens: z.number().finite().optional(),
    input_tokens: z.number().finite().optional(),
    output_tokens: z.number().finite().optional(),
    input_tokens_details: z.object({}).passthrough().optional().catch(undefined),
    output_tokens_details: z.object({}).passthrough().optional().catch(undefined),
  })
  .passthrough();

const ImageItem = z
  .object({
    b64_json: z.string().nullish(),
    url: z.string().nullish(),
    revised_prompt: text,
  })
  .passthrough();

export const ImagesResponse = z
  .object({
    /** Absent when the server sent none usable; the caller uses the run's clock. */
    created: z.number().finite().optional(),
    data: z.array(ImageItem).optional(),
    background: text,
    output_format: text,
    size: text,
    quality: text,
    usage: Usage.nullish().catch(undefined),
  })
  .passthrough();

export type ImagesResponse = z.infer<typeof ImagesResponse>;
export type ImageItem = z.infer<typeof ImageItem>;
export type Usage = z.infer<typeof Usage>;

/** A value as the answer wrote it, for a warning (JSON.stringify would print 1e999 as null). */
const shown = (v: unknown) => (typeof v === 'number' ? String(v) : JSON.stringify(v)).slice(0, 40);
const asNumber = (v: unknown) =>
  typeof v === 'number'
    ? Number.isFinite(v)
      ? v
      : undefined
    : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;

/** Fixes numbers sent as strings and drops unusable fields, saying so; the images are never touched. */
function normalize(body: Record<string, unknown>, warn: (line: string) => void, noCreated = false): void {
  const created = asNumber(body.created);
  if (body.created === undefined) {
    if (!noCreated) warn('the answer has no "created" time; the run\'s time is used instead.');
  } else if (created === undefined)
    warn(`the answer's "created" is ${shown(body.created)}, not a time; the run's time is used instead.`);
  else if (typeof body.created !== 'number')
    warn(`the answer's "created" is a string (${JSON.stringify(body.created).slice(0, 40)}); read as ${created}.`);
  if (created === undefined) delete body.created;
  else body.created = created;
  const usage = body.usage;
  if (usage === undefined || usage === null) return;
  if (typeof usage !== 'object' || Array.isArray(usage)) {
    warn('the answer\'s "usage" is not an object; token counts and cost are not shown.');
    delete body.usage;
    return;
  }
  const u = usage as Record<string, unknown>;
  for (const key of ['total_tokens', 'input_tokens', 'output_tokens']) {
    if (u[key] === undefined || (typeof u[key] === 'number' && Number.isFinite(u[key]))) continue;
    const n = asNumber(u[key]);
    warn(
      n === undefined
        ? `the answer's usage.${key} is ${shown(u[key])}, not a number; it is left out.`
        : `the answer's usage.${key} is a string; read as ${n}.`,
    );
    if (n === undefined) delete u[key];
    else u[key] = n;
  }
}

import { ENDPOINT_PATHS, type ImagesEndpoint } from './endpoints.js';

export type { ImagesEndpoint };

export interface ImagesRequest {
  endpoint: ImagesEndpoint;
  /** JSON body (generations) or a multipart builder (edits, variations). */
  json?: Record<string, unknown>;
  form?: RequestSpec['form'];
  /** Overrides the path, e.g. Azure's /deployments/<name>/images/generations. */
  path?: string;
}

export { readText };

/** Sends an Images API request and returns the parsed body with its request id. */
export async function createImages(
  conn: Connection,
  req: ImagesRequest,
  sink?: Sink,
): Promise<ResponseHead & { value: ImagesResponse }> {
  const spec: RequestSpec = {
    method: 'POST',
    path: req.path ?? ENDPOINT_PATHS[req.endpoint],
    json: req.json,
    form: req.form,
  };
  return send(conn, spec, (body, head) => readImagesAnswer(conn, body, head, sink));
}

/** A JSON Images answer: images decoded into the sink as they arrive when there is one, then parsed. */
/**
 * Past this many bytes an answer's images are decoded into the sink (temp files) as they arrive;
 * below, the answer is read whole and decoded in memory: a few MB cost less held than written to
 * disk and read back (a batch of 200 one-image jobs: 200 temp files fewer).
 */
export const SPILL_ABOVE_BYTES = 16 * 1024 * 1024;

async function readImagesAnswer(
  conn: Connection,
  body: AsyncIterable<Uint8Array>,
  head: ResponseHead,
  sink?: Sink,
): Promise<ImagesResponse> {
  const raw = head.headers['content-length'];
  const declared = Number(Array.isArray(raw) ? raw[0] : raw);
  const small = Number.isSafeInteger(declared) && declared > 0 && declared <= SPILL_ABOVE_BYTES;
  const text = sink && !small ? await extractImages(body, sink, head.requestId) : await readText(body, head);
  return parseImagesResponse(text, head.requestId, { status: head.status, warn: conn.warn, noCreated: conn.noCreated });
}

/** Reads the body with every b64_json decoded into the sink as it arrives; returns the rest. */
async function extractImages(body: AsyncIterable<Uint8Array>, sink: Sink, requestId?: string): Promise<string> {
  const extractor = new B64Extractor(sink, {
    imageBytes: LIMITS.imageBytes,
    totalBytes: LIMITS.answerImageBytes,
    keptChars: LIMITS.jsonBytes,
    requestId,
  });
  for await (const chunk of body) extractor.push(chunk);
  return extractor.end();
}

/**
 * Sends a `stream: true` request and hands each partial and completed image to `onEvent` as it
 * arrives (inside the attempt: the timeout and an abort cover the whole stream). A stream cut
 * mid-way is not retried, since its images may already be billed. A server that ignores
 * `stream` and answers plain JSON gets that answer returned as `fallback`, to be saved as usual.
 */
export async function streamImages(
  conn: Connection,
  req: ImagesRequest,
  onEvent: (event: ImageStreamEvent, head: ResponseHead) => Promise<void>,
  sink?: Sink,
): Promise<ResponseHead & { value: { fallback?: ImagesResponse } }> {
  const spec: RequestSpec = {
    method: 'POST',
    path: req.path ?? ENDPOINT_PATHS[req.endpoint],
    json: req.json,
    form: req.form,
    accept: 'text/event-stream',
  };
  return send(conn, spec, async (body, head) => {
    const type = String(head.headers['content-type'] ?? '');
    if (/\bjson\b/i.test(type)) return { fallback: await readImagesAnswer(conn, body, head, sink) };
    for await (const event of readImageStream(body, head.requestId)) await onEvent(event, head);
    return {};
  });
}

/**
 * Parses a 2xx body into an ImagesResponse, or throws an ApiError that says what was wrong: kind
 * http for a 2xx whose body is `{"error": {...}}` (classified like any error), kind answer otherwise.
 */
export function parseImagesResponse(
  text: string,
  requestId?: string,
  opts: { status?: number; warn?: (line: string) => void; noCreated?: boolean } = {},
): ImagesResponse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const what = text.trim() ? `not JSON (it starts: ${firstLine(text)})` : 'empty';
    throw answerError('not-json', `The server's answer was ${what}.`, requestId);
  }
  const body = json as Record<string, unknown>;
  if (body && typeof body === 'object' && body.error && typeof body.error === 'object' && !Array.isArray(body.data))
    throw httpError(opts.status ?? 200, text, requestId);
  return parseImagesBody(json, requestId, opts);
}

/**
 * An Images API response already parsed from JSON (a batch result line's `body`), checked the
 * same way: the shape, numbers sent as strings, and at least one image with data.
 */
export function parseImagesBody(
  json: unknown,
  requestId?: string,
  opts: { warn?: (line: string) => void; noCreated?: boolean } = {},
): ImagesResponse {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw answerError(
      'not-images-response',
      `The server's answer is not an Images API response (it is ${Array.isArray(json) ? 'a list' : JSON.stringify(json)?.slice(0, 40)}).`,
      requestId,
    );
  }
  const body = json as Record<string, unknown>;
  normalize(body, opts.warn ?? (() => {}), opts.noCreated);
  const parsed = ImagesResponse.safeParse(body);
  if (!parsed.success) {
    throw answerError(
      'not-images-response',
      `The server's answer is not an Images API response (${parsed.error.issues[0]?.path.join('.') || 'body'}: ${parsed.error.issues[0]?.message}).`,
      requestId,
    );
  }
  const images = parsed.data.data ?? [];
  if (images.length === 0)
    throw answerError('no-images', 'The server answered without any image (data is missing or empty).', requestId);
  const bad = images.findIndex((d) => !d.b64_json && !d.url);
  if (bad >= 0)
    throw answerError('image-without-data', `Image ${bad + 1} in the answer has neither b64_json nor url.`, requestId);
  return parsed.data;
}

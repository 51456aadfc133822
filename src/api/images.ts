// The Images API calls. Responses are parsed leniently: unknown keys kept, enums as open strings.
import { z } from 'zod';
import { answerError, firstLine } from './errors.js';
import { B64Extractor, type Sink } from './b64-extract.js';
import { send, type Connection, type RequestSpec, type ResponseHead } from './http.js';
import { readImageStream, type ImageStreamEvent } from './image-stream.js';

const Usage = z.looseObject({
  total_tokens: z.number().optional(),
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  input_tokens_details: z.looseObject({}).optional(),
  output_tokens_details: z.looseObject({}).optional(),
});

const ImageItem = z.looseObject({
  b64_json: z.string().nullish(),
  url: z.string().nullish(),
  revised_prompt: z.string().nullish(),
});

export const ImagesResponse = z.looseObject({
  created: z.number(),
  data: z.array(ImageItem).optional(),
  background: z.string().nullish(),
  output_format: z.string().nullish(),
  size: z.string().nullish(),
  quality: z.string().nullish(),
  usage: Usage.nullish(),
});

export type ImagesResponse = z.infer<typeof ImagesResponse>;
export type ImageItem = z.infer<typeof ImageItem>;
export type Usage = z.infer<typeof Usage>;

export const ENDPOINT_PATHS = {
  generations: '/images/generations',
  edits: '/images/edits',
  variations: '/images/variations',
} as const;

export type ImagesEndpoint = keyof typeof ENDPOINT_PATHS;

export interface ImagesRequest {
  endpoint: ImagesEndpoint;
  /** JSON body (generations) or a multipart builder (edits, variations). */
  json?: Record<string, unknown>;
  form?: RequestSpec['form'];
  /** Overrides the path, e.g. Azure's /deployments/<name>/images/generations. */
  path?: string;
}

/** Sends an Images API request and returns the parsed body with its request id. */
export async function createImages(conn: Connection, req: ImagesRequest, sink?: Sink): Promise<ResponseHead & { value: ImagesResponse }> {
  const spec: RequestSpec = { method: 'POST', path: req.path ?? ENDPOINT_PATHS[req.endpoint], json: req.json, form: req.form };
  return send(conn, spec, async (body, head) => parseImagesResponse(sink ? await extractImages(body, sink) : await readText(body, head), head.requestId));
}

/** Reads the body with every b64_json decoded into the sink as it arrives; returns the rest. */
async function extractImages(body: AsyncIterable<Uint8Array>, sink: Sink): Promise<string> {
  const extractor = new B64Extractor(sink);
  for await (const chunk of body) extractor.push(chunk);
  return extractor.end();
}

/** Past this, a declared length is not trusted with one allocation; text() reads it instead. */
const MAX_PREALLOCATED = 512 * 1024 * 1024;

/**
 * The body as UTF-8 text. undici's text() keeps every chunk, then joins them into one buffer
 * and decodes that: three copies of a 40 MB answer at the peak. With a Content-Length, each
 * chunk is copied into one buffer as it arrives instead (-40 MB, -35 ms on ten 1536x1024 PNGs).
 */
export async function readText(body: AsyncIterable<Uint8Array> & { text(): Promise<string> }, head: ResponseHead): Promise<string> {
  const raw = head.headers['content-length'];
  const declared = Number(Array.isArray(raw) ? raw[0] : raw);
  if (!Number.isSafeInteger(declared) || declared <= 0 || declared > MAX_PREALLOCATED) return body.text();
  const buffer = Buffer.allocUnsafe(declared);
  let filled = 0;
  for await (const chunk of body) {
    // undici stops at Content-Length; this guards the copy should that ever change.
    if (filled + chunk.length > declared) throw answerError('too-long', `The server sent more than the ${declared} bytes it announced.`);
    buffer.set(chunk, filled);
    filled += chunk.length;
  }
  // Skip a UTF-8 byte order mark, as text() does.
  const start = filled >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start, filled);
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
): Promise<ResponseHead & { value: { fallback?: ImagesResponse } }> {
  const spec: RequestSpec = { method: 'POST', path: req.path ?? ENDPOINT_PATHS[req.endpoint], json: req.json, form: req.form, accept: 'text/event-stream' };
  return send(conn, spec, async (body, head) => {
    const type = String(head.headers['content-type'] ?? '');
    if (/\bjson\b/i.test(type)) return { fallback: parseImagesResponse(await body.text(), head.requestId) };
    for await (const event of readImageStream(body, head.requestId)) await onEvent(event, head);
    return {};
  });
}

/** Parses a 2xx body into an ImagesResponse, or throws an ApiError (kind answer) that says what was wrong. */
export function parseImagesResponse(text: string, requestId?: string): ImagesResponse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const what = text.trim() ? `not JSON (it starts: ${firstLine(text)})` : 'empty';
    throw answerError('not-json', `The server's answer was ${what}.`, requestId);
  }
  const parsed = ImagesResponse.safeParse(json);
  if (!parsed.success) {
    throw answerError(
      'not-images-response',
      `The server's answer is not an Images API response (${parsed.error.issues[0]?.path.join('.') || 'body'}: ${parsed.error.issues[0]?.message}).`,
      requestId,
    );
  }
  const images = parsed.data.data ?? [];
  if (images.length === 0) throw answerError('no-images', 'The server answered without any image (data is missing or empty).', requestId);
  const bad = images.findIndex((d) => !d.b64_json && !d.url);
  if (bad >= 0) throw answerError('image-without-data', `Image ${bad + 1} in the answer has neither b64_json nor url.`, requestId);
  return parsed.data;
}

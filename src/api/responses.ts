// The Responses API with the image_generation tool (reference section 11; spec CreateResponse,
// ImageGenTool, ImageGenToolCall): POST /responses, the answer or its stream read leniently into
// what a conversation turn needs: the response id (known from the first event when streamed, so a
// stream cut later still names the response it belonged to), the images, partial images, the
// model's text, the mainline model's usage and the image tool's (`tool_usage.image_gen`).
import { z } from 'zod/v3';
import { readText } from './body.js';
import { ApiError, answerError, firstLine, httpError } from './errors.js';
import { apiIdSchema, type ApiId } from './ids.js';
import { send, type Connection, type ResponseHead } from './http.js';
import { boundedEvents, parsePayload, streamError } from './image-stream.js';

export { RESPONSES_PATH } from './endpoints.js';

export interface ResponsesRequest {
  /** `/responses`, or where a gateway puts it. */
  path: string;
  json: Record<string, unknown>;
}

/** One image the tool made: its base64, and what the tool said about it. */
export interface ResponseImage {
  b64: string;
  /** The image_generation_call's id (ig_...). */
  callId?: string;
  /** The prompt the tool drew from, when the server tells it. */
  revisedPrompt?: string;
}

export interface ResponseAnswer {
  id: ApiId;
  status?: string;
  model?: string;
  /** Unix seconds. */
  created?: number;
  images: ResponseImage[];
  /** What the mainline model wrote besides calling the tool. */
  text?: string;
  /** The mainline model's tokens (`usage`). */
  usage?: Record<string, unknown>;
  /** The image tool's tokens (`tool_usage.image_gen`, where the server reports them). */
  imageUsage?: Record<string, unknown>;
}

export type ResponseStreamEvent =
  /** response.created: the response exists, under this id. */
  | { type: 'created'; id: ApiId }
  | { type: 'partial'; b64: string; partialIndex: number }
  /** An image_generation_call finished (response.output_item.done). */
  | { type: 'image'; image: ResponseImage };

const text = z.string().nullish().catch(undefined);
const Usage = z.object({}).passthrough().nullish().catch(undefined);

const OutputItem = z
  .object({
    type: z.string().optional().catch(undefined),
    id: text,
    status: text,
    result: text,
    revised_prompt: text,
    content: z
      .array(z.object({ type: text, text }).passthrough())
      .optional()
      .catch(undefined),
  })
  .passthrough();

const ResponseBody = z
  .object({
    id: apiIdSchema,
    status: text,
    model: text,
    created_at: z.number().finite().optional().catch(undefined),
    output: z.array(OutputItem).optional().catch(undefined),
    usage: Usage,
    tool_usage: z.object({ image_gen: Usage }).passthrough().nullish().catch(undefined),
    error: z.object({ code: text, message: text }).passthrough().nullish().catch(undefined),
    incomplete_details: z.object({ reason: text }).passthrough().nullish().catch(undefined),
  })
  .passthrough();

type OutputItem = z.infer<typeof OutputItem>;

function imageOf(item: OutputItem): ResponseImage | undefined {
  if (item.type !== 'image_generation_call' || !item.result) return undefined;
  return {
    b64: item.result,
    ...(item.id ? { callId: item.id } : {}),
    ...(item.revised_prompt ? { revisedPrompt: item.revised_prompt } : {}),
  };
}

/** A response the server says failed: its error, classified as the API's errors are (exit codes, hints). */
function failedError(error: { code?: string | null; message?: string | null } | null | undefined, requestId?: string) {
  const code = error?.code ?? undefined;
  return new ApiError({
    kind: 'http',
    code,
    // server_error is the server's trouble; the other codes (invalid_prompt, image_* ...) refuse the request.
    type: code === 'server_error' || code === undefined ? 'server_error' : 'invalid_request_error',
    requestId,
    message: `The response failed${code ? ` (${code})` : ''}: ${error?.message ?? 'no details given'}`,
    retryable: false,
  });
}

/**
 * A response object (a whole answer, or the one a stream's response.completed carries) as a turn's
 * answer; throws for a failed or incomplete response, and for one without an image.
 */
export function parseResponseBody(json: unknown, requestId?: string): ResponseAnswer {
  const parsed = ResponseBody.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw answerError(
      'not-a-response',
      `The server's answer is not a Responses API response (${issue?.path.join('.') || 'body'}: ${issue?.message}).`,
      requestId,
    );
  }
  const r = parsed.data;
  if (r.status === 'failed') throw failedError(r.error, requestId);
  if (r.status === 'incomplete')
    throw answerError(
      'not-a-response',
      `The response ended incomplete (${r.incomplete_details?.reason ?? 'no reason given'}).`,
      requestId,
    );
  const output = r.output ?? [];
  const words = output
    .flatMap((item) => (item.type === 'message' ? (item.content ?? []) : []))
    .flatMap((part) => (part.type === 'output_text' && part.text ? [part.text] : []))
    .join('\n')
    .trim();
  const failedCall = output.find((item) => item.type === 'image_generation_call' && item.status === 'failed');
  const images = output.map(imageOf).filter((i): i is ResponseImage => i !== undefined);
  if (images.length === 0 && failedCall)
    throw failedError({ code: 'image_generation_failed', message: 'the image_generation call failed' }, requestId);
  return {
    id: r.id,
    ...(r.status ? { status: r.status } : {}),
    ...(r.model ? { model: r.model } : {}),
    ...(r.created_at !== undefined ? { created: r.created_at } : {}),
    images,
    ...(words ? { text: words } : {}),
    ...(r.usage ? { usage: r.usage } : {}),
    ...(r.tool_usage?.image_gen ? { imageUsage: r.tool_usage.image_gen } : {}),
  };
}

/** A whole (not streamed) answer's text as a response; a 2xx whose body is `{"error": ...}` is that error. */
export function parseResponseText(body: string, status: number, requestId?: string): ResponseAnswer {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const what = body.trim() ? `not JSON (it starts: ${firstLine(body)})` : 'empty';
    throw answerError('not-json', `The server's answer was ${what}.`, requestId);
  }
  const error = (json as { error?: unknown } | null)?.error;
  if (error && typeof error === 'object' && (json as { object?: unknown }).object !== 'response')
    throw httpError(status, body, requestId);
  return parseResponseBody(json, requestId);
}

/** Sends one turn and reads the whole answer. The HTTP core's rules apply: a request that may have been received is never resent. */
export async function createResponse(
  conn: Connection,
  req: ResponsesRequest,
): Promise<ResponseHead & { value: ResponseAnswer }> {
  return send(conn, { method: 'POST', path: req.path, json: req.json }, async (body, head) =>
    parseResponseText(await readText(body, head), head.status, head.requestId),
  );
}

const PartialEvent = z
  .object({
    partial_image_b64: z.string().optional().catch(undefined),
    partial_image_index: z.number().finite().int().nonnegative().optional().catch(undefined),
  })
  .passthrough();

/**
 * Sends one turn with `stream: true` and hands each event to `onEvent` as it arrives (inside the
 * attempt: the timeout and Ctrl-C cover the whole stream); returns the completed response. A
 * server that answers plain JSON instead is read as a whole answer. An `error` event, a
 * response.failed, or a stream that ends before response.completed throws.
 */
export async function streamResponse(
  conn: Connection,
  req: ResponsesRequest,
  onEvent: (event: ResponseStreamEvent, head: ResponseHead) => Promise<void>,
): Promise<ResponseHead & { value: ResponseAnswer }> {
  const spec = { method: 'POST' as const, path: req.path, json: req.json, accept: 'text/event-stream' };
  return send(conn, spec, async (body, head) => {
    if (/\bjson\b/i.test(String(head.headers['content-type'] ?? '')))
      return parseResponseText(await readText(body, head), head.status, head.requestId);
    const images: ResponseImage[] = [];
    let partials = 0;
    for await (const sse of boundedEvents(body, head.requestId)) {
      const raw = parsePayload(sse, head.requestId);
      const type = typeof raw.type === 'string' ? raw.type : (sse.event ?? '');
      if (sse.event === 'error' || type === 'error' || (raw.error != null && !('response' in raw)))
        throw streamError(raw, head.requestId);
      const response = raw.response as Record<string, unknown> | undefined;
      if (type === 'response.created' || type === 'response.in_progress') {
        const id = apiIdSchema.safeParse(response?.id);
        if (id.success) await onEvent({ type: 'created', id: id.data }, head);
      } else if (type === 'response.image_generation_call.partial_image') {
        const event = PartialEvent.parse(raw);
        if (!event.partial_image_b64) continue;
        await onEvent(
          { type: 'partial', b64: event.partial_image_b64, partialIndex: event.partial_image_index ?? partials },
          head,
        );
        partials++;
      } else if (type === 'response.output_item.done') {
        const item = OutputItem.safeParse(raw.item);
        const image = item.success ? imageOf(item.data) : undefined;
        if (image) {
          images.push(image);
          await onEvent({ type: 'image', image }, head);
        }
      } else if (type === 'response.completed' || type === 'response.failed' || type === 'response.incomplete') {
        const answer = parseResponseBody(response, head.requestId);
        // A completed response that leaves its images' results out (they came in output_item.done) keeps those.
        return answer.images.length ? answer : { ...answer, images };
      }
      // Other events (text deltas, in_progress and generating of the call) are progress only.
    }
    throw answerError('stream-ended-early', 'The stream ended before the response was completed.', head.requestId);
  });
}

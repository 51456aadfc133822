// The streamed Images API answer (`stream: true`): SSE events whose JSON `type` repeats the
// event name, `<family>.partial_image` then `<family>.completed` (one completed per image).
import { z } from 'zod/v3';
import { ApiError, answerError, firstLine } from './errors.js';
import { LIMITS, sizeText } from './limits.js';
import { readSse, SseTooLargeError, type SseEvent } from './sse.js';

export type ImageStreamFamily = 'image_generation' | 'image_edit';

export type ImageStreamEvent =
  | { type: 'partial'; family: ImageStreamFamily; b64: string; partialIndex: number; raw: Record<string, unknown> }
  | {
      type: 'completed';
      family: ImageStreamFamily;
      b64: string;
      usage?: Record<string, unknown>;
      raw: Record<string, unknown>;
    };

// Lenient on purpose: a field of the wrong shape is dropped rather than failing the whole image.
const StreamPayload = z
  .object({
    type: z.string().optional().catch(undefined),
    b64_json: z.string().nullish().catch(undefined),
    partial_image_index: z.number().finite().int().nonnegative().optional().catch(undefined),
    usage: z.object({}).passthrough().nullish().catch(undefined),
  })
  .passthrough();

const EVENT_TYPE = /^(image_generation|image_edit)\.(partial_image|completed)$/;

/** Yields partial and completed images; throws ApiError: kind http for in-stream errors, answer for a broken stream. */
export async function* readImageStream(
  body: AsyncIterable<Uint8Array | string>,
  requestId?: string,
): AsyncGenerator<ImageStreamEvent> {
  let completed = 0;
  let partials = 0;
  for await (const sse of boundedEvents(body, requestId)) {
    const raw = parsePayload(sse, requestId);
    if (sse.event === 'error' || raw.error != null || raw.type === 'error') throw streamError(raw, requestId);
    const payload = StreamPayload.parse(raw);
    const match = EVENT_TYPE.exec(payload.type ?? sse.event ?? '');
    if (!match) continue; // unknown event types are future additions, not errors
    const family = match[1] as ImageStreamFamily;
    const kind = match[2] === 'completed' ? 'completed' : 'partial';
    const b64 = payload.b64_json;
    if (!b64) {
      throw answerError('event-without-image', `A ${match[0]} event in the stream has no b64_json.`, requestId);
    }
    if (kind === 'partial') {
      // Fall back to arrival order when a compatible server leaves the index out.
      yield { type: 'partial', family, b64, partialIndex: payload.partial_image_index ?? partials, raw };
      partials++;
    } else {
      completed++;
      const event: ImageStreamEvent = { type: 'completed', family, b64, raw };
      if (payload.usage) event.usage = payload.usage;
      yield event;
    }
  }
  if (completed === 0) {
    throw answerError('stream-ended-early', 'The stream ended before any completed image.', requestId);
  }
}

/** The stream's events, each at most LIMITS.sseEventChars: an endless line fails instead of filling memory. */
export async function* boundedEvents(
  body: AsyncIterable<Uint8Array | string>,
  requestId: string | undefined,
): AsyncGenerator<SseEvent> {
  try {
    yield* readSse(body, LIMITS.sseEventChars);
  } catch (err) {
    if (!(err instanceof SseTooLargeError)) throw err;
    throw answerError(
      'too-large',
      `An event in the stream passed ${sizeText(err.limit)}, more than imgcli reads; stopped.`,
      requestId,
    );
  }
}

/** The event's JSON object; an `event: error` whose data is not JSON still becomes an ApiError. */
export function parsePayload(sse: SseEvent, requestId: string | undefined): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(sse.data);
  } catch {
    if (sse.event === 'error') throw streamError({ message: firstLine(sse.data) }, requestId);
    const what = sse.data.trim() ? `not JSON (it starts: ${firstLine(sse.data)})` : 'empty';
    throw answerError('not-json', `An event in the stream was ${what}.`, requestId);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    if (sse.event === 'error') throw streamError({ message: firstLine(sse.data) }, requestId);
    throw answerError(
      'not-json',
      `An event in the stream is not a JSON object (it starts: ${firstLine(sse.data)}).`,
      requestId,
    );
  }
  return json as Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Reads both `{"error": {...}}` and a bare `{"type": "error", "code", "message"}` (Responses-API style). */
export function streamError(raw: Record<string, unknown>, requestId: string | undefined): ApiError {
  const inner = raw.error;
  const e = inner && typeof inner === 'object' ? (inner as Record<string, unknown>) : raw;
  const message = str(e.message) ?? str(inner) ?? 'no details given';
  const type = str(e.type) === 'error' ? undefined : str(e.type);
  const code = str(e.code) ?? type;
  const param = str(e.param);
  return new ApiError({
    kind: 'http',
    code,
    type,
    param,
    requestId,
    message: `The server reported an error during the stream${code ? ` (${code})` : ''}: ${message}`,
    // Partial images may already be out and the image billed: resending is the user's call.
    retryable: false,
  });
}

// The Batch API (reference section 9): create a batch from an uploaded JSONL file, look it up,
// list, cancel. Answers are parsed leniently like every other (unknown keys kept, statuses and
// endpoints as open strings). A create is never retried here: a second POST could start (and
// bill) a second batch, so the caller decides, after looking for the first one (see batch/remote/submit.ts).
import { z } from 'zod/v3';
import { send, type Connection } from './http.js';
import { readAnswer, type AnswerKind } from './answer.js';
import { apiIdSchema, idSegment, type ApiId } from './ids.js';
import { eachPage } from './pages.js';

const BATCH_ANSWER: AnswerKind = { api: 'Batch API', problem: 'not-a-batch' };

/**
 * The Batch API's limits per request file (reference section 9), for the requests imgcli writes and
 * the offline server's checks alike. Tests make them small with batch's hidden options
 * --batch-max-requests and --batch-max-bytes.
 */
export const BATCH_LIMITS = { requests: 50_000, bytes: 200 * 1024 * 1024 };
export type BatchLimits = typeof BATCH_LIMITS;

const time = z.number().finite().nullish().catch(undefined);

const BatchError = z
  .object({
    code: z.string().nullish(),
    message: z.string().nullish(),
    param: z.string().nullish(),
    line: z.number().finite().nullish(),
  })
  .passthrough();

const Batch = z
  .object({
    id: apiIdSchema,
    object: z.string().nullish(),
    endpoint: z.string().nullish(),
    model: z.string().nullish(),
    status: z.string(),
    errors: z
      .object({ data: z.array(BatchError).nullish().catch(undefined) })
      .passthrough()
      .nullish()
      .catch(undefined),
    input_file_id: apiIdSchema.nullish(),
    output_file_id: apiIdSchema.nullish(),
    error_file_id: apiIdSchema.nullish(),
    completion_window: z.string().nullish(),
    created_at: time,
    in_progress_at: time,
    expires_at: time,
    finalizing_at: time,
    completed_at: time,
    failed_at: time,
    expired_at: time,
    cancelling_at: time,
    cancelled_at: time,
    request_counts: z
      .object({
        total: z.number().finite().nullish(),
        completed: z.number().finite().nullish(),
        failed: z.number().finite().nullish(),
      })
      .passthrough()
      .nullish()
      .catch(undefined),
    metadata: z.record(z.string(), z.unknown()).nullish().catch(undefined),
  })
  .passthrough();
export type Batch = z.infer<typeof Batch>;
export type BatchError = z.infer<typeof BatchError>;

const BatchList = z
  .object({ data: z.array(Batch), has_more: z.boolean().nullish(), last_id: apiIdSchema.nullish() })
  .passthrough();

/** The statuses after which a batch changes no more. */
export const ENDED = new Set(['completed', 'failed', 'expired', 'cancelled']);
export const hasEnded = (b: Pick<Batch, 'status'>) => ENDED.has(b.status);
/** Every status the Batch API documents (reference section 9); another is a server's own. */
export const DOCUMENTED = new Set([...ENDED, 'validating', 'in_progress', 'finalizing', 'cancelling']);
/** A batch's window: 24 hours from its creation (its `expires_at` says when, where the server gives it). */
export const WINDOW_S = 86_400;

/** The endpoints the Batch API takes for images (variations are not among them). */
export const BATCH_ENDPOINTS = { generations: '/v1/images/generations', edits: '/v1/images/edits' } as const;
export type BatchEndpoint = keyof typeof BATCH_ENDPOINTS;

const batchPath = (id: ApiId) => `/batches/${idSegment(id)}`;

export interface CreateBatch {
  inputFileId: ApiId;
  endpoint: string;
  /** At most 16 pairs, keys up to 64 characters, values up to 512. */
  metadata?: Record<string, string>;
}

/** POST /batches, sent once: never retried (see the top of this file). */
export async function createBatch(conn: Connection, req: CreateBatch): Promise<{ batch: Batch; requestId?: string }> {
  const json = {
    input_file_id: req.inputFileId,
    endpoint: req.endpoint,
    completion_window: '24h',
    ...(req.metadata ? { metadata: req.metadata } : {}),
  };
  const answer = await send(
    { ...conn, maxRetries: 0 },
    { method: 'POST', path: '/batches', json },
    async (body, head) => readAnswer(Batch, body, head, 'POST /batches', BATCH_ANSWER),
  );
  return { batch: answer.value, requestId: answer.requestId };
}

/** GET /batches/{id}. */
export async function retrieveBatch(conn: Connection, id: ApiId): Promise<Batch> {
  const answer = await send(conn, { method: 'GET', path: batchPath(id) }, async (body, head) =>
    readAnswer(Batch, body, head, `GET /batches/${id}`, BATCH_ANSWER),
  );
  return answer.value;
}

/** POST /batches/{id}/cancel: the batch goes to cancelling, then cancelled (with what was done). Safe to repeat. */
export async function cancelBatch(conn: Connection, id: ApiId): Promise<Batch> {
  const answer = await send(conn, { method: 'POST', path: `${batchPath(id)}/cancel` }, async (body, head) =>
    readAnswer(Batch, body, head, `POST /batches/${id}/cancel`, BATCH_ANSWER),
  );
  return answer.value;
}

/** GET /batches: one page, newest first (the API takes a limit of 1 to 100). */
export async function listBatches(
  conn: Connection,
  query: { limit?: number; after?: ApiId } = {},
): Promise<{ batches: Batch[]; hasMore: boolean; lastId?: ApiId }> {
  const params = new URLSearchParams(
    Object.entries(query)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]): [string, string] => [k, String(v)]),
  );
  const path = `/batches${params.size ? `?${params}` : ''}`;
  const answer = await send(conn, { method: 'GET', path }, async (body, head) =>
    readAnswer(BatchList, body, head, 'GET /batches', BATCH_ANSWER),
  );
  const { data, has_more, last_id } = answer.value;
  return { batches: data, hasMore: Boolean(has_more) && data.length > 0, lastId: last_id ?? data.at(-1)?.id };
}

/**
 * Every batch of the list, newest first, page after page (bounded: see pages.ts), until `stop`
 * says enough or `max` are seen.
 */
export async function* eachBatch(
  conn: Connection,
  opts: { max?: number; stop?: (b: Batch) => boolean } = {},
): AsyncGenerator<Batch> {
  const max = opts.max ?? Infinity;
  let seen = 0;
  const pages = eachPage('batch list (GET /batches)', async (after) => {
    const page = await listBatches(conn, { limit: Math.max(1, Math.min(100, max - seen)), after });
    return { items: page.batches, hasMore: page.hasMore, lastId: page.lastId };
  });
  for await (const batches of pages) {
    for (const batch of batches) {
      if (seen++ >= max || opts.stop?.(batch)) return;
      yield batch;
    }
    if (seen >= max) return;
  }
}

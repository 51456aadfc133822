// The Batch API on the offline server: POST /v1/batches, GET /v1/batches (limit, after),
// GET /v1/batches/{id}, POST /v1/batches/{id}/cancel, with the real shapes and status machine:
// validating -> in_progress -> finalizing -> completed, or failed (the request file does not
// validate), expired, cancelling -> cancelled. Time moves on the store's clock (the real one by
// default; tests pass their own): requests run one every `perRequestMs` while in progress, each
// answered by the same route a direct call reaches, and their results go to output and error
// files on disk (shuffled: lines come in any order), served by GET /v1/files/{id}/content.
// Faults on demand: failed lines, a batch that expires part-way, one that fails validation.
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleAnyEdit } from './edits-json.js';
import { handleGenerations } from './generations.js';
import { nextSeq } from './files.js';
import {
  errorAnswer,
  type BatchRoutes,
  type RecordedRequest,
  type Route,
  type RouteAnswer,
  type RouteContext,
} from './route.js';
import { quoteList, type ApiErrorBody } from './validate.js';
import { readRequestFile, type BatchError, type RequestLine as Line } from './batch-requests.js';

export interface BatchTiming {
  /** How long a batch validates its request file (default 200 ms). */
  validatingMs: number;
  /** Time per request while in progress (default 5 ms: a few hundred requests in a second or two). */
  perRequestMs: number;
  /** From the last request to completed, and from a cancel to cancelled (default 200 ms). */
  finalizingMs: number;
}

export const DEFAULT_BATCH_TIMING: BatchTiming = { validatingMs: 200, perRequestMs: 5, finalizingMs: 200 };

/** What goes wrong with the next batch created (tests). */
export interface BatchFault {
  /** Lines of the request file (1-based) answered with an error instead (default: a 500 server_error). */
  failLines?: number[];
  failWith?: { status: number; message: string; type: string; code: string | null };
  /** The batch expires once this many requests have run; the rest go to the error file as batch_expired. */
  expireAfter?: number;
  /** The request file "fails validation": the batch goes to failed with these errors. */
  failValidation?: Array<{ code: string; message: string; line?: number | null; param?: string | null }>;
  /**
   * A server that misbehaves in what it says: the batch is shown with this status (one the API
   * never documented, or a hostile text) for its next `showTimes` looks (default: every look),
   * whatever it really is.
   */
  showStatus?: string;
  showTimes?: number;
  /** Fields shown over the batch's own on every look (metadata, errors, an output_file_id such as ".."). */
  showFields?: Record<string, unknown>;
}

const ENDPOINTS: Record<string, Route> = {
  '/v1/images/generations': handleGenerations,
  '/v1/images/edits': handleAnyEdit,
};
const WINDOW_S = 86_400;
/** Requests of a batch answered at once. */
const RUN_AT_ONCE = 4;

interface MockBatch {
  id: string;
  endpoint: string;
  inputFileId: string;
  metadata: Record<string, string> | null;
  createdAt: number;
  /** The store's clock when it was made, in ms. */
  born: number;
  fault?: BatchFault;
  lines?: Line[];
  order: number[];
  errors?: BatchError[];
  processed: number;
  completed: number;
  failed: number;
  files: { output: string; error: string; outputBytes: number; errorBytes: number };
  status: string;
  times: Record<string, number | null>;
  cancelAt?: number;
  outputFileId?: string;
  errorFileId?: string;
  /** Work on a batch is one step at a time (two requests may look at it at once). */
  busy: Promise<void>;
  model?: string;
}

const bad = (param: string | null, message: string, status = 400, code: string | null = null): ApiErrorBody => ({
  status,
  message,
  type: 'invalid_request_error',
  param,
  code,
});
const hash = (text: string) => createHash('sha256').update(text).digest().readUInt32BE(0);

export class BatchStore implements BatchRoutes {
  private readonly batches = new Map<string, MockBatch>();
  private readonly faults: BatchFault[] = [];
  private dir?: Promise<string>;

  constructor(
    public timing: BatchTiming = DEFAULT_BATCH_TIMING,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  enqueueFault(fault: BatchFault): void {
    this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Removes the result files on disk. */
  async close(): Promise<void> {
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
  }

  private folder(): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'imgcli-mock-batches-'));
    return this.dir;
  }

  async create(req: RecordedRequest, ctx: RouteContext): Promise<RouteAnswer> {
    const body = req.json as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      return errorAnswer(bad(null, 'We could not parse the JSON body of your request.'));
    for (const key of ['input_file_id', 'endpoint', 'completion_window']) {
      if (body[key] === undefined)
        return errorAnswer(bad(key, `Missing required parameter: '${key}'.`, 400, 'missing_required_parameter'));
    }
    const endpoints = Object.keys(ENDPOINTS).concat([
      '/v1/responses',
      '/v1/chat/completions',
      '/v1/embeddings',
      '/v1/completions',
      '/v1/moderations',
      '/v1/videos',
    ]);
    if (!endpoints.includes(String(body.endpoint)))
      return errorAnswer(
        bad(
          'endpoint',
          `Invalid value: '${String(body.endpoint)}'. Supported values are: ${quoteList(endpoints)}.`,
          400,
          'invalid_value',
        ),
      );
    if (!ENDPOINTS[String(body.endpoint)])
      return errorAnswer(
        bad(
          'endpoint',
          `The offline server runs batches of ${Object.keys(ENDPOINTS).join(' and ')} only.`,
          400,
          'invalid_value',
        ),
      );
    if (body.completion_window !== '24h')
      return errorAnswer(
        bad(
          'completion_window',
          `Invalid value: '${String(body.completion_window)}'. Supported values are: '24h'.`,
          400,
          'invalid_value',
        ),
      );
    const metadata = body.metadata ?? null;
    if (
      metadata !== null &&
      (typeof metadata !== 'object' ||
        Array.isArray(metadata) ||
        Object.entries(metadata).some(([k, v]) => k.length > 64 || typeof v !== 'string' || v.length > 512) ||
        Object.keys(metadata).length > 16)
    ) {
      return errorAnswer(
        bad(
          'metadata',
          "Invalid 'metadata': at most 16 pairs of strings, keys up to 64 characters and values up to 512.",
          400,
          'invalid_value',
        ),
      );
    }
    const file = ctx.uploads.get(String(body.input_file_id));
    if (!file) return errorAnswer(bad('input_file_id', `No such File object: ${String(body.input_file_id)}`, 404));
    if (file.purpose !== 'batch')
      return errorAnswer(
        bad(
          'input_file_id',
          `The file ${file.id} was uploaded with purpose '${file.purpose}'; a batch's input file needs purpose 'batch'.`,
          400,
          'invalid_value',
        ),
      );
    const id = `batch_${randomBytes(12).toString('hex')}`;
    const dir = await this.folder();
    const createdAt = Math.floor(ctx.nowMs() / 1000);
    const batch: MockBatch = {
      id,
      endpoint: String(body.endpoint),
      inputFileId: file.id,
      metadata: metadata as Record<string, string> | null,
      createdAt,
      born: this.clock(),
      fault: this.faults.shift(),
      order: [],
      processed: 0,
      completed: 0,
      failed: 0,
      files: {
        output: join(dir, `${id}_output.jsonl`),
        error: join(dir, `${id}_error.jsonl`),
        outputBytes: 0,
        errorBytes: 0,
      },
      status: 'validating',
      times: {
        in_progress_at: null,
        finalizing_at: null,
        completed_at: null,
        failed_at: null,
        expired_at: null,
        cancelling_at: null,
        cancelled_at: null,
      },
      busy: Promise.resolve(),
    };
    this.batches.set(id, batch);
    return { status: 200, json: this.view(batch) };
  }

  async retrieve(id: string, ctx: RouteContext): Promise<RouteAnswer> {
    const batch = this.batches.get(id);
    if (!batch) return errorAnswer(bad('batch_id', `No batch found with id '${id}'.`, 404));
    await this.advance(batch, ctx);
    return { status: 200, json: this.view(batch) };
  }

  async list(req: RecordedRequest, ctx: RouteContext): Promise<RouteAnswer> {
    const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return errorAnswer(
        bad(
          'limit',
          `Invalid 'limit': expected an integer from 1 to 100, but got ${req.query.limit} instead.`,
          400,
          'invalid_value',
        ),
      );
    const all = [...this.batches.values()].reverse();
    const start = req.query.after === undefined ? 0 : all.findIndex((b) => b.id === req.query.after) + 1;
    const page = all.slice(start, start + limit);
    for (const b of page) await this.advance(b, ctx);
    return {
      status: 200,
      json: {
        object: 'list',
        data: page.map((b) => this.view(b)),
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
        has_more: start + limit < all.length,
      },
    };
  }

  async cancel(id: string, ctx: RouteContext): Promise<RouteAnswer> {
    const batch = this.batches.get(id);
    if (!batch) return errorAnswer(bad('batch_id', `No batch found with id '${id}'.`, 404));
    await this.advance(batch, ctx);
    if (['completed', 'failed', 'expired', 'cancelled'].includes(batch.status))
      return errorAnswer(bad(null, `Cannot cancel a batch with status '${batch.status}'.`, 409));
    if (batch.cancelAt === undefined) {
      batch.cancelAt = this.clock();
      batch.status = 'cancelling';
      batch.times.cancelling_at = this.at(batch, batch.cancelAt);
    }
    return { status: 200, json: this.view(batch) };
  }

  /** Unix seconds on the server's calendar for a moment of the store's clock. */
  private at(batch: MockBatch, clockMs: number): number {
    return batch.createdAt + Math.floor((clockMs - batch.born) / 1000);
  }

  /** Brings a batch to where its clock says it is, running the requests now due. */
  private advance(batch: MockBatch, ctx: RouteContext): Promise<void> {
    const step = batch.busy.then(() => this.step(batch, ctx));
    batch.busy = step.catch(() => {});
    return step;
  }

  private async step(b: MockBatch, ctx: RouteContext): Promise<void> {
    if (['completed', 'failed', 'expired', 'cancelled'].includes(b.status)) return;
    const now = this.clock();
    const { validatingMs, perRequestMs, finalizingMs } = this.timing;
    const startedAt = b.born + validatingMs;
    if (!b.lines && b.cancelAt === undefined) {
      if (now < startedAt) return;
      this.validate(b, ctx);
      if (b.status === 'failed') return;
      b.status = 'in_progress';
      b.times.in_progress_at = this.at(b, startedAt);
    }
    const lines = b.lines ?? [];
    if (b.cancelAt !== undefined) {
      if (now - b.cancelAt < finalizingMs) return;
      return this.end(
        b,
        'cancelled',
        'batch_cancelled',
        'This request was not executed because the batch was cancelled.',
        ctx,
        b.cancelAt + finalizingMs,
      );
    }
    const stop = b.fault?.expireAfter;
    const due = Math.min(
      lines.length,
      stop ?? Infinity,
      perRequestMs > 0 ? Math.floor((now - startedAt) / perRequestMs) : Infinity,
    );
    while (b.processed < due) await this.run(b, due, ctx);
    if (stop !== undefined && b.processed >= stop && stop < lines.length) {
      return this.end(
        b,
        'expired',
        'batch_expired',
        'This request could not be executed before the completion window expired.',
        ctx,
        startedAt + stop * perRequestMs,
      );
    }
    if (b.processed < lines.length) return;
    const lastAt = startedAt + lines.length * perRequestMs;
    b.status = 'finalizing';
    b.times.finalizing_at = this.at(b, lastAt);
    if (now >= lastAt + finalizingMs) await this.end(b, 'completed', '', '', ctx, lastAt + finalizingMs);
  }

  /** Reads and checks the request file (batch-requests.ts), as OpenAI does before anything runs. */
  private validate(b: MockBatch, ctx: RouteContext): void {
    const file = ctx.uploads.get(b.inputFileId);
    const { lines, errors } = readRequestFile(file?.bytes, b.inputFileId, b.endpoint);
    for (const e of b.fault?.failValidation ?? [])
      errors.push({ code: e.code, message: e.message, line: e.line ?? null, param: e.param ?? null });
    if (errors.length) {
      b.errors = errors;
      b.status = 'failed';
      b.times.failed_at = this.at(b, b.born + this.timing.validatingMs);
      return;
    }
    b.lines = lines;
    b.model = typeof lines[0]?.body.model === 'string' ? (lines[0].body.model as string) : undefined;
    // Results come back in any order: a fixed shuffle per batch.
    b.order = lines.map((_, i) => i).sort((x, y) => hash(`${b.id}:${x}`) - hash(`${b.id}:${y}`));
  }

  /** Runs the next request through the route a direct call reaches, and writes its result line. */
  private async answer(b: MockBatch, index: number, ctx: RouteContext): Promise<RouteAnswer> {
    const line = b.lines![index]!;
    if (b.fault?.failLines?.includes(index + 1)) {
      const f = b.fault.failWith ?? {
        status: 500,
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        code: null,
      };
      return errorAnswer({ status: f.status, message: f.message, type: f.type, param: null, code: f.code });
    }
    const record: RecordedRequest = {
      method: 'POST',
      path: line.url,
      query: {},
      headers: { 'content-type': 'application/json' },
      json: line.body,
      rawBodyBytes: 0,
      at: Date.now(),
    };
    return ENDPOINTS[line.url]!(record, Buffer.alloc(0), ctx);
  }

  /**
   * Runs the next requests (at most `upTo`, a few at once: the pictures are encoded on libvips'
   * threads) through the route a direct call reaches, and writes their result lines in run order.
   */
  private async run(b: MockBatch, upTo: number, ctx: RouteContext): Promise<void> {
    const indexes = b.order.slice(b.processed, Math.min(upTo, b.processed + RUN_AT_ONCE));
    const answers = await Promise.all(indexes.map((index) => this.answer(b, index, ctx)));
    for (const [k, answer] of answers.entries()) {
      const line = b.lines![indexes[k]!]!;
      const ok = answer.status >= 200 && answer.status < 300;
      const text = `${JSON.stringify({ id: `batch_req_${randomBytes(12).toString('hex')}`, custom_id: line.customId, response: { status_code: answer.status, request_id: `req_${randomBytes(12).toString('hex')}`, body: answer.json }, error: null })}\n`;
      await this.write(b, ok ? 'output' : 'error', text);
      b.processed++;
      if (ok) b.completed++;
      else b.failed++;
    }
  }

  private async write(b: MockBatch, which: 'output' | 'error', text: string): Promise<void> {
    await appendFile(b.files[which], text);
    if (which === 'output') b.files.outputBytes += Buffer.byteLength(text);
    else b.files.errorBytes += Buffer.byteLength(text);
  }

  /** Ends a batch: requests not run go to the error file with `code`, and the result files become Files API files. */
  private async end(
    b: MockBatch,
    status: string,
    code: string,
    message: string,
    ctx: RouteContext,
    atClock: number,
  ): Promise<void> {
    const lines = b.lines ?? [];
    for (let i = b.processed; i < lines.length; i++) {
      const line = lines[b.order[i]!]!;
      await this.write(
        b,
        'error',
        `${JSON.stringify({ id: `batch_req_${randomBytes(12).toString('hex')}`, custom_id: line.customId, response: null, error: { code, message } })}\n`,
      );
      b.failed++;
    }
    b.status = status;
    b.times[`${status}_at`] = this.at(b, atClock);
    if (status === 'cancelled' && b.times.cancelling_at === null)
      b.times.cancelling_at = this.at(b, b.cancelAt ?? atClock);
    for (const which of ['output', 'error'] as const) {
      const size = which === 'output' ? b.files.outputBytes : b.files.errorBytes;
      if (!size) continue;
      const path = b.files[which];
      const fileId = `file-${randomBytes(12).toString('hex')}`;
      ctx.uploads.set(fileId, {
        id: fileId,
        bytes: Buffer.alloc(0),
        disk: { path, size: (await stat(path)).size },
        filename: `${b.id}_${which}.jsonl`,
        purpose: 'batch_output',
        contentType: 'application/jsonl',
        createdAt: this.at(b, atClock),
        seq: nextSeq(),
      });
      if (which === 'output') b.outputFileId = fileId;
      else b.errorFileId = fileId;
    }
  }

  private view(b: MockBatch): Record<string, unknown> {
    const shown = this.realView(b);
    const f = b.fault;
    if (f?.showStatus !== undefined && (f.showTimes === undefined || f.showTimes-- > 0)) shown.status = f.showStatus;
    return { ...shown, ...f?.showFields };
  }

  private realView(b: MockBatch): Record<string, unknown> {
    const total = b.lines?.length ?? 0;
    return {
      id: b.id,
      object: 'batch',
      endpoint: b.endpoint,
      model: b.model ?? null,
      errors: b.errors ? { object: 'list', data: b.errors } : null,
      input_file_id: b.inputFileId,
      completion_window: '24h',
      status: b.status,
      output_file_id: b.outputFileId ?? null,
      error_file_id: b.errorFileId ?? null,
      created_at: b.createdAt,
      in_progress_at: b.times.in_progress_at,
      expires_at: b.createdAt + WINDOW_S,
      finalizing_at: b.times.finalizing_at,
      completed_at: b.times.completed_at,
      failed_at: b.times.failed_at,
      expired_at: b.times.expired_at,
      cancelling_at: b.times.cancelling_at,
      cancelled_at: b.times.cancelled_at,
      request_counts: { total, completed: b.completed, failed: b.failed },
      metadata: b.metadata,
    };
  }
}

/** The route of a Batch API path, or undefined when it is not one. */
export function batchesRoute(path: string): Route | undefined {
  if (path === '/v1/batches') {
    return async (req, _raw, ctx) =>
      req.method === 'POST'
        ? ctx.batches.create(req, ctx)
        : req.method === 'GET'
          ? ctx.batches.list(req, ctx)
          : errorAnswer(bad(null, `Invalid URL (${req.method} ${req.path})`, 404));
  }
  const m = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
  if (!m) return undefined;
  const id = decodeURIComponent(m[1]!);
  return async (req, _raw, ctx) => {
    if (m[2] && req.method === 'POST') return ctx.batches.cancel(id, ctx);
    if (!m[2] && req.method === 'GET') return ctx.batches.retrieve(id, ctx);
    return errorAnswer(bad(null, `Invalid URL (${req.method} ${req.path})`, 404));
  };
}

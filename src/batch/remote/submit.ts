// Creating a part's batch exactly once, and waiting for the batches to end. Before POST /batches
// goes out, the state records that it is about to (with the part's token, sent in the batch's
// metadata); a run that finds a part marked so but without a batch id looks the batch up by that
// token (or its request file) in the recent batches before it creates one. A create that failed
// in a way the server may not have seen (a 5xx, a cut connection) is looked up the same way
// before it is tried again: a retried create could otherwise start, and bill, a second batch.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  cancelBatch,
  createBatch,
  eachBatch,
  hasEnded,
  retrieveBatch,
  BATCH_ENDPOINTS,
  DOCUMENTED,
  WINDOW_S,
  type Batch,
} from '../../api/batches.js';
import { ApiError, answerError } from '../../api/errors.js';
import { retryDelayMs, type Connection } from '../../api/http.js';
import type { Runtime } from '../../runtime.js';
import type { Messenger } from '../../terminal/messenger.js';
import { eraseLine, redrawLine } from '../../terminal/line.js';
import { clock } from '../progress.js';
import type { Part, StateFile } from './state.js';

/** The metadata key of the token; OpenAI allows 16 pairs of at most 64/512 characters. */
export const TOKEN_KEY = 'imgcli_token';

/** How far back the lookup goes: batches made within two days of the newest one listed, at most 1,000. */
const LOOKBACK_S = 2 * 86_400;
const LOOKBACK_MAX = 1000;

/** The batch a create for this part made, found among the recent batches; undefined when there is none. */
export async function findCreated(conn: Connection, part: Part): Promise<Batch | undefined> {
  let newest: number | undefined;
  for await (const batch of eachBatch(conn, {
    max: LOOKBACK_MAX,
    stop: (b) => typeof b.created_at === 'number' && newest !== undefined && b.created_at < newest - LOOKBACK_S,
  })) {
    if (newest === undefined && typeof batch.created_at === 'number') newest = batch.created_at;
    if (
      batch.metadata?.[TOKEN_KEY] === part.token ||
      (part.input_file_id && batch.input_file_id === part.input_file_id)
    )
      return batch;
  }
  return undefined;
}

/** Copies what a batch says into its part; true when the status changed. */
export function note(part: Part, batch: Batch): boolean {
  const changed = part.status !== batch.status;
  part.batch_id = batch.id;
  part.status = batch.status;
  const expires = batch.expires_at ?? (typeof batch.created_at === 'number' ? batch.created_at + WINDOW_S : undefined);
  if (typeof expires === 'number') part.expires_at = expires;
  const c = batch.request_counts;
  if (c)
    part.counts = { total: c.total ?? undefined, completed: c.completed ?? undefined, failed: c.failed ?? undefined };
  if (batch.output_file_id) part.output_file_id = batch.output_file_id;
  if (batch.error_file_id) part.error_file_id = batch.error_file_id;
  const errors = batch.errors?.data;
  if (errors?.length)
    part.errors = errors.map((e) => ({
      code: e.code ?? undefined,
      message: e.message ?? undefined,
      line: e.line ?? undefined,
      param: e.param ?? undefined,
    }));
  return changed;
}

/** Whether a failed create may still have made the batch (the server may have seen it). */
const mayHaveCreated = (err: ApiError) =>
  err.kind === 'timeout' ||
  (err.kind === 'network' && err.maybeReceived) ||
  (err.kind === 'http' && (err.status ?? 0) >= 500);
/** Whether trying the create again could succeed. */
const worthRetrying = (err: ApiError) =>
  err.retryable || err.kind === 'timeout' || (err.kind === 'network' && err.maybeReceived === true);

/** The part's batch: the recorded one, one found by its token, or a new one (created once). */
export async function ensureBatch(
  conn: Connection,
  sf: StateFile,
  part: Part,
  total: number,
  say: Messenger,
): Promise<void> {
  if (part.batch_id) return;
  if (part.create_sent) {
    const found = await findCreated(conn, part);
    if (found) {
      say.info(
        `batch: part ${part.n}: found ${found.id}, created by an earlier run that stopped before it could record it`,
      );
      note(part, found);
      return sf.save();
    }
  }
  const metadata = {
    [TOKEN_KEY]: part.token,
    imgcli_jobs: sf.state.jobs_file.slice(0, 500),
    imgcli_part: `${part.n} of ${total}`,
  };
  for (let attempt = 1; ; attempt++) {
    part.create_sent = true;
    await sf.save();
    try {
      const { batch } = await createBatch(conn, {
        inputFileId: part.input_file_id!,
        endpoint: BATCH_ENDPOINTS[part.endpoint],
        metadata,
      });
      note(part, batch);
      return sf.save();
    } catch (err) {
      if (!(err instanceof ApiError) || conn.signal.aborted) throw err;
      const unsure = mayHaveCreated(err);
      if (!unsure) {
        // Refused (a 4xx): no batch was made, so a later run may create it afresh.
        part.create_sent = false;
        await sf.save();
      }
      if (!worthRetrying(err) || attempt > conn.maxRetries) throw err;
      const delayMs = retryDelayMs(err.headers, attempt);
      say.info(
        `batch: creating part ${part.n} failed (${err.status ?? err.kind}); ${unsure ? 'looking for the batch it may have made' : 'retrying'} in ${(delayMs / 1000).toFixed(1)} s`,
      );
      await sleep(delayMs, undefined, { signal: conn.signal });
      // The server may have made it after all: look before sending the create again.
      const found = unsure ? await findCreated(conn, part) : undefined;
      if (found) {
        note(part, found);
        return sf.save();
      }
    }
  }
}

export interface WaitOptions {
  /** The longest time between two looks at a batch. */
  pollMs: number;
  /** A progress line on a terminal (redrawn); otherwise one line per status change. */
  bar: boolean;
  quiet: boolean;
  say: Messenger;
}

const STEP_START_MS = 500;

/** How long past a batch's window imgcli still waits for it to end (OpenAI may take a while to expire it). */
export const GRACE_S = 3600;

/**
 * Says once per batch and status that a status is not one the Batch API documents, and what
 * imgcli does about it: it keeps waiting, as long as for any batch (see waitForBatches).
 */
function noteUnknown(part: Part, told: Set<string>, say: Messenger): void {
  const status = part.status ?? '';
  if (DOCUMENTED.has(status) || told.has(`${part.batch_id} ${status}`)) return;
  told.add(`${part.batch_id} ${status}`);
  const until =
    part.expires_at === undefined ? '' : ` (until ${new Date((part.expires_at + GRACE_S) * 1000).toISOString()})`;
  say.warn(
    `batch ${part.batch_id} reports the status "${status}", which the Batch API does not document; imgcli keeps waiting for it to end, at most until an hour after its 24-hour window closes${until}, then stops (exit 6) and the same command attaches to it again.`,
  );
}

/** Throws (exit 6) when a part is still not ended an hour past its window: waiting longer would be for ever. */
function checkDeadline(part: Part, nowMs: number): void {
  if (part.expires_at === undefined || nowMs <= (part.expires_at + GRACE_S) * 1000) return;
  throw answerError(
    'batch-never-ended',
    `batch ${part.batch_id} still reports "${part.status}" more than an hour after its 24-hour window closed (${new Date(part.expires_at * 1000).toISOString()}); imgcli stopped waiting for it.`,
  );
}

/**
 * Polls every unended part until all have ended: polls come quickly at first, then every pollMs.
 * Bounded: a part still not ended an hour past its window stops the wait (exit 6), whatever its
 * status; one the API does not document is told once (noteUnknown).
 */
export async function waitForBatches(
  rt: Runtime,
  conn: Connection,
  sf: StateFile,
  parts: Part[],
  opts: WaitOptions,
): Promise<void> {
  const started = performance.now();
  let delay = Math.min(opts.pollMs, STEP_START_MS);
  // Parts are numbered across the whole state (a --resubmit adds parts 3 and 4 to 1 and 2).
  const total = sf.state.parts.length;
  const draw = () => opts.bar && redrawLine(rt.stderr, progressLine(parts, performance.now() - started));
  const clear = () => opts.bar && eraseLine(rt.stderr);
  const timer = opts.bar ? setInterval(draw, 1000) : undefined;
  timer?.unref();
  // The run's clock (pinned by IMGCLI_NOW) moved on by the time waited.
  const now = () => rt.now().getTime() + (performance.now() - started);
  const told = new Set<string>();
  // Where each batch stands now (as the create, or an earlier run, left it); then a line per change.
  if (!opts.bar && !opts.quiet) for (const part of parts) opts.say.info(statusLine(part, total, 0));
  try {
    for (;;) {
      for (const part of parts.filter((p) => !p.status || !hasEnded({ status: p.status }))) {
        const batch = await retrieveBatch(conn, part.batch_id!);
        const changed = note(part, batch);
        if (changed) await sf.save();
        if (changed && !opts.bar && !opts.quiet) opts.say.info(statusLine(part, total, performance.now() - started));
        if (hasEnded(batch)) continue;
        noteUnknown(part, told, opts.say);
        checkDeadline(part, now());
      }
      if (parts.every((p) => p.status && hasEnded({ status: p.status }))) return;
      draw();
      await sleep(delay, undefined, { signal: rt.signal });
      delay = Math.min(opts.pollMs, delay * 2);
    }
  } finally {
    if (timer) clearInterval(timer);
    clear();
  }
}

/** `batch_abc (part 1 of 2, edits, 300 jobs): in_progress, 120 done, 2 failed (0:42 waited)` */
export function statusLine(part: Part, parts: number, elapsedMs: number): string {
  const c = part.counts;
  const counts = c && (c.completed || c.failed) ? `, ${c.completed ?? 0} done, ${c.failed ?? 0} failed` : '';
  const where = parts > 1 ? `part ${part.n} of ${parts}, ` : '';
  const jobs = part.custom_ids.length;
  return `batch ${part.batch_id} (${where}${part.endpoint}, ${jobs} job${jobs === 1 ? '' : 's'}): ${part.status}${counts} (${clock(elapsedMs)} elapsed)`;
}

/** The bar on a terminal: every part's counts together, and the statuses they are in. */
export function progressLine(parts: Part[], elapsedMs: number, width = 20): string {
  const total = parts.reduce((n, p) => n + (p.counts?.total || p.custom_ids.length), 0);
  const done = parts.reduce((n, p) => n + (p.counts?.completed ?? 0), 0);
  const failed = parts.reduce((n, p) => n + (p.counts?.failed ?? 0), 0);
  const filled = total ? Math.min(width, Math.round(((done + failed) / total) * width)) : 0;
  const statuses = [...new Set(parts.map((p) => p.status ?? 'submitting'))].join(', ');
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${statuses}: ${done + failed}/${total}, ${done} done, ${failed} failed, ${clock(elapsedMs)} elapsed`;
}

/** POST /batches/{id}/cancel for each part that has not ended; returns the batches as they answered. */
export async function cancelParts(conn: Connection, parts: Part[]): Promise<Batch[]> {
  const answers: Batch[] = [];
  for (const part of parts) {
    if (!part.batch_id || (part.status && hasEnded({ status: part.status }))) continue;
    answers.push(await cancelBatch(conn, part.batch_id));
  }
  return answers;
}

// `imgcli batch status|cancel|list`: what a target names (a batch id, a jobs file, its state file,
// or the one state file in this folder), the batches behind it as the server sees them now, and
// how they read: one row per batch, and why a batch that OpenAI failed or expired did not finish.
import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { cancelBatch, eachBatch, hasEnded, retrieveBatch, type Batch } from '../../api/batches.js';
export { ENDED } from '../../api/batches.js';
import { ApiError } from '../../api/errors.js';
import type { Connection } from '../../api/http.js';
import { isApiId, type ApiId } from '../../api/ids.js';
import { HintedError, UsageError } from '../../errors.js';
import { isoSeconds } from '../../output/times.js';
import { loadState, OFFLINE, STATE_SUFFIX, statePathFor, type BatchState, type Part } from './state.js';

/** What a status or cancel is about: batch ids given, or the batches of a state file. */
export type Target = { ids: ApiId[] } | { statePath: string; state: BatchState };

/** A batch id as the API writes them (anything else is taken as a jobs or state file). */
const isBatchId = (text: string): text is ApiId => isApiId(text) && text.startsWith('batch_');
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Reads the target: a batch id (batch_...), a jobs file (its state beside it), a state file, or none (this folder's). */
export async function resolveTarget(target: string | undefined, command: string): Promise<Target> {
  if (target !== undefined && isBatchId(target) && !(await exists(target))) return { ids: [target] };
  let statePath: string;
  if (target === undefined) {
    const found = readdirSync('.').filter((n) => n.endsWith(STATE_SUFFIX));
    if (found.length !== 1) {
      throw new UsageError(
        found.length
          ? `this folder has ${found.length} batch state files (${found.join(', ')}); name one`
          : 'no batch state file in this folder',
        `Give a jobs file (imgcli batch ${command} jobs.jsonl) or a batch id (imgcli batch ${command} batch_abc123; \`imgcli batch list\` shows them).`,
      );
    }
    statePath = found[0]!;
  } else statePath = target.endsWith(STATE_SUFFIX) ? target : statePathFor(target);
  const state = await loadState(statePath);
  if (!state) {
    const what = (await exists(target ?? statePath))
      ? `${target} has no remote batch yet (no ${statePath})`
      : `no such jobs file, state file or batch: ${target}`;
    throw new UsageError(
      what,
      `Submit it with \`imgcli batch ${target ?? 'jobs.jsonl'} --remote\`, or give a batch id (\`imgcli batch list\` shows them).`,
    );
  }
  return { statePath, state };
}

/** A 404 for a batch id says where the ids are, not to check --base-url. */
export function notFound(err: unknown, id: string): unknown {
  if (!(err instanceof ApiError) || err.status !== 404) return err;
  return new HintedError(
    err,
    `The server has no batch ${id}: \`imgcli batch list\` shows the batches it has (those of another key, project or server are not there).`,
  );
}

/**
 * A state file's batches are on the server they were submitted to. This command asks the server
 * configured now, never the one the file names: a file in a folder must not decide where the key goes.
 */
function sameServer(conn: Connection, target: { statePath: string; state: BatchState }): void {
  const recorded = target.state.server;
  const server = conn.baseUrl.replace(/\/+$/, '');
  if (recorded === server) return;
  if (recorded === OFFLINE) {
    throw new UsageError(
      `${target.statePath} holds an offline rehearsal: its batches were on the offline server of a --mock run, which ended with it`,
      `Run \`imgcli batch ${target.state.jobs_file} --remote --mock\` to rehearse it again, or submit it for real without --mock.`,
    );
  }
  throw new UsageError(
    `${target.statePath} records batches on ${recorded}, and this command talks to ${server}`,
    `Add --base-url ${recorded} (or the --profile the batches were submitted with).`,
  );
}

export interface Looked {
  batch?: Batch;
  /** Set for a target that is a state file: the part the batch is, and how many jobs it holds. */
  part?: Part;
}

/** The batches of a target as the server sees them now; a part not submitted yet comes back without a batch. */
export async function lookUp(conn: Connection, target: Target): Promise<Looked[]> {
  const get = async (id: ApiId) => {
    try {
      return await retrieveBatch(conn, id);
    } catch (err) {
      throw notFound(err, id);
    }
  };
  if ('ids' in target) return Promise.all(target.ids.map(async (id) => ({ batch: await get(id) })));
  sameServer(conn, target);
  const looked: Looked[] = [];
  for (const part of target.state.parts)
    looked.push({ part, batch: part.batch_id ? await get(part.batch_id) : undefined });
  return looked;
}

/** The server's answer to cancelling a batch that ended meanwhile (OpenAI: "Cannot cancel a batch with status 'completed'"). */
const endedMeanwhile = (err: unknown) =>
  err instanceof ApiError && (err.status === 409 || err.status === 400) && /cannot cancel/i.test(err.detail ?? '');

/** Cancels what has not ended; returns each batch as the cancel left it (ended ones, even just now, as they are). */
export async function cancelAll(conn: Connection, looked: Looked[]): Promise<Looked[]> {
  const out: Looked[] = [];
  // Not retried: a 409 means the batch ended between the look and the cancel.
  const once = { ...conn, maxRetries: 0 };
  for (const l of looked) {
    if (!l.batch || hasEnded(l.batch)) {
      out.push(l);
      continue;
    }
    const id = l.batch.id;
    try {
      out.push({ ...l, batch: await cancelBatch(once, id) });
    } catch (err) {
      if (!endedMeanwhile(err)) throw notFound(err, id);
      out.push({ ...l, batch: await retrieveBatch(conn, id) });
    }
  }
  return out;
}

/** The newest batches of the account, at most `max`. */
export async function recentBatches(conn: Connection, max: number): Promise<Batch[]> {
  const all: Batch[] = [];
  for await (const b of eachBatch(conn, { max })) all.push(b);
  return all;
}

const short = (endpoint: string | null | undefined) => (endpoint ?? '-').replace(/^\/v1\/images\//, '');

/** A batch's row: id, status, endpoint, how many requests are done and failed, when it was made. */
export function batchRow(b: Batch, jobs?: number): string[] {
  const c = b.request_counts;
  const total = c?.total || jobs || 0;
  return [
    b.id,
    b.status,
    short(b.endpoint),
    `${(c?.completed ?? 0) + (c?.failed ?? 0)}/${total}`,
    `${c?.completed ?? 0} done, ${c?.failed ?? 0} failed`,
    isoSeconds(b.created_at),
  ];
}

/** Why a batch ended without doing everything: OpenAI's `errors`, or what expiring and cancelling mean. */
export function whyEnded(b: Batch): string | undefined {
  const errors = (b.errors?.data ?? []).map((e) =>
    `${e.line ? `line ${e.line}: ` : ''}${e.code ? `${e.code}: ` : ''}${e.message ?? ''}`.trim(),
  );
  if (b.status === 'failed')
    return `OpenAI failed it${errors.length ? `: ${errors.join('; ')}` : ' without saying why'}`;
  if (b.status === 'expired')
    return `it expired: the 24-hour window closed with ${(b.request_counts?.total ?? 0) - (b.request_counts?.completed ?? 0) - (b.request_counts?.failed ?? 0)} requests not run${errors.length ? ` (${errors.join('; ')})` : ''}; the results that were done can still be written`;
  if (b.status === 'cancelled') return 'cancelled: the requests done before the cancel keep their results';
  if (b.status === 'cancelling') return 'being cancelled: the requests done before the cancel keep their results';
  return errors.length ? errors.join('; ') : undefined;
}

// src/batch/remote/: batch --remote on OpenAI's Batch API: state file, request files, submit, wait, collect.
//
// Reading an ended batch's results: its output and error files streamed line by line
// (api/batch-output.ts), each image decoded straight to a temp file and saved where its job asked,
// through the same gate as a direct answer (saveImages: complete, stamped with provenance, the
// batch id and custom_id included, written atomically). Each job's result is journaled as soon as
// its files are written, so a download cut or killed half-way goes on where it stopped. Jobs
// without a line (an expired or cancelled batch, a failed one) get a result saying why.
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readResultFile, type ReadLine, type ResultLine } from '../../api/batch-output.js';
import { ApiError, answerError, httpError } from '../../api/errors.js';
import { retrieveFile } from '../../api/files.js';
import type { Connection } from '../../api/http.js';
import type { ApiId } from '../../api/ids.js';
import { parseImagesBody } from '../../api/images.js';
import type { Settings } from '../../config/settings.js';
import { BatchEndedError, HintedError, LocalFileError } from '../../errors.js';
import { fingerprintFor } from '../../pipeline/run.js';
import { atBatchPrice, estimateCost, offlineCost } from '../../models/prices.js';
import { plannedCount, targetPath } from '../../output/naming.js';
import { recoveryDirs } from '../../output/recovery.js';
import { fileEntry, recoveredPath } from '../../output/report.js';
import { saveImages, type SaveContext, type SavedFile } from '../../output/save.js';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { framesOf, sniffImage } from '../../image/format.js';
import { readProvenance } from '../../provenance/index.js';
import { SpillFiles } from '../../output/spill.js';
import { stamper } from '../../provenance/stamp.js';
import type { Runtime } from '../../runtime.js';
import type { Messenger } from '../../terminal/messenger.js';
import type { Prepared } from '../prepare.js';
import type { JobResult, Part, StateFile } from './state.js';

export interface RemoteJob {
  prepared: Prepared;
  customId: string;
}

export interface CollectContext {
  rt: Runtime;
  conn: Connection;
  sf: StateFile;
  settings: Settings;
  jobs: Map<string, RemoteJob>;
  say: Messenger;
  /** Called once per job as its result is recorded (the JSON line on stdout). */
  onResult: (job: RemoteJob, result: JobResult) => void;
  /** Set while an interrupted collection resumes: the files each folder held when it did. */
  listing?: (dir: string) => Promise<string[]>;
}

/** A job's failure as the result keeps it, so a later run can rebuild the error (and its exit code). */
export function failureOf(err: Error): JobResult['failure'] {
  if (err instanceof ApiError)
    return {
      status_code: err.status,
      code: err.code,
      type: err.type,
      ...(err.kind === 'answer' ? { kind: 'answer' as const } : {}),
    };
  if (err instanceof BatchEndedError) return { kind: err.reason };
  if (err instanceof LocalFileError) return { kind: 'local', path: err.path, recovered: err.recovered };
  return undefined;
}

/** The error behind a failed result, for the run's exit code. */
export function errorOf(result: JobResult): Error {
  const f = result.failure ?? {};
  const message = result.error ?? 'failed';
  if (f.kind === 'failed' || f.kind === 'expired' || f.kind === 'cancelled')
    return new BatchEndedError(f.kind, message);
  if (f.kind === 'local') return new LocalFileError(f.path ?? '', undefined, message, f.recovered);
  if (f.kind === 'missing')
    return new HintedError(
      new LocalFileError(f.path ?? '', 'ENOENT', message),
      'Restore the file, or run the same command with --resubmit to make it again (a new request, billed).',
    );
  if (f.kind === 'answer') return answerError('cut-short', message, result.request_id ?? undefined);
  return new ApiError({
    kind: 'http',
    status: f.status_code,
    code: f.code,
    type: f.type,
    message,
    requestId: result.request_id ?? undefined,
  });
}

function failed(part: Part, err: Error, requestId: string | null = null): JobResult {
  const recovered = err instanceof LocalFileError ? recoveredPath(err) : undefined;
  return {
    status: 'failed',
    part: part.n,
    batch_id: part.batch_id!,
    files: [],
    request_id: requestId,
    usage: null,
    cost_usd: null,
    error: err.message,
    failure: failureOf(err),
    ...(recovered ? { recovered_path: recovered } : {}),
  };
}

/** The error of a line that is not a success: the API's own error body, or the batch's error object. */
function lineError(line: ResultLine): Error {
  const r = line.response;
  if (r) {
    const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? {});
    return httpError(r.status_code, body, r.request_id ?? undefined);
  }
  const code = line.error?.code ?? undefined;
  const message = line.error?.message ?? 'the batch gave no result for this request';
  if (code === 'batch_expired')
    return new BatchEndedError('expired', `the batch expired before this request ran (${message})`);
  if (code === 'batch_cancelled')
    return new BatchEndedError('cancelled', `the batch was cancelled before this request ran (${message})`);
  return new ApiError({ kind: 'http', code, message: `The batch answered${code ? ` (${code})` : ''}: ${message}` });
}

/**
 * The files an interrupted run wrote for this job before it could journal them (a kill -9 between
 * the rename and the journal line): found by their provenance, which names this batch and
 * custom_id, among the files that were in the job's folder when the collection resumed (a
 * generated name carries the time of the run that chose it, so it is looked for by its prompt
 * part). All of the answer's images must be there; otherwise they are written (again).
 */
async function writtenBefore(
  job: RemoteJob,
  batchId: string,
  count: number,
  listing: (dir: string) => Promise<string[]>,
): Promise<SavedFile[] | undefined> {
  const { plan, metadata } = job.prepared.job;
  if (plan.kind === 'stdout' || metadata === false) return undefined;
  let candidates: string[];
  if (plan.kind === 'files') candidates = plan.paths.slice(0, count);
  else {
    const prefix = plan.stem.replace(/-\d{8}-\d{6}$/, '-');
    candidates = (await listing(plan.dir))
      .filter((name) => name.startsWith(prefix))
      .map((name) => join(plan.dir, name));
  }
  const files: SavedFile[] = [];
  for (const path of candidates.sort()) {
    const bytes = await readFile(path).catch(() => undefined);
    const record = bytes && readProvenance(bytes);
    const info = bytes && sniffImage(bytes);
    if (!bytes || !info || record?.batch_id !== batchId || record.custom_id !== job.customId) continue;
    files.push({
      index: files.length,
      path,
      bytes: bytes.length,
      width: info.width,
      height: info.height,
      format: info.format,
      ...framesOf(bytes, info.format),
    });
  }
  return files.length === count ? files : undefined;
}

/** The folders made (if missing) once this run. */
const ready = new Set<string>();

async function saveLine(
  ctx: CollectContext,
  job: RemoteJob,
  line: ResultLine,
  sink: SpillFiles,
  part: Part,
): Promise<JobResult> {
  const r = line.response;
  if (!r || r.status_code < 200 || r.status_code >= 300) return failed(part, lineError(line), r?.request_id ?? null);
  const { prepared } = job;
  const requestId = r.request_id ?? undefined;
  const warn = (l: string) => ctx.say.warn(`line ${prepared.raw.line}: ${l}`);
  try {
    const answer = parseImagesBody(r.body, requestId, { warn });
    const plan = prepared.job.plan;
    const dir = plan.kind === 'files' ? dirname(plan.paths[0]!) : plan.kind === 'generated' ? plan.dir : '.';
    // Checked before the batch was paid for; now a folder that went missing is made again, and
    // any other failure to write is the image's (kept in the recovery folder), not the run's.
    if (!ready.has(dir)) {
      await mkdir(dir, { recursive: true }).catch(() => {});
      ready.add(dir);
    }
    const meta = { created: answer.created, usage: answer.usage ?? undefined };
    const { job: j } = prepared;
    const stamp =
      j.record && j.metadata !== false
        ? stamper({
            endpoint: j.endpoint,
            model: j.model.name,
            record: j.record,
            fingerprint: await fingerprintFor(j),
            digests: j.digests,
            outDir: dir,
            meta,
            offline: () => ctx.conn.offline,
            warn,
            now: ctx.rt.now,
            batch: { id: part.batch_id!, customId: job.customId },
          })
        : undefined;
    const save: SaveContext = {
      plan,
      stdout: ctx.rt.stdout,
      signal: ctx.rt.signal,
      timeoutMs: ctx.settings.timeoutMs,
      dispatcher: ctx.conn.dispatcher,
      warn,
      stamp,
      recovery: recoveryDirs(ctx.settings.configPath),
      billed: !ctx.settings.mock,
      rawSvg: j.rawSvg,
      spill: sink,
      requestId,
    };
    const count = Math.min(answer.data?.length ?? 0, plannedCount(plan));
    const before = ctx.listing ? await writtenBefore(job, part.batch_id!, count, ctx.listing) : undefined;
    const saved = before ? { files: before, failed: [] } : await saveImages(answer.data ?? [], save);
    const cost = costOf(ctx.settings, j, answer.usage ?? undefined);
    const problem = saved.failed.length ? saved.failed.map((f) => f.error.message).join('; ') : null;
    const first = saved.failed[0]?.error;
    return {
      status: problem ? (saved.files.length ? 'partial' : 'failed') : 'ok',
      part: part.n,
      batch_id: part.batch_id!,
      files: saved.files.map(fileEntry),
      request_id: requestId ?? null,
      usage: answer.usage ?? null,
      cost_usd: cost?.usd ?? null,
      ...(cost?.offline ? { cost_note: 'offline server (--mock): nothing was billed' } : {}),
      ...(cost?.offline?.at_rates_usd !== undefined ? { at_rates_usd: cost.offline.at_rates_usd } : {}),
      error: problem,
      ...(first ? { failure: failureOf(first) } : {}),
      ...(first && recoveredPath(first) ? { recovered_path: recoveredPath(first) } : {}),
    };
  } catch (err) {
    if (ctx.rt.signal.aborted || !(err instanceof Error) || !(err instanceof ApiError || err instanceof LocalFileError))
      throw err;
    return failed(part, err, requestId ?? null);
  }
}

/** The cost of a batch answer: the direct estimate at the batch price; offline, nothing (the batch price kept aside for --max-cost). */
function costOf(settings: Settings, job: Prepared['job'], usage: Record<string, unknown> | undefined) {
  const direct = estimateCost(job.model, usage, job.json ?? job.edit?.fields);
  const batch = direct && { ...direct, usd: atBatchPrice(direct.usd) };
  return settings.mock ? offlineCost(batch) : batch;
}

/** Where a line's images wait until saved: next to its job's outputs, so the disk that must hold them is the one used. */
const spillDirFor = (job: RemoteJob) => {
  const plan = job.prepared.job.plan;
  return plan.kind === 'stdout' ? tmpdir() : dirname(targetPath(plan, 0, 'png'));
};

/** One part being collected: its jobs, and those given a result by this run. */
interface Collecting {
  part: Part;
  ids: Set<string>;
  handled: Set<string>;
  /** Jobs whose images could not be written where asked (disk full...): read again, for nothing, by the next run. */
  unwritten: number;
}

/** Reads one result file to the end, again from the start (skipping what was saved) when the download is cut. */
async function readFully(ctx: CollectContext, run: Collecting, fileId: ApiId): Promise<void> {
  const { part } = run;
  const spillDirs = [tmpdir(), ...recoveryDirs(ctx.settings.configPath)];
  const results = ctx.sf.state.results;
  let warnedUnknown = false;
  for (let attempt = 1; ; attempt++) {
    const sinks = new Set<SpillFiles>();
    try {
      const expected = (await retrieveFile(ctx.conn, fileId)).bytes ?? undefined;
      const { bytes } = await readResultFile(ctx.conn, fileId, {
        skip: (id) => results[id]?.part === part.n || run.handled.has(id),
        sink: (customId) => {
          const job = customId === undefined ? undefined : ctx.jobs.get(customId);
          const sink = new SpillFiles(job ? [spillDirFor(job), ...spillDirs] : spillDirs);
          sinks.add(sink);
          return sink;
        },
        onLine: async (read: ReadLine, sink) => {
          try {
            await handleLine(ctx, run, read, sink as SpillFiles, () => {
              if (!warnedUnknown)
                ctx.say.warn(
                  `batch ${part.batch_id}: its results name requests that are not jobs of this file (line ${read.lineNo}); they are left out.`,
                );
              warnedUnknown = true;
            });
          } finally {
            await (sink as SpillFiles | undefined)?.cleanup();
            sinks.delete(sink as SpillFiles);
          }
        },
      });
      if (expected !== undefined && bytes < expected)
        throw answerError('download-cut', `The download of ${fileId} ended after ${bytes} of its ${expected} bytes.`);
      return;
    } catch (err) {
      if (
        !(err instanceof ApiError) ||
        ctx.rt.signal.aborted ||
        attempt > ctx.conn.maxRetries ||
        !(err.kind === 'network' || err.kind === 'timeout' || err.problem === 'download-cut')
      )
        throw err;
      ctx.say.info(
        `batch: the download of ${fileId} broke off (${err.message}); reading it again, past the ${Object.values(results).filter((r) => r.part === part.n).length} results already saved`,
      );
    } finally {
      for (const sink of sinks) await sink.cleanup();
    }
  }
}

async function handleLine(
  ctx: CollectContext,
  run: Collecting,
  read: ReadLine,
  sink: SpillFiles | undefined,
  unknown: () => void,
): Promise<void> {
  const { part } = run;
  const customId = read.kind === 'result' ? read.line.custom_id : read.customId;
  const job = customId === undefined ? undefined : ctx.jobs.get(customId);
  if (!job || !run.ids.has(customId!)) {
    if (read.kind === 'broken' && customId === undefined)
      ctx.say.warn(`batch ${part.batch_id}: line ${read.lineNo} of its results cannot be read: ${read.error.message}`);
    else unknown();
    return;
  }
  if (ctx.sf.state.results[customId!]?.part === part.n || run.handled.has(customId!)) return;
  const result = read.kind === 'broken' ? failed(part, read.error) : await saveLine(ctx, job, read.line, sink!, part);
  run.handled.add(customId!);
  // A paid image that could not be written is not a result to keep: the next run writes it from the results again.
  if (result.failure?.kind === 'local') run.unwritten++;
  else await ctx.sf.record(customId!, result);
  ctx.onResult(job, result);
}

/** Why a job of an ended part has no line: what the batch's end says. */
function missingResult(part: Part, lineNo: number): Error {
  if (part.status === 'failed') {
    const errors = part.errors ?? [];
    const mine = errors.filter((e) => e.line === lineNo);
    const why = (mine.length ? mine : errors)
      .map(
        (e) =>
          `${e.code ? `${e.code}: ` : ''}${e.message ?? ''}${e.line && !mine.length ? ` (line ${e.line} of the request file)` : ''}`,
      )
      .join('; ');
    return new BatchEndedError('failed', `OpenAI failed the batch${why ? `: ${why}` : ' without saying why'}`);
  }
  if (part.status === 'expired')
    return new BatchEndedError('expired', 'the batch expired (its 24-hour window closed) before this request ran');
  if (part.status === 'cancelled')
    return new BatchEndedError('cancelled', 'the batch was cancelled before this request ran');
  return answerError('missing-images', `batch ${part.batch_id} ended ${part.status} without a result for this request`);
}

/**
 * Reads a collected part's output file again for jobs whose files were deleted since: their images
 * are written again, for nothing (the answer was paid for when the batch ran), and told as usual.
 * Returns the jobs it could not bring back: the file is no longer on the server, or has no line
 * for them. Their old results are kept, so a later run looks again.
 */
export async function regather(ctx: CollectContext, part: Part, ids: string[]): Promise<string[]> {
  const results = ctx.sf.state.results;
  const kept = new Map(ids.map((id) => [id, results[id]!]));
  for (const id of ids) delete results[id];
  const run: Collecting = { part, ids: new Set(ids), handled: new Set(), unwritten: 0 };
  try {
    if (part.output_file_id) await readFully(ctx, run, part.output_file_id);
  } catch (err) {
    // A 404: the server no longer keeps the file (deleted, or past its retention).
    if (!(err instanceof ApiError && err.status === 404)) {
      for (const [id, result] of kept) results[id] ??= result;
      throw err;
    }
  }
  const lost = ids.filter((id) => !results[id]);
  for (const id of lost) results[id] = kept.get(id)!;
  await ctx.sf.fold();
  return lost;
}

/** Collects an ended part: both result files read whole, every job given a result, then folded into the state. */
export async function collectPart(ctx: CollectContext, part: Part): Promise<void> {
  const results = ctx.sf.state.results;
  // A collection that started before and did not finish may have left images it had no time to journal.
  const listings = new Map<string, Promise<string[]>>();
  const listing = (dir: string) =>
    listings.get(dir) ??
    listings
      .set(
        dir,
        readdir(dir).catch(() => []),
      )
      .get(dir)!;
  if (part.collecting) ctx = { ...ctx, listing };
  else {
    part.collecting = true;
    await ctx.sf.save();
  }
  const run: Collecting = { part, ids: new Set(part.custom_ids), handled: new Set(), unwritten: 0 };
  // Results an interrupted run already saved (its journal) are reported first; their lines are read past.
  for (const id of part.custom_ids) {
    const job = ctx.jobs.get(id);
    if (job && results[id]?.part === part.n) ctx.onResult(job, results[id]!);
  }
  for (const fileId of [part.output_file_id, part.error_file_id]) if (fileId) await readFully(ctx, run, fileId);
  for (const [index, id] of part.custom_ids.entries()) {
    if (results[id]?.part === part.n || run.handled.has(id)) continue;
    const job = ctx.jobs.get(id);
    if (!job) continue;
    const result = failed(part, missingResult(part, index + 1));
    await ctx.sf.record(id, result);
    ctx.onResult(job, result);
  }
  if (run.unwritten) {
    ctx.say.warn(
      `batch ${part.batch_id}: ${run.unwritten} job${run.unwritten === 1 ? '' : 's'} could not be written where asked (see ${run.unwritten === 1 ? 'its line' : 'their lines'}); run the same command again once the destination is fixed: it writes them from the batch's results, paying nothing more.`,
    );
    return ctx.sf.fold();
  }
  part.collected = true;
  delete part.collecting;
  await ctx.sf.fold();
}

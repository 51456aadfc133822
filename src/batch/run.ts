// imgcli batch: every job is first turned into typed flags and built by the same builder as the
// command it names (jobs/build.ts), so a job means exactly what those flags mean typed by hand;
// then the jobs run on one connection with a shared rate governor, a bounded pool, a budget, and
// one JSON line per finished job.
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DEFAULT_THUMB_SIZE, buildGallery, describeGallery, writeGallery } from '../gallery/build.js';
import { VERSION } from '../version.js';
import { dryRunBatch } from './dry-run.js';
import { RateGovernor } from '../api/governor.js';
import type { Settings } from '../config/settings.js';
import { BatchFailedError, UsageError } from '../errors.js';
import { buildJob, type JobContext, type JobFlags } from '../pipeline/build.js';
import { parseParam, type Param } from '../pipeline/params.js';
import {
  executeJob,
  jobParams,
  upToDateResult,
  type ImagesJob,
  type ImagesResult,
  type Connect,
} from '../pipeline/run.js';
import { FlagValueError, fieldByName, readField } from '../models/fields.js';
import { OFFLINE_COST, estimateRequestCost, PRICED_FAMILIES } from '../models/prices.js';
import { fileEntry, recoveredPath } from '../output/report.js';
import {
  appendStepSummary,
  errorAnnotation,
  galleryMarkdown,
  summaryMarkdown,
  type SummaryRow,
} from '../output/summary.js';
import type { Runtime } from '../runtime.js';
import { createMessenger, type Messenger } from '../terminal/messenger.js';
import { JOB_KEYS, badLinesError, type Problem, type RawJob } from './parse.js';
import { runPool, type Outcome } from './pool.js';
import { fitLine, renderProgress, type Tally } from './progress.js';

export interface BatchOptions {
  concurrency: number;
  failFast: boolean;
  maxCostUsd?: number;
  /** The batch command's own flags that are defaults for every job (camelCase names). */
  defaults: Record<string, unknown>;
  settings: Settings;
  say: Messenger;
  /** The connection, opened on first use: a run that sends nothing connects to nothing. */
  connect: Connect;
  color: boolean;
  showProgress: boolean;
  /** --gallery: a page of every image made, written after the run (even when some jobs failed). */
  gallery?: { path: string; title: string };
  /** --dry-run: describe every request (and its estimated cost) instead of sending it. */
  dryRun?: boolean;
}

export interface Prepared {
  raw: RawJob;
  job: ImagesJob;
  settings: Settings;
  /** The job's stderr lines: held while every job is validated, then passed on with its line number. */
  log: JobLog;
}

/** A job's stderr, one line at a time: kept until the run starts, then forwarded. */
class JobLog {
  lines: string[] = [];
  forward?: (line: string) => void;
  write(text: string): void {
    for (const line of text.split('\n')) if (line.trim()) this.forward ? this.forward(line) : this.lines.push(line);
  }
}

const FITS = ['contain', 'cover'];
const asList = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A job's keys as typed flags, read by the same readers as the command line; throws with the key named. */
function typedFlags(
  raw: RawJob,
  defaults: Record<string, unknown>,
): { flags: JobFlags; words?: string[]; images: string[]; model?: string } {
  // A default only reaches the commands that have that option (vary has no --quality).
  const applicable = Object.fromEntries(Object.entries(defaults).filter(([k]) => JOB_KEYS[raw.command].includes(k)));
  const { prompt, image, images, model, ...rest } = { ...applicable, ...raw.flags };
  const flags: JobFlags = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || value === null) continue;
    const field = fieldByName(key);
    if (field) (flags as Record<string, unknown>)[key] = readField(field, value);
    else if (key === 'param') flags.param = readParams(value);
    else if (key === 'fit') {
      if (!FITS.includes(String(value)))
        throw new UsageError(`"fit" is ${JSON.stringify(value)}; use contain or cover`);
      flags.fit = value as JobFlags['fit'];
    } else if (key === 'metadata') flags.metadata = value !== false;
    else if (typeof value !== 'string')
      throw new UsageError(`"${key}" takes text (a path), not ${JSON.stringify(value)}`);
    else (flags as Record<string, unknown>)[key] = value;
  }
  const files = [...asList(image), ...asList(images)].map(String);
  if (raw.command === 'gen')
    return {
      flags,
      words: prompt === undefined ? [] : [String(prompt)],
      images: [],
      model: model as string | undefined,
    };
  if (prompt !== undefined) flags.prompt = String(prompt);
  if (files.length === 0) throw new UsageError(`"images" is missing: an ${raw.command} job needs an image`);
  if (raw.command === 'vary' && files.length > 1)
    throw new UsageError(`a vary job takes one image, not ${files.length}`);
  return { flags, images: files, model: model as string | undefined };
}

/** "param": {"seed": 42} or ["seed=42"]: the same pairs --param makes; object values are sent as given. */
function readParams(value: unknown): Param[] {
  if (Array.isArray(value)) return value.reduce<Param[]>((all, v) => parseParam(String(v), all), []);
  if (value && typeof value === 'object') return Object.entries(value as Record<string, unknown>);
  return parseParam(String(value));
}

/** How batch --remote shapes each job before it is built (batch/remote.ts); the local batch has none. */
export interface JobShaping {
  /** Adjusts the job's typed flags, or returns why it cannot go this way (reported with its line). */
  shape(raw: RawJob, flags: JobFlags, model: string): string | undefined;
  context?: Pick<JobContext, 'deferInputs'>;
}

/** Pass 1: every line through its command's builder; nothing is sent. */
export async function prepare(
  rt: Runtime,
  jobs: RawJob[],
  problems: Problem[],
  opts: Pick<BatchOptions, 'defaults' | 'settings' | 'color'>,
  shaping?: JobShaping,
): Promise<Prepared[]> {
  const prepared: Prepared[] = [];
  const total = jobs.length + problems.length;
  const outputs = new Map<string, { line: number; path: string }>();
  for (const raw of jobs) {
    const log = new JobLog();
    try {
      if (raw.flags.out === '-') throw new UsageError('"out": "-" would mix image bytes into the JSON lines on stdout');
      const { flags, words, images, model } = typedFlags(raw, opts.defaults);
      const refused = shaping?.shape(raw, flags, model ?? opts.settings.model);
      if (refused) {
        problems.push({ line: raw.line, message: refused });
        continue;
      }
      // A job with a fixed output is resumable: an up-to-date file is not made again.
      if (typeof flags.out === 'string' && !flags.out.endsWith('/') && flags.metadata !== false) flags.ifChanged = true;
      const settings: Settings = { ...opts.settings, model: model ?? opts.settings.model, quiet: true };
      const say = await createMessenger(log, { quiet: true, verbose: settings.verbose, color: opts.color });
      const job = await buildJob(
        { command: raw.command, words, images, flags },
        { rt, settings, say, stdin: false, ...shaping?.context },
      );
      const plan = job.plan;
      for (const path of plan.kind === 'files' ? plan.paths : []) {
        // Compared by where they land: a.png, ./a.png, sub/../a.png and /abs/a.png are one file.
        const key = landingKey(path);
        const other = outputs.get(key);
        if (other)
          throw new UsageError(
            `${path} is also written by line ${other.line}${other.path !== path ? ` (as ${other.path})` : ''}`,
          );
        outputs.set(key, { line: raw.line, path });
      }
      prepared.push({ raw, job, settings, log });
    } catch (err) {
      if (rt.signal.aborted) throw err;
      if (!(err instanceof UsageError) && !(err instanceof FlagValueError)) throw err;
      problems.push({ line: raw.line, message: err.message });
    }
  }
  if (problems.length) throw badLinesError(problems, total);
  return prepared;
}

/**
 * Where a path lands, for comparing outputs: absolute, normalised, through the links of the
 * folders that exist, and in one case on file systems that ignore case (macOS, Windows).
 */
export function landingKey(path: string, platform = process.platform): string {
  const full = resolve(path);
  let dir = dirname(full);
  let rest = basename(full);
  // The nearest folder that exists, resolved through its links; the rest as written.
  for (;;) {
    try {
      const real = join(realpathSync(dir), rest);
      return platform === 'darwin' || platform === 'win32' ? real.toLowerCase() : real;
    } catch {
      if (dirname(dir) === dir) return full;
      rest = join(basename(dir), rest);
      dir = dirname(dir);
    }
  }
}

function resultLine(raw: RawJob, outcome: Outcome<ImagesResult>): Record<string, unknown> {
  const base = { line: raw.line, command: raw.command };
  const none = { files: [], request_id: null, usage: null, cost_usd: null };
  if (outcome.kind === 'skipped') return { ...base, status: 'skipped', ...none, error: outcome.reason };
  if (outcome.kind === 'failed') {
    const recovered = recoveredPath(outcome.error);
    return {
      ...base,
      status: 'failed',
      ...none,
      request_id: (outcome.error as { requestId?: string }).requestId ?? null,
      error: outcome.error.message,
      ...(recovered ? { recovered_path: recovered } : {}),
    };
  }
  const r = outcome.value;
  const failed = r.failed.length ? r.failed.map((f) => f.error.message).join('; ') : null;
  return {
    ...base,
    status: r.upToDate ? 'up-to-date' : failed ? (r.files.length ? 'partial' : 'failed') : 'ok',
    files: r.files.map(fileEntry),
    request_id: r.requestId ?? null,
    usage: r.usage ?? null,
    cost_usd: r.cost?.usd ?? null,
    ...(r.cost?.offline ? { cost_note: 'offline server (--mock): nothing was billed' } : {}),
    error: failed,
  };
}

/** Pass 2: run the prepared jobs; resolves when all are done, throws BatchFailedError when any failed. */
export async function runBatch(
  rt: Runtime,
  parsed: { jobs: RawJob[]; problems: Problem[] },
  opts: BatchOptions,
): Promise<void> {
  const prepared = await prepare(rt, parsed.jobs, [...parsed.problems], opts);
  if (opts.maxCostUsd !== undefined) {
    const unpriced = prepared.filter((p) => estimateRequestCost(p.job.model, {}) === undefined);
    if (unpriced.length) {
      const lines = unpriced.map((p) => `line ${p.raw.line} (${p.job.model.name})`).join(', ');
      throw new UsageError(
        `--max-cost cannot be kept: imgcli knows no price for ${lines}; nothing was sent`,
        `Drop --max-cost, or use models with a known rate (${PRICED_FAMILIES.join(', ')}).`,
      );
    }
  }
  // What validation said (a model not in the table, a retiring one) is said once, not per job.
  for (const note of new Set(prepared.flatMap((p) => p.log.lines))) opts.say.info(note);
  if (opts.dryRun) {
    return dryRunBatch(rt, prepared, opts);
  }
  const conn = await opts.connect();
  conn.governor = new RateGovernor(opts.concurrency);
  const tally: Tally = { total: prepared.length, done: 0, failed: 0, skipped: 0, running: 0 };
  const started = performance.now();
  const drawBar = () =>
    opts.showProgress &&
    rt.stderr.write(`\r\x1b[K${fitLine(renderProgress(tally, performance.now() - started), rt.stderr.columns)}`);
  const clearBar = () => opts.showProgress && rt.stderr.write('\r\x1b[K');
  const errors: Error[] = [];
  const rows: SummaryRow[] = [];
  const made: Array<{ line: number; paths: string[] }> = [];
  const offline = opts.settings.mock;
  let spent = 0;
  let reserved = 0;
  let upToDate = 0;
  const estimates = new Map<Prepared, number>();
  const timer = opts.showProgress ? setInterval(drawBar, 500) : undefined;
  timer?.unref();
  try {
    await runPool(prepared, {
      concurrency: opts.concurrency,
      signal: rt.signal,
      skipReason: (p) => {
        if (opts.failFast && errors.length) return 'not started: an earlier job failed (--fail-fast)';
        if (opts.maxCostUsd === undefined) return undefined;
        const estimate = estimateRequestCost(p.job.model, jobParams(p.job)) ?? 0;
        if (spent + reserved + estimate > opts.maxCostUsd) {
          const so = offline
            ? `about $${spent.toFixed(4)} at the real rates so far; ${OFFLINE_COST}`
            : `spent about $${spent.toFixed(4)}`;
          return `not started: it would pass --max-cost ${opts.maxCostUsd} (${so})`;
        }
        estimates.set(p, estimate);
        reserved += estimate;
        return undefined;
      },
      onStart: () => {
        tally.running++;
        drawBar();
      },
      run: async (p) => {
        p.log.forward = (line) => {
          clearBar();
          rt.stderr.write(`line ${p.raw.line}: ${line}\n`);
          drawBar();
        };
        const say = await createMessenger(p.log, { quiet: true, verbose: p.settings.verbose, color: opts.color });
        return (await upToDateResult(p.job, say)) ?? (await executeJob(rt, p.settings, conn, p.job, say));
      },
      onDone: (p, outcome) => {
        if (outcome.kind !== 'skipped') tally.running--;
        reserved -= estimates.get(p) ?? 0;
        const line = resultLine(p.raw, outcome);
        // Offline, the budget counts what the real rates would have made of the answers: a rehearsal.
        if (outcome.kind === 'ok') spent += outcome.value.cost?.offline?.at_rates_usd ?? outcome.value.cost?.usd ?? 0;
        const failure =
          outcome.kind === 'failed'
            ? outcome.error
            : outcome.kind === 'ok' && outcome.value.failed.length
              ? outcome.value.failed[0]!.error
              : undefined;
        if (failure) errors.push(failure);
        if (outcome.kind === 'skipped') tally.skipped++;
        else if (failure) tally.failed++;
        else tally.done++;
        if (outcome.kind === 'ok' && outcome.value.upToDate) upToDate++;
        if (outcome.kind === 'ok') made.push({ line: p.raw.line, paths: outcome.value.files.map((f) => f.path) });
        clearBar();
        rt.stdout.write(`${JSON.stringify(line)}\n`);
        if (failure && rt.env.GITHUB_ACTIONS === 'true')
          rt.stderr.write(errorAnnotation(`line ${p.raw.line}: ${failure.message}`));
        rows.push(...summaryRows(p, line));
        drawBar();
      },
    });
  } finally {
    if (timer) clearInterval(timer);
    clearBar();
  }
  const gallery = opts.gallery && (await writeBatchGallery(rt, opts.gallery, made, opts.say));
  const galleryLine =
    gallery && !(gallery instanceof Error) ? galleryMarkdown(opts.gallery!.path, gallery.images, rt.env) : '';
  appendStepSummary(
    rt.env,
    summaryMarkdown(
      'imgcli batch',
      rows.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
      offline ? 'offline server (--mock): nothing was billed.' : undefined,
    ) + galleryLine,
  );
  const ok = tally.done;
  const fresh = upToDate ? ` (${upToDate} already up to date)` : '';
  const cost = offline ? OFFLINE_COST : `about $${spent.toFixed(4)} spent`;
  opts.say.info(
    `batch: ${ok} of ${tally.total} jobs done${fresh}, ${tally.failed} failed, ${tally.skipped} not started in ${((performance.now() - started) / 1000).toFixed(1)} s; ${cost}`,
  );
  if (tally.failed || tally.skipped) {
    if (gallery instanceof Error) opts.say.warn(gallery.message);
    throw new BatchFailedError(ok, tally.total, errors);
  }
  if (gallery instanceof Error) throw gallery;
}

/** --gallery: the images made, in job order; an Error (reported after the run's own outcome) when it cannot be written. */
export async function writeBatchGallery(
  rt: Runtime,
  target: { path: string; title: string },
  made: Array<{ line: number; paths: string[] }>,
  say: Messenger,
): Promise<{ images: number } | Error | undefined> {
  if (rt.signal.aborted) return undefined;
  const paths = made.sort((a, b) => a.line - b.line).flatMap((m) => m.paths);
  try {
    const page = await buildGallery(
      paths.map((path) => ({ path, explicit: false })),
      {
        out: target.path,
        title: target.title,
        thumbSize: DEFAULT_THUMB_SIZE,
        now: rt.now(),
        tool: `imgcli ${VERSION}`,
        signal: rt.signal,
      },
    );
    const bytes = await writeGallery(page, target.path, rt.signal);
    say.info(`gallery: ${target.path}: ${describeGallery(page, bytes)}`);
    return { images: page.items.length };
  } catch (err) {
    if (rt.signal.aborted || !(err instanceof Error)) throw err;
    return err;
  }
}

export function summaryRows(p: Prepared, line: Record<string, unknown>): SummaryRow[] {
  const files = (line.files as Array<{ path: string; width?: number; height?: number }>) ?? [];
  const model = p.job.model.name;
  const status = String(line.status) + (line.error ? `: ${String(line.error)}` : '');
  const cost =
    typeof line.cost_usd === 'number' && !line.cost_note && files.length ? line.cost_usd / files.length : undefined;
  if (!files.length) return [{ line: p.raw.line, path: `line ${p.raw.line}`, model, size: '', status }];
  return files.map((f) => ({
    line: p.raw.line,
    path: f.path,
    model,
    size: f.width && f.height ? `${f.width}x${f.height}` : '',
    costUsd: cost,
    status,
  }));
}

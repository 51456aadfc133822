// The local batch: every job prepared first (prepare.ts: typed flags, built by the same builder as
// the command it names), then run on one connection with a shared rate governor, a bounded pool and
// a budget, each finished job told through the batch's report (report.ts).
import { RateGovernor } from '../api/governor.js';
import { OFFLINE_COST, estimateRequestCost } from '../models/prices.js';
import { fileEntry, recoveredPath } from '../output/report.js';
import { executeJob, jobParams, upToDateResult, type Connect, type ImagesResult } from '../pipeline/run.js';
import type { Runtime } from '../runtime.js';
import { createMessenger, type Messenger } from '../terminal/messenger.js';
import { dryRunBatch } from './dry-run.js';
import type { Problem, RawJob } from './parse.js';
import { runPool, type Outcome } from './pool.js';
import { prepare, type PrepareOptions, type Prepared } from './prepare.js';
import { ProgressBar } from './progress.js';
import { BatchReport, NO_ANSWER, checkPriced } from './report.js';

export interface BatchOptions extends PrepareOptions {
  concurrency: number;
  failFast: boolean;
  maxCostUsd?: number;
  say: Messenger;
  /** The connection, opened on first use: a run that sends nothing connects to nothing. */
  connect: Connect;
  showProgress: boolean;
  /** --gallery: a page of every image made, written after the run (even when some jobs failed). */
  gallery?: { path: string; title: string };
  /** --dry-run: describe every request (and its estimated cost) instead of sending it. */
  dryRun?: boolean;
}

function resultLine(raw: RawJob, outcome: Outcome<ImagesResult>): Record<string, unknown> {
  const base = { line: raw.line, command: raw.command };
  if (outcome.kind === 'skipped') return { ...base, status: 'skipped', ...NO_ANSWER, error: outcome.reason };
  if (outcome.kind === 'failed') {
    const recovered = recoveredPath(outcome.error);
    return {
      ...base,
      status: 'failed',
      ...NO_ANSWER,
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
    ...(r.serverNotes?.length ? { server_notes: r.serverNotes } : {}),
    error: failed,
  };
}

/**
 * --max-cost while jobs run: a job starts only if what was spent, what the running jobs are
 * expected to cost and its own estimate stay within the budget. Offline, the answers count at the
 * real rates: a rehearsal.
 */
class Budget {
  spent = 0;
  #reserved = 0;
  readonly #estimates = new Map<Prepared, number>();

  constructor(
    private readonly maxUsd: number | undefined,
    private readonly offline: boolean,
  ) {}

  /** Why the job may not start, or undefined (its estimate then held until it ends). */
  refuse(p: Prepared): string | undefined {
    if (this.maxUsd === undefined) return undefined;
    const estimate = estimateRequestCost(p.job.model, jobParams(p.job)) ?? 0;
    if (this.spent + this.#reserved + estimate > this.maxUsd) {
      const so = this.offline
        ? `about $${this.spent.toFixed(4)} at the real rates so far; ${OFFLINE_COST}`
        : `spent about $${this.spent.toFixed(4)}`;
      return `not started: it would pass --max-cost ${this.maxUsd} (${so})`;
    }
    this.#estimates.set(p, estimate);
    this.#reserved += estimate;
    return undefined;
  }

  settle(p: Prepared, outcome: Outcome<ImagesResult>): void {
    this.#reserved -= this.#estimates.get(p) ?? 0;
    if (outcome.kind === 'ok') this.spent += outcome.value.cost?.offline?.at_rates_usd ?? outcome.value.cost?.usd ?? 0;
  }
}

/** The first error of a job's outcome: its own, or its first image's that failed. */
function failureOf(outcome: Outcome<ImagesResult>): Error | undefined {
  if (outcome.kind === 'failed') return outcome.error;
  return outcome.kind === 'ok' ? outcome.value.failed[0]?.error : undefined;
}

/** A promise and the function that resolves it (Promise.withResolvers, which Node 20 lacks). */
function settled(): { promise: Promise<boolean>; resolve: (ok: boolean) => void } {
  let resolve!: (ok: boolean) => void;
  const promise = new Promise<boolean>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const SILENT: Messenger = { info() {}, warn() {}, verbose() {} };

/** Whether every job whose output `p` reads has it already up to date (nothing touched). */
export async function producersFresh(p: Prepared): Promise<boolean> {
  for (const producer of p.after)
    if (producer.job.provisional || !(await upToDateResult(producer.job, SILENT, { touch: false }))) return false;
  return true;
}

/** Pass 2: run the prepared jobs; resolves when all are done, throws BatchFailedError when any failed. */
export async function runBatch(
  rt: Runtime,
  parsed: { jobs: RawJob[]; problems: Problem[] },
  opts: BatchOptions,
): Promise<void> {
  const prepared = await prepare(rt, parsed.jobs, [...parsed.problems], opts);
  checkPriced(prepared, opts.maxCostUsd);
  // What validation said (a model not in the table, a retiring one) is said once, not per job.
  for (const note of new Set(prepared.flatMap((p) => p.log.lines))) opts.say.info(note);
  if (opts.dryRun) {
    // A job that reads another's output is described in full when that output is already final.
    for (const p of prepared) if (p.rebuild && (await producersFresh(p))) p.job = await p.rebuild();
    return dryRunBatch(rt, prepared, opts);
  }
  // Opened when the first job must be sent: a batch whose every output is up to date needs no
  // connection, and so no key (a fork's pull request in CI has none).
  let opened: ReturnType<Connect> | undefined;
  const connection = () =>
    (opened ??= opts.connect().then((conn) => {
      conn.governor = new RateGovernor(opts.concurrency);
      return conn;
    }));
  const started = performance.now();
  const bar = new ProgressBar(rt.stderr, prepared.length, opts.showProgress);
  const { tally } = bar;
  const report = new BatchReport(rt);
  const offline = opts.settings.mock;
  const budget = new Budget(opts.maxCostUsd, offline);
  let upToDate = 0;
  // Each job's end, for the jobs that read its outputs (chain.ts): true when it made them all.
  const ended = new Map(prepared.map((p) => [p, settled()]));
  try {
    await runPool(prepared, {
      concurrency: opts.concurrency,
      signal: rt.signal,
      waitFor: async (p) => {
        for (const producer of p.after)
          if (!(await ended.get(producer)!.promise))
            return `not started: line ${producer.raw.line}, whose output it reads, did not succeed`;
        return undefined;
      },
      skipReason: (p) =>
        opts.failFast && tally.failed ? 'not started: an earlier job failed (--fail-fast)' : budget.refuse(p),
      onStart: () => {
        tally.running++;
        bar.draw();
      },
      run: async (p) => {
        p.log.forward = (line) => bar.above(`line ${p.raw.line}: ${line}\n`);
        // Unpainted: a job's lines are printed again, after its line number, by the run's own messenger.
        const say = await createMessenger(p.log, { quiet: true, verbose: p.settings.verbose, color: false });
        // Its inputs are now the finished outputs of the jobs before it: built for real.
        if (p.rebuild) p.job = await p.rebuild();
        return (await upToDateResult(p.job, say)) ?? (await executeJob(rt, p.settings, await connection(), p.job, say));
      },
      onDone: (p, outcome) => {
        budget.settle(p, outcome);
        const failure = failureOf(outcome);
        if (outcome.kind !== 'skipped') tally.running--;
        if (outcome.kind === 'skipped') tally.skipped++;
        else if (failure) tally.failed++;
        else tally.done++;
        if (outcome.kind === 'ok' && outcome.value.upToDate) upToDate++;
        ended.get(p)!.resolve(outcome.kind === 'ok' && !failure);
        bar.clear();
        report.job(p, resultLine(p.raw, outcome), failure);
        bar.draw();
      },
    });
  } finally {
    bar.stop();
  }
  const fresh = upToDate ? ` (${upToDate} already up to date)` : '';
  const cost = offline ? OFFLINE_COST : `about $${budget.spent.toFixed(4)} spent`;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  await report.finish(prepared.length, {
    title: 'imgcli batch',
    summary: (n) =>
      `${n.ok} of ${n.total} jobs done${fresh}, ${n.failed} failed, ${n.skipped} not started in ${seconds} s; ${cost}`,
    offline,
    gallery: opts.gallery,
    say: opts.say,
  });
}

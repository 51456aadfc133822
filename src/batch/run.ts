// imgcli batch: validate every job first (each one parsed by the real gen/edit/vary command),
// then run them on one connection with a shared rate governor, a bounded pool, a budget, and
// one JSON line per finished job.
import { Readable, Writable } from 'node:stream';
import { RateGovernor } from '../api/governor.js';
import { openConnection } from '../jobs/connect.js';
import type { Settings } from '../config/settings.js';
import { BatchFailedError, UsageError } from '../errors.js';
import type { CollectedJob, Messenger, Runtime } from '../terminal/io.js';
import { estimateRequestCost, PRICED_FAMILIES } from '../models/prices.js';
import { executeJob, upToDateResult, type ImagesResult } from '../jobs/run.js';
import { fileEntry } from '../output/files.js';
import { jobArgv } from './argv.js';
import { badLinesError, type Problem, type RawJob } from './parse.js';
import { runPool, type Outcome } from './pool.js';
import { renderProgress, type Tally } from './progress.js';
import { appendStepSummary, errorAnnotation, summaryMarkdown, type SummaryRow } from '../output/summary.js';

export interface BatchOptions {
  concurrency: number;
  failFast: boolean;
  maxCostUsd?: number;
  /** Global flags as argv, passed to every job's command line. */
  globalArgv: string[];
  /** Command-line flags that are defaults for every job. */
  defaults: Record<string, unknown>;
  settings: Settings;
  say: Messenger;
  showProgress: boolean;
  buildProgram: (rt: Runtime) => { parseAsync(argv: string[]): Promise<unknown> };
}

interface Prepared {
  raw: RawJob;
  collected: CollectedJob;
  log: JobLog;
}

/** A job's stderr: held during validation, then passed on with the job's line number. */
class JobLog extends Writable {
  lines: string[] = [];
  forward?: (line: string) => void;
  private rest = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    const text = this.rest + chunk.toString('utf8');
    const parts = text.split('\n');
    this.rest = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) (this.forward ? this.forward(line) : this.lines.push(line));
    done();
  }
}

const emptyStdin = () => Object.assign(Readable.from([]), { isTTY: false }) as unknown as NodeJS.ReadStream;
const sink = () => new Writable({ write: (_c, _e, done) => done() }) as unknown as NodeJS.WriteStream;

/** Pass 1: every line through its command's own parsing and validation; nothing is sent. */
async function prepare(rt: Runtime, jobs: RawJob[], problems: Problem[], opts: BatchOptions): Promise<Prepared[]> {
  const prepared: Prepared[] = [];
  const total = jobs.length + problems.length;
  const outputs = new Map<string, number>();
  for (const raw of jobs) {
    const log = new JobLog();
    let collected: CollectedJob | undefined;
    const jobRt: Runtime = { ...rt, stdin: emptyStdin(), stdout: sink(), stderr: log as unknown as NodeJS.WriteStream, collectJob: (c) => (collected = c) };
    try {
      if (raw.flags.out === '-') throw new UsageError('"out": "-" would mix image bytes into the JSON lines on stdout');
      const out = typeof raw.flags.out === 'string' ? raw.flags.out : undefined;
      // A job with a fixed output is resumable: an up-to-date file is not made again.
      const resume = out && !out.endsWith('/') && raw.flags.metadata !== false ? ['--if-changed'] : [];
      const argv = jobArgv(raw, opts.defaults);
      await opts.buildProgram(jobRt).parseAsync(['node', 'imgcli', ...opts.globalArgv, '--quiet', argv[0]!, ...resume, ...argv.slice(1)]);
      if (!collected) throw new UsageError('the job did not produce a request');
      const plan = collected.job.plan;
      for (const path of plan.kind === 'files' ? plan.paths : []) {
        const other = outputs.get(path);
        if (other) throw new UsageError(`${path} is also written by line ${other}`);
        outputs.set(path, raw.line);
      }
      prepared.push({ raw, collected, log });
    } catch (err) {
      const message = (err as Error).message.replace(/^error: /, '');
      // commander names the positional argument; a job names the key.
      problems.push({ line: raw.line, message: /missing required argument 'image/.test(message) ? `"images" is missing: an ${raw.command} job needs an image` : message });
    }
  }
  if (problems.length) throw badLinesError(problems, total);
  return prepared;
}

function resultLine(raw: RawJob, outcome: Outcome<ImagesResult>): Record<string, unknown> {
  const base = { line: raw.line, command: raw.command };
  const none = { files: [], request_id: null, usage: null, cost_usd: null };
  if (outcome.kind === 'skipped') return { ...base, status: 'skipped', ...none, error: outcome.reason };
  if (outcome.kind === 'failed') return { ...base, status: 'failed', ...none, request_id: (outcome.error as { requestId?: string }).requestId ?? null, error: outcome.error.message };
  const r = outcome.value;
  const failed = r.failed.length ? r.failed.map((f) => f.error.message).join('; ') : null;
  return {
    ...base,
    status: r.upToDate ? 'up-to-date' : failed ? (r.files.length ? 'partial' : 'failed') : 'ok',
    files: r.files.map(fileEntry),
    request_id: r.requestId ?? null,
    usage: r.usage ?? null,
    cost_usd: r.cost?.usd ?? null,
    error: failed,
  };
}

/** Pass 2: run the prepared jobs; resolves when all are done, throws BatchFailedError when any failed. */
export async function runBatch(rt: Runtime, parsed: { jobs: RawJob[]; problems: Problem[] }, opts: BatchOptions): Promise<void> {
  const prepared = await prepare(rt, parsed.jobs, [...parsed.problems], opts);
  if (opts.maxCostUsd !== undefined) {
    const unpriced = prepared.filter((p) => estimateRequestCost(p.collected.job.model, {}) === undefined);
    if (unpriced.length) {
      const lines = unpriced.map((p) => `line ${p.raw.line} (${p.collected.job.model.name})`).join(', ');
      throw new UsageError(`--max-cost cannot be kept: imgcli knows no price for ${lines}; nothing was sent`, `Drop --max-cost, or use models with a known rate (${PRICED_FAMILIES.join(', ')}).`);
    }
  }
  for (const note of new Set(prepared.flatMap((p) => p.log.lines))) opts.say.info(note);
  const { conn, close } = await openConnection(rt, opts.settings, opts.say);
  conn.governor = new RateGovernor(opts.concurrency);
  const tally: Tally = { total: prepared.length, done: 0, failed: 0, skipped: 0, running: 0 };
  const started = Date.now();
  const drawBar = () => opts.showProgress && rt.stderr.write(`\r\x1b[K${renderProgress(tally, Date.now() - started)}`);
  const clearBar = () => opts.showProgress && rt.stderr.write('\r\x1b[K');
  const errors: Error[] = [];
  const rows: SummaryRow[] = [];
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
        const { job } = p.collected;
        const estimate = estimateRequestCost(job.model, { ...(job.json ?? {}), ...(job.record?.params ?? {}) }) ?? 0;
        if (spent + reserved + estimate > opts.maxCostUsd) return `not started: it would pass --max-cost ${opts.maxCostUsd} (spent about $${spent.toFixed(4)})`;
        estimates.set(p, estimate);
        reserved += estimate;
        return undefined;
      },
      onStart: () => {
        tally.running++;
        drawBar();
      },
      run: async (p) => {
        const { job, settings, say } = p.collected;
        p.log.forward = (line) => {
          clearBar();
          rt.stderr.write(`line ${p.raw.line}: ${line}\n`);
          drawBar();
        };
        const jobRt: Runtime = { ...rt, stdin: emptyStdin(), stderr: p.log as unknown as NodeJS.WriteStream };
        return (await upToDateResult(job, say)) ?? (await executeJob(jobRt, settings, conn, job, say));
      },
      onDone: (p, outcome) => {
        if (outcome.kind !== 'skipped') tally.running--;
        reserved -= estimates.get(p) ?? 0;
        const line = resultLine(p.raw, outcome);
        if (outcome.kind === 'ok') spent += outcome.value.cost?.usd ?? 0;
        const failure = outcome.kind === 'failed' ? outcome.error : outcome.kind === 'ok' && outcome.value.failed.length ? outcome.value.failed[0]!.error : undefined;
        if (failure) errors.push(failure);
        if (outcome.kind === 'skipped') tally.skipped++;
        else if (failure) tally.failed++;
        else tally.done++;
        if (outcome.kind === 'ok' && outcome.value.upToDate) upToDate++;
        clearBar();
        rt.stdout.write(`${JSON.stringify(line)}\n`);
        if (failure && rt.env.GITHUB_ACTIONS === 'true') rt.stderr.write(errorAnnotation(`line ${p.raw.line}: ${failure.message}`));
        rows.push(...summaryRows(p, line));
        drawBar();
      },
    });
  } finally {
    if (timer) clearInterval(timer);
    clearBar();
    await close();
  }
  appendStepSummary(rt.env, summaryMarkdown('imgcli batch', rows.sort((a, b) => (a.line ?? 0) - (b.line ?? 0))));
  const ok = tally.done;
  const fresh = upToDate ? ` (${upToDate} already up to date)` : '';
  opts.say.info(`batch: ${ok} of ${tally.total} jobs done${fresh}, ${tally.failed} failed, ${tally.skipped} not started in ${((Date.now() - started) / 1000).toFixed(1)} s; about $${spent.toFixed(4)} spent`);
  if (tally.failed || tally.skipped) throw new BatchFailedError(ok, tally.total, errors);
}

function summaryRows(p: Prepared, line: Record<string, unknown>): SummaryRow[] {
  const files = (line.files as Array<{ path: string; width?: number; height?: number }>) ?? [];
  const model = p.collected.job.model.name;
  const status = String(line.status) + (line.error ? `: ${String(line.error)}` : '');
  const cost = typeof line.cost_usd === 'number' && files.length ? line.cost_usd / files.length : undefined;
  if (!files.length) return [{ line: p.raw.line, path: `line ${p.raw.line}`, model, size: '', status }];
  return files.map((f) => ({ line: p.raw.line, path: f.path, model, size: f.width && f.height ? `${f.width}x${f.height}` : '', costUsd: cost, status }));
}

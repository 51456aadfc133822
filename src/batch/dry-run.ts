// src/batch/: many jobs from a JSONL file, prepared, run here or on the Batch API (remote/), told in one report.
//
// `imgcli batch --dry-run`: every job is validated as for a real run, then described instead of
// sent: one JSON line per job on stdout (the request as `gen --dry-run --json` shows it, with its
// estimated cost), and the total on stderr. Jobs whose fixed output is up to date are listed as
// such: a real run would skip them. An output folder a real run could not write in is refused,
// as the real run refuses each job that would write there.
import { closeDispatchers } from '../api/http.js';
import type { Settings } from '../config/settings.js';
import { dryRunConnection, estimateRequest, previewDocument, previewRequest } from '../pipeline/dry-run.js';
import { jobParams, requestSpec, upToDateResult, type ImageJob } from '../pipeline/run.js';
import { OFFLINE_COST, PRICES_CHECKED } from '../models/prices.js';
import { folderProblem, planFolders } from '../output/disk.js';
import { fileEntry } from '../output/report.js';
import type { Runtime } from '../runtime.js';
import type { Messenger } from '../terminal/messenger.js';
import { orList } from '../suggest.js';
import { badLinesError, type Problem, type RawJob } from './parse.js';

export interface DryRunJob {
  raw: RawJob;
  job: ImageJob;
  settings: Settings;
  /** The jobs whose outputs it reads: while they are not done, its request cannot be built. */
  after?: Array<{ raw: RawJob }>;
}

const SILENT: Messenger = { info() {}, warn() {}, verbose() {} };

/**
 * Refuses (exit 2, nothing printed on stdout) the jobs whose output folder a real run could not
 * write in: a real run fails each of them before it sends anything. Nothing is created.
 */
export async function refuseBadFolders(jobs: Array<{ raw: RawJob; job: ImageJob }>): Promise<void> {
  const seen = new Map<string, string | undefined>();
  const problems: Problem[] = [];
  for (const { raw, job } of jobs) {
    for (const dir of planFolders(job.plan)) {
      if (!seen.has(dir)) seen.set(dir, await folderProblem(dir));
      const problem = seen.get(dir);
      if (problem) problems.push({ line: raw.line, message: problem });
    }
  }
  if (problems.length) throw badLinesError(problems, jobs.length);
}

export async function dryRunBatch(
  rt: Runtime,
  jobs: DryRunJob[],
  opts: { settings: Settings; say: Messenger; maxCostUsd?: number },
): Promise<void> {
  await refuseBadFolders(jobs);
  const conn = dryRunConnection(rt, opts.settings, opts.say);
  let total = 0;
  let sent = 0;
  let fresh = 0;
  const unpriced: string[] = [];
  try {
    for (const { raw, job, settings, after } of jobs) {
      const head = { line: raw.line, command: raw.command };
      if (job.provisional) {
        // Its inputs are outputs of jobs that would run first: counted, described once they exist.
        const cost = estimateRequest(job.model, job.endpoint, jobParams(job), settings.mock);
        if (cost.usd === null) unpriced.push(`line ${raw.line} (${job.model.name})`);
        else total += cost.usd;
        sent++;
        const lines = (after ?? []).map((p) => p.raw.line);
        rt.stdout.write(
          `${JSON.stringify({ ...head, dry_run: true, status: 'waits', after: lines, estimated_cost_usd: cost.usd })}\n`,
        );
        continue;
      }
      const upToDate = await upToDateResult(job, SILENT);
      if (upToDate) {
        fresh++;
        rt.stdout.write(
          `${JSON.stringify({ ...head, dry_run: true, status: 'up-to-date', files: upToDate.files.map(fileEntry) })}\n`,
        );
        continue;
      }
      const cost = estimateRequest(job.model, job.endpoint, jobParams(job), settings.mock);
      if (cost.usd === null) unpriced.push(`line ${raw.line} (${job.model.name})`);
      else total += cost.usd;
      sent++;
      rt.stdout.write(
        `${JSON.stringify({ ...head, ...previewDocument(await previewRequest(conn, requestSpec(settings, job)), cost) })}\n`,
      );
    }
  } finally {
    await closeDispatchers();
  }
  const skipped = fresh ? ` (${fresh} more up to date)` : '';
  const requests = `${sent} request${sent === 1 ? '' : 's'} would be sent${skipped}`;
  let cost: string;
  if (opts.settings.mock) cost = OFFLINE_COST;
  else {
    const priced = sent - unpriced.length;
    cost = priced
      ? `about $${total.toFixed(4)} estimated at the rates of ${PRICES_CHECKED}${unpriced.length ? ` for ${priced} of them` : ''}`
      : 'no estimate';
    if (unpriced.length) cost += ` (no rate for ${orList(unpriced)})`;
    if (opts.maxCostUsd !== undefined && total > opts.maxCostUsd)
      cost += `, more than --max-cost ${opts.maxCostUsd}: a real run would stop starting jobs before the end`;
  }
  opts.say.info(`dry run: ${requests}; ${cost}; nothing was sent.`);
}

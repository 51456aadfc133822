// The end of a remote batch run, through the batch's one report (batch/report.ts): the summary line
// with what the jobs cost at the batch price against direct calls, and what to do about the jobs
// that did not succeed (--resubmit, or a run again for those --max-cost held back).
import { BATCH_PRICE, OFFLINE_COST } from '../../models/prices.js';
import type { BatchReport } from '../report.js';
import type { BatchOptions } from '../run.js';
import type { RemoteJob } from './collect.js';
import type { BatchState, JobResult } from './state.js';

export interface FinishInfo {
  upToDate: number;
  started: number;
  opts: Pick<BatchOptions, 'settings' | 'say' | 'gallery'>;
  state: BatchState;
}

/** The summary (with the saving against direct calls), the step summary, the gallery, and the exit code. */
export async function finish(
  report: BatchReport,
  jobs: RemoteJob[],
  told: Map<string, JobResult | undefined>,
  info: FinishInfo,
): Promise<void> {
  const { opts, state } = info;
  let spent = 0;
  for (const job of jobs) {
    const result = told.get(job.customId) ?? state.results[job.customId];
    if (told.has(job.customId) && (result?.status === 'ok' || result?.status === 'partial'))
      spent += (opts.settings.mock ? result.at_rates_usd : result.cost_usd) ?? 0;
  }
  const fresh = info.upToDate ? ` (${info.upToDate} already up to date)` : '';
  // The batch price is half the direct one: what direct calls would have cost is twice the figure.
  const direct = spent / BATCH_PRICE.factor;
  const cost = opts.settings.mock
    ? `${OFFLINE_COST} (at the batch price about $${spent.toFixed(4)}; direct calls about $${direct.toFixed(4)})`
    : `about $${spent.toFixed(4)} at the batch price (direct calls: about $${direct.toFixed(4)}; saved about $${(direct - spent).toFixed(4)})`;
  const batches = state.parts.length;
  const seconds = ((performance.now() - info.started) / 1000).toFixed(1);
  await report.finish(jobs.length, {
    title: 'imgcli batch --remote',
    summary: (n) =>
      `${n.ok} of ${n.total} jobs done${fresh}, ${n.failed} failed, ${n.skipped} not submitted; ${batches} batch${batches === 1 ? '' : 'es'}; ${cost}; ${seconds} s`,
    offline: opts.settings.mock,
    gallery: opts.gallery,
    say: opts.say,
    next: ({ failed }) =>
      `Each job has a JSON line on stdout with its status and error; ${
        failed
          ? 'run the same command with --resubmit to send the failed jobs again as a new batch (the others are not sent, or paid for, again)'
          : 'run again to submit the jobs --max-cost held back'
      }.`,
  });
}

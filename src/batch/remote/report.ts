// The end of a remote batch run: the summary on stderr (what was done, failed and held back, and
// what it cost at the batch price against direct calls), the GitHub step summary, --gallery, and
// the exit code (0, 7 when some jobs did not succeed, the failure's own code when none did).
import { BatchFailedError, HintedError } from '../../errors.js';
import { BATCH_PRICE, OFFLINE_COST } from '../../models/prices.js';
import { appendStepSummary, galleryMarkdown, summaryMarkdown, type SummaryRow } from '../../output/summary.js';
import type { Runtime } from '../../runtime.js';
import { errorOf, type RemoteJob } from './collect.js';
import { summaryRows, writeBatchGallery, type BatchOptions } from '../run.js';
import type { BatchState, JobResult } from './state.js';

export interface FinishInfo {
  upToDate: number;
  skipped: number;
  started: number;
  opts: Pick<BatchOptions, 'settings' | 'say' | 'gallery'>;
  state: BatchState;
}

/** The summary (with the saving against direct calls), the step summary, the gallery, and the exit code. */
export async function finish(
  rt: Runtime,
  jobs: RemoteJob[],
  lines: Map<string, Record<string, unknown>>,
  outcomes: Map<string, JobResult>,
  info: FinishInfo,
): Promise<void> {
  const { opts, state } = info;
  const errors: Error[] = [];
  const rows: SummaryRow[] = [];
  const made: Array<{ line: number; paths: string[] }> = [];
  let ok = 0;
  let spent = 0;
  for (const job of jobs) {
    const line = lines.get(job.customId);
    if (!line) continue;
    rows.push(...summaryRows(job.prepared, line));
    const result = outcomes.get(job.customId) ?? state.results[job.customId];
    const paths = (line.files as Array<{ path: string }>).map((f) => f.path);
    if (paths.length) made.push({ line: job.prepared.raw.line, paths });
    if (line.status === 'ok' || line.status === 'up-to-date') ok++;
    else if (line.status !== 'skipped' && result) errors.push(errorOf(result));
    if ((line.status === 'ok' || line.status === 'partial') && result)
      spent += (opts.settings.mock ? result.at_rates_usd : result.cost_usd) ?? 0;
  }
  const gallery = opts.gallery && (await writeBatchGallery(rt, opts.gallery, made, opts.say));
  const galleryLine =
    gallery && !(gallery instanceof Error) ? galleryMarkdown(opts.gallery!.path, gallery.images, rt.env) : '';
  appendStepSummary(
    rt.env,
    summaryMarkdown(
      'imgcli batch --remote',
      rows.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
      opts.settings.mock ? 'offline server (--mock): nothing was billed.' : undefined,
    ) + galleryLine,
  );
  const total = jobs.length;
  const failed = total - ok - info.skipped;
  const fresh = info.upToDate ? ` (${info.upToDate} already up to date)` : '';
  // The batch price is half the direct one: what direct calls would have cost is twice the figure.
  const direct = spent / BATCH_PRICE.factor;
  const cost = opts.settings.mock
    ? `${OFFLINE_COST} (at the batch price about $${spent.toFixed(4)}; direct calls about $${direct.toFixed(4)})`
    : `about $${spent.toFixed(4)} at the batch price (direct calls: about $${direct.toFixed(4)}; saved about $${(direct - spent).toFixed(4)})`;
  const batches = state.parts.length;
  opts.say.info(
    `batch: ${ok} of ${total} jobs done${fresh}, ${failed} failed, ${info.skipped} not submitted; ${batches} batch${batches === 1 ? '' : 'es'}; ${cost}; ${((performance.now() - info.started) / 1000).toFixed(1)} s`,
  );
  if (failed || info.skipped) {
    if (gallery instanceof Error) opts.say.warn(gallery.message);
    const again = failed
      ? 'run the same command with --resubmit to send the failed jobs again as a new batch (the others are not sent, or paid for, again)'
      : 'run again to submit the jobs --max-cost held back';
    throw new HintedError(
      new BatchFailedError(ok, total, errors),
      `Each job has a JSON line on stdout with its status and error; ${again}.`,
    );
  }
  if (gallery instanceof Error) throw gallery;
}

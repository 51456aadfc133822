// `imgcli batch jobs.jsonl --remote --dry-run`: every job validated as for a real run, then the
// request line each would put in a batch's request file (local inputs named by the upload they
// would be), one JSON line per job on stdout with its estimate at the batch price; on stderr how
// the jobs would split into batches, the images to upload, and the total against direct calls.
// Nothing is sent, uploaded or written (no state file either).
import { BATCH_LIMITS, type BatchLimits } from '../../api/batches.js';
import { BATCH_ENDPOINTS } from '../../api/batches.js';
import { jobParams, upToDateResult } from '../../pipeline/run.js';
import { OFFLINE_COST, PRICES_CHECKED, atBatchPrice, estimateRequestCost } from '../../models/prices.js';
import { fileEntry } from '../../output/report.js';
import type { Runtime } from '../../runtime.js';
import type { Messenger } from '../../terminal/messenger.js';
import type { RemoteJob } from './collect.js';
import { batchBody, endpointOf, jobsText, requestLine, splitParts } from './requests.js';
import type { Settings } from '../../config/settings.js';
import { refuseBadFolders } from '../dry-run.js';

const SILENT: Messenger = { info() {}, warn() {}, verbose() {} };

export async function dryRunRemote(
  rt: Runtime,
  jobs: RemoteJob[],
  opts: { settings: Settings; say: Messenger; maxCostUsd?: number; limits?: BatchLimits },
): Promise<void> {
  await refuseBadFolders(jobs.map((j) => j.prepared));
  const sizes = [];
  const uploads = new Set<string>();
  let batch = 0;
  let direct = 0;
  let fresh = 0;
  for (const { prepared, customId } of jobs) {
    const { raw, job } = prepared;
    const head = { line: raw.line, command: raw.command, custom_id: customId, dry_run: true };
    const upToDate = await upToDateResult(job, SILENT);
    if (upToDate) {
      fresh++;
      rt.stdout.write(`${JSON.stringify({ ...head, status: 'up-to-date', files: upToDate.files.map(fileEntry) })}\n`);
      continue;
    }
    for (const p of job.edit
      ? [
          ...job.edit.prepared.images,
          ...(job.edit.prepared.mask ? [job.edit.prepared.mask] : []),
          ...(job.edit.prepared.markup ? [job.edit.prepared.markup] : []),
        ]
      : []) {
      if ('field' in p) uploads.add('path' in p.source ? p.source.path : `${p.filename} (made by imgcli)`);
    }
    const usd = estimateRequestCost(job.model, jobParams(job));
    if (usd !== undefined) {
      batch += atBatchPrice(usd);
      direct += usd;
    }
    const endpoint = endpointOf(job);
    sizes.push({ customId, endpoint, line: raw.line, bytes: Buffer.byteLength(requestLine(customId, job, undefined)) });
    const request = {
      custom_id: customId,
      method: 'POST',
      url: BATCH_ENDPOINTS[endpoint],
      body: batchBody(job, undefined),
    };
    const cost =
      usd === undefined
        ? { estimated_cost_usd: null }
        : {
            estimated_cost_usd: opts.settings.mock ? 0 : atBatchPrice(usd),
            estimated_direct_usd: opts.settings.mock ? 0 : Math.round(usd * 1e6) / 1e6,
          };
    rt.stdout.write(`${JSON.stringify({ ...head, request, ...cost })}\n`);
  }
  const parts = splitParts(sizes, opts.limits ?? BATCH_LIMITS);
  const split = parts.length
    ? `in ${parts.length} batch${parts.length === 1 ? '' : 'es'} (${parts.map((p) => jobsText(p.customIds.length, p.endpoint)).join(', ')})`
    : '';
  const images = uploads.size
    ? `, after uploading ${uploads.size} input image${uploads.size === 1 ? '' : 's'} once each`
    : '';
  const cost = opts.settings.mock
    ? OFFLINE_COST
    : `about $${batch.toFixed(4)} at the batch price, against about $${direct.toFixed(4)} as direct calls (rates of ${PRICES_CHECKED})`;
  const over =
    opts.maxCostUsd !== undefined && batch > opts.maxCostUsd
      ? `, more than --max-cost ${opts.maxCostUsd}: a real run would hold some jobs back`
      : '';
  opts.say.info(
    `dry run: ${sizes.length} request${sizes.length === 1 ? '' : 's'} would be submitted ${split}${images}${fresh ? ` (${fresh} more up to date)` : ''}; ${cost}${over}; nothing was sent.`,
  );
}

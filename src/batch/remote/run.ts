// `imgcli batch jobs.jsonl --remote`: the same jobs as the local batch (validated by the same
// first pass, so a job means what it means locally), sent through OpenAI's Batch API at half the
// price. The state file beside the jobs file (state.ts) makes it resumable and makes paying twice
// impossible: a run attaches to the batches it finds recorded, collects what ended, and submits
// only jobs that were never submitted (or, with --resubmit, those that failed or expired).
import { BATCH_LIMITS, type BatchLimits } from '../../api/batches.js';
import { dryRunRemote } from './dry-run.js';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { MissingKeyError, UsageError } from '../../errors.js';
import { needsKey } from '../../connection/connect.js';
import { jobParams, upToDateResult } from '../../pipeline/run.js';
import { endpointFor } from '../../models/fields.js';
import { atBatchPrice, estimateRequestCost } from '../../models/prices.js';
import { endpointRules, findModel, resolveModel, type ResolvedModel } from '../../models/table.js';
import { RULE_SOURCES } from '../../models/rule-sources.js';
import { sourceText } from '../../models/providers.js';
import { breach } from '../../pipeline/provider-rules.js';
import { prepareDestination } from '../../output/disk.js';
import { fileEntry } from '../../output/report.js';
import type { Runtime } from '../../runtime.js';
import type { Messenger } from '../../terminal/messenger.js';
import { VERSION } from '../../version.js';
import type { Problem, RawJob } from '../parse.js';
import { BatchReport, NO_ANSWER, checkPriced } from '../report.js';
import { collectPart, errorOf, type RemoteJob } from './collect.js';
import { bringBack, missingFiles, missingResult } from './missing.js';
import { finish } from './report.js';
import {
  customIdOf,
  endpointOf,
  jobsFingerprint,
  jobsText,
  requestFileName,
  requestLine,
  splitParts,
  uploadInputs,
  uploadRequests,
  type Recorder,
} from './requests.js';
import { ledgerFor } from '../../config/uploads.js';
import { ensureBatch, waitForBatches } from './submit.js';
import { prepare, type JobShaping, type Prepared } from '../prepare.js';
import { producersFresh, type BatchOptions } from '../run.js';
import {
  loadState,
  newState,
  OFFLINE,
  settled,
  statePathFor,
  StateFile,
  type BatchState,
  type JobResult,
  type Part,
} from './state.js';

export interface RemoteOptions
  extends Pick<
    BatchOptions,
    'defaults' | 'settings' | 'say' | 'connect' | 'color' | 'maxCostUsd' | 'gallery' | 'dryRun'
  > {
  /** The jobs file: the state file goes beside it. */
  jobsFile: string;
  /** A progress bar on stderr while waiting (a terminal, not CI, not --quiet). */
  showProgress: boolean;
  resubmit: boolean;
  /** False with --no-wait: submit (or attach), print the batch ids, exit. */
  wait: boolean;
  pollMs: number;
  limits?: BatchLimits;
}

const SILENT: Messenger = { info() {}, warn() {}, verbose() {} };
const LOCAL = 'run it in a local batch (the same command without --remote)';

/** The 2.5 model that stands in for a 2.6 one in a batch: the same variant where the table has it. */
const safeFor = (model: ResolvedModel) =>
  findModel(model.name.replace('gpt-image-2.6', 'gpt-image-2.5'))?.id ?? 'gpt-image-2.5-flare';

/** What one relay says of 2.6 in batches (reported): warned about once, refused per job under --strict. */
const batch26 = (model: ResolvedModel) =>
  `${model.name} in a batch --remote: one relay says the Batch API does not take gpt-image-2.6 models; ${safeFor(model)} is the safe choice`;

/**
 * How --remote shapes a job: edits travel as JSON (the only form a batch carries), nothing streams.
 * 2.6 models are gathered in `reported` (a reported rule: warned about once, after), or refused
 * job by job under --strict.
 */
function remoteShaping(notes: Set<string>, reported: Map<string, ResolvedModel>, strict: boolean): JobShaping {
  return {
    context: { deferInputs: true },
    shape(raw, flags, modelName) {
      const model = resolveModel(modelName);
      if (model.family === 'gpt-image-2.6') {
        if (strict)
          return `${batch26(model)} (${sourceText(RULE_SOURCES.batch26)}; refused because of --strict); use "model": "${safeFor(model)}", or ${LOCAL}`;
        reported.set(model.name, model);
      }
      const endpoint = endpointFor(raw.command, model.family);
      if (endpoint === 'variations')
        return `${raw.command} with ${model.name} goes to /images/variations, which the Batch API does not take; ${LOCAL}`;
      if (endpoint === 'edits') {
        if (!endpointRules(model, 'edits', 'json')?.jsonBody && model.family !== 'other')
          return `${model.name} edits are multipart uploads only, and a batch carries JSON requests; ${LOCAL}, or use a GPT image model`;
        if (flags.body === 'multipart')
          return '"body": "multipart" cannot go in a batch, which carries JSON requests; drop it';
        flags.body = 'json';
      }
      if (flags.stream || flags.partialImages !== undefined) {
        notes.add(
          'batch --remote: "stream" and "partial_images" are left out of the requests (a batch answers once, with the final images)',
        );
        delete flags.stream;
        delete flags.partialImages;
      }
      return undefined;
    },
  };
}

/** The JSON line of a job: the local batch's fields, with the batch and custom_id it went by. */
function jobLine(job: RemoteJob, fields: Record<string, unknown>): Record<string, unknown> {
  const { raw } = job.prepared;
  return { line: raw.line, command: raw.command, ...fields, custom_id: job.customId };
}

const resultFields = (r: JobResult) => ({
  status: r.status,
  files: r.files,
  request_id: r.request_id,
  usage: r.usage,
  cost_usd: r.cost_usd,
  ...(r.cost_note ? { cost_note: r.cost_note } : {}),
  error: r.error,
  ...(r.recovered_path ? { recovered_path: r.recovered_path } : {}),
  batch_id: r.batch_id,
});

/** Picks up the state found beside the jobs file, or starts one; refuses what would mix two sets of batches. */
function reconcile(
  found: BatchState | undefined,
  init: Parameters<typeof newState>[0],
  statePath: string,
  say: Messenger,
): BatchState {
  if (!found) return newState(init);
  const jobs = init.jobsFile;
  if (found.server !== init.server) {
    if (found.server !== OFFLINE && !settled(found)) {
      throw new UsageError(
        `${statePath} records batches on ${found.server} that have not ended and been collected, and this run talks to ${init.server}`,
        `Run with that server (its --base-url or --profile) to attach to them; to give them up, cancel them there (imgcli batch cancel ${jobs}) and move the state file aside.`,
      );
    }
    const held =
      found.server === OFFLINE
        ? 'an offline rehearsal (--mock: nothing was billed)'
        : found.parts.length
          ? `finished batches on ${found.server}`
          : `no submitted batch (an earlier run for ${found.server} stopped before submitting)`;
    say.info(`batch: ${statePath} held ${held}; starting afresh for ${init.server}`);
    return newState(init);
  }
  if (found.server === OFFLINE && !settled(found)) {
    // The offline server of that run ended with it, and its batches too: nothing was billed.
    say.info(
      'batch: the offline server of an earlier --mock run ended with it, and its unfinished batches too; sending those jobs again (offline: no cost)',
    );
    found.parts = found.parts.filter((p) => p.collected);
    // Its files went with it: the input images are uploaded again.
    found.inputs = {};
  }
  if (found.jobs_fingerprint !== init.fingerprint) {
    if (!settled(found)) {
      throw new UsageError(
        `${jobs} (or a default given to batch, such as -m or -q) changed since its batches were submitted, and they have not all ended and been collected`,
        `Restore the jobs file and the flags to attach to them. To start afresh instead, cancel them (imgcli batch cancel ${jobs}) and move ${statePath} aside; jobs already done keep their files.`,
      );
    }
    say.info(
      `batch: ${jobs} changed since its last batch: unchanged jobs keep their results, new or changed jobs are sent`,
    );
    found.jobs_fingerprint = init.fingerprint;
  }
  return found;
}

/** A job's estimate at the batch price (what --max-cost counts), and at the direct price. */
function estimateOf(job: RemoteJob): { batch: number; direct: number } {
  const direct = estimateRequestCost(job.prepared.job.model, jobParams(job.prepared.job)) ?? 0;
  return { batch: atBatchPrice(direct), direct };
}

export async function runRemoteBatch(
  rt: Runtime,
  parsed: { jobs: RawJob[]; problems: Problem[] },
  opts: RemoteOptions,
): Promise<void> {
  if (opts.settings.azureDeployment && !opts.settings.mock) {
    throw new UsageError(
      "--remote cannot go through Azure's dated API (--azure-deployment): it has no Batch API route imgcli knows",
      "Use Azure's v1 API instead (--base-url https://<resource>.openai.azure.com/openai/v1), or run the batch locally (without --remote).",
    );
  }
  if (!opts.wait && opts.settings.mock && !opts.dryRun) {
    throw new UsageError(
      '--no-wait with --mock would leave the batch on an offline server that ends with this run',
      'Rehearse it against `imgcli mock-server` (point --base-url at it), or drop --no-wait.',
    );
  }
  const notes = new Set<string>();
  const reported = new Map<string, ResolvedModel>();
  const { settings } = opts;
  const shaping = remoteShaping(notes, reported, settings.strict);
  const prepared = await prepare(rt, parsed.jobs, [...parsed.problems], opts, shaping);
  await settleChains(prepared);
  for (const note of new Set([...prepared.flatMap((p) => p.log.lines), ...notes])) opts.say.info(note);
  const check = { provider: settings.provider, strict: settings.strict, warnings: settings.warnings, say: opts.say };
  for (const model of reported.values())
    breach(
      check,
      RULE_SOURCES.batch26,
      batch26(model),
      `Use "model": "${safeFor(model)}" in the jobs (or -m), or run the batch locally (without --remote).`,
    );
  const jobs: RemoteJob[] = [];
  for (const p of prepared) jobs.push({ prepared: p, customId: await customIdOf(p.raw.line, p.job) });
  checkPriced(prepared, opts.maxCostUsd);
  if (opts.dryRun) {
    return dryRunRemote(rt, jobs, opts);
  }
  // Before the state file is written: a run that cannot connect leaves nothing behind. No key is
  // needed until something must be sent: a batch whose every output is up to date runs without one.
  if (!opts.settings.apiKey && needsKey(opts.settings) && !(await everyOutputFresh(jobs))) throw new MissingKeyError();
  const statePath = statePathFor(opts.jobsFile);
  const sf = new StateFile(statePath, rt.now);
  await sf.acquire();
  try {
    const server = opts.settings.mock ? OFFLINE : opts.settings.baseUrl.replace(/\/+$/, '');
    const init = {
      jobsFile: opts.jobsFile,
      fingerprint: jobsFingerprint(jobs.map((j) => j.customId)),
      server,
      tool: `imgcli ${VERSION}`,
      now: rt.now(),
    };
    sf.state = reconcile(await loadState(statePath), init, statePath, opts.say);
    sf.state.jobs = Object.fromEntries(jobs.map((j) => [j.customId, { line: j.prepared.raw.line }]));
    // Written before anything is uploaded: a run that stops from here on can be picked up.
    await sf.save();
    await runWithState(rt, sf, jobs, opts);
  } finally {
    await sf.release();
  }
}

/**
 * A remote batch sends all its jobs at once, so a job cannot wait for another's output (chain.ts):
 * it may read one only when that output is already up to date, and is then built from it.
 */
async function settleChains(prepared: Prepared[]): Promise<void> {
  const waiting: string[] = [];
  for (const p of prepared) {
    if (!p.rebuild) continue;
    if (await producersFresh(p)) p.job = await p.rebuild();
    else
      waiting.push(
        `line ${p.raw.line} reads the output of line ${p.after.map((a) => a.raw.line).join(', ')}, which is not made yet`,
      );
  }
  if (waiting.length)
    throw new UsageError(
      `a remote batch sends all its jobs at once, so a job cannot wait for another's output; nothing was sent:\n${waiting.join('\n')}`,
      'Run the batch without --remote (a local batch runs such jobs in order), or make those outputs first (a batch of their lines alone), then run this one again.',
    );
}

/** Whether every job's files already carry its request's fingerprint: then nothing is sent. */
async function everyOutputFresh(jobs: RemoteJob[]): Promise<boolean> {
  for (const job of jobs) if (!(await upToDateResult(job.prepared.job, SILENT, { touch: false }))) return false;
  return true;
}

async function runWithState(rt: Runtime, sf: StateFile, jobs: RemoteJob[], opts: RemoteOptions): Promise<void> {
  const { state } = sf;
  const byId = new Map(jobs.map((j) => [j.customId, j]));
  const latest = new Map<string, Part>();
  for (const part of state.parts) for (const id of part.custom_ids) latest.set(id, part);
  const report = new BatchReport(rt, opts.wait);
  /** Each job's result as told: what the summary's cost adds up. */
  const told = new Map<string, JobResult | undefined>();
  const say = opts.say;
  const print = (job: RemoteJob, fields: Record<string, unknown>, result?: JobResult) => {
    told.set(job.customId, result);
    const failed = result && fields.status !== 'ok' && fields.status !== 'up-to-date' && fields.status !== 'skipped';
    report.job(job.prepared, jobLine(job, fields), failed ? errorOf(result) : undefined);
  };
  const send: RemoteJob[] = [];
  /** Jobs whose result names files that are no longer there. */
  const gone: RemoteJob[] = [];
  let upToDate = 0;
  for (const job of jobs) {
    const part = latest.get(job.customId);
    const result = state.results[job.customId];
    // In a batch that has not been collected: its line comes when that batch is read.
    if (part && !part.collected) continue;
    if (result && (result.status !== 'failed' || !opts.resubmit)) {
      if (opts.wait && result.status !== 'failed' && (await missingFiles(result)).length) gone.push(job);
      else if (opts.wait) print(job, resultFields(result), result);
      continue;
    }
    // Not submitted yet, or failed and resubmitted: a file already up to date needs neither.
    const fresh = await upToDateResult(job.prepared.job, SILENT);
    if (fresh) {
      upToDate++;
      if (opts.wait)
        print(job, {
          status: 'up-to-date',
          ...NO_ANSWER,
          files: fresh.files.map(fileEntry),
          error: null,
          batch_id: null,
        });
      continue;
    }
    send.push(job);
  }
  if (gone.length) {
    const ctx = {
      rt,
      conn: await opts.connect(),
      sf,
      settings: opts.settings,
      jobs: byId,
      say,
      onResult: (job: RemoteJob, r: JobResult) => print(job, resultFields(r), r),
    };
    for (const job of await bringBack(ctx, gone, latest)) {
      const result = state.results[job.customId]!;
      if (opts.resubmit) send.push(job);
      else {
        const told = missingResult(result, await missingFiles(result));
        print(job, { ...resultFields(told), status: 'missing' }, told);
      }
    }
  }
  const skipped = budgetCut(send, opts);
  for (const { job, reason } of skipped) print(job, { status: 'skipped', ...NO_ANSWER, error: reason, batch_id: null });
  const held = new Set(skipped.map((s) => s.job));
  const toSend = send.filter((j) => !held.has(j));
  // Every destination is checked before anything is paid for, as for a direct call.
  const checked = new Set<string>();
  for (const job of toSend) {
    const plan = job.prepared.job.plan;
    const key = plan.kind === 'files' ? plan.paths.map(dirname).join('\n') : plan.kind === 'generated' ? plan.dir : '';
    if (checked.has(key)) continue;
    checked.add(key);
    await prepareDestination(plan);
  }
  const started = performance.now();
  if (toSend.length || state.parts.some((p) => !p.collected)) {
    const conn = await opts.connect();
    const record = recorder(rt, sf, opts);
    if (toSend.length) await planParts(conn, sf, toSend, opts, say, record);
    const pending = state.parts.filter((p) => !p.collected);
    for (const part of pending) if (!part.input_file_id) await uploadPart(conn, sf, part, byId, say, record);
    for (const part of pending) await ensureBatch(conn, sf, part, state.parts.length, say);
    if (!opts.wait) return noWait(rt, pending, opts.jobsFile, say);
    if (pending.length)
      say.info(
        `batch: waiting for ${pending.map((p) => p.batch_id).join(', ')} (Ctrl-C stops waiting; run the same command again to come back to ${pending.length === 1 ? 'it' : 'them'})`,
      );
    await waitForBatches(rt, conn, sf, pending, {
      pollMs: opts.pollMs,
      bar: opts.showProgress,
      quiet: opts.settings.quiet,
      say,
    });
    const ctx = {
      rt,
      conn,
      sf,
      settings: opts.settings,
      jobs: byId,
      say,
      onResult: (job: RemoteJob, r: JobResult) => print(job, resultFields(r), r),
    };
    for (const part of pending) await collectPart(ctx, part);
  } else if (!opts.wait) {
    return noWait(rt, [], opts.jobsFile, say);
  }
  await finish(report, jobs, told, { upToDate, started, opts, state });
}

/** --max-cost: jobs are taken in file order while the estimate at the batch price stays within it; the rest are not submitted. */
function budgetCut(send: RemoteJob[], opts: RemoteOptions): Array<{ job: RemoteJob; reason: string }> {
  if (opts.maxCostUsd === undefined) return [];
  let total = 0;
  const cut: Array<{ job: RemoteJob; reason: string }> = [];
  for (const job of send) {
    const { batch } = estimateOf(job);
    if (total + batch > opts.maxCostUsd)
      cut.push({
        job,
        reason: `not submitted: it would pass --max-cost ${opts.maxCostUsd} (the jobs submitted before it come to about $${total.toFixed(4)} at the batch price)`,
      });
    else total += batch;
  }
  return cut;
}

/** Uploads the inputs of the jobs to send and records their parts (one endpoint each, within the limits). */
async function planParts(
  conn: Parameters<typeof uploadInputs>[0],
  sf: StateFile,
  jobs: RemoteJob[],
  opts: RemoteOptions,
  say: Messenger,
  record: Recorder,
): Promise<void> {
  const ids = await uploadInputs(
    conn,
    jobs.map((j) => j.prepared.job),
    sf,
    say,
    record,
  );
  const sizes = jobs.map((j) => ({
    customId: j.customId,
    endpoint: endpointOf(j.prepared.job),
    line: j.prepared.raw.line,
    bytes: Buffer.byteLength(requestLine(j.customId, j.prepared.job, ids)),
  }));
  const planned = splitParts(sizes, opts.limits ?? BATCH_LIMITS);
  const previous = new Map(
    Object.entries(sf.state.results)
      .filter(([, r]) => r.status === 'failed')
      .map(([id, r]) => [id, r.part]),
  );
  for (const p of planned) {
    const resubmits = [
      ...new Set(p.customIds.map((id) => previous.get(id)).filter((n): n is number => n !== undefined)),
    ];
    sf.state.parts.push({
      n: sf.state.parts.length + 1,
      endpoint: p.endpoint,
      token: `imgcli-${randomBytes(12).toString('hex')}`,
      custom_ids: p.customIds,
      bytes: p.bytes,
      sha256: '',
      ...(resubmits.length ? { resubmits } : {}),
    });
  }
  await sf.save();
  const what = planned.map((p) => jobsText(p.customIds.length, p.endpoint)).join(', ');
  say.info(
    `batch: ${jobs.length} job${jobs.length === 1 ? '' : 's'} to submit in ${planned.length} batch${planned.length === 1 ? '' : 'es'} (${what})`,
  );
}

/**
 * How the batch's uploads expire (config files-expire-after, batch-files-expire-after) and are
 * written down for `imgcli files prune`, with the state file that says whether they are still needed.
 */
function recorder(rt: Runtime, sf: StateFile, opts: RemoteOptions): Recorder {
  const { settings, say } = opts;
  return (kind) => ({
    ...ledgerFor(settings),
    kind,
    expiresAfter: settings.uploadExpiry[kind],
    by: 'batch --remote',
    batchState: resolve(sf.path),
    now: rt.now,
    warn: say.warn,
  });
}

/** Writes and uploads a part's request file, recording its id. */
async function uploadPart(
  conn: Parameters<typeof uploadInputs>[0],
  sf: StateFile,
  part: Part,
  byId: Map<string, RemoteJob>,
  say: Messenger,
  record: Recorder,
): Promise<void> {
  const jobs = part.custom_ids.map((id) => byId.get(id)!);
  const ids = await uploadInputs(
    conn,
    jobs.map((j) => j.prepared.job),
    sf,
    say,
    record,
  );
  function* lines() {
    for (const job of jobs) yield requestLine(job.customId, job.prepared.job, ids);
  }
  const { fileId, sha256, bytes } = await uploadRequests(
    conn,
    sf,
    lines(),
    requestFileName(sf.state.jobs_file, part.n),
    record,
  );
  Object.assign(part, { input_file_id: fileId, sha256, bytes });
  await sf.save();
}

/** --no-wait: the batch ids on stdout, one per line. */
function noWait(rt: Runtime, pending: Part[], jobsFile: string, say: Messenger): void {
  for (const part of pending) rt.stdout.write(`${part.batch_id}\n`);
  if (pending.length)
    say.info(
      `batch: submitted; \`imgcli batch status ${jobsFile}\` shows how far ${pending.length === 1 ? 'it is' : 'they are'}, and the same command without --no-wait writes the images once ${pending.length === 1 ? 'it has' : 'they have'} ended`,
    );
  else
    say.info(
      'batch: nothing is pending: every batch of this jobs file has ended and been collected (run without --no-wait to see the results)',
    );
}

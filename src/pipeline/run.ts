// The one runner: an ImageJob (build.ts) to saved files, for gen, edit, vary and batch alike.
// Dry run, up-to-date checks, the destination, connecting (to the offline server with --mock),
// sending, saving; the report is output/report.ts's. What only a real request needs (undici, the
// HTTP core, the savers) is imported when a request is sent, so an up-to-date check stays cheap.
import { tmpdir } from 'node:os';
import { ApiError } from '../api/errors.js';
import type { Connection, RequestSpec } from '../api/http.js';
import type { ImagesEndpoint, Usage } from '../api/images.js';
import type { Settings } from '../config/settings.js';
import { HintedError, OutOfDateError, UsageError } from '../errors.js';
import { hintFor } from '../exit-codes.js';
import { startSpinner } from '../terminal/spinner.js';
import type { Messenger } from '../terminal/messenger.js';
import type { Runtime } from '../runtime.js';
import type { ResolvedModel } from '../models/table.js';
import { estimateCost, flatCost, offlineCost, type CostEstimate } from '../models/prices.js';
import { imagesPath } from '../connection/route.js';
import { bodyBytes, explainBodyLimit } from './body-limit.js';
import { recoveryDirs } from '../output/recovery.js';
import { prepareDestination } from '../output/disk.js';
import { reportRun, writeSummary } from '../output/report.js';
import type { OutputPlan } from '../output/naming.js';
import type { Previewer } from '../terminal/previewer.js';
import type {
  AnswerExpectation,
  FailedImage,
  SaveContext,
  SavedFile,
  SavedPartial,
  ServerNote,
} from '../output/save.js';
import type { StreamOptions } from './stream.js';
import { stamper, type RequestRecord, type StampContext } from '../provenance/stamp.js';
import { checkFreshness, digestInputs, fingerprintOf, type InputDigest } from './freshness.js';
import { utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PreparedInputs } from '../upload/form.js';

export interface ImageJob {
  endpoint: ImagesEndpoint;
  model: ResolvedModel;
  /** The validated JSON body (generations, JSON edits) or a multipart builder (edits, variations). */
  json?: Record<string, unknown>;
  form?: RequestSpec['form'];
  /** batch --remote: a JSON edit's fields and checked inputs, its body built once the inputs are uploaded. */
  edit?: { fields: Record<string, unknown>; prepared: PreparedInputs };
  plan: OutputPlan;
  /** --dry-run: describe the request on stdout (as JSON with --json) instead of sending it. */
  dryRun?: { json: boolean };
  /** --stream: the answer comes as events, partial images first (see stream.ts). */
  stream?: StreamOptions;
  /** --preview: draw the images on stderr when it is a terminal that can show them. */
  preview?: boolean;
  /** Told of each image as it arrives, streamed partials first, in place of --preview (the MCP server's progress). */
  watch?: Previewer;
  /** What the request is made of: its fingerprint and the provenance written into each file. */
  record?: RequestRecord;
  /** False with --no-metadata: files are written bare. */
  metadata?: boolean;
  /** --raw-svg: an SVG answer is saved as the server sent it (see output/svg-clean.ts). */
  rawSvg?: boolean;
  /** --if-changed (skip when the outputs carry this request's fingerprint) or --check (only tell). */
  freshness?: 'if-changed' | 'check';
  /** Computed once from `record`. */
  fingerprint?: string;
  /** What the answer is checked against: the format and size asked for (rule 22). */
  expect?: AnswerExpectation;
  /** The input files' digests, made once for the fingerprint and the provenance record. */
  digests?: InputDigest[];
  /** Set by the builder when -o already holds this request's result (--if-changed, --check). */
  fresh?: SavedFile[];
  /** The run goes to the offline server (--mock): its own stand-ins count as up to date. */
  offline?: boolean;
  /** Built before its input files exist (a batch job reading another's output): checked, never sent. */
  provisional?: boolean;
}

export interface ImagesResult {
  model: string;
  endpoint: ImagesEndpoint;
  created: number;
  requestId?: string;
  files: SavedFile[];
  failed: FailedImage[];
  /** Streamed runs only. */
  partials?: SavedPartial[];
  usage?: Usage;
  cost?: CostEstimate;
  /** True when --if-changed found the outputs up to date and nothing was sent. */
  upToDate?: boolean;
  /** How the request travelled: a JSON body, or a multipart upload. */
  requestBody?: 'json' | 'multipart';
  /** How the answer differed from the request (format, size, count): told on stderr, kept here for --json. */
  serverNotes?: ServerNote[];
}

/** The connection a run sends on, opened on first use (the run's context holds it, and closes it). */
export type Connect = () => Promise<Connection>;

/** Sends the job and saves the images; with job.dryRun, prints the request instead and returns undefined. */
export async function runImages(
  rt: Runtime,
  settings: Settings,
  job: ImageJob,
  say: Messenger,
  connect: Connect,
): Promise<ImagesResult | undefined> {
  if (job.dryRun) {
    // What only a dry run, a stream or a real request needs loads on that path (see the top of this file).
    const { dryRun, estimateRequest, unsentDefaults } = await import('./dry-run.js');
    await dryRun(
      rt,
      settings,
      requestSpec(settings, job),
      say,
      job.dryRun.json,
      estimateRequest(job.model, job.endpoint, jobParams(job), settings.mock),
      unsentDefaults(job.model, job.endpoint, jobParams(job)),
    );
    return undefined;
  }
  const fresh = await upToDateResult(job, say);
  if (fresh) return fresh;
  return executeJob(rt, settings, await connect(), job, say);
}

/** The HTTP request a job sends (what --dry-run describes). */
export function requestSpec(settings: Settings, job: ImageJob): RequestSpec {
  return {
    method: 'POST',
    path: imagesPath(settings, job.endpoint),
    json: job.json,
    form: job.form,
    accept: job.stream ? 'text/event-stream' : undefined,
  };
}

/** The request's parameters, JSON or multipart alike: what a cost estimate reads. */
export function jobParams(job: ImageJob): Record<string, unknown> {
  return { ...(job.json ?? {}), ...(job.record?.params ?? {}) };
}

/**
 * --if-changed and --check: the result from the files already on disk when they carry this
 * request's fingerprint; undefined when the request must be sent. --check never sends.
 */
export async function upToDateResult(
  job: ImageJob,
  say: Messenger,
  opts: { touch?: boolean } = {},
): Promise<ImagesResult | undefined> {
  if (!job.freshness || job.provisional) return undefined;
  const flag = job.freshness === 'check' ? '--check' : '--if-changed';
  if (job.plan.kind !== 'files')
    throw new UsageError(
      `${flag} needs -o <file>: generated names cannot be checked`,
      `Name the output, e.g. -o out.png.`,
    );
  if (!job.record) throw new UsageError(`${flag} is not available here`);
  const fresh = job.fresh
    ? { fresh: true as const, files: job.fresh }
    : await checkFreshness(job.plan, await fingerprintFor(job), job.offline);
  if (fresh.fresh) {
    say.info(`up to date: ${fresh.files.map((f) => f.path).join(', ')}`);
    if (job.freshness === 'if-changed' && opts.touch !== false) await touchFiles(fresh.files, say);
    return {
      model: job.model.name,
      endpoint: job.endpoint,
      created: 0,
      files: fresh.files,
      failed: [],
      upToDate: true,
    };
  }
  if (job.freshness === 'check') throw new OutOfDateError(`${fresh.reason}; it would be regenerated`);
  say.verbose(`regenerating: ${fresh.reason}`);
  return undefined;
}

/**
 * --if-changed found the outputs up to date: they are touched, as a make rule's target is once its
 * recipe ran, so that make stops running imgcli after a `touch` or a fresh checkout (sources newer
 * than images). The file system's own clock sets the time (utimes to now), not the run's pinned
 * one: make compares it with times the file system wrote. --check only tells, and touches nothing.
 */
async function touchFiles(files: SavedFile[], say: Messenger): Promise<void> {
  for (const file of files) {
    const now = new Date();
    await utimes(file.path, now, now).catch((err: unknown) =>
      say.verbose(`could not update the modification time of ${file.path}: ${(err as Error).message}`),
    );
  }
}

export async function fingerprintFor(job: ImageJob): Promise<string> {
  job.digests ??= await digestInputs(job.record!);
  job.fingerprint ??= await fingerprintOf(job.endpoint, job.model.name, job.record!, job.digests);
  return job.fingerprint;
}

/** The folder a plan writes to; input paths in the provenance are relative to it. */
export const outDirOf = (plan: OutputPlan) =>
  plan.kind === 'generated' ? plan.dir : plan.kind === 'files' ? dirname(plan.paths[0]!) : '.';

/** Sends one job on an open connection and saves what comes back. */
export async function executeJob(
  rt: Runtime,
  settings: Settings,
  shared: Connection,
  job: ImageJob,
  say: Messenger,
): Promise<ImagesResult> {
  await prepareDestination(job.plan);
  // Flaws of this job's answer are this job's warnings (a batch prefixes them with its line).
  const conn: Connection = { ...shared, warn: say.warn };
  const path = imagesPath(settings, job.endpoint);
  try {
    return await sendAndSave(rt, settings, conn, job, say, path);
  } catch (caught) {
    const err =
      caught instanceof ApiError && (caught.status === 413 || caught.status === 404) && !rt.signal.aborted
        ? await explainBodyLimit(caught, conn, path, await bodyBytes(job))
        : caught;
    if (err instanceof HintedError) throw err;
    if (err instanceof ApiError && err.status === 404 && job.model.info?.replacement) {
      throw new HintedError(
        err,
        `${hintFor(err) ?? ''} ${job.model.name}'s replacement is ${job.model.info.replacement}.`.trim(),
      );
    }
    throw err;
  }
}

async function sendAndSave(
  rt: Runtime,
  settings: Settings,
  conn: Connection,
  job: ImageJob,
  say: Messenger,
  path: string,
): Promise<ImagesResult> {
  const request = { endpoint: job.endpoint, json: job.json, form: job.form, path };
  const meta: StampContext['meta'] = {};
  const stamp =
    job.record && job.metadata !== false
      ? stamper({
          endpoint: job.endpoint,
          model: job.model.name,
          record: job.record,
          fingerprint: await fingerprintFor(job),
          digests: job.digests,
          outDir: outDirOf(job.plan),
          meta,
          offline: () => conn.offline,
          warn: say.warn,
          now: rt.now,
        })
      : undefined;
  const recovery = recoveryDirs(settings.configPath);
  const ctx: SaveContext = {
    plan: job.plan,
    stdout: rt.stdout,
    signal: rt.signal,
    timeoutMs: settings.timeoutMs,
    dispatcher: conn.dispatcher,
    warn: say.warn,
    stamp,
    recovery,
    billed: !settings.mock,
    rawSvg: job.rawSvg,
    expect: job.expect,
    notes: [],
  };
  const serverNotes = () => (ctx.notes!.length ? { serverNotes: ctx.notes } : {});
  const preview = job.watch ?? (job.preview ? await createPreviewerFor(rt, say) : undefined);
  if (job.stream) {
    const { runStream } = await import('./stream.js');
    const outcome = await runStream(
      rt,
      settings,
      conn,
      { model: job.model.name, request, plan: job.plan, stream: job.stream },
      ctx,
      say,
      preview,
    );
    return {
      model: job.model.name,
      endpoint: job.endpoint,
      requestBody: job.json ? 'json' : 'multipart',
      ...outcome,
      cost: costOf(settings, job, outcome.usage, outcome.files.length),
      ...serverNotes(),
    };
  }
  const [{ createImages }, { SpillFiles }, { saveImages }] = await Promise.all([
    import('../api/images.js'),
    import('../output/spill.js'),
    import('../output/save.js'),
  ]);
  const spinner = await startSpinner(rt, `${job.model.name}: waiting for the image`, settings);
  const spill = SpillFiles.for(job.plan, [tmpdir(), ...recovery]);
  try {
    let answer;
    try {
      answer = await createImages(conn, request, spill);
    } finally {
      spinner.stop();
    }
    const response = answer.value;
    // A billed answer without a usable `created` keeps its images (normalize() warned): the run's time stands in.
    const created = response.created ?? Math.floor(rt.now().getTime() / 1000);
    meta.created = created;
    meta.usage = response.usage ?? undefined;
    const saved = await saveImages(response.data ?? [], {
      ...ctx,
      spill,
      requestId: answer.requestId,
      // Files downloaded from URLs are not in memory: the preview reads them back.
      onSaved:
        preview &&
        (async (file, bytes) =>
          bytes ? preview.show(bytes, 'final') : file.path !== '-' ? preview.showFile(file.path, 'final') : undefined),
    });
    return {
      model: job.model.name,
      endpoint: job.endpoint,
      requestBody: job.json ? 'json' : 'multipart',
      created,
      requestId: answer.requestId,
      ...saved,
      usage: response.usage ?? undefined,
      cost: costOf(settings, job, response.usage ?? undefined, saved.files.length),
      ...serverNotes(),
    };
  } finally {
    await spill.cleanup();
  }
}

/** The estimated cost of an answer; none at all from the offline server (--mock), which bills nothing. */
/**
 * The cost of an answer: by the configured flat price per image where one is set (a relay's),
 * else from its usage at the token rates; none without usage (a dollar figure never guessed), and
 * nothing at all from the offline server (--mock), which bills nothing.
 */
function costOf(settings: Settings, job: ImageJob, usage: Usage | undefined, images: number): CostEstimate | undefined {
  const estimate =
    settings.pricePerImage !== undefined
      ? flatCost(settings.pricePerImage, images, 'price-per-image (config)')
      : estimateCost(job.model, usage, jobParams(job));
  return settings.mock ? offlineCost(estimate) : estimate;
}

/** --preview: a no-op (undefined, said once on stderr) unless stderr is a terminal that can show images. */
export async function createPreviewerFor(rt: Runtime, say: Messenger): Promise<Previewer | undefined> {
  // The previewer (and sharp under it) loads only for --preview.
  const { createPreviewer } = await import('../terminal/previewer.js');
  return createPreviewer(rt.stderr, rt.env, say.warn, say.info);
}

/** runImages, then reportRun; with --summary a failed run still gets its row in the CI summary. */
export async function runAndReport(
  rt: Runtime,
  settings: Settings,
  job: ImageJob,
  opts: { json?: boolean; summary?: boolean },
  say: Messenger,
  connect: Connect,
): Promise<void> {
  let result: ImagesResult | undefined;
  try {
    result = await runImages(rt, settings, job, say, connect);
  } catch (err) {
    if (opts.summary && !rt.signal.aborted) {
      writeSummary(rt, {
        model: job.model.name,
        endpoint: job.endpoint,
        created: 0,
        files: [],
        failed: [{ index: 0, error: err as Error }],
      });
    }
    throw err;
  }
  reportRun(rt, result, opts, say);
}

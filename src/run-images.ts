// The path every image command shares once its request is validated: check the model and the
// destination, connect (to the offline server with --mock), send, save, report.
import { ApiError } from './api/errors.js';
import { closeDispatchers, dispatcherFor, keepWasmBaseline, type Connection, type RequestSpec } from './api/http.js';
import { proxyFor } from './api/proxy.js';
import { createImages, type ImagesEndpoint, type Usage } from './api/images.js';
import type { Settings } from './config.js';
import { MissingKeyError, PartialFailureError, UsageError } from './errors.js';
import { startSpinner, type Messenger, type Runtime } from './io.js';
import { modelAdvice, type ResolvedModel } from './models.js';
import { estimateCost, type CostEstimate } from './prices.js';
import { redactKey, redactUrlCredentials } from './redact.js';
import { imagesPath, queryFor } from './route.js';
import { prepareDestination, printResult, type OutputPlan } from './output.js';
import type { Previewer } from './previewer.js';
import { saveImages, type FailedImage, type SaveContext, type SavedFile, type SavedPartial } from './save-images.js';
import type { StreamOptions } from './stream-images.js';
import { USER_AGENT } from './version.js';

export interface ImagesJob {
  endpoint: ImagesEndpoint;
  model: ResolvedModel;
  /** The validated JSON body (generations) or a multipart builder (edits, variations). */
  json?: Record<string, unknown>;
  form?: RequestSpec['form'];
  plan: OutputPlan;
  /** --dry-run: describe the request on stdout (as JSON with --json) instead of sending it. */
  dryRun?: { json: boolean };
  /** --stream: the answer comes as events, partial images first (see stream-images.ts). */
  stream?: StreamOptions;
  /** --preview: draw the images on stderr when it is a terminal that can show them. */
  preview?: boolean;
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
}

export interface OpenConnection {
  conn: Connection;
  close: () => Promise<void>;
}

/** The Connection for a target, with every setting that shapes the request (shared with --dry-run). */
export function connectionFor(rt: Runtime, settings: Settings, say: Messenger, target: { baseUrl: string; apiKey: string }): Connection {
  const proxy = settings.mock ? undefined : settings.proxy;
  return {
    ...target,
    authHeader: settings.mock ? 'bearer' : settings.authHeader,
    query: queryFor(settings),
    org: settings.org,
    project: settings.project,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    userAgent: USER_AGENT,
    signal: rt.signal,
    // One dispatcher for API calls and URL downloads, so both honour the proxy settings.
    dispatcher: dispatcherFor(settings.timeoutMs, proxy),
    log: settings.verbose ? say.verbose : undefined,
    onRetry: ({ attempt, maxAttempts, delayMs, reason }: { attempt: number; maxAttempts: number; delayMs: number; reason: string }) =>
      say.info(`${reason}: retrying in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt} of ${maxAttempts})`),
  };
}

/** --verbose: where each connection setting came from, and whether a proxy is in the way. */
function logSettings(settings: Settings, say: Messenger, baseUrl: string): void {
  if (!settings.verbose) return;
  const from = (key: keyof Settings['sources']) => settings.sources[key] ?? 'default';
  if (settings.profile) say.verbose(`profile ${settings.profile} (config file ${settings.configPath})`);
  say.verbose(`base URL ${baseUrl} (from ${settings.mock ? '--mock' : from('baseUrl')})`);
  if (settings.apiKey) say.verbose(`API key ${redactKey(settings.apiKey)} for ${baseUrl} (from ${from('apiKey')}), sent as ${settings.authHeader === 'api-key' ? 'an api-key header' : 'Authorization: Bearer'}`);
  if (settings.mock) return;
  const proxy = proxyFor(baseUrl, settings.proxy);
  if (proxy) say.verbose(`proxy: requests to ${new URL(baseUrl).host} and image downloads go through ${redactUrlCredentials(proxy)}`);
  else if (settings.proxy) say.verbose(`proxy: none for ${new URL(baseUrl).host} (NO_PROXY); image downloads may still use one`);
}

/** Connects to the configured server, or starts the offline one in-process for --mock. */
export async function openConnection(rt: Runtime, settings: Settings, say: Messenger): Promise<OpenConnection> {
  keepWasmBaseline();
  if (settings.mock) {
    const { startMockServer } = await import('./mock/server.js');
    const server = await startMockServer();
    say.verbose(`offline server listening at ${server.url}`);
    logSettings(settings, say, server.url);
    const close = async () => {
      await closeDispatchers();
      await server.close();
    };
    return { conn: connectionFor(rt, settings, say, { baseUrl: server.url, apiKey: settings.apiKey ?? 'sk-imgcli-mock' }), close };
  }
  if (!settings.apiKey) throw new MissingKeyError();
  logSettings(settings, say, settings.baseUrl);
  return { conn: connectionFor(rt, settings, say, { baseUrl: settings.baseUrl, apiKey: settings.apiKey }), close: closeDispatchers };
}

/**
 * --dry-run: describes the request on stdout and sends nothing. The offline server is not
 * started, so --mock shows a placeholder address.
 */
export async function dryRun(rt: Runtime, settings: Settings, spec: RequestSpec, say: Messenger, json: boolean): Promise<void> {
  if (!settings.apiKey && !settings.mock) say.warn('no API key is set: a real run would stop here (set OPENAI_API_KEY or `imgcli config set api-key`).');
  if (settings.mock) say.info('--mock: the offline server would listen on a free port of 127.0.0.1.');
  const target = settings.mock ? { baseUrl: 'http://127.0.0.1/v1', apiKey: settings.apiKey ?? 'sk-imgcli-mock' } : { baseUrl: settings.baseUrl, apiKey: settings.apiKey ?? '' };
  logSettings(settings, say, target.baseUrl);
  const { previewRequest, printPreview } = await import('./dry-run.js');
  const conn = connectionFor(rt, settings, say, target);
  try {
    printPreview(rt.stdout, await previewRequest(conn, spec), json);
  } finally {
    await closeDispatchers();
  }
}

/** Sends the job and saves the images; with job.dryRun, prints the request instead and returns undefined. */
export async function runImages(rt: Runtime, settings: Settings, job: ImagesJob, say: Messenger): Promise<ImagesResult | undefined> {
  const path = imagesPath(settings, job.endpoint);
  const advice = modelAdvice(job.model, settings.mock ? 'http://127.0.0.1' : settings.baseUrl, rt.now());
  if (advice.refuse) throw new UsageError(advice.refuse, 'Against another server that still has the model, set --base-url.');
  if (advice.warn) say.warn(advice.warn);
  if (advice.notice) say.info(advice.notice);
  if (job.dryRun) {
    const accept = job.stream ? 'text/event-stream' : undefined;
    await dryRun(rt, settings, { method: 'POST', path, json: job.json, form: job.form, accept }, say, job.dryRun.json);
    return undefined;
  }
  await prepareDestination(job.plan);

  const { conn, close } = await openConnection(rt, settings, say);
  try {
    return await sendAndSave(rt, settings, conn, job, say, path);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && job.model.info?.replacement) {
      err.hint = `${err.hint ?? ''} ${job.model.name}'s replacement is ${job.model.info.replacement}.`.trim();
    }
    throw err;
  } finally {
    await close();
  }
}

async function sendAndSave(rt: Runtime, settings: Settings, conn: Connection, job: ImagesJob, say: Messenger, path: string): Promise<ImagesResult> {
  const request = { endpoint: job.endpoint, json: job.json, form: job.form, path };
  const ctx: SaveContext = { plan: job.plan, stdout: rt.stdout, signal: rt.signal, timeoutMs: settings.timeoutMs, dispatcher: conn.dispatcher, warn: say.warn };
  const preview = job.preview ? await createPreviewerFor(rt, say) : undefined;
  if (job.stream) {
    const { runStream } = await import('./stream-images.js');
    const outcome = await runStream(rt, settings, conn, { model: job.model.name, request, plan: job.plan, stream: job.stream }, ctx, say, preview);
    return { model: job.model.name, endpoint: job.endpoint, ...outcome, cost: estimateCost(job.model, outcome.usage) };
  }
  const spinner = await startSpinner(rt, `${job.model.name}: waiting for the image`, settings);
  let answer;
  try {
    answer = await createImages(conn, request);
  } finally {
    spinner.stop();
  }
  const response = answer.value;
  const saved = await saveImages(response.data ?? [], {
    ...ctx,
    requestId: answer.requestId,
    // Files downloaded from URLs are not in memory: the preview reads them back.
    onSaved: preview && (async (file, bytes) => (bytes ? preview.show(bytes, 'final') : file.path !== '-' ? preview.showFile(file.path, 'final') : undefined)),
  });
  return {
    model: job.model.name,
    endpoint: job.endpoint,
    created: response.created,
    requestId: answer.requestId,
    ...saved,
    usage: response.usage ?? undefined,
    cost: estimateCost(job.model, response.usage ?? undefined),
  };
}

/** --preview: a no-op (undefined) unless stderr is a terminal that can show images. */
async function createPreviewerFor(rt: Runtime, say: Messenger): Promise<Previewer | undefined> {
  const { createPreviewer } = await import('./previewer.js');
  return createPreviewer(rt.stderr, rt.env, say.warn);
}

/**
 * Prints what was saved and throws when anything failed: with nothing saved, stdout stays
 * empty and the first failure decides the exit code; with some saved, they are listed first.
 * After a dry run (no result) there is nothing to report.
 */
export function reportRun(rt: Runtime, result: ImagesResult | undefined, opts: { json?: boolean }, say: Messenger): void {
  // A dry run has printed its own document.
  if (!result) return;
  if (result.files.length === 0 && result.failed.length) throw result.failed[0]!.error;
  printResult(rt.stdout, result, opts, say.info);
  if (result.failed.length) throw new PartialFailureError(result.files.length, result.failed.map((f) => f.error));
}

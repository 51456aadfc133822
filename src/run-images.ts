// The path every image command shares once its request is validated: check the model and the
// destination, connect (to the offline server with --mock), send, save, report.
import { ApiError } from './api/errors.js';
import { closeDispatchers, keepWasmBaseline, type Connection, type RequestSpec } from './api/http.js';
import { createImages, type ImagesEndpoint, type Usage } from './api/images.js';
import { redactKey, type Settings } from './config.js';
import { MissingKeyError, PartialFailureError, UsageError } from './errors.js';
import { startSpinner, type Messenger, type Runtime } from './io.js';
import { modelAdvice, type ResolvedModel } from './models.js';
import { estimateCost, type CostEstimate } from './prices.js';
import { prepareDestination, printResult, type OutputPlan } from './output.js';
import { saveImages, type FailedImage, type SavedFile } from './save-images.js';
import { USER_AGENT } from './version.js';

export interface ImagesJob {
  endpoint: ImagesEndpoint;
  model: ResolvedModel;
  /** The validated JSON body (generations) or a multipart builder (edits, variations). */
  json?: Record<string, unknown>;
  form?: RequestSpec['form'];
  plan: OutputPlan;
}

export interface ImagesResult {
  model: string;
  endpoint: ImagesEndpoint;
  created: number;
  requestId?: string;
  files: SavedFile[];
  failed: FailedImage[];
  usage?: Usage;
  cost?: CostEstimate;
}

export interface OpenConnection {
  conn: Connection;
  close: () => Promise<void>;
}

/** Connects to the configured server, or starts the offline one in-process for --mock. */
export async function openConnection(rt: Runtime, settings: Settings, say: Messenger): Promise<OpenConnection> {
  keepWasmBaseline();
  const common = {
    org: settings.org,
    project: settings.project,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    userAgent: USER_AGENT,
    signal: rt.signal,
    log: settings.verbose ? say.verbose : undefined,
    onRetry: ({ attempt, maxAttempts, delayMs, reason }: { attempt: number; maxAttempts: number; delayMs: number; reason: string }) =>
      say.info(`${reason}: retrying in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt} of ${maxAttempts})`),
  };
  if (settings.mock) {
    const { startMockServer } = await import('./mock/server.js');
    const server = await startMockServer();
    say.verbose(`offline server listening at ${server.url}`);
    const close = async () => {
      await closeDispatchers();
      await server.close();
    };
    return { conn: { ...common, baseUrl: server.url, apiKey: settings.apiKey ?? 'sk-imgcli-mock' }, close };
  }
  if (!settings.apiKey) throw new MissingKeyError();
  say.verbose(`API key ${redactKey(settings.apiKey)} for ${settings.baseUrl}`);
  return { conn: { ...common, baseUrl: settings.baseUrl, apiKey: settings.apiKey }, close: closeDispatchers };
}

export async function runImages(rt: Runtime, settings: Settings, job: ImagesJob, say: Messenger): Promise<ImagesResult> {
  const advice = modelAdvice(job.model, settings.mock ? 'http://127.0.0.1' : settings.baseUrl, rt.now());
  if (advice.refuse) throw new UsageError(advice.refuse, 'Against another server that still has the model, set --base-url.');
  if (advice.warn) say.warn(advice.warn);
  if (advice.notice) say.info(advice.notice);
  await prepareDestination(job.plan);

  const { conn, close } = await openConnection(rt, settings, say);
  try {
    const spinner = await startSpinner(rt, `${job.model.name}: waiting for the image`, settings);
    let answer;
    try {
      answer = await createImages(conn, { endpoint: job.endpoint, json: job.json, form: job.form });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && job.model.info?.replacement) {
        err.hint = `${err.hint ?? ''} ${job.model.name}'s replacement is ${job.model.info.replacement}.`.trim();
      }
      throw err;
    } finally {
      spinner.stop();
    }
    const response = answer.value;
    const saved = await saveImages(response.data ?? [], {
      plan: job.plan,
      stdout: rt.stdout,
      signal: rt.signal,
      timeoutMs: settings.timeoutMs,
      requestId: answer.requestId,
      warn: say.warn,
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
  } finally {
    await close();
  }
}

/**
 * Prints what was saved and throws when anything failed: with nothing saved, stdout stays
 * empty and the first failure decides the exit code; with some saved, they are listed first.
 */
export function reportRun(rt: Runtime, result: ImagesResult, opts: { json?: boolean }, say: Messenger): void {
  if (result.files.length === 0 && result.failed.length) throw result.failed[0]!.error;
  printResult(rt.stdout, result, opts, say.info);
  if (result.failed.length) throw new PartialFailureError(result.files.length, result.failed.map((f) => f.error));
}

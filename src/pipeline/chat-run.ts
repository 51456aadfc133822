// One conversation turn sent and saved: POST /responses through the HTTP core (retries that never
// resend what may have been received), the answer or its stream read (api/responses.ts), the image
// proved, checked against the request and written atomically with its provenance (output/save.ts),
// partial images written and previewed as gen --stream does. A turn that went out and got no
// complete answer is `uncertain`: it may have been made and billed, so it is never sent again here.
import { ApiError } from '../api/errors.js';
import type { Connection, ResponseHead } from '../api/http.js';
import {
  createResponse,
  streamResponse,
  type ResponseAnswer,
  type ResponseImage,
  type ResponseStreamEvent,
} from '../api/responses.js';
import type { Settings } from '../config/settings.js';
import { InterruptedError } from '../errors.js';
import { estimateCost, estimateMainlineCost, flatCost, offlineCost, type CostEstimate } from '../models/prices.js';
import { prepareDestination } from '../output/disk.js';
import { recoveryDirs } from '../output/recovery.js';
import {
  decodeBase64,
  saveBytes,
  savePartial,
  type FailedImage,
  type SaveContext,
  type SavedFile,
  type SavedPartial,
  type ServerNote,
} from '../output/save.js';
import { stamper } from '../provenance/stamp.js';
import type { Runtime } from '../runtime.js';
import type { Messenger } from '../terminal/messenger.js';
import { startSpinner } from '../terminal/spinner.js';
import type { ChatTurnJob } from './chat-build.js';
import { createPreviewerFor, fingerprintFor, outDirOf, type ImageJob } from './run.js';

/** What a turn made: the response, its image, what the model said, and the usage of both models. */
export interface TurnResult {
  responseId: string;
  requestId?: string;
  created: number;
  files: SavedFile[];
  failed: FailedImage[];
  partials: SavedPartial[];
  revisedPrompt?: string;
  /** The mainline model's words besides the image. */
  text?: string;
  usage: { mainline?: Record<string, unknown>; image?: Record<string, unknown> };
  cost?: TurnCost;
  serverNotes?: ServerNote[];
}

/** The turn's cost in its two parts: the mainline model's tokens and the image's, each said which. */
export interface TurnCost {
  mainline?: CostEstimate;
  image?: CostEstimate;
  /** The offline server: nothing was billed. */
  offline: boolean;
}

/**
 * A turn that did not end with an answer: `uncertain` when it went out and no complete answer came
 * (a timeout, a broken connection or stream, Ctrl-C), `failed` when the server refused or failed it.
 */
export class TurnNotAnswered extends Error {
  override readonly name = 'TurnNotAnswered';
  constructor(
    readonly status: 'uncertain' | 'failed',
    override readonly cause: unknown,
    /** The response's id when the stream told it before breaking. */
    readonly responseId?: string,
  ) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/**
 * Whether a failure after sending may mean the server made (and billed) the turn anyway: anything
 * but the server's own refusal or failure, or a connection that was never made. A timeout, a cut
 * stream, Ctrl-C, an unusable answer or a local failure mid-stream all may.
 */
function mayHaveBeenMade(err: unknown, rt: Runtime): boolean {
  if (rt.signal.aborted || err instanceof InterruptedError) return true;
  if (!(err instanceof ApiError)) return true;
  if (err.kind === 'http') return false;
  return !(err.kind === 'network' && err.maybeReceived === false);
}

const sum = (parts: Array<CostEstimate | undefined>) =>
  parts.some((p) => p) ? Math.round(parts.reduce((s, p) => s + (p?.usd ?? 0), 0) * 1e6) / 1e6 : undefined;

/** The turn's total in dollars where some part is known (0 offline); undefined when neither is. */
export function totalUsd(cost: TurnCost | undefined): number | undefined {
  if (!cost) return undefined;
  return cost.offline ? 0 : sum([cost.mainline, cost.image]);
}

function turnCost(settings: Settings, job: ChatTurnJob, usage: TurnResult['usage']): TurnCost {
  const image =
    settings.pricePerImage !== undefined
      ? flatCost(settings.pricePerImage, 1, 'price-per-image (config)')
      : estimateCost(job.model, usage.image);
  const mainline = estimateMainlineCost(job.mainline, usage.mainline);
  if (settings.mock) return { offline: true, mainline: offlineCost(mainline), image: offlineCost(image) };
  return { offline: false, ...(mainline ? { mainline } : {}), ...(image ? { image } : {}) };
}

/** What the turn's save needs: the plan, the provenance stamp with the thread and turn, the answer checks. */
async function saveContext(rt: Runtime, settings: Settings, conn: Connection, job: ChatTurnJob, say: Messenger) {
  // The fingerprint and input digests are made as for an image job (the record's inputs, hashed once).
  const asJob = { endpoint: 'responses', model: job.model, record: job.record } as unknown as ImageJob;
  const fingerprint = await fingerprintFor(asJob);
  job.digests = asJob.digests;
  const meta: { created?: number; usage?: Record<string, unknown> } = {};
  const ctx: SaveContext = {
    plan: job.plan,
    stdout: rt.stdout,
    signal: rt.signal,
    timeoutMs: settings.timeoutMs,
    dispatcher: conn.dispatcher,
    warn: say.warn,
    stamp: job.metadata
      ? stamper({
          endpoint: 'responses',
          model: job.model.name,
          record: job.record,
          fingerprint,
          digests: job.digests,
          outDir: outDirOf(job.plan),
          meta,
          offline: () => conn.offline,
          warn: say.warn,
          now: rt.now,
          chat: {
            thread: job.place.thread,
            turn: job.place.turn,
            mainline: job.mainline,
            previous_response_id: job.place.previousResponseId,
          },
        })
      : undefined,
    recovery: recoveryDirs(settings.configPath),
    // As for gen: under --mock nothing was billed, so a recovery message does not say "paid for".
    billed: !settings.mock,
    expect: job.expect,
    notes: [],
  };
  return { ctx, meta };
}

/** What the caller records as the turn goes: just before it is sent, and the response id as soon as a stream says it. */
export interface TurnHooks {
  beforeSend(): Promise<void>;
  onCreated(id: string): Promise<void>;
}

/**
 * Sends the turn and saves its image. Throws TurnNotAnswered when it went out and no answer came
 * (anything thrown before `beforeSend` was not sent); an answer whose image could not be written
 * comes back with it in `failed`.
 */
export async function runTurn(
  rt: Runtime,
  settings: Settings,
  conn: Connection,
  job: ChatTurnJob,
  say: Messenger,
  path: string,
  hooks: TurnHooks,
): Promise<TurnResult> {
  await prepareDestination(job.plan);
  const { ctx, meta } = await saveContext(rt, settings, conn, job, say);
  const preview = job.preview ? await createPreviewerFor(rt, say) : undefined;
  await hooks.beforeSend();
  const spinner = await startSpinner(rt, `${job.mainline} with ${job.model.name}: waiting for the image`, settings);
  const files: SavedFile[] = [];
  const failed: FailedImage[] = [];
  const partials: SavedPartial[] = [];
  let responseId: string | undefined;
  let writePartials = Boolean(job.stream?.writePartials) && job.plan.kind !== 'stdout';
  const saveImage = async (image: ResponseImage, head: { requestId?: string }) => {
    if (files.length + failed.length > 0) return;
    ctx.requestId = head.requestId;
    ctx.responseId = responseId;
    try {
      const bytes = decodeBase64(image.b64, 0, head.requestId);
      const saved = await saveBytes(bytes, 0, ctx, image.revisedPrompt);
      files.push(image.revisedPrompt ? { ...saved, revised_prompt: image.revisedPrompt } : saved);
      spinner.update(`${job.mainline} with ${job.model.name}: finishing`);
      await preview?.show(bytes, 'final', spinner.interrupt);
    } catch (err) {
      if (rt.signal.aborted) throw err;
      failed.push({ index: 0, error: err as Error });
    }
  };
  const onEvent = async (event: ResponseStreamEvent, head: ResponseHead) => {
    if (event.type === 'created') {
      responseId = event.id;
      await hooks.onCreated(event.id);
    } else if (event.type === 'partial') {
      spinner.update(`${job.mainline} with ${job.model.name}: partial ${event.partialIndex + 1}`);
      const bytes = decodeBase64(event.b64, 0, head.requestId);
      if (writePartials)
        await savePartial(bytes, 0, event.partialIndex, ctx).then(
          (p) => void partials.push(p),
          (err: unknown) => {
            if (rt.signal.aborted) throw err;
            writePartials = false;
            spinner.interrupt(() => say.warn(`partial images are no longer written: ${(err as Error).message}`));
          },
        );
      await preview?.show(bytes, 'partial', spinner.interrupt);
    } else if (event.type === 'image') {
      meta.created = Math.floor(rt.now().getTime() / 1000);
      await saveImage(event.image, head);
    }
  };
  let answer: ResponseHead & { value: ResponseAnswer };
  try {
    answer = job.stream
      ? await streamResponse(conn, { path, json: job.body }, onEvent)
      : await createResponse(conn, { path, json: job.body });
  } catch (err) {
    spinner.stop();
    // The image came whole before the stream broke: the turn is made; only its usage is missing.
    if (files.length && responseId && !rt.signal.aborted) {
      say.warn(`the stream broke after the image arrived (${(err as Error).message}); its usage is not known`);
      return { responseId, created: meta.created ?? 0, files, failed, partials, usage: {} };
    }
    throw new TurnNotAnswered(mayHaveBeenMade(err, rt) ? 'uncertain' : 'failed', err, responseId);
  } finally {
    spinner.stop();
  }
  const value = answer.value;
  responseId = value.id;
  meta.created = value.created ?? meta.created ?? Math.floor(rt.now().getTime() / 1000);
  meta.usage = value.imageUsage;
  if (value.images.length > 1) {
    ctx.notes!.push({ kind: 'count', asked: 1, got: value.images.length });
    say.warn(`the response holds ${value.images.length} images; the first was saved (a turn makes one).`);
  }
  if (value.images.length === 0 && files.length === 0)
    throw new TurnNotAnswered(
      'failed',
      new ApiError({
        kind: 'answer',
        problem: 'no-images',
        requestId: answer.requestId,
        message: `The response ${value.id} holds no image${value.text ? `; the model said: ${value.text.slice(0, 300)}` : ''}.`,
      }),
      value.id,
    );
  if (files.length + failed.length === 0) await saveImage(value.images[0]!, answer);
  const usage = {
    ...(value.usage ? { mainline: value.usage } : {}),
    ...(value.imageUsage ? { image: value.imageUsage } : {}),
  };
  return {
    responseId: value.id,
    requestId: answer.requestId,
    created: meta.created,
    files,
    failed,
    partials,
    ...(files[0]?.revised_prompt ? { revisedPrompt: files[0].revised_prompt } : {}),
    ...(value.text ? { text: value.text } : {}),
    usage,
    cost: turnCost(settings, job, usage),
    ...(ctx.notes!.length ? { serverNotes: ctx.notes } : {}),
  };
}

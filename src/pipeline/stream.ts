// --stream runs: each partial image is written next to its final path as it arrives (unless
// --no-partials) and previewed, each completed image is saved like any other, and progress goes
// to stderr. Images the stream did not finish leave no files behind, partials included.
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { SpillFiles } from '../output/spill.js';
import { ApiError, answerError } from '../api/errors.js';
import type { ImageStreamEvent } from '../api/image-stream.js';
import type { Connection, ResponseHead } from '../api/http.js';
import { streamImages, type ImagesRequest, type Usage } from '../api/images.js';
import { HintedError } from '../errors.js';
import { startSpinner, type Spinner } from '../terminal/spinner.js';
import type { Messenger } from '../terminal/messenger.js';
import type { Runtime } from '../runtime.js';
import type { OutputPlan } from '../output/naming.js';
import type { Previewer } from '../terminal/previewer.js';
import {
  decodeBase64,
  saveBytes,
  saveImages,
  savePartial,
  type FailedImage,
  type SaveContext,
  type SavedFile,
  type SavedPartial,
} from '../output/save.js';

export interface StreamOptions {
  /** The request's partial_images: how many partials to expect per image. */
  partialImages: number;
  /** False with --no-partials: partials are only previewed, never written. */
  writePartials: boolean;
}

export interface StreamRun {
  model: string;
  request: ImagesRequest;
  plan: OutputPlan;
  stream: StreamOptions;
}

export interface StreamOutcome {
  created: number;
  requestId?: string;
  files: SavedFile[];
  failed: FailedImage[];
  partials: SavedPartial[];
  usage?: Usage;
}

export const imageCount = (plan: OutputPlan) =>
  plan.kind === 'files' ? plan.paths.length : plan.kind === 'generated' ? plan.count : 1;

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Progress on stderr: the spinner's text on a TTY, and with --verbose one line per event. */
function progress(spinner: Spinner, say: Messenger, run: StreamRun, count: number) {
  const started = Date.now();
  const P = run.stream.partialImages;
  const image = (i: number) => (count > 1 ? `image ${i + 1}/${count}` : 'image');
  const partial = (k: number) => `partial ${k + 1}${k < P ? `/${P}` : ''}`;
  const log = (line: string) => spinner.interrupt(() => say.verbose(line));
  return {
    partial(i: number, k: number, path: string | undefined) {
      spinner.update(`${run.model}: ${count > 1 ? `${image(i)}, ` : ''}${partial(k)}`);
      log(`${partial(k)}${count > 1 ? ` of ${image(i)}` : ''} after ${seconds(started)}${path ? `: ${path}` : ''}`);
    },
    completed(i: number, path: string) {
      spinner.update(`${run.model}: ${i + 1 < count ? `${image(i + 1)}, waiting` : 'finishing'}`);
      log(`${image(i)} completed after ${seconds(started)}: ${path === '-' ? 'stdout' : path}`);
    },
  };
}

export async function runStream(
  rt: Runtime,
  settings: { quiet?: boolean; color?: boolean },
  conn: Connection,
  run: StreamRun,
  base: SaveContext,
  say: Messenger,
  preview?: Previewer,
): Promise<StreamOutcome> {
  const count = imageCount(run.plan);
  const ctx: SaveContext = { ...base };
  const spinner = await startSpinner(
    rt,
    `${run.model}: ${run.stream.partialImages ? 'waiting for the first partial image' : 'waiting for the image'}`,
    settings,
  );
  const warn = (line: string) => spinner.interrupt(() => say.warn(line));
  const show = (bytes: Buffer, kind: 'partial' | 'final') => preview?.show(bytes, kind, spinner.interrupt);
  const report = progress(spinner, say, run, count);
  const files: SavedFile[] = [];
  const failed: FailedImage[] = [];
  const partials: SavedPartial[] = [];
  let completed = 0;
  let created: number | undefined;
  let usage: Usage | undefined;
  // -o - has no path to put partials beside; a disk error stops partials, not the run.
  let writePartials = run.stream.writePartials && run.plan.kind !== 'stdout';

  const onPartial = async (b64: string, k: number) => {
    const index = completed;
    let bytes: Buffer;
    try {
      bytes = decodeBase64(b64, index, ctx.requestId);
    } catch (err) {
      return warn(`partial image ${k + 1} is unusable and was skipped: ${(err as Error).message}`);
    }
    let saved: SavedPartial | undefined;
    if (writePartials && index < count) {
      try {
        saved = await savePartial(bytes, index, k, ctx);
        partials.push(saved);
      } catch (err) {
        if (rt.signal.aborted) throw err;
        // Bytes that are not an image cost this partial; a disk that fails costs the rest.
        if (err instanceof ApiError && err.kind === 'answer') return warn(`${(err as Error).message} It was skipped.`);
        writePartials = false;
        warn(`partial images are no longer written: ${(err as Error).message}`);
      }
    }
    report.partial(index, k, saved?.path);
    await show(bytes, 'partial');
  };

  const onCompleted = async (event: Extract<ImageStreamEvent, { type: 'completed' }>) => {
    const index = completed++;
    if (event.usage) usage = event.usage; // each completed event carries the whole request's usage
    created ??= typeof event.raw.created_at === 'number' ? event.raw.created_at : undefined;
    if (index >= count)
      return warn(`the server sent more images than the ${count} asked for; image ${index + 1} was not saved.`);
    try {
      const bytes = decodeBase64(event.b64, index, ctx.requestId);
      const saved = await saveBytes(bytes, index, ctx);
      files.push(saved);
      report.completed(index, saved.path);
      await show(bytes, 'final');
    } catch (err) {
      if (rt.signal.aborted) throw err;
      failed.push({ index, error: err as Error });
    }
  };

  const onEvent = async (event: ImageStreamEvent, head: ResponseHead) => {
    ctx.requestId = head.requestId;
    if (event.type === 'partial') await onPartial(event.b64, event.partialIndex);
    else await onCompleted(event);
  };

  let error: unknown;
  // A server that ignores `stream` answers plain JSON: its images are spilled like any other answer's.
  const spill = SpillFiles.for(run.plan, [tmpdir(), ...(base.recovery ?? [])]);
  try {
    const answer = await streamImages(conn, run.request, onEvent, spill);
    ctx.requestId = answer.requestId;
    const fallback = answer.value.fallback;
    if (fallback) {
      // A server that does not stream answered with plain JSON: save it the ordinary way.
      spinner.interrupt(() => say.verbose('the server answered without streaming; saving its images as usual'));
      const saved = await saveImages(fallback.data ?? [], {
        ...ctx,
        spill,
        onSaved: async (file, bytes) => (bytes ? show(bytes, 'final') : preview?.showFile(file.path, 'final')),
      });
      files.push(...saved.files);
      failed.push(...saved.failed);
      completed = count; // a plain answer is judged like any non-streamed one
      created = fallback.created ?? created;
      usage = fallback.usage ?? undefined;
    }
  } catch (err) {
    error =
      err instanceof ApiError && err.maybeReceived
        ? new HintedError(
            err,
            'The stream was cut after it started. imgcli does not resend it by itself (its images may already be billed): run the command again, or without --stream.',
          )
        : err;
  } finally {
    spinner.stop();
    await spill.cleanup();
  }
  await removeUnfinished(partials, files);
  if (error !== undefined) {
    // Nothing kept to report (or Ctrl-C): the error decides alone.
    if (rt.signal.aborted || files.length + failed.length === 0) throw error;
    for (let i = completed; i < count; i++) failed.push({ index: i, error: error as Error });
  } else if (completed < count) {
    const short = answerError(
      'missing-images',
      `The stream ended after ${completed} of ${count} images.`,
      ctx.requestId,
    );
    for (let i = completed; i < count; i++) failed.push({ index: i, error: short });
  }
  return {
    created: created ?? Math.floor(rt.now().getTime() / 1000),
    requestId: ctx.requestId,
    files,
    failed,
    partials,
    usage,
  };
}

/** Deletes the partials of images that did not end up saved, and drops them from the list. */
async function removeUnfinished(partials: SavedPartial[], files: SavedFile[]): Promise<void> {
  const saved = new Set(files.map((f) => f.index));
  const orphans = partials.filter((p) => !saved.has(p.index));
  await Promise.all(orphans.map((p) => unlink(p.path).catch(() => {})));
  partials.splice(0, partials.length, ...partials.filter((p) => saved.has(p.index)));
}

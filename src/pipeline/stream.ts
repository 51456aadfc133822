// --stream runs: each partial image is written next to its final path as it arrives (unless
// --no-partials) and previewed, each completed image is saved like any other, and progress goes
// to stderr. Images the stream did not finish leave no files behind, partials included.
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { SpillFiles } from '../output/spill.js';
import { ApiError, answerError } from '../api/errors.js';
import type { ImageStreamEvent } from '../api/image-stream.js';
import type { Connection, ResponseHead } from '../api/http.js';
import { streamImages, type ImagesRequest, type ImagesResponse, type Usage } from '../api/images.js';
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

/**
 * What a streamed answer has given so far: partials written (and previewed), finals saved or
 * failed, and the usage and time the completed events carried. The events arrive one at a time.
 */
class Collected {
  readonly files: SavedFile[] = [];
  readonly failed: FailedImage[] = [];
  readonly partials: SavedPartial[] = [];
  completed = 0;
  created?: number;
  usage?: Usage;
  /** -o - has no path to put partials beside; a disk error stops partials, not the run. */
  #writePartials: boolean;

  constructor(
    private readonly rt: Runtime,
    private readonly ctx: SaveContext,
    private readonly count: number,
    private readonly out: {
      warn: (line: string) => void;
      show: (bytes: Buffer, kind: 'partial' | 'final') => Promise<void> | undefined;
      report: ReturnType<typeof progress>;
    },
    run: StreamRun,
  ) {
    this.#writePartials = run.stream.writePartials && run.plan.kind !== 'stdout';
  }

  async event(event: ImageStreamEvent, head: ResponseHead): Promise<void> {
    this.ctx.requestId = head.requestId;
    if (event.type === 'partial') await this.#partial(event.b64, event.partialIndex);
    else await this.#completed(event);
  }

  async #partial(b64: string, k: number): Promise<void> {
    const index = this.completed;
    let bytes: Buffer;
    try {
      bytes = decodeBase64(b64, index, this.ctx.requestId);
    } catch (err) {
      return this.out.warn(`partial image ${k + 1} is unusable and was skipped: ${(err as Error).message}`);
    }
    let saved: SavedPartial | undefined;
    if (this.#writePartials && index < this.count) {
      try {
        saved = await savePartial(bytes, index, k, this.ctx);
        this.partials.push(saved);
      } catch (err) {
        if (this.rt.signal.aborted) throw err;
        // Bytes that are not an image cost this partial; a disk that fails costs the rest.
        if (err instanceof ApiError && err.kind === 'answer')
          return this.out.warn(`${(err as Error).message} It was skipped.`);
        this.#writePartials = false;
        this.out.warn(`partial images are no longer written: ${(err as Error).message}`);
      }
    }
    this.out.report.partial(index, k, saved?.path);
    await this.out.show(bytes, 'partial');
  }

  async #completed(event: Extract<ImageStreamEvent, { type: 'completed' }>): Promise<void> {
    const index = this.completed++;
    if (event.usage) this.usage = event.usage; // each completed event carries the whole request's usage
    this.created ??= typeof event.raw.created_at === 'number' ? event.raw.created_at : undefined;
    if (index >= this.count)
      return this.out.warn(
        `the server sent more images than the ${this.count} asked for; image ${index + 1} was not saved.`,
      );
    try {
      const bytes = decodeBase64(event.b64, index, this.ctx.requestId);
      const saved = await saveBytes(bytes, index, this.ctx);
      this.files.push(saved);
      this.out.report.completed(index, saved.path);
      await this.out.show(bytes, 'final');
    } catch (err) {
      if (this.rt.signal.aborted) throw err;
      this.failed.push({ index, error: err as Error });
    }
  }

  /** A server that ignores `stream` answered plain JSON: its images are saved the ordinary way. */
  async fallback(answer: ImagesResponse, spill: SpillFiles, preview?: Previewer): Promise<void> {
    const saved = await saveImages(answer.data ?? [], {
      ...this.ctx,
      spill,
      onSaved: async (file, bytes) => (bytes ? this.out.show(bytes, 'final') : preview?.showFile(file.path, 'final')),
    });
    this.files.push(...saved.files);
    this.failed.push(...saved.failed);
    this.completed = this.count; // a plain answer is judged like any non-streamed one
    this.created = answer.created ?? this.created;
    this.usage = answer.usage ?? undefined;
  }

  /** The images the stream never delivered, each failed with the stream's error (or "ended after n of m"). */
  missing(error: unknown): void {
    const why =
      error !== undefined
        ? (error as Error)
        : answerError(
            'missing-images',
            `The stream ended after ${this.completed} of ${this.count} images.`,
            this.ctx.requestId,
          );
    for (let i = this.completed; i < this.count; i++) this.failed.push({ index: i, error: why });
  }
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
  const got = new Collected(
    rt,
    ctx,
    count,
    {
      warn: (line) => spinner.interrupt(() => say.warn(line)),
      show: (bytes, kind) => preview?.show(bytes, kind, spinner.interrupt),
      report: progress(spinner, say, run, count),
    },
    run,
  );
  let error: unknown;
  // A server that ignores `stream` answers plain JSON: its images are spilled like any other answer's.
  const spill = SpillFiles.for(run.plan, [tmpdir(), ...(base.recovery ?? [])]);
  try {
    const answer = await streamImages(conn, run.request, (event, head) => got.event(event, head), spill);
    ctx.requestId = answer.requestId;
    if (answer.value.fallback) {
      spinner.interrupt(() => say.verbose('the server answered without streaming; saving its images as usual'));
      await got.fallback(answer.value.fallback, spill, preview);
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
  await removeUnfinished(got.partials, got.files);
  // Nothing kept to report (or Ctrl-C): the error decides alone.
  if (error !== undefined && (rt.signal.aborted || got.files.length + got.failed.length === 0)) throw error;
  if (got.completed < count) got.missing(error);
  return {
    created: got.created ?? Math.floor(rt.now().getTime() / 1000),
    requestId: ctx.requestId,
    files: got.files,
    failed: got.failed,
    partials: got.partials,
    usage: got.usage,
  };
}

/** Deletes the partials of images that did not end up saved, and drops them from the list. */
async function removeUnfinished(partials: SavedPartial[], files: SavedFile[]): Promise<void> {
  const saved = new Set(files.map((f) => f.index));
  const orphans = partials.filter((p) => !saved.has(p.index));
  await Promise.all(orphans.map((p) => unlink(p.path).catch(() => {})));
  partials.splice(0, partials.length, ...partials.filter((p) => saved.has(p.index)));
}

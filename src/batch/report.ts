// The stdout contract of a batch, written once for the local and the remote run: one JSON line per
// job on stdout (line, command, status, files, request_id, usage, cost_usd, error; a remote run adds
// custom_id and batch_id), a ::error annotation per failed job in GitHub Actions, --max-cost's
// refusal of jobs without a price, and at the end --gallery, the GitHub step summary, the summary
// line on stderr and the outcome (exit 7 when some jobs did not succeed).
import { BatchFailedError, HintedError, UsageError } from '../errors.js';
import { DEFAULT_THUMB_SIZE, buildGallery, describeGallery, writeGallery } from '../gallery/build.js';
import { PRICED_FAMILIES, estimateRequestCost } from '../models/prices.js';
import type { ResolvedModel } from '../models/table.js';
import {
  appendStepSummary,
  errorAnnotation,
  galleryMarkdown,
  summaryMarkdown,
  type SummaryRow,
} from '../output/summary.js';
import type { Runtime } from '../runtime.js';
import type { Messenger } from '../terminal/messenger.js';
import { VERSION } from '../version.js';

/** What the report reads of a prepared job (batch/run.ts's Prepared): its line and its model. */
interface Prepared {
  raw: { line: number };
  job: { model: { name: string } };
}

/** The fields of a job's line that only an answer fills. */
export const NO_ANSWER = { files: [], request_id: null, usage: null, cost_usd: null };

/** A job line's status when the job's images were all made (or found made). */
const SUCCEEDED = new Set(['ok', 'up-to-date']);

/** --max-cost needs a price for every job: refused before anything is sent when one has none. */
export function checkPriced(
  jobs: ReadonlyArray<{ raw: { line: number }; job: { model: ResolvedModel } }>,
  maxCostUsd: number | undefined,
): void {
  if (maxCostUsd === undefined) return;
  const unpriced = jobs.filter((p) => estimateRequestCost(p.job.model, {}) === undefined);
  if (!unpriced.length) return;
  const lines = unpriced.map((p) => `line ${p.raw.line} (${p.job.model.name})`).join(', ');
  throw new UsageError(
    `--max-cost cannot be kept: imgcli knows no price for ${lines}; nothing was sent`,
    `Drop --max-cost, or use models with a known rate (${PRICED_FAMILIES.join(', ')}).`,
  );
}

interface Entry {
  prepared: Prepared;
  line: Record<string, unknown>;
  error?: Error;
}

export interface BatchEnd {
  /** The step summary's heading: `imgcli batch`, `imgcli batch --remote`. */
  title: string;
  /** The run's summary line on stderr, after `batch: ` (counts, cost, time). */
  summary: (counts: { ok: number; failed: number; skipped: number; total: number }) => string;
  offline: boolean;
  gallery?: { path: string; title: string };
  say: Messenger;
  /** What to do about the jobs that did not succeed, when some did not. */
  next?: (counts: { failed: number; skipped: number }) => string | undefined;
}

export class BatchReport {
  /** By job line: a job told again (a remote job whose batch was read twice) keeps its latest line. */
  readonly #entries = new Map<number, Entry>();

  constructor(
    private readonly rt: Runtime,
    /** False with the remote --no-wait: the lines come when the batch is collected. */
    private readonly print = true,
  ) {}

  /** One job's outcome: its JSON line on stdout, and for a failure its annotation in GitHub Actions. */
  job(prepared: Prepared, line: Record<string, unknown>, error?: Error): void {
    this.#entries.set(prepared.raw.line, { prepared, line, error });
    if (this.print) this.rt.stdout.write(`${JSON.stringify(line)}\n`);
    if (line.error && this.rt.env.GITHUB_ACTIONS === 'true')
      this.rt.stderr.write(errorAnnotation(`line ${prepared.raw.line}: ${String(line.error)}`));
  }

  /**
   * The end of the run, every job told: the gallery, the step summary, the summary line; throws
   * BatchFailedError (exit 7, or the failure's own code when every job failed) when some jobs did not succeed.
   */
  async finish(total: number, end: BatchEnd): Promise<void> {
    const entries = [...this.#entries.values()].sort((a, b) => a.prepared.raw.line - b.prepared.raw.line);
    const status = (e: Entry) => String(e.line.status);
    const ok = entries.filter((e) => SUCCEEDED.has(status(e))).length;
    const skipped = entries.filter((e) => status(e) === 'skipped').length;
    const failed = total - ok - skipped;
    const gallery = end.gallery && (await this.#writeGallery(end.gallery, entries, end.say));
    const galleryLine =
      gallery && !(gallery instanceof Error) ? galleryMarkdown(end.gallery!.path, gallery.images, this.rt.env) : '';
    appendStepSummary(
      this.rt.env,
      summaryMarkdown(
        end.title,
        entries.flatMap(summaryRows),
        end.offline ? 'offline server (--mock): nothing was billed.' : undefined,
      ) + galleryLine,
    );
    end.say.info(`batch: ${end.summary({ ok, failed, skipped, total })}`);
    if (failed || skipped) {
      if (gallery instanceof Error) end.say.warn(gallery.message);
      const errors = entries.flatMap((e) => (e.error ? [e.error] : []));
      const err = new BatchFailedError(ok, total, errors);
      const next = end.next?.({ failed, skipped });
      throw next ? new HintedError(err, next) : err;
    }
    if (gallery instanceof Error) throw gallery;
  }

  /** --gallery: the images made, in job order; an Error (reported after the run's own outcome) when it cannot be written. */
  async #writeGallery(
    target: { path: string; title: string },
    entries: Entry[],
    say: Messenger,
  ): Promise<{ images: number } | Error | undefined> {
    if (this.rt.signal.aborted) return undefined;
    const paths = entries.flatMap((e) => filesOf(e.line).map((f) => f.path));
    try {
      const page = await buildGallery(
        paths.map((path) => ({ path, explicit: false })),
        {
          out: target.path,
          title: target.title,
          thumbSize: DEFAULT_THUMB_SIZE,
          now: this.rt.now(),
          tool: `imgcli ${VERSION}`,
          signal: this.rt.signal,
        },
      );
      const bytes = await writeGallery(page, target.path, this.rt.signal);
      say.info(`gallery: ${target.path}: ${describeGallery(page, bytes)}`);
      return { images: page.items.length };
    } catch (err) {
      if (this.rt.signal.aborted || !(err instanceof Error)) throw err;
      return err;
    }
  }
}

const filesOf = (line: Record<string, unknown>) =>
  (line.files as Array<{ path: string; width?: number; height?: number }> | undefined) ?? [];

/** A job's rows in the step summary: one per file, or one for the job when it made none. */
function summaryRows({ prepared: p, line }: Entry): SummaryRow[] {
  const files = filesOf(line);
  const model = p.job.model.name;
  const status = String(line.status) + (line.error ? `: ${String(line.error)}` : '');
  const cost =
    typeof line.cost_usd === 'number' && !line.cost_note && files.length ? line.cost_usd / files.length : undefined;
  if (!files.length) return [{ line: p.raw.line, path: `line ${p.raw.line}`, model, size: '', status }];
  return files.map((f) => ({
    line: p.raw.line,
    path: f.path,
    model,
    size: f.width && f.height ? `${f.width}x${f.height}` : '',
    costUsd: cost,
    status,
  }));
}

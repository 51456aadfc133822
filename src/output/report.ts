// What a finished run prints: the written paths (one per line) or the --json document on stdout,
// the revised prompt and usage on stderr, the GitHub step summary, and the error when images failed.
import { LocalFileError, PartialFailureError } from '../errors.js';
import { usageText } from '../models/prices.js';
import type { Runtime } from '../runtime.js';
import type { Messenger } from '../terminal/messenger.js';
import { appendStepSummary, summaryMarkdown, type SummaryRow } from './summary.js';
/** The parts of a finished run that get reported; see pipeline/run.ts. */
export interface ReportedRun {
  model: string;
  endpoint: string;
  created: number;
  requestId?: string;
  files: Array<{
    index: number;
    path: string;
    bytes: number;
    width?: number;
    height?: number;
    format: string;
    frames?: number;
    revised_prompt?: string;
    svg_removed?: string[];
  }>;
  failed: Array<{ index: number; error: Error }>;
  /** True when --if-changed found the outputs up to date and nothing was sent. */
  upToDate?: boolean;
  /** How the request travelled: json or multipart. */
  requestBody?: string;
  /** Streamed runs only: the partial images written (none with --no-partials). */
  partials?: Array<{
    index: number;
    partialIndex: number;
    path: string;
    bytes: number;
    width?: number;
    height?: number;
    format: string;
  }>;
  usage?: Record<string, unknown>;
  cost?: { usd: number; rates_checked: string; offline?: object; basis?: string };
  /** How the answer differed from the request (output/save.ts's ServerNote). */
  serverNotes?: object[];
}

/** Where a paid image went when its destination failed (see output/recovery.ts). */
export function recoveredPath(err: Error): string | undefined {
  return err instanceof LocalFileError ? err.recovered : undefined;
}
/** The --json words for an offline run's cost, and the summary's. */
const OFFLINE_NOTE = 'offline server (--mock): nothing was billed';

/** One written file as --json and batch lines show it: path first, then what it is. */
export function fileEntry(f: ReportedRun['files'][number]): Record<string, unknown> {
  const { index: _index, path, ...rest } = f;
  return { path, ...rest };
}

/** The --json document: one object, stable keys, nothing else on stdout. */
export function resultDocument(run: ReportedRun): Record<string, unknown> {
  const revised = run.files.find((f) => f.revised_prompt)?.revised_prompt;
  const doc: Record<string, unknown> = {
    model: run.model,
    endpoint: run.endpoint,
    ...(run.requestBody ? { request_body: run.requestBody } : {}),
    created: run.created,
    request_id: run.requestId ?? null,
    files: run.files.map(fileEntry),
  };
  if (run.partials) {
    doc.partials = run.partials.map(({ index, partialIndex, ...p }) => ({
      ...p,
      image_index: index,
      partial_image_index: partialIndex,
    }));
  }
  if (revised) doc.revised_prompt = revised;
  if (run.serverNotes?.length) doc.server_notes = run.serverNotes;
  if (run.usage) doc.usage = run.usage;
  if (run.cost?.offline) {
    doc.cost_usd = 0;
    doc.cost_note = OFFLINE_NOTE;
  } else if (run.cost) {
    doc.cost_usd = run.cost.usd;
    doc.cost_rates_checked = run.cost.rates_checked;
    if (run.cost.basis) doc.cost_basis = run.cost.basis;
  }
  if (run.failed.length) {
    // A paid image that could not be written where asked is named where it was kept instead.
    doc.failed = run.failed.map((f) => ({
      index: f.index,
      error: f.error.message,
      ...(recoveredPath(f.error) ? { recovered_path: recoveredPath(f.error) } : {}),
    }));
  }
  return doc;
}

/** stdout: the written paths, one per line, or the --json document. Extras go to stderr. */
export function printResult(
  out: NodeJS.WritableStream,
  run: ReportedRun,
  opts: { json?: boolean },
  info: (line: string) => void,
): void {
  if (opts.json) {
    out.write(`${JSON.stringify(resultDocument(run), null, 2)}\n`);
  } else {
    for (const f of run.files) if (f.path !== '-') out.write(`${f.path}\n`);
    // After the finals, so `| head -n <count>` still gives the finished images.
    for (const p of run.partials ?? []) out.write(`${p.path}\n`);
  }
  for (const f of run.files) if (f.revised_prompt) info(`revised prompt: ${f.revised_prompt}`);
  const cost = run.cost?.offline
    ? '; offline: no cost'
    : run.cost
      ? `, about $${run.cost.usd.toFixed(4)} (${run.cost.basis ?? `rates of ${run.cost.rates_checked}`})`
      : '';
  const tokens = run.usage?.total_tokens !== undefined ? usageText(run.usage) : undefined;
  if (tokens) info(`usage: ${tokens}${cost}`);
  else if (run.cost && !run.cost.offline)
    info(`cost: about $${run.cost.usd.toFixed(4)} (${run.cost.basis ?? 'estimate'})`);
}

/**
 * Prints what was saved and throws when anything failed: with nothing saved, stdout stays
 * empty and the first failure decides the exit code; with some saved, they are listed first.
 * After a dry run (no result) there is nothing to report.
 */
export function reportRun(
  rt: Runtime,
  result: ReportedRun | undefined,
  opts: { json?: boolean; summary?: boolean },
  say: Messenger,
): void {
  // A dry run has printed its own document.
  if (!result) return;
  if (opts.summary) writeSummary(rt, result);
  if (result.files.length === 0 && result.failed.length) {
    // Nothing written where asked, but paid images kept elsewhere: --json still says where.
    if (opts.json && result.failed.some((f) => recoveredPath(f.error)))
      rt.stdout.write(`${JSON.stringify(resultDocument(result), null, 2)}\n`);
    throw result.failed[0]!.error;
  }
  printResult(rt.stdout, result, opts, say.info);
  if (result.failed.length)
    throw new PartialFailureError(
      result.files.length,
      result.failed.map((f) => f.error),
    );
}

/** --summary: the run's outputs as rows of the GitHub step summary (a no-op outside Actions). */
export function writeSummary(rt: Runtime, result: ReportedRun): void {
  const share =
    result.cost && !result.cost.offline && result.files.length ? result.cost.usd / result.files.length : undefined;
  const rows: SummaryRow[] = [
    ...result.files.map((f) => ({
      path: f.path,
      model: result.model,
      size: f.width && f.height ? `${f.width}x${f.height}` : '',
      costUsd: share,
      status: result.upToDate ? 'up to date' : 'ok',
    })),
    ...result.failed.map((f) => ({
      path: `image ${f.index + 1}`,
      model: result.model,
      size: '',
      status: `failed: ${f.error.message}`,
    })),
  ];
  appendStepSummary(
    rt.env,
    summaryMarkdown(`imgcli ${result.endpoint}`, rows, result.cost?.offline ? `${OFFLINE_NOTE}.` : undefined),
  );
  // The run's error gets its ::error annotation where every error does: cli.ts's report().
}

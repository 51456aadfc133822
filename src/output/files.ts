// Where images go and how they get there: output naming, atomic writes, URL downloads.
// Nothing is ever half-written: bytes go to a temp file in the same folder, then a rename.
import { randomBytes } from 'node:crypto';
import { createWriteStream, unlinkSync } from 'node:fs';
import { access, constants, link, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../errors.js';
import { EXTENSIONS, formatFromExtension, type ImageFormat } from '../image/format.js';
// save.ts checks what a download really is with it.
export { readHead } from '../image/head.js';

/** Temp files still on disk; removed on error, on Ctrl-C, and at exit as a last resort. */
const liveTemps = new Set<string>();
process.once('exit', () => {
  for (const p of liveTemps) {
    try {
      unlinkSync(p);
    } catch {
      // already gone
    }
  }
});

export type OutputPlan =
  | { kind: 'stdout' }
  /** Exact paths chosen by -o; overwritten unless noClobber. */
  | { kind: 'files'; paths: string[]; noClobber: boolean }
  /** Generated names in a folder; the extension follows the bytes that arrive. */
  | { kind: 'generated'; dir: string; stem: string; count: number };

export interface PlanInput {
  out?: string;
  count: number;
  prompt: string;
  now: Date;
  noClobber?: boolean;
  /** True when -o names a folder that already exists. */
  outIsDir?: boolean;
}

export function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** `file.png` with count 3 -> `file-1.png`, `file-2.png`, `file-3.png`. */
export function numbered(path: string, count: number): string[] {
  if (count === 1) return [path];
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}

/** Where a run's images go. Async because generated names load the slug module on demand. */
export async function planOutputs(input: PlanInput): Promise<OutputPlan> {
  const { out, count } = input;
  if (out === '-') {
    if (count > 1) throw new UsageError('-o - writes one image to stdout, but --count is ' + count, 'Use -o <folder>/ or -o name.png to write several images.');
    return { kind: 'stdout' };
  }
  const inFolder = out === undefined || out.endsWith('/') || out.endsWith('\\') || input.outIsDir;
  if (!inFolder) return { kind: 'files', paths: numbered(out, count), noClobber: Boolean(input.noClobber) };
  // Only generated names need the transliteration table: -o file.png and --check never load it.
  const { slugify } = await import('./slug.js');
  return { kind: 'generated', dir: out ?? '.', stem: `${slugify(input.prompt)}-${timestamp(input.now)}`, count };
}

/** The format an -o path asks for, if its extension names one we write; throws for other image extensions. */
export function formatFromOut(out: string | undefined): ImageFormat | undefined {
  if (!out || out === '-' || out.endsWith('/')) return undefined;
  const ext = extname(out);
  if (!ext) return undefined;
  const format = formatFromExtension(ext);
  if (format === 'gif' || (!format && /^\.(tiff?|bmp|avif|heic|svg)$/i.test(ext))) {
    throw new UsageError(`-o ${out}: imgcli writes png, jpeg or webp, not ${ext.slice(1)}`, 'Name the file .png, .jpg or .webp.');
  }
  return format;
}

export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/**
 * Checks the destination before the paid request: folders exist (created if needed) and are
 * writable, and --no-clobber targets do not exist yet.
 */
export async function prepareDestination(plan: OutputPlan): Promise<void> {
  if (plan.kind === 'stdout') return;
  const dirs = plan.kind === 'generated' ? [plan.dir] : [...new Set(plan.paths.map((p) => dirname(p)))];
  for (const dir of dirs) {
    try {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' || code === 'EPERM' ? 'is not writable' : code === 'EEXIST' || code === 'ENOTDIR' ? 'is not a folder' : `cannot be used (${code})`;
      throw new UsageError(`output folder ${dir} ${why}; nothing was sent`, 'Choose another place with -o.');
    }
  }
  if (plan.kind === 'files' && plan.noClobber) {
    for (const p of plan.paths) {
      if (await stat(p).then(() => true, () => false)) {
        throw new UsageError(`${p} already exists and --no-clobber is set; nothing was sent`, 'Remove the file, pick another -o, or drop --no-clobber.');
      }
    }
  }
}

/** How many images a plan has room for. */
export function plannedCount(plan: OutputPlan): number {
  return plan.kind === 'stdout' ? 1 : plan.kind === 'files' ? plan.paths.length : plan.count;
}

/** The path for image `index` (0-based) of a plan, given the format that arrived. */
export function targetPath(plan: Exclude<OutputPlan, { kind: 'stdout' }>, index: number, format: ImageFormat): string {
  if (plan.kind === 'files') return plan.paths[index]!;
  const suffix = plan.count > 1 ? `-${index + 1}` : '';
  return join(plan.dir, `${plan.stem}${suffix}.${EXTENSIONS[format]}`);
}

/** Where a streamed partial image goes: `out.png` -> `out.partial-0.png`, next to the final. */
export function partialPath(finalPath: string, partialIndex: number): string {
  const ext = extname(finalPath);
  return `${finalPath.slice(0, finalPath.length - ext.length)}.partial-${partialIndex}${ext}`;
}

function tempPathIn(dir: string): string {
  return join(dir, `.imgcli-${randomBytes(6).toString('hex')}.tmp`);
}

/** A new temp path in `dir`, removed at exit unless released first (for files filled elsewhere). */
export function claimTemp(dir: string): string {
  const temp = tempPathIn(dir);
  liveTemps.add(temp);
  return temp;
}

/** Removes a staged temp file (after a failure, or once it has been moved). */
export async function discardStaged(temp: string): Promise<void> {
  await unlink(temp).catch(() => {});
  liveTemps.delete(temp);
}

/** Fills a fresh temp file in `dir`; the temp never outlives a failure. */
async function stage(dir: string, fill: (temp: string) => Promise<void>): Promise<string> {
  const temp = tempPathIn(dir);
  liveTemps.add(temp);
  try {
    await fill(temp);
    return temp;
  } catch (err) {
    await discardStaged(temp);
    throw err;
  }
}

export function stageBytes(dir: string, bytes: Uint8Array, signal?: AbortSignal): Promise<string> {
  return stage(dir, (t) => writeFile(t, bytes, { signal, mode: 0o644 }));
}

/** Streams chunks to a temp file in `dir`: downloads never sit whole in memory. */
export function stageStream(dir: string, source: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<string> {
  return stage(dir, (t) => pipeline(source, createWriteStream(t, { mode: 0o644 }), { signal }));
}

/**
 * Moves a staged temp file into place and returns the path written. `replace` overwrites
 * (explicit -o, like curl -o); otherwise an existing file is never touched and `_2`, `_3`...
 * are tried instead.
 */
export async function commitStaged(temp: string, path: string, replace: boolean): Promise<string> {
  try {
    if (replace) {
      await rename(temp, path);
      return path;
    }
    const ext = extname(path);
    const stem = path.slice(0, path.length - ext.length);
    for (let i = 1; ; i++) {
      const candidate = i === 1 ? path : `${stem}_${i}${ext}`;
      try {
        // link() fails when the name exists, so two runs can never take the same name.
        await link(temp, candidate);
        return candidate;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
        // Filesystems without hard links: check, then rename.
        if (await stat(candidate).then(() => true, () => false)) continue;
        await rename(temp, candidate);
        return candidate;
      }
    }
  } finally {
    await discardStaged(temp);
  }
}

/** Writes bytes atomically; returns the path actually written. */
export async function writeAtomic(path: string, bytes: Uint8Array, opts: { replace: boolean; signal?: AbortSignal }): Promise<string> {
  const temp = await stageBytes(dirname(path), bytes, opts.signal);
  return commitStaged(temp, path, opts.replace);
}

/** The parts of a finished run that get reported; see run-images.ts. */
export interface ReportedRun {
  model: string;
  endpoint: string;
  created: number;
  requestId?: string;
  files: Array<{ index: number; path: string; bytes: number; width?: number; height?: number; format: string; revised_prompt?: string }>;
  failed: Array<{ index: number; error: Error }>;
  /** Streamed runs only: the partial images written (none with --no-partials). */
  partials?: Array<{ index: number; partialIndex: number; path: string; bytes: number; width?: number; height?: number; format: string }>;
  usage?: Record<string, unknown>;
  cost?: { usd: number; rates_checked: string };
}

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
    created: run.created,
    request_id: run.requestId ?? null,
    files: run.files.map(fileEntry),
  };
  if (run.partials) {
    doc.partials = run.partials.map(({ index, partialIndex, ...p }) => ({ ...p, image_index: index, partial_image_index: partialIndex }));
  }
  if (revised) doc.revised_prompt = revised;
  if (run.usage) doc.usage = run.usage;
  if (run.cost) {
    doc.cost_usd = run.cost.usd;
    doc.cost_rates_checked = run.cost.rates_checked;
  }
  if (run.failed.length) doc.failed = run.failed.map((f) => ({ index: f.index, error: f.error.message }));
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
  const u = run.usage as { input_tokens?: number; output_tokens?: number; total_tokens?: number } | undefined;
  const cost = run.cost ? `, about $${run.cost.usd.toFixed(4)} (rates of ${run.cost.rates_checked})` : '';
  if (u?.total_tokens !== undefined) info(`usage: ${u.input_tokens ?? 0} input + ${u.output_tokens ?? 0} output = ${u.total_tokens} tokens${cost}`);
}

// Where images go: the output plan (-o file, a folder of generated names, or stdout), generated
// names (<prompt-slug>-<YYYYMMDD-HHMMSS>.<ext>), numbered and partial paths, and the format an
// -o extension asks for. The run's clock comes in as `now`.
import { realpathSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { EXTENSIONS, formatFromExtension, type ImageFormat } from '../image/format.js';

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

/**
 * Whether -o as written names a folder: it ends in a separator, `/` or (on every platform, as
 * Windows users type it, and as a folder name cannot end in one) `\\`.
 */
export function endsInSeparator(out: string): boolean {
  return out.endsWith('/') || out.endsWith('\\');
}

/** Where a run's images go. Async because generated names load the slug module on demand. */
export async function planOutputs(input: PlanInput): Promise<OutputPlan> {
  const { out, count } = input;
  if (out === '-') {
    if (count > 1)
      throw new UsageError(
        '-o - writes one image to stdout, but --count is ' + count,
        'Use -o <folder>/ or -o name.png to write several images.',
      );
    return { kind: 'stdout' };
  }
  const inFolder = out === undefined || endsInSeparator(out) || input.outIsDir;
  if (!inFolder) return { kind: 'files', paths: numbered(out, count), noClobber: Boolean(input.noClobber) };
  // Only generated names need the transliteration table: -o file.png and --check never load it.
  const { slugify } = await import('./slug.js');
  return { kind: 'generated', dir: out ?? '.', stem: `${slugify(input.prompt)}-${timestamp(input.now)}`, count };
}

/** The format an -o path asks for, if its extension names one we write; throws for other image extensions. */
export function formatFromOut(out: string | undefined): ImageFormat | undefined {
  if (!out || out === '-' || endsInSeparator(out)) return undefined;
  const ext = extname(out);
  if (!ext) return undefined;
  const format = formatFromExtension(ext);
  if (!format && /^\.(tiff?|bmp|avif|heic)$/i.test(ext)) {
    throw new UsageError(
      `-o ${out}: imgcli writes png, jpeg, webp, gif or svg, not ${ext.slice(1)}`,
      'Name the file .png, .jpg or .webp (.gif and .svg where the model makes them).',
    );
  }
  return format;
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

/**
 * Where a path lands, for comparing outputs: absolute, normalised, through the links of the
 * folders that exist, and in one case on file systems that ignore case (macOS, Windows).
 */
export function landingKey(path: string, platform = process.platform): string {
  const full = resolve(path);
  let dir = dirname(full);
  let rest = basename(full);
  // The nearest folder that exists, resolved through its links; the rest as written.
  for (;;) {
    try {
      const real = join(realpathSync(dir), rest);
      return platform === 'darwin' || platform === 'win32' ? real.toLowerCase() : real;
    } catch {
      if (dirname(dir) === dir) return full;
      rest = join(basename(dir), rest);
      dir = dirname(dir);
    }
  }
}

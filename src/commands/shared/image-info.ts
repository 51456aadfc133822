// What `imgcli info` reports about an image file, and `imgcli show` too where the terminal cannot
// draw it: the format, the dimensions and the provenance imgcli embedded, as an entry and as text.
import { stat } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { describeFsError } from '../../fs-errors.js';
import { FileReadError, readRegularFile } from '../../image/input-file.js';
import { IMAGE_FORMATS_TEXT, framesOf, sniffImage } from '../../image/format.js';
import { usageText } from '../../models/prices.js';
import { isoTime, readProvenance, type Provenance } from '../../provenance/index.js';
import { printable } from '../../terminal/printable.js';

export interface InfoEntry {
  path: string;
  format: string;
  width: number | null;
  height: number | null;
  /** GIF only: how many frames it animates. */
  frames?: number;
  provenance: Provenance | null;
}

/**
 * Reads every file before anything is printed, so a bad path fails the run with stdout empty:
 * an unreadable path is a UsageError naming each one. A file that is not an image among images
 * (`info out/*` where out/ holds gallery.html) is left out and its path added to `skipped`;
 * with no image at all, it is an error too.
 */
export async function readInfoEntries(paths: string[], command: string, skipped: string[] = []): Promise<InfoEntry[]> {
  const entries: InfoEntry[] = [];
  const problems: string[] = [];
  const notImages: string[] = [];
  for (const path of paths) {
    try {
      // A folder among the files of a glob (out/* holding out/nested) is not an image either.
      if ((await stat(path).catch(() => undefined))?.isDirectory()) {
        notImages.push(`${path}/`);
        continue;
      }
      const bytes = await readRegularFile(path, 'image');
      const info = sniffImage(bytes);
      if (!info) {
        notImages.push(path);
        continue;
      }
      const provenance = readProvenance(bytes);
      entries.push({
        path,
        format: info.format,
        width: info.width ?? null,
        height: info.height ?? null,
        ...framesOf(bytes, info.format),
        provenance: provenance ?? null,
      });
    } catch (err) {
      problems.push(`${path} (${err instanceof FileReadError ? err.reason : describeFsError(err)})`);
    }
  }
  if (entries.length > 0) skipped.push(...notImages);
  else
    problems.push(
      ...notImages.map((path) =>
        path.endsWith('/') ? `${path.slice(0, -1)} (it is a folder)` : `${path} (not an image)`,
      ),
    );
  if (problems.length > 0) {
    const what =
      problems.length === 1
        ? problems[0]!.replace(/ \((.*)\)$/, ': $1')
        : `${problems.length} of ${paths.length} files: ${problems.join('; ')}`;
    throw new UsageError(
      `cannot read ${what}`,
      `Check the paths: imgcli ${command} reads ${IMAGE_FORMATS_TEXT} files.`,
    );
  }
  return entries;
}

/** Every entry's block; a blank line around each multi-line block, images without metadata stay a plain list. */
export function describeEntries(entries: InfoEntry[]): string {
  return entries
    .map((e, i) => `${i > 0 && (e.provenance || entries[i - 1]!.provenance) ? '\n' : ''}${describeEntry(e)}`)
    .join('');
}

const size = (e: InfoEntry) =>
  `${e.format} ${e.width !== null && e.height !== null ? `${e.width}x${e.height}` : 'size unknown'}${e.frames !== undefined ? `, ${e.frames} frame${e.frames === 1 ? '' : 's'}` : ''}`;

/** One block per image: a heading, then label-value lines; continuation lines line up. */
export function describeEntry(e: InfoEntry): string {
  const p = e.provenance;
  const path = printable(e.path);
  if (!p) return `${path}: no imgcli metadata (${size(e)})\n`;
  // The prompt and model have lines of their own; the parameters need not repeat them.
  const params = Object.fromEntries(
    Object.entries(p.parameters).filter(
      ([k, v]) => !(k === 'prompt' && v === p.prompt) && !(k === 'model' && v === p.model),
    ),
  );
  const rows: Array<[string, string | undefined]> = [
    ['prompt', p.prompt],
    ['revised prompt', p.revised_prompt],
    ['model', p.model],
    ['endpoint', p.endpoint],
    ['command', p.command && `imgcli ${p.command}`],
    ['parameters', pairs(params)],
    [
      'inputs',
      p.inputs
        ?.map(
          (i) =>
            `${i.role} ${i.path === undefined ? '(no path)' : printable(i.path)} (${i.size} bytes, sha256 ${i.sha256.slice(0, 12)}...)`,
        )
        .join('\n'),
    ],
    ['request id', p.request_id],
    [
      'conversation',
      p.thread === undefined
        ? undefined
        : `turn ${p.turn ?? '?'} of thread ${p.thread}, held by ${p.mainline ?? '?'}; response ${p.response_id ?? '?'}${p.previous_response_id ? `, after ${p.previous_response_id}` : ''}`,
    ],
    ['created', isoTime(p.created)],
    ['usage', usageText(p.usage)],
    ['fingerprint', p.fingerprint],
    ['origin', p.origin === 'offline' ? 'offline (a stand-in from the offline server, --mock)' : p.origin],
    ['tool', p.tool],
  ];
  const width = 'revised prompt'.length + 2;
  const lines = rows
    .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
    .map(
      ([label, value]) =>
        `  ${`${label}:`.padEnd(width)} ${printable(value, { lines: true })
          .split('\n')
          .join(`\n  ${' '.repeat(width)} `)}`,
    );
  return `${path} (${size(e)})\n${lines.join('\n')}\n`;
}

/** key=value, comma-separated; nested objects flatten to dotted keys. */
function pairs(obj: Record<string, unknown>, prefix = ''): string {
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? pairs(v as Record<string, unknown>, `${prefix}${k}.`)
        : `${prefix}${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
    )
    .filter(Boolean)
    .join(', ');
}

/** The stderr note for paths left out as not images (a folder's gallery.html, a subfolder). */
export function skippedNote(skipped: string[]): string {
  const list =
    skipped.length > 3
      ? `${skipped
          .slice(0, 3)
          .map((p) => printable(p))
          .join(', ')} and ${skipped.length - 3} more`
      : skipped.map((p) => printable(p)).join(', ');
  return `skipped what is not an image (${skipped.length}): ${list}`;
}

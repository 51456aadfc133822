// src/gallery/: the HTML contact sheet of `imgcli gallery` and `batch --gallery`.
//
// `imgcli gallery` and `batch --gallery`: collect the images, read them into cards (a bounded
// number at once: each holds its file in memory while sharp makes the thumbnail), render the
// page and write it atomically. Links in the page are relative to where it is written.
import { sizeText } from '../api/limits.js';
import { availableParallelism } from 'node:os';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { describeFsError } from '../fs-errors.js';
import { readHead } from '../image/head.js';
import { IMAGE_FORMATS_TEXT, sniffImage } from '../image/format.js';
import { FileReadError } from '../image/input-file.js';
import { writeAtomic } from '../output/disk.js';
import type { Collected } from './collect.js';
import { GENERATOR, renderGallery } from './page.js';
import { readItem, type GalleryItem } from './read.js';

export const DEFAULT_GALLERY = 'gallery.html';
export const DEFAULT_THUMB_SIZE = 320;

export interface GalleryOptions {
  /** Where the page goes; '-' for stdout (links are then relative to the current folder). */
  out: string;
  title: string;
  thumbSize: number;
  now: Date;
  tool: string;
  signal: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface Gallery {
  html: string;
  items: GalleryItem[];
}

/**
 * Before any work (or any paid request, in batch): the target is not a folder, and a file that
 * is there is replaced only when it was named (-o, like curl -o) or is a gallery imgcli wrote.
 */
export async function checkGalleryTarget(path: string, named: boolean): Promise<void> {
  if (path === '-') return;
  const info = await stat(path).catch(() => undefined);
  if (!info) return;
  if (info.isDirectory())
    throw new UsageError(
      `${path} is a folder; the gallery is one HTML file`,
      `Name the file, e.g. -o ${path.replace(/[/\\]+$/, '')}/${DEFAULT_GALLERY}.`,
    );
  if (named) return;
  const head = await readHead(path, 4096).catch(() => Buffer.alloc(0));
  if (!head.toString('utf8').includes(`<meta name="generator" content="${GENERATOR}`)) {
    throw new UsageError(
      `${path} exists and is not a gallery imgcli wrote; it is left alone`,
      'Name another file with -o, or -o that file to replace it.',
    );
  }
}

/** Files named on the command line must be images: checked from their first bytes, before the slow part. */
async function checkNamed(inputs: Collected[]): Promise<void> {
  const problems: string[] = [];
  for (const c of inputs.filter((i) => i.explicit)) {
    try {
      if (!sniffImage(await readHead(c.path))) problems.push(`${c.path} (not an image)`);
    } catch (err) {
      problems.push(`${c.path} (${describeFsError(err)})`);
    }
  }
  if (problems.length)
    throw new UsageError(`cannot show ${problems.join('; ')}`, `A gallery shows ${IMAGE_FORMATS_TEXT} files.`);
}

/** Reads every image into a card and renders the page; cards keep the order of `inputs`. */
export async function buildGallery(inputs: Collected[], opts: GalleryOptions): Promise<Gallery> {
  await checkNamed(inputs);
  const items: GalleryItem[] = new Array(inputs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < inputs.length) {
      if (opts.signal.aborted) throw opts.signal.reason;
      const i = next++;
      const path = inputs[i]!.path;
      items[i] = await readItem(path, opts.thumbSize).catch((err: unknown) => ({
        path,
        bytes: 0,
        // Not a regular file of an image's size (a link to /dev/zero, a FIFO): a card that says why.
        problem: `cannot be read (${err instanceof FileReadError ? err.reason : describeFsError(err)})`,
      }));
      opts.onProgress?.(++done, inputs.length);
    }
  };
  // sharp has its own thread pool; a few files in flight keep it busy without holding many in memory.
  await Promise.all(Array.from({ length: Math.min(inputs.length, availableParallelism() + 1) }, worker));
  const galleryDir = opts.out === '-' ? '.' : dirname(opts.out);
  return { items, html: renderGallery(items, { title: opts.title, galleryDir, now: opts.now, tool: opts.tool }) };
}

/** Writes the page atomically (folders made as needed); returns its size in bytes. */
export async function writeGallery(gallery: Gallery, path: string, signal: AbortSignal): Promise<number> {
  const bytes = Buffer.from(gallery.html, 'utf8');
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeAtomic(path, bytes, { replace: true, signal });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new UsageError(`cannot write the gallery ${path}: ${describeFsError(err)}`, 'Choose another place with -o.');
  }
  return bytes.length;
}

/** "3 images (2 with provenance), 45 KB": what stderr says once the page is written. */
export function describeGallery(gallery: Gallery, bytes: number): string {
  const n = gallery.items.length;
  const made = gallery.items.filter((i) => i.about).length;
  const broken = gallery.items.filter((i) => i.problem).length;
  const size = sizeText(bytes, 'measured');
  return `${n} image${n === 1 ? '' : 's'} (${made} with provenance${broken ? `, ${broken} without a thumbnail` : ''}), ${size}`;
}

// Which files a gallery shows: the files named, and the images inside the folders named (walked
// depth first, names in natural order). Hidden entries and the partial images of streamed runs
// are left out of folders; a file named on the command line is always taken.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { describeFsError } from '../fs-errors.js';
import { IMAGE_FORMATS_TEXT } from '../image/format.js';

const IMAGE_NAME = /\.(png|jpe?g|webp|gif|svg)$/i;
/** `<name>.partial-<n>.<ext>`: the partial images --stream writes beside each final. */
const PARTIAL_NAME = /\.partial-\d+\.[a-z]+$/i;

const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export interface Collected {
  path: string;
  /** Named on the command line (a file that is not an image is then an error), or found in a folder. */
  explicit: boolean;
}

async function walk(dir: string, into: Collected[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  entries.sort((a, b) => natural.compare(a.name, b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    // Links to folders are not followed (they can loop); links to files are read like files.
    if (entry.isDirectory()) await walk(path, into);
    else if (
      (entry.isFile() || entry.isSymbolicLink()) &&
      IMAGE_NAME.test(entry.name) &&
      !PARTIAL_NAME.test(entry.name)
    )
      into.push({ path, explicit: false });
  }
}

/** The images to show, in the order given, each once; throws a UsageError naming every bad path. */
export async function collectImages(args: string[]): Promise<Collected[]> {
  const found: Collected[] = [];
  const problems: string[] = [];
  for (const arg of args) {
    try {
      if ((await stat(arg)).isDirectory()) await walk(arg, found);
      else found.push({ path: arg, explicit: true });
    } catch (err) {
      problems.push(`${arg} (${describeFsError(err)})`);
    }
  }
  if (problems.length) {
    throw new UsageError(
      `cannot read ${problems.length === 1 ? problems[0]!.replace(/ \((.*)\)$/, ': $1') : problems.join('; ')}`,
      'Name image files or folders that hold them.',
    );
  }
  const seen = new Set<string>();
  const unique = found.filter((c) => !seen.has(resolve(c.path)) && seen.add(resolve(c.path)));
  if (unique.length === 0)
    throw new UsageError(
      `no images in ${args.join(', ')}`,
      `A gallery shows ${IMAGE_FORMATS_TEXT} files; name them, or folders that hold them.`,
    );
  return unique;
}

// The one check every input file passes before it is opened (edit and vary images, masks, mask
// drawings): it must be a regular file. Light on purpose: commands import it at start-up.
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { UsageError } from '../errors.js';
import { describeFsError } from '../fs-errors.js';

/** What a path is when it is not a regular file, in the words of the refusal. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a pipe (a FIFO, or process substitution such as <(cat in.png))';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

export const SAVE_FIRST =
  'Save it to a regular file first (`... > in.png`) and pass that: imgcli checks the whole file before sending it, and sends it again on a retry.';

/**
 * The one check every input file passes before it is opened: it must be a regular file. A FIFO
 * would block the open (and Ctrl-C) for ever; a folder, socket or device is never an image.
 */
export async function regularFile(path: string, role: string): Promise<Stats> {
  if (path === '-')
    throw new UsageError(
      `${role || 'input'} - (stdin) cannot be uploaded: imgcli reads input images from files`,
      SAVE_FIRST,
    );
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    throw new UsageError(`cannot read ${role ? `${role} ` : ''}${path}: ${describeFsError(err)}`, 'Check the path.');
  }
  // A folder reads like every other "cannot read" (fs-errors.ts); the rest say what they are.
  if (st.isDirectory())
    throw new UsageError(
      `cannot read ${role ? `${role} ` : ''}${path}: ${describeFsError(Object.assign(new Error(), { code: 'EISDIR' }))}`,
      'Check the path.',
    );
  if (!st.isFile())
    throw new UsageError(`${role || 'input'} ${path} is ${kindOf(st)}; imgcli uploads regular files only`, SAVE_FIRST);
  return st;
}

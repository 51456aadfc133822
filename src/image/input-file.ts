// The one check every file imgcli reads passes: it must be a regular file, and one of bounded
// size. Edit and vary images are checked before they are streamed (regularFile); every file read
// whole (images for info, show, gallery and replay, masks and mask drawings, the config file, a
// jobs file and its batch state, a prompt from @file, an output --check reads) goes through
// readRegularFile: opened without blocking (a FIFO cannot hang it), checked on the open handle
// (a link to /dev/zero is a device, refused), and read to at most its cap (a file that grows
// while it is read is refused too). Light on purpose: commands import it at start-up.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { sizeText } from '../api/limits.js';
import { UsageError } from '../errors.js';
import { describeFsError } from '../fs-errors.js';

const MiB = 1024 * 1024;

/**
 * The most imgcli reads of each kind of file: an image as the API's largest answer, the config
 * and a prompt file generously for text a person writes, a jobs file and its state as the Batch
 * API's largest request file allows.
 */
export const READ_LIMITS = {
  image: 100 * MiB,
  config: 1 * MiB,
  prompt: 1 * MiB,
  jobs: 256 * MiB,
  state: 256 * MiB,
} as const;
export type ReadKind = keyof typeof READ_LIMITS;

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

/** A file that cannot be read whole: its path, and why in a few words (for a list of such files). */
export class FileReadError extends UsageError {
  constructor(
    readonly path: string,
    readonly reason: string,
    message: string,
    hint: string,
  ) {
    super(message, hint);
  }
}

const cannotRead = (path: string, role: string, reason: string) =>
  new FileReadError(path, reason, `cannot read ${role ? `${role} ` : ''}${path}: ${reason}`, 'Check the path.');

/** The refusal of what is not a regular file (a folder reads like every other "cannot read"). */
function notRegular(path: string, role: string, st: Stats): UsageError | undefined {
  if (st.isDirectory()) return cannotRead(path, role, describeFsError(Object.assign(new Error(), { code: 'EISDIR' })));
  if (!st.isFile()) {
    const reason = `${kindOf(st)}; imgcli reads regular files only`;
    return new FileReadError(
      path,
      reason,
      `${role || 'input'} ${path} is ${reason}`,
      'Save it to a regular file first and pass that.',
    );
  }
  return undefined;
}

function tooLarge(path: string, role: string, size: string, kind: ReadKind): UsageError {
  const reason = `${size}; imgcli reads at most ${sizeText(READ_LIMITS[kind])} of ${kind === 'image' ? 'an image' : `a ${kind} file`}`;
  return new FileReadError(
    path,
    reason,
    `${role || 'input'} ${path} is ${reason}`,
    'Check the path: this is not the file you meant, or it is damaged.',
  );
}

/** Opened for reading without blocking: a FIFO opens at once (and is then refused), never waits for a writer. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * The buffer an opened file is read into, once it is known to be a regular file within the cap:
 * one byte more than the cap, so a file that grew past it since the stat is caught too.
 */
function bufferFor(path: string, kind: ReadKind, role: string, st: Stats): Buffer {
  const refused = notRegular(path, role, st);
  if (refused) throw refused;
  const max = READ_LIMITS[kind];
  if (st.size > max) throw tooLarge(path, role, sizeText(st.size, 'measured'), kind);
  return Buffer.alloc(Math.min(max + 1, Math.max(st.size, 64 * 1024)));
}

/** The bytes read, or the refusal of a file that grew past the cap while it was read. */
function whole(path: string, kind: ReadKind, role: string, buf: Buffer, length: number): Buffer {
  const max = READ_LIMITS[kind];
  if (length > max) throw tooLarge(path, role, `more than ${sizeText(max)}`, kind);
  return buf.subarray(0, length);
}

/**
 * The whole of a regular file, at most READ_LIMITS[kind] bytes; a usage error (exit 2) naming
 * `role` and `path` for a missing file, a folder, a FIFO, a device, a socket, or one too large.
 * `missing` is returned instead of refusing a file that does not exist, where that is no error.
 */
export async function readRegularFile<M = never>(
  path: string,
  kind: ReadKind,
  role = '',
  opts: { missing?: M } = {},
): Promise<Buffer | M> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (err) {
    if ('missing' in opts && (err as NodeJS.ErrnoException).code === 'ENOENT') return opts.missing as M;
    throw cannotRead(path, role, describeFsError(err));
  }
  try {
    const buf = bufferFor(path, kind, role, await handle.stat());
    let length = 0;
    for (;;) {
      if (length === buf.length) break;
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return whole(path, kind, role, buf, length);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw cannotRead(path, role, describeFsError(err));
  } finally {
    await handle.close();
  }
}

/** readRegularFile, for the one reader that must be synchronous (the config file, read on every run). */
export function readRegularFileSync<M = never>(
  path: string,
  kind: ReadKind,
  role = '',
  opts: { missing?: M } = {},
): Buffer | M {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (err) {
    if ('missing' in opts && (err as NodeJS.ErrnoException).code === 'ENOENT') return opts.missing as M;
    throw cannotRead(path, role, describeFsError(err));
  }
  try {
    const buf = bufferFor(path, kind, role, fstatSync(fd));
    let length = 0;
    for (;;) {
      if (length === buf.length) break;
      const bytesRead = readSync(fd, buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return whole(path, kind, role, buf, length);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw cannotRead(path, role, describeFsError(err));
  } finally {
    closeSync(fd);
  }
}

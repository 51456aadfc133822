// Why a file could not be read, in the words every "cannot read ..." error uses. Commands,
// uploads and the prompt reader share it, so the same failure reads the same everywhere.

/** `no such file`, `it is a folder`, `permission denied`; any other failure in its own words. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}

const WRITE_REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'its folder no longer exists',
  ENOTDIR: 'a part of its path is no longer a folder',
  EISDIR: 'a folder is in the way',
  EIO: 'the disk reported an I/O error',
  EMFILE: 'too many files are open',
  ENFILE: 'too many files are open',
  EFBIG: 'the file is too large for this file system',
};

/** Whether an error is the file system's own (it carries a system code such as ENOSPC). */
export function isFsError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | undefined;
  return typeof e?.code === 'string' && typeof e.syscall === 'string';
}

/** Why a file could not be written, in plain words, with the system's code. */
export function describeWriteError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = code ? WRITE_REASONS[code] : undefined;
  if (reason) return `${reason} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

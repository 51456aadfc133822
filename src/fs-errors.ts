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

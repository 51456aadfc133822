// Paid images are never lost: when the destination cannot be written after the answer arrived
// (disk full, read-only or vanished folder), the image goes to a recovery folder instead, and the
// error names it. First choice: `recovered/` in imgcli's config folder (private, kept across
// reboots); if that cannot be written either, `imgcli-recovered/` in the OS temp folder.
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { commitStaged, stageBytes } from './disk.js';

export const RECOVERY_FOLDER = 'recovered';

/** Where recovered images go, in order of preference, for a config file at `configPath`. */
export function recoveryDirs(configPath: string | undefined): string[] {
  const dirs = configPath ? [join(dirname(configPath), RECOVERY_FOLDER)] : [];
  return [...dirs, join(tmpdir(), 'imgcli-recovered')];
}

/**
 * Writes an image that could not go where it was meant to into the first recovery folder that
 * takes it, under the name it was meant to have (`_2`... when taken); undefined when none could.
 * The bytes come from memory (already proven whole), never from a temp file the failed write
 * left behind, and the copy is read back and compared before anyone is told it is safe: a copy
 * that differs is removed, and the next folder tried.
 */
export async function recoverImage(
  bytes: Uint8Array,
  intended: string,
  dirs: readonly string[],
): Promise<string | undefined> {
  for (const dir of dirs) {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const temp = await stageBytes(dir, bytes);
      const at = await commitStaged(temp, join(dir, basename(intended)), false);
      if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(await readFile(at))) return at;
      await unlink(at).catch(() => {});
    } catch {
      // this one is unusable too: try the next
    }
  }
  return undefined;
}

// How images get onto disk: the destination checked before the paid request, atomic writes
// (a temp file in the same folder, then a rename or a link), and the temp files' registry.
import { randomBytes } from 'node:crypto';
import { createWriteStream, unlinkSync } from 'node:fs';
import { access, constants, link, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../errors.js';
import type { OutputPlan } from './naming.js';

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

export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/**
 * Checks the destination before the paid request: folders exist (created if needed) and take a
 * new file, proven by creating and removing the kind of temp file the answer will be written to
 * (access(W_OK) says yes to root for /proc, where no file can be made), and --no-clobber targets
 * do not exist yet.
 */
export async function prepareDestination(plan: OutputPlan): Promise<void> {
  if (plan.kind === 'stdout') return;
  const dirs = plan.kind === 'generated' ? [plan.dir] : [...new Set(plan.paths.map((p) => dirname(p)))];
  for (const dir of dirs) {
    try {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
      const probe = claimTemp(dir);
      try {
        await writeFile(probe, '', { flag: 'wx' });
      } finally {
        await discardStaged(probe);
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? `is not writable${code === 'EROFS' ? ' (a read-only file system)' : ''}`
          : code === 'EEXIST' || code === 'ENOTDIR'
            ? 'is not a folder'
            : code === 'ENOENT'
              ? 'does not take new files'
              : code === 'ENOSPC' || code === 'EDQUOT'
                ? 'has no space left'
                : `cannot be used (${code})`;
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


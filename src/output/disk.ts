// src/output/: answers to files: output plans and names, atomic writes and temp files, saving, recovery, reports.
//
// How images get onto disk: the destination checked before the paid request, atomic writes
// (a temp file in the same folder, then a rename or a link), and the temp files' registry.
// Every failure to write is a LocalFileError naming the path (exit 74), never a network error.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { access, constants, link, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalFileError, UsageError } from '../errors.js';
import { describeWriteError, isFsError } from '../fs-errors.js';
import type { OutputPlan } from './naming.js';

/** A file-system failure while writing `path` as a LocalFileError; anything else unchanged. */
export function localError(err: unknown, path: string, what = path): unknown {
  if (err instanceof LocalFileError || !isFsError(err)) return err;
  return new LocalFileError(path, err.code, `cannot write ${what}: ${describeWriteError(err)}`, undefined, err);
}

/**
 * Files removed at exit as a last resort: temp files still on disk (also removed on error and on
 * Ctrl-C) and batch locks an error path did not release (batch/remote/state.ts).
 */
const liveTemps = new Set<string>();
export const removeAtExit = (path: string): void => void liveTemps.add(path);
export const keepAtExit = (path: string): void => void liveTemps.delete(path);
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
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** The folders an output plan writes into. */
export const planFolders = (plan: OutputPlan): string[] =>
  plan.kind === 'stdout'
    ? []
    : plan.kind === 'generated'
      ? [plan.dir]
      : [...new Set(plan.paths.map((p) => dirname(p)))];

/** Why a folder cannot take the outputs, from the error code of making it or writing in it. */
function folderWhy(code: string | undefined): string {
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return `is not writable${code === 'EROFS' ? ' (a read-only file system)' : ''}`;
  if (code === 'EEXIST' || code === 'ENOTDIR') return 'is not a folder';
  if (code === 'ENOENT') return 'does not take new files';
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'has no space left';
  return `cannot be used (${code})`;
}

/**
 * What prepareDestination would refuse of a folder, found without creating or writing anything
 * (--dry-run): the nearest part of its path that exists must be a folder that may be written in.
 */
export async function folderProblem(dir: string): Promise<string | undefined> {
  for (let path = resolve(dir); ; path = dirname(path)) {
    try {
      if (!(await stat(path)).isDirectory()) return `output folder ${dir} is not a folder`;
      await access(path, constants.W_OK);
      return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && dirname(path) !== path) continue;
      return code === 'ENOENT' ? undefined : `output folder ${dir} ${folderWhy(code)}`;
    }
  }
}

/**
 * Checks the destination before the paid request: folders exist (created if needed) and take a
 * new file, proven by creating and removing the kind of temp file the answer will be written to
 * (access(W_OK) says yes to root for /proc, where no file can be made), and --no-clobber targets
 * do not exist yet.
 */
/** Folders this run has proven writable. */
const proven = new Set<string>();

export async function prepareDestination(plan: OutputPlan): Promise<void> {
  for (const dir of planFolders(plan)) {
    // A batch writes many jobs into one folder: proven once per run (a later failure is still
    // caught when the file is written, and the paid image recovered).
    if (proven.has(resolve(dir))) continue;
    try {
      await mkdir(dir, { recursive: true });
      sweepStaleTemps(dir);
      await access(dir, constants.W_OK);
      const probe = claimTemp(dir);
      try {
        await writeFile(probe, '', { flag: 'wx' });
      } finally {
        await discardStaged(probe);
      }
      proven.add(resolve(dir));
    } catch (err) {
      throw new UsageError(
        `output folder ${dir} ${folderWhy((err as NodeJS.ErrnoException).code)}; nothing was sent`,
        'Choose another place with -o.',
      );
    }
  }
  if (plan.kind === 'files' && plan.noClobber) {
    for (const p of plan.paths) {
      if (
        await stat(p).then(
          () => true,
          () => false,
        )
      ) {
        throw new UsageError(
          `${p} already exists and --no-clobber is set; nothing was sent`,
          'Remove the file, pick another -o, or drop --no-clobber.',
        );
      }
    }
  }
}

// Temp names carry this machine's tag and the owner's pid, so a later run can tell the temp
// files of a run that was killed (kill -9, a crash, power loss) from those of a live one.
const HOST_TAG = createHash('sha1').update(hostname()).digest('hex').slice(0, 4);
const TEMP_NAME = /^\.imgcli-([0-9a-f]{4})-(\d+)-[0-9a-f]{12}\.tmp$/;
const swept = new Set<string>();

/** Whether a process of this machine is running (a lock's or a temp file's owner). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes imgcli's own temp files in `dir` whose owner process is gone; never anything else
 * (another name, a folder, a link, a live run's temp, another machine's on a shared folder).
 * Once per folder and run; returns how many were removed.
 */
export function sweepStaleTemps(dir: string): number {
  if (swept.has(dir)) return 0;
  swept.add(dir);
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || m[1] !== HOST_TAG) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || alive(pid)) continue;
    const path = join(dir, name);
    try {
      if (!lstatSync(path).isFile()) continue;
      unlinkSync(path);
      removed++;
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

function tempPathIn(dir: string): string {
  sweepStaleTemps(dir);
  return join(dir, `.imgcli-${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
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
    throw localError(err, dir, `a file in ${dir}`);
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
    return await moveInto(temp, path, replace);
  } catch (err) {
    throw localError(err, path);
  } finally {
    await discardStaged(temp);
  }
}

/**
 * The file-system calls that put a file in place, and the wait between tries, as a seam: a test
 * makes them fail the way a full disk or a file held open by another program does, without a disk
 * or a Windows to do it, and counts the waits without a clock.
 */
export const io = { rename, sleep: (ms: number): Promise<unknown> => sleep(ms) };

/**
 * How long a rename waits for a file another program holds open (Windows refuses to replace it:
 * EPERM, EBUSY or EACCES while a viewer, an editor or a virus scanner has it): a few tries,
 * backing off, about 1 s in all, as graceful-fs does.
 */
const HELD_RETRY_MS = [20, 50, 100, 200, 300, 400];
const HELD_CODES = new Set(['EPERM', 'EBUSY', 'EACCES']);

/** Whether a failed rename onto `path` means another program holds it open, not a permission. */
function heldOpen(code: string | undefined, platform = process.platform): boolean {
  return code === 'EBUSY' || (platform === 'win32' && (code === 'EPERM' || code === 'EACCES'));
}

/** rename(), tried again a few times while the target is held open; then a LocalFileError that says so. */
export async function renameRetrying(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await io.rename(from, to);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!code || !HELD_CODES.has(code)) throw err;
      if (attempt < HELD_RETRY_MS.length) {
        await io.sleep(HELD_RETRY_MS[attempt]!);
        continue;
      }
      if (!heldOpen(code)) throw err;
      throw new LocalFileError(
        to,
        code,
        `cannot replace ${to}: another program holds it open (${code})`,
        undefined,
        err,
        true,
      );
    }
  }
}

async function moveInto(temp: string, path: string, replace: boolean): Promise<string> {
  if (replace) {
    await renameRetrying(temp, path);
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
      if (
        await stat(candidate).then(
          () => true,
          () => false,
        )
      )
        continue;
      await renameRetrying(temp, candidate);
      return candidate;
    }
  }
}

/** Writes bytes atomically; returns the path actually written. */
export async function writeAtomic(
  path: string,
  bytes: Uint8Array,
  opts: { replace: boolean; signal?: AbortSignal },
): Promise<string> {
  try {
    const temp = await stageBytes(dirname(path), bytes, opts.signal);
    return await commitStaged(temp, path, opts.replace);
  } catch (err) {
    // Name the file the user asked for, not the temp beside it.
    throw err instanceof LocalFileError && err.path !== path ? localError(err.cause, path) : err;
  }
}

// Temp files that hold decoded images while a large JSON answer is still arriving (see
// api/b64-extract.ts), so memory holds one chunk instead of every image at once. They sit next
// to the outputs; when that folder fails (disk full, vanished, read-only) mid-answer, the bytes
// move to the next folder given (the OS temp folder, the recovery folders): a paid image is
// never lost to a full disk while it arrives.
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { LocalFileError } from '../errors.js';
import { describeWriteError } from '../fs-errors.js';
import { dirname } from 'node:path';
import type { Sink } from '../api/b64-extract.js';
import { PLACEHOLDER } from '../api/b64-extract.js';
import { answerError } from '../api/errors.js';
import { claimTemp, discardStaged, localError } from './disk.js';
import { targetPath, type OutputPlan } from './naming.js';

interface SpillFile {
  path: string;
  fd?: number;
  /** Which of the folders holds it. */
  dir: number;
  /** How many bytes the system said it wrote: what is read back when the file moves. */
  size: number;
}

/** The calls that write a spill file, as a seam: a test makes them fail as a full disk does (a short write, then ENOSPC). */
export const spillIo = { writeSync };

/**
 * Writes all of `bytes`: write(2) on a nearly full disk writes what fits and says how much (a
 * short write), and only the next call fails. Returns how many bytes were written before a failure.
 */
function writeAll(fd: number, bytes: Buffer): { written: number; error?: unknown } {
  let written = 0;
  try {
    while (written < bytes.length) written += spillIo.writeSync(fd, bytes, written, bytes.length - written);
    return { written };
  } catch (error) {
    return { written, error };
  }
}

export class SpillFiles implements Sink {
  private files = new Map<number, SpillFile>();
  /** Slots whose base64 was not valid, with why. */
  readonly broken = new Map<number, string>();
  /** Slots whose bytes could not all be carried to the next folder, with what was lost. */
  private readonly lost = new Map<number, string>();

  /** `dirs`: where to spill, in order of preference; a failing one hands over to the next. */
  constructor(private readonly dirs: readonly string[]) {}

  /** Spill next to the outputs, so the disk that must hold them is the one that is used. */
  static for(plan: OutputPlan, fallbackDirs: readonly string[]): SpillFiles {
    return new SpillFiles(
      plan.kind === 'stdout' ? fallbackDirs : [dirname(targetPath(plan, 0, 'png')), ...fallbackDirs],
    );
  }

  open(slot: number): void {
    const old = this.files.get(slot);
    if (old?.fd !== undefined) closeSync(old.fd);
    if (old) void discardStaged(old.path);
    this.files.set(slot, this.create(0, Buffer.alloc(0)));
  }

  /** A new spill file in the first usable folder from `from` on, holding `bytes`. */
  private create(from: number, bytes: Buffer): SpillFile {
    let last: unknown;
    for (let dir = from; dir < this.dirs.length; dir++) {
      const path = claimTemp(this.dirs[dir]!);
      let fd: number | undefined;
      try {
        if (dir > 0) mkdirSync(this.dirs[dir]!, { recursive: true, mode: 0o700 });
        // Writes are small and sequential; sync calls keep the JSON scanner simple.
        fd = openSync(path, 'w', 0o600);
        const { error } = writeAll(fd, bytes);
        if (error) throw error;
        return { path, fd, dir, size: bytes.length };
      } catch (err) {
        last = err;
        if (fd !== undefined) closeSync(fd);
        void discardStaged(path);
      }
    }
    throw localError(last, this.dirs[0] ?? '.', `the answer's images in ${this.dirs.join(' or ')}`);
  }

  write(slot: number, bytes: Buffer): void {
    const file = this.files.get(slot);
    if (file?.fd === undefined) return;
    const { written, error } = writeAll(file.fd, bytes);
    file.size += written;
    if (!error) return;
    // This folder failed mid-image: carry what it holds (exactly the bytes it took, read back
    // and counted) and the rest of this chunk to the next one.
    closeSync(file.fd);
    file.fd = undefined;
    let sofar: Buffer;
    try {
      sofar = readFileSync(file.path).subarray(0, file.size);
    } catch {
      sofar = Buffer.alloc(0);
    }
    void discardStaged(file.path);
    if (sofar.length !== file.size) {
      // Never carry on with a gap: the image is reported as lost, with how much.
      this.lost.set(
        slot,
        `${file.size - sofar.length} of its first ${file.size} bytes could not be read back from ${file.path} after writing to ${this.dirs[file.dir]} failed (${describeWriteError(error)})`,
      );
      return;
    }
    this.files.set(slot, this.create(file.dir + 1, Buffer.concat([sofar, bytes.subarray(written)])));
  }

  close(slot: number): void {
    const file = this.files.get(slot);
    if (file?.fd !== undefined) closeSync(file.fd);
    if (file) file.fd = undefined;
  }

  markBroken(slot: number, why: string): void {
    this.broken.set(slot, why);
  }

  /** Whether a b64_json value is one of our placeholders. */
  owns(value: string): boolean {
    return value.startsWith(PLACEHOLDER);
  }

  /** The decoded bytes behind a placeholder; the temp file is removed. */
  async take(value: string, index: number, requestId?: string): Promise<Buffer> {
    const slot = Number(value.slice(PLACEHOLDER.length));
    const file = this.files.get(slot);
    if (!file) throw answerError('cut-short', `Image ${index + 1} in the answer was not received whole.`, requestId);
    try {
      const lost = this.lost.get(slot);
      if (lost) throw new LocalFileError(file.path, undefined, `image ${index + 1} was lost while it arrived: ${lost}`);
      const why = this.broken.get(slot);
      if (why) {
        throw answerError(
          'bad-base64',
          `Image ${index + 1} in the answer is not valid base64 (${why}); the body may have been cut or altered on the way.`,
          requestId,
        );
      }
      try {
        return readFileSync(file.path);
      } catch (err) {
        // Its folder went away under it (with the image, which nothing can bring back).
        throw localError(err, file.path, `image ${index + 1}: its temp file ${file.path} could not be read back`);
      }
    } finally {
      await discardStaged(file.path);
      this.files.delete(slot);
    }
  }

  async cleanup(): Promise<void> {
    for (const slot of [...this.files.keys()]) {
      const file = this.files.get(slot)!;
      if (file.fd !== undefined) closeSync(file.fd);
      await discardStaged(file.path);
    }
    this.files.clear();
  }
}

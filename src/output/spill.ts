// Temp files that hold decoded images while a large JSON answer is still arriving (see
// api/b64-extract.ts), so memory holds one chunk instead of every image at once. They sit next
// to the outputs; when that folder fails (disk full, vanished, read-only) mid-answer, the bytes
// move to the next folder given (the OS temp folder, the recovery folders): a paid image is
// never lost to a full disk while it arrives.
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
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
}

export class SpillFiles implements Sink {
  private files = new Map<number, SpillFile>();
  /** Slots whose base64 was not valid, with why. */
  readonly broken = new Map<number, string>();

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
        if (bytes.length) writeSync(fd, bytes);
        return { path, fd, dir };
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
    try {
      writeSync(file.fd, bytes);
    } catch {
      // This folder failed mid-image: carry what it holds, and the rest, to the next one.
      closeSync(file.fd);
      const sofar = readFileSync(file.path);
      void discardStaged(file.path);
      this.files.set(slot, this.create(file.dir + 1, Buffer.concat([sofar, bytes])));
    }
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

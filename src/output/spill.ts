// Temp files that hold decoded images while a large JSON answer is still arriving (see
// api/b64-extract.ts), so memory holds one chunk instead of every image at once.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Sink } from '../api/b64-extract.js';
import { PLACEHOLDER } from '../api/b64-extract.js';
import { answerError } from '../api/errors.js';
import { claimTemp, discardStaged } from './files.js';
import { targetPath, type OutputPlan } from './naming.js';

export class SpillFiles implements Sink {
  private files = new Map<number, { path: string; fd?: number }>();
  /** Slots whose base64 was not valid, with why. */
  readonly broken = new Map<number, string>();

  constructor(private readonly dir: string) {}

  /** Spill next to the outputs, so the disk that must hold them is the one that is used. */
  static for(plan: OutputPlan, fallbackDir: string): SpillFiles {
    return new SpillFiles(plan.kind === 'stdout' ? fallbackDir : dirname(targetPath(plan, 0, 'png')));
  }

  open(slot: number): void {
    const old = this.files.get(slot);
    if (old?.fd !== undefined) closeSync(old.fd);
    const path = old?.path ?? claimTemp(this.dir);
    // Writes are small and sequential; sync calls keep the JSON scanner simple.
    this.files.set(slot, { path, fd: openSync(path, 'w', 0o600) });
  }

  write(slot: number, bytes: Buffer): void {
    const file = this.files.get(slot);
    if (file?.fd !== undefined) writeSync(file.fd, bytes);
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
        throw answerError('bad-base64', `Image ${index + 1} in the answer is not valid base64 (${why}); the body may have been cut or altered on the way.`, requestId);
      }
      return readFileSync(file.path);
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

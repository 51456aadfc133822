// A lock file beside what it guards (`<file>.lock`, or any name): created with O_EXCL, holding
// the owner's pid and host, removed on release or at exit. A lock whose owner is gone (same
// machine, no such process) is taken over; a live owner's is waited for, up to a bound, then
// refused with the caller's words. Used by the config file's read-modify-write and by the
// remote batch's state file.
import { readFile, open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, keepAtExit, localError, removeAtExit } from './disk.js';

/** Who holds a lock, as its file says; pid is undefined while the owner is still writing it. */
export interface LockHolder {
  pid?: number;
  host?: string;
}

export class LockFile {
  private held = false;

  constructor(
    readonly path: string,
    /** What the lock guards, for errors: "the batch lock", "the config lock". */
    private readonly what: string,
  ) {}

  /**
   * Takes the lock, waiting up to `waitMs` for a live owner to let it go (polling with backoff);
   * then throws `busy(holder)`. Released by release(), or at exit.
   */
  async acquire(opts: { waitMs: number; busy: (holder: LockHolder) => Error; signal?: AbortSignal }): Promise<void> {
    const me = `${process.pid} ${hostname()}\n`;
    const deadline = performance.now() + opts.waitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(this.path, 'wx', 0o600);
        try {
          await handle.writeFile(me);
        } finally {
          await handle.close();
        }
        this.held = true;
        // Held at exit (an error path that skipped release()): removed, so the next run can go on.
        removeAtExit(this.path);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
          throw localError(err, this.path, `${this.what} ${this.path}`);
      }
      const holder = await this.holder();
      if (holder.host === hostname() && holder.pid !== undefined && !alive(holder.pid)) {
        // Its owner died without releasing it (kill -9, a crash).
        await unlink(this.path).catch(() => {});
        continue;
      }
      if (performance.now() >= deadline) throw opts.busy(holder);
      await sleep(Math.min(10 * 2 ** Math.min(attempt, 4), 100), undefined, { signal: opts.signal });
    }
  }

  private async holder(): Promise<LockHolder> {
    const text = await readFile(this.path, 'utf8').catch(() => '');
    const [pid, host] = text.trim().split(' ');
    return { pid: pid && /^\d+$/.test(pid) ? Number(pid) : undefined, host };
  }

  async release(): Promise<void> {
    if (!this.held) return;
    await unlink(this.path).catch(() => {});
    keepAtExit(this.path);
    this.held = false;
  }
}

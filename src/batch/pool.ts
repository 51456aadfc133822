// Runs items with at most `concurrency` at once. A hook decides before each start whether to
// go on (fail-fast, budget); a skipped item is reported, never silently dropped.

export type Outcome<R> =
  | { kind: 'ok'; value: R }
  | { kind: 'failed'; error: Error }
  | { kind: 'skipped'; reason: string };

export interface PoolOptions<T, R> {
  concurrency: number;
  signal: AbortSignal;
  /**
   * Waits for what the item needs first (the jobs that make its inputs); returns a reason to skip
   * it (one of them failed), or undefined. Items are taken in order, so what an item waits for
   * was started before it: waiting in a worker can never hold up its own prerequisites.
   */
  waitFor?: (item: T) => Promise<string | undefined>;
  /** Returns a reason to skip the item instead of starting it, or undefined to start it. */
  skipReason?: (item: T) => string | undefined;
  onStart?: (item: T) => void;
  run: (item: T) => Promise<R>;
  onDone: (item: T, outcome: Outcome<R>) => void;
}

export async function runPool<T, R>(items: readonly T[], opts: PoolOptions<T, R>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !opts.signal.aborted) {
      const item = items[next++]!;
      const reason = (await opts.waitFor?.(item)) ?? opts.skipReason?.(item);
      if (reason) {
        opts.onDone(item, { kind: 'skipped', reason });
        continue;
      }
      opts.onStart?.(item);
      try {
        opts.onDone(item, { kind: 'ok', value: await opts.run(item) });
      } catch (err) {
        if (opts.signal.aborted) throw err;
        opts.onDone(item, { kind: 'failed', error: err as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, items.length)) }, worker));
}

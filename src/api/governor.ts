// A rate governor shared by concurrent requests (batch workers): a 429 anywhere pauses every
// worker for the server's retry-after, and x-ratelimit-* headers pace new requests before the
// limit is hit. Single requests do not need one.
import { setTimeout as sleep } from 'node:timers/promises';

type Headers = Record<string, string | string[] | undefined>;

const header = (h: Headers, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** OpenAI's reset durations: "1s", "6m0s", "20ms", "1h2m3.5s"; plain numbers are seconds. */
export function parseResetMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  let matched = '';
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  return matched === value ? total : undefined;
}

/** The governor's sense of time: real by default, a stand-in in tests. */
export interface GovernorClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const REAL_CLOCK: GovernorClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

export class RateGovernor {
  private pausedUntil = 0;
  /** Requests the governor has let start and not heard back from. */
  private inFlight = 0;
  /** Total time requests were held back, for summaries. */
  waitedMs = 0;

  constructor(
    private readonly concurrency: number,
    private readonly clock: GovernorClock = REAL_CLOCK,
  ) {}

  /** Waits until a new request may start (or the signal aborts). */
  async acquire(signal: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.pausedUntil - this.clock.now();
      if (wait <= 0) break;
      this.waitedMs += wait;
      await this.clock.sleep(wait, signal);
    }
    this.inFlight++;
  }

  /** Reports an answer: its status, headers, and the delay the retry logic chose for a 429. */
  observe(status: number | undefined, headers: Headers, delayMs?: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const now = this.clock.now();
    if (status === 429 && delayMs !== undefined) this.pauseUntil(now + delayMs);
    for (const kind of ['requests', 'tokens']) {
      const remaining = Number(header(headers, `x-ratelimit-remaining-${kind}`));
      const reset = parseResetMs(header(headers, `x-ratelimit-reset-${kind}`));
      if (!Number.isFinite(remaining) || reset === undefined) continue;
      // Fewer left than requests already running: hold new ones until the window resets.
      if (kind === 'requests' && remaining <= Math.max(0, this.inFlight)) this.pauseUntil(now + reset);
      if (kind === 'requests' && remaining < this.concurrency && remaining > this.inFlight) {
        // Spread what is left over the rest of the window instead of spending it at once.
        this.pauseUntil(now + Math.ceil(reset / Math.max(1, remaining - this.inFlight)));
      }
      if (kind === 'tokens' && remaining <= 0) this.pauseUntil(now + reset);
    }
  }

  private pauseUntil(at: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, at);
  }
}

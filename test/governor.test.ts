// The shared rate governor: 429s pause everyone, rate-limit headers pace new requests.
import { describe, expect, it } from 'vitest';
import { RateGovernor, parseResetMs, type GovernorClock } from '../src/api/governor.js';

describe('parseResetMs', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['2', 2000],
    ['soon', undefined],
    [undefined, undefined],
  ])('%s -> %s', (value, ms) => expect(parseResetMs(value)).toBe(ms));
});

/**
 * A clock that only moves when a sleep ends, and a sleep that records what it was asked for.
 * Sleeps that start together end together, as timers of the same length would.
 */
function fakeClock(start = 1_000_000) {
  let now = start;
  const waits: number[] = [];
  const clock: GovernorClock = {
    now: () => now,
    sleep: (ms, signal) => {
      waits.push(ms);
      const until = now + ms;
      if (ms >= 60_000) {
        // Long waits end only by the signal, so the test decides what happens during them.
        return new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        );
      }
      return Promise.resolve().then(() => {
        now = Math.max(now, until);
      });
    },
  };
  return { clock, waits, elapsed: () => now - start };
}

describe('RateGovernor', () => {
  const signal = new AbortController().signal;

  it('lets requests through while nothing says otherwise', async () => {
    const t = fakeClock();
    const g = new RateGovernor(4, t.clock);
    await Promise.all([g.acquire(signal), g.acquire(signal), g.acquire(signal)]);
    expect(t.waits).toEqual([]);
    expect(g.waitedMs).toBe(0);
  });

  it('holds every new request after a 429 for the retry delay', async () => {
    const t = fakeClock();
    const g = new RateGovernor(4, t.clock);
    await g.acquire(signal);
    g.observe(429, {}, 200);
    await Promise.all([g.acquire(signal), g.acquire(signal)]);
    expect(t.waits).toEqual([200, 200]);
    expect(t.elapsed()).toBe(200);
    expect(g.waitedMs).toBe(400);
  });

  it('waits for the window reset when no requests remain', async () => {
    const t = fakeClock();
    const g = new RateGovernor(2, t.clock);
    await g.acquire(signal);
    g.observe(200, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '150ms' });
    await g.acquire(signal);
    expect(t.waits).toEqual([150]);
  });

  it('spreads the requests left over the rest of the window', async () => {
    const t = fakeClock();
    const g = new RateGovernor(4, t.clock);
    await g.acquire(signal);
    g.observe(200, { 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '1s' });
    await g.acquire(signal);
    expect(t.waits).toEqual([334]);
  });

  it('is interrupted by the signal', async () => {
    const t = fakeClock();
    const g = new RateGovernor(1, t.clock);
    g.observe(429, {}, 600_000);
    const controller = new AbortController();
    const held = g.acquire(controller.signal);
    expect(t.waits).toEqual([600_000]);
    controller.abort(new Error('stop'));
    await expect(held).rejects.toThrow('stop');
  });

  it('sleeps on real timers unless given a clock, still interrupted by the signal', async () => {
    const g = new RateGovernor(1);
    g.observe(429, {}, 600_000);
    const controller = new AbortController();
    const held = g.acquire(controller.signal);
    controller.abort();
    await expect(held).rejects.toThrow(/aborted/);
  });
});

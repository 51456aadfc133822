// The shared rate governor: 429s pause everyone, rate-limit headers pace new requests.
import { describe, expect, it } from 'vitest';
import { RateGovernor, parseResetMs } from '../src/api/governor.js';

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

describe('RateGovernor', () => {
  const signal = new AbortController().signal;

  it('lets requests through while nothing says otherwise', async () => {
    const g = new RateGovernor(4);
    const started = Date.now();
    await Promise.all([g.acquire(signal), g.acquire(signal), g.acquire(signal)]);
    expect(Date.now() - started).toBeLessThan(50);
  });

  it('holds every new request after a 429 for the retry delay', async () => {
    const g = new RateGovernor(4);
    await g.acquire(signal);
    g.observe(429, {}, 200);
    const started = Date.now();
    await Promise.all([g.acquire(signal), g.acquire(signal)]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(g.waitedMs).toBeGreaterThanOrEqual(380);
  });

  it('waits for the window reset when no requests remain', async () => {
    const g = new RateGovernor(2);
    await g.acquire(signal);
    g.observe(200, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '150ms' });
    const started = Date.now();
    await g.acquire(signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('is interrupted by the signal', async () => {
    const g = new RateGovernor(1);
    g.observe(429, {}, 10_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(g.acquire(controller.signal)).rejects.toThrow();
  });
});

// Cost estimates from usage, with the dated rate table.
import { describe, expect, it } from 'vitest';
import { resolveModel } from '../src/models/table.js';
import { PRICES_CHECKED, estimateCost } from '../src/models/prices.js';

describe('estimateCost', () => {
  const usage = {
    total_tokens: 1110,
    input_tokens: 50,
    output_tokens: 1060,
    input_tokens_details: { text_tokens: 10, image_tokens: 40 },
    output_tokens_details: { image_tokens: 1056, text_tokens: 4 },
  };

  it('prices gpt-image-2, 2.5 and 2.6 tokens by kind', () => {
    // 10 x $5 + 40 x $8 + 1056 x $30 + 4 x $5, per million
    const expected = (10 * 5 + 40 * 8 + 1056 * 30 + 4 * 5) / 1e6;
    expect(estimateCost(resolveModel('gpt-image-2'), usage)).toEqual({
      usd: Math.round(expected * 1e6) / 1e6,
      rates_checked: PRICES_CHECKED,
    });
    expect(estimateCost(resolveModel('gpt-image-2.5-sunburst'), usage)?.usd).toBeCloseTo(expected, 6);
    expect(estimateCost(resolveModel('gpt-image-2.6-flare'), usage)?.usd).toBeCloseTo(expected, 6);
    expect(PRICES_CHECKED).toBe('2026-12-01');
  });

  it('reports no cost rather than a guess', () => {
    expect(estimateCost(resolveModel('gpt-image-1.5'), usage)).toBeUndefined();
    expect(estimateCost(resolveModel('dall-e-3'), undefined)).toBeUndefined();
    expect(estimateCost(resolveModel('gpt-image-9'), usage)).toBeUndefined();
    expect(estimateCost(resolveModel('gpt-image-2'), undefined)).toBeUndefined();
  });

  it('bills undetailed usage as text in and image out', () => {
    expect(estimateCost(resolveModel('gpt-image-2'), { input_tokens: 100, output_tokens: 1000 })?.usd).toBeCloseTo(
      (100 * 5 + 1000 * 30) / 1e6,
      9,
    );
  });
});

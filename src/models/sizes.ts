// The custom-size rule (gpt-image-2 and later: any WIDTHxHEIGHT within limits), judged without
// zod, so config defaults and an up-to-date check can use it without loading the schema.
import type { CustomSizeRule } from './table.js';

/** Why a WIDTHxHEIGHT size breaks the custom-size rule (every reason), or undefined when it is fine. */
export function customSizeProblem(size: string, rule: CustomSizeRule): string | undefined {
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (!m) return 'sizes are written WIDTHxHEIGHT, e.g. 1536x864';
  const w = Number(m[1]);
  const h = Number(m[2]);
  const problems: string[] = [];
  if (w % rule.multiple || h % rule.multiple) problems.push(`both edges must be multiples of ${rule.multiple}`);
  if (Math.max(w, h) > rule.maxEdge) problems.push(`the long edge can be at most ${rule.maxEdge}`);
  if (Math.max(w, h) > rule.maxAspect * Math.min(w, h))
    problems.push(`the aspect ratio must be between 1:${rule.maxAspect} and ${rule.maxAspect}:1`);
  if (w * h < rule.minPixels || w * h > rule.maxPixels) {
    problems.push(
      `the total pixels must be between ${rule.minPixels.toLocaleString('en')} and ${rule.maxPixels.toLocaleString('en')}`,
    );
  }
  return problems.length ? problems.join(', and ') : undefined;
}

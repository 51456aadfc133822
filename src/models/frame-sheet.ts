// The frame sheet of an animated output (gpt-image-2.6's gif): every frame is drawn on one sheet,
// and the sheet has the size budget of a single image. How frames lie on it is the guides'
// reading (reference section 3: "6 frames of 1024x1024 are refused"): side by side in one row or
// one column, so the strip is frames x the short edge long. If the API turns out to tile them
// another way, this file is the one place to change. Pure.
import type { CustomSizeRule, EndpointRules, IntRange, SheetRule } from './table.js';

const parse = (size: string) => {
  const m = /^(\d+)x(\d+)$/.exec(size);
  return m ? { w: Number(m[1]), h: Number(m[2]) } : undefined;
};

/** The sheet `frames` frames of w x h make: its long side (the strip) and its pixels. */
export function sheetOf(w: number, h: number, frames: number): { length: number; pixels: number } {
  return { length: frames * Math.min(w, h), pixels: frames * w * h };
}

export function fits(w: number, h: number, frames: number, sheet: SheetRule): boolean {
  const { length, pixels } = sheetOf(w, h, frames);
  return length <= sheet.maxEdge && Math.max(w, h) <= sheet.maxEdge && pixels <= sheet.maxPixels;
}

/** The most frames of w x h that fit, within the frame count's range. */
export function maxFrames(w: number, h: number, sheet: SheetRule, range: IntRange): number {
  let n = range.max;
  while (n >= range.min && !fits(w, h, n, sheet)) n--;
  return n;
}

/** A custom size near the asked one's shape that fits `frames` frames, or undefined. */
function customExample(frames: number, landscape: boolean, sheet: SheetRule, rule: CustomSizeRule): string | undefined {
  for (
    let short = Math.floor(sheet.maxEdge / frames / rule.multiple) * rule.multiple;
    short >= rule.multiple;
    short -= rule.multiple
  ) {
    const long = Math.ceil(rule.minPixels / short / rule.multiple) * rule.multiple;
    const size = Math.max(long, short);
    if (size > rule.maxAspect * short || !fits(size, short, frames, sheet) || size * short > rule.maxPixels) continue;
    return landscape ? `${size}x${short}` : `${short}x${size}`;
  }
  return undefined;
}

/**
 * Why `frames` frames of `size` cannot share one sheet, with the sizes and frame counts that
 * would, or undefined when they fit (or the size is auto: the model picks one that fits).
 */
export function sheetProblem(
  size: unknown,
  frames: number,
  isDefault: boolean,
  sheet: SheetRule,
  rules: EndpointRules,
  model: string,
): string | undefined {
  const dims = typeof size === 'string' ? parse(size) : undefined;
  if (!dims || fits(dims.w, dims.h, frames, sheet)) return undefined;
  const range = rules.frameCount ?? { min: 1, max: frames };
  const { length, pixels } = sheetOf(dims.w, dims.h, frames);
  const over = [
    length > sheet.maxEdge || Math.max(dims.w, dims.h) > sheet.maxEdge
      ? `${Math.max(length, dims.w, dims.h)} px long (at most ${sheet.maxEdge})`
      : '',
    pixels > sheet.maxPixels
      ? `of ${pixels.toLocaleString('en')} pixels (at most ${sheet.maxPixels.toLocaleString('en')})`
      : '',
  ].filter(Boolean);
  const count = `${frames} frames${isDefault ? ' (the default)' : ''}`;
  const ways: string[] = [];
  const most = maxFrames(dims.w, dims.h, sheet, range);
  if (most >= range.min)
    ways.push(`at ${size} use --frames ${most === range.min ? range.min : `${range.min} to ${most}`}`);
  const sizes = rules.sizes.filter((s) => parse(s) && fits(parse(s)!.w, parse(s)!.h, frames, sheet));
  const example = rules.customSize ? customExample(frames, dims.w >= dims.h, sheet, rules.customSize) : undefined;
  if (sizes.length || example)
    ways.push(`for ${frames} frames use -s ${[...sizes, ...(example ? [example] : [])].join(' or ')}`);
  ways.push('or -s auto to let the model choose');
  return `${count} of ${size} do not fit ${model}'s frame sheet: the frames of a GIF share one sheet, and these make one ${over.join(' and ')}; ${ways.join('; ')}`;
}

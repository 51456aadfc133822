// Numbers of a shape: read from text, sorted into fractions or pixels by the rule in spec.ts, and
// turned into pixels of a given image.
import { MarkupError, type Size, type Units } from './spec.js';

/** "0.1, 0.2,0.4,0.5" -> [0.1, 0.2, 0.4, 0.5]; `where` names the shape in the message. */
export function parseNumbers(text: string, where: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  return parts.map((p) => {
    // Number('') is 0 and Number('0x10') is 16: accept plain decimals only.
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(p)) {
      throw new MarkupError(
        'bad-number',
        `${where}: "${p}" is not a number; write numbers like 0.25 or 120, separated by commas`,
      );
    }
    return Number(p);
  });
}

const list = (ns: number[]) => ns.join(', ');

/** Fractions when every number is in [0, 1], else pixels; refuses negatives and mixtures. */
export function decideUnits(numbers: number[], where: string): Units {
  const negative = numbers.filter((n) => n < 0);
  if (negative.length > 0) {
    throw new MarkupError(
      'bad-number',
      `${where}: ${list(negative)} is negative; 0,0 is the image's top-left corner and nothing lies left of or above it`,
    );
  }
  if (numbers.every((n) => n <= 1)) return 'fraction';
  const fractions = numbers.filter((n) => n > 0 && n < 1);
  if (fractions.length > 0) {
    throw new MarkupError(
      'ambiguous-units',
      `${where} mixes fractions (${list(fractions)}) with pixels (${list(numbers.filter((n) => n > 1))}); ` +
        'give every number of a shape as a fraction of the image (0 to 1) or every one in pixels',
    );
  }
  return 'px';
}

/**
 * Pixel x and y of a point. Pixels past the edge are refused here, when the size is known
 * (fractions cannot be past it): a typo of 10240 for 1024 should not draw nothing silently.
 */
export function toPixels(
  units: Units,
  x: number,
  y: number,
  size: Size,
  where: string,
  index?: number,
): [number, number] {
  if (units === 'fraction') return [x * size.width, y * size.height];
  const past = x > size.width ? `x ${x} is past its right edge` : y > size.height ? `y ${y} is past its bottom` : '';
  if (past) {
    throw new MarkupError(
      'outside',
      `${where}: the image is ${size.width}x${size.height} and ${past}; use pixels inside it, or fractions (0 to 1)`,
      index,
      'at',
    );
  }
  return [x, y];
}

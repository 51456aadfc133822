// Colours for markup: CSS hex (#rrggbb, #rrggbbaa) and a few names, and the contrast rule that
// picks a label's text colour.
import { MarkupError, type Rgba } from './spec.js';

/**
 * Full-strength colours: markup must stand out on a photo, so green is #00ff00 (CSS calls that
 * lime; CSS green, #008000, disappears in foliage) and orange is a pure #ff8000.
 */
export const COLOR_NAMES: Readonly<Record<string, string>> = {
  red: '#ff0000',
  green: '#00ff00',
  blue: '#0000ff',
  yellow: '#ffff00',
  orange: '#ff8000',
  magenta: '#ff00ff',
  cyan: '#00ffff',
  white: '#ffffff',
  black: '#000000',
};

const HEX = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})?$/i;

export function parseColor(value: string, where = 'colour'): Rgba {
  const text = value.trim().toLowerCase();
  const hex = Object.hasOwn(COLOR_NAMES, text) ? COLOR_NAMES[text]! : text;
  const m = HEX.exec(hex);
  if (!m) {
    throw new MarkupError(
      'bad-color',
      `${where} "${value}" is not a colour; use #rrggbb, #rrggbbaa (aa = opacity, 00 to ff) or one of ${Object.keys(COLOR_NAMES).join(', ')}`,
    );
  }
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => parseInt(h, 16)) as [number, number, number];
  return { r, g, b, a: m[4] === undefined ? 1 : parseInt(m[4], 16) / 255 };
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** #rrggbb, or #rrggbbaa when not opaque. */
export function formatColor(c: Rgba): string {
  const alpha = c.a >= 1 ? '' : hex2(Math.round(c.a * 255));
  return `#${hex2(c.r)}${hex2(c.g)}${hex2(c.b)}${alpha}`;
}

/** WCAG 2 relative luminance of the opaque colour. */
function luminance(c: Rgba): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

export const BLACK: Rgba = { r: 0, g: 0, b: 0, a: 1 };
export const WHITE: Rgba = { r: 255, g: 255, b: 255, a: 1 };

/** Black or white, whichever has the higher WCAG contrast ratio against `c`. */
export function contrasting(c: Rgba): Rgba {
  const l = luminance(c);
  // (L + 0.05) / 0.05 against black, 1.05 / (L + 0.05) against white.
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? BLACK : WHITE;
}

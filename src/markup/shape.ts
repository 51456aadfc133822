// One shape from loosely typed input (a flag's words, a JSON object) to a checked ShapeSpec.
// Flags and files both end here, so a rule and its message exist once.
import { parseColor } from './color.js';
import { decideUnits } from './coords.js';
import { MarkupError, type Corners, type Point, type ShapeSpec, type ShapeType } from './spec.js';

/** A shape as given: `at` is a flat list of numbers, or x,y pairs for a path. */
export interface RawShape {
  type: ShapeType;
  at?: number[] | number[][];
  text?: string;
  color?: string;
  width?: number;
  fill?: string;
  size?: number;
  style?: string;
}

/** The settings each kind of shape takes besides `at` (and a label's text). */
export const SETTINGS: Readonly<Record<ShapeType, readonly string[]>> = {
  box: ['color', 'width', 'fill'],
  ellipse: ['color', 'width', 'fill'],
  arrow: ['color', 'width'],
  line: ['color', 'width'],
  path: ['color', 'width'],
  label: ['color', 'size', 'style'],
};

export const AT_FORMS: Readonly<Record<ShapeType, string>> = {
  box: 'x1,y1,x2,y2 (two opposite corners)',
  ellipse: 'x1,y1,x2,y2 (the box it fills)',
  arrow: 'x1,y1,x2,y2 (from x1,y1 to the head at x2,y2)',
  line: 'x1,y1,x2,y2 (its two ends)',
  path: 'x,y points separated by spaces, e.g. "0.1,0.1 0.2,0.15 0.3,0.1"',
  label: 'x,y (its bottom-left corner)',
};

/** Stroke widths and font sizes, in pixels: wide enough for the largest image the API makes. */
export const LIMITS = { width: [0.5, 500], size: [4, 500] } as const;
export const MAX_LABEL_CHARS = 200;

function fail(
  where: string,
  index: number,
  field: string,
  message: string,
  code: 'bad-shape' | 'bad-text' = 'bad-shape',
): never {
  throw new MarkupError(code, `${where}: ${message}`, index, field);
}

/**
 * A label's text as one line: whitespace runs (newlines and tabs included) become one space.
 * Other control characters are refused rather than dropped: XML cannot carry most of them, and
 * one that slipped into a shell variable is better shown to the user than guessed at.
 */
export function cleanText(text: string, where: string, index: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const bad =
    /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(
      line,
    );
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    fail(where, index, 'text', `the text has a control or invalid character (U+${code}); remove it`, 'bad-text');
  }
  if (!line) fail(where, index, 'text', 'the text is empty; give the words to show', 'bad-text');
  const chars = [...line].length;
  if (chars > MAX_LABEL_CHARS)
    fail(
      where,
      index,
      'text',
      `the text has ${chars} characters; keep a label to ${MAX_LABEL_CHARS} (a few words read best)`,
      'bad-text',
    );
  return line;
}

function inRange(v: number | undefined, field: keyof typeof LIMITS, where: string, index: number): number | undefined {
  const [lo, hi] = LIMITS[field];
  if (v !== undefined && !(Number.isFinite(v) && v >= lo && v <= hi)) {
    const what = field === 'width' ? 'stroke width' : 'font size';
    fail(where, index, field, `${what} ${v} is out of range; give pixels from ${lo} to ${hi}`);
  }
  return v;
}

function corners(at: number[], type: ShapeType, where: string, index: number): Corners {
  if (at.length !== 4) fail(where, index, 'at', `a ${type} takes 4 numbers, ${AT_FORMS[type]}; got ${at.length}`);
  const c = at as Corners;
  const [x1, y1, x2, y2] = c;
  if ((type === 'box' || type === 'ellipse') && (x1 === x2 || y1 === y2))
    fail(
      where,
      index,
      'at',
      `the ${type} has no ${x1 === x2 ? 'width' : 'height'}; its corners need different x and y`,
    );
  if ((type === 'arrow' || type === 'line') && x1 === x2 && y1 === y2)
    fail(where, index, 'at', `the ${type} starts where it ends; give two different points`);
  return c;
}

function points(at: number[][], where: string, index: number): Point[] {
  // A file may mix pairs and bare numbers ([[0, 0], 5]): every point must be a pair.
  const bad = at.find((p) => !Array.isArray(p) || p.length !== 2);
  if (bad !== undefined) {
    const got = Array.isArray(bad) ? `${bad.length} numbers (${bad.join(',')})` : `a bare number (${bad})`;
    fail(where, index, 'at', `a path point is x,y; got ${got}`);
  }
  if (at.length < 2) fail(where, index, 'at', `a path needs at least 2 points, ${AT_FORMS.path}`);
  return at as Point[];
}

/** Runs a check from coords.ts or color.ts, adding which shape and field its error is about. */
function about<T>(index: number, field: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof MarkupError && err.index === undefined)
      throw new MarkupError(err.code, err.message, index, field);
    throw err;
  }
}

/** Checks one shape; `where` names it in messages ("shape 2 (box)", `box "0.1,0.2"`). */
export function buildShape(raw: RawShape, where: string, index: number): ShapeSpec {
  const takes = raw.type === 'label' ? ['text', ...SETTINGS.label] : SETTINGS[raw.type];
  for (const key of ['text', 'fill', 'size', 'style', 'width'] as const) {
    if (raw[key] !== undefined && !takes.includes(key))
      fail(where, index, key, `a ${raw.type} has no ${key}; it takes ${SETTINGS[raw.type].join(', ')}`);
  }
  const color =
    raw.color === undefined ? undefined : about(index, 'color', () => parseColor(raw.color!, `${where}: colour`));
  const width = inRange(raw.width, 'width', where, index);
  const flat = (raw.at ?? []) as number[];
  const nested = flat.some((n) => Array.isArray(n));
  if (raw.type !== 'path' && nested) fail(where, index, 'at', `a ${raw.type} takes ${AT_FORMS[raw.type]}, not points`);
  if (raw.type === 'label') {
    if (raw.text === undefined) fail(where, index, 'text', 'a label needs its text');
    const style = raw.style;
    if (style !== undefined && style !== 'plate' && style !== 'halo')
      fail(where, index, 'style', `style "${style}" is unknown; use plate (a filled tag) or halo (an outline)`);
    const label: ShapeSpec = { type: 'label', text: cleanText(raw.text, where, index) };
    if (raw.at !== undefined) {
      if (flat.length !== 2) fail(where, index, 'at', `a label takes ${AT_FORMS.label}; got ${flat.length} numbers`);
      label.at = flat as Point;
      label.units = about(index, 'at', () => decideUnits(flat, where));
    }
    if (color) label.color = color;
    if (raw.size !== undefined) label.size = inRange(raw.size, 'size', where, index);
    if (style) label.style = style;
    return label;
  }
  if (raw.at === undefined) fail(where, index, 'at', `a ${raw.type} needs its position, ${AT_FORMS[raw.type]}`);
  const stroke = { ...(color && { color }), ...(width !== undefined && { width }) };
  if (raw.type === 'path') {
    if (!nested) fail(where, index, 'at', `a path takes ${AT_FORMS.path}`);
    const pts = points(raw.at as number[][], where, index);
    return { type: 'path', units: about(index, 'at', () => decideUnits(pts.flat(), where)), points: pts, ...stroke };
  }
  const at = corners(flat, raw.type, where, index);
  const units = about(index, 'at', () => decideUnits(at, where));
  if (raw.type === 'arrow' || raw.type === 'line') return { type: raw.type, units, at, ...stroke };
  const fill = raw.fill === undefined ? undefined : about(index, 'fill', () => parseColor(raw.fill!, `${where}: fill`));
  return { type: raw.type, units, at, ...stroke, ...(fill && { fill }) };
}

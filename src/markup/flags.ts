// Markup from command-line values: one entry per shape flag, in the order given (a label without
// a position attaches to the shape before it, so order matters: commander calls argParsers in
// command-line order, which can fill one shared list). No sharp here, so a command's argument
// parsing can import it without paying for sharp's load.
import { parseColor } from './color.js';
import { parseNumbers } from './coords.js';
import { AT_FORMS, buildShape, LIMITS, SETTINGS, type RawShape } from './shape.js';
import { MarkupError, type MarkupDefaults, type MarkupSpec, type ShapeSpec, type ShapeType } from './spec.js';

export interface ShapeFlag {
  type: ShapeType;
  /** The coordinates ("0.1,0.2,0.4,0.5"; a path: "0.1,0.1 0.2,0.15"), or a label's text. */
  value: string;
  /** A label's position, "x,y" (its bottom-left corner). */
  at?: string;
  /** Settings as key=value words: "color=red width=6 fill=#ff000040", "size=32 style=halo". */
  style?: string;
}

export interface DefaultFlags {
  color?: string;
  width?: number | string;
  size?: number | string;
}

/** The flag's value as a message can quote it: short and on one line. */
function quote(value: string): string {
  const line = value.replace(/\s+/g, ' ').trim();
  return `"${line.length > 40 ? `${line.slice(0, 37)}...` : line}"`;
}

function number(text: string, where: string): number {
  if (text.includes(',')) throw new MarkupError('bad-number', `${where}: "${text}" is not one number`);
  return parseNumbers(text, where)[0]!;
}

/** "color=red width=6" -> { color: 'red', width: 6 }, refusing keys the shape does not take. */
export function parseStyle(type: ShapeType, style: string, where: string, index = 0): Partial<RawShape> {
  const out: Partial<RawShape> = {};
  for (const word of style.trim().split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    const key = eq > 0 ? word.slice(0, eq).toLowerCase() : '';
    const value = word.slice(eq + 1);
    if (!SETTINGS[type].includes(key)) {
      const keys = SETTINGS[type].map((k) => `${k}=`).join(', ');
      throw new MarkupError(
        'bad-shape',
        `${where}: "${word}" is not a ${type} setting; use ${keys}`,
        index,
        key || undefined,
      );
    }
    if (key === 'width' || key === 'size') out[key] = number(value, `${where}: ${key}`);
    else if (key === 'color' || key === 'fill' || key === 'style') out[key] = value;
  }
  return out;
}

/** A path's points: whitespace (or ;) between points, a comma inside each. */
function parsePoints(value: string, where: string): number[][] {
  const tokens = value
    .replace(/\s*,\s*/g, ',')
    .trim()
    .split(/[\s;]+/)
    .filter(Boolean);
  return tokens.map((t) => parseNumbers(t, where));
}

/** One flag to a checked shape; `index` (0-based) is its place among all shapes. */
export function parseShapeFlag(flag: ShapeFlag, index = 0): ShapeSpec {
  const where = flag.type === 'label' ? `label ${quote(flag.value)}` : `${flag.type} ${quote(flag.value)}`;
  const raw: RawShape = {
    type: flag.type,
    ...(flag.style !== undefined && parseStyle(flag.type, flag.style, where, index)),
  };
  if (flag.type === 'label') {
    raw.text = flag.value;
    if (flag.at !== undefined) raw.at = parseNumbers(flag.at, where);
  } else {
    if (flag.at !== undefined)
      throw new MarkupError('bad-shape', `${where}: only a label takes a separate position`, index, 'at');
    if (!flag.value.trim())
      throw new MarkupError('bad-shape', `a ${flag.type} needs its coordinates, ${AT_FORMS[flag.type]}`, index, 'at');
    raw.at = flag.type === 'path' ? parsePoints(flag.value, where) : parseNumbers(flag.value, where);
  }
  return buildShape(raw, where, index);
}

/** --color, --width and --font-size style defaults for every shape that does not set its own. */
export function parseDefaults(d: DefaultFlags): MarkupDefaults {
  const out: MarkupDefaults = {};
  if (d.color !== undefined) out.color = parseColor(d.color, 'default colour');
  for (const key of ['width', 'size'] as const) {
    const v = d[key];
    if (v === undefined) continue;
    const n = typeof v === 'number' ? v : number(v, `default ${key}`);
    const [lo, hi] = LIMITS[key];
    if (!(n >= lo && n <= hi))
      throw new MarkupError('bad-number', `default ${key} ${n} is out of range; give pixels from ${lo} to ${hi}`);
    out[key] = n;
  }
  return out;
}

/** All shape flags, in command-line order, with the defaults, as a spec. */
export function parseFlags(flags: ShapeFlag[], defaults: DefaultFlags = {}): MarkupSpec {
  return { shapes: flags.map((f, i) => parseShapeFlag(f, i)), defaults: parseDefaults(defaults) };
}

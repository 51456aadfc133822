// A spec laid out on an image of a given size: everything in pixels, defaults filled in, arrow
// heads computed and every label given its place. Pure: text sizes come from a `measure`
// function (render.ts measures with the real fonts; tests may pass an estimate).
import { contrasting } from './color.js';
import { toPixels } from './coords.js';
import {
  MarkupError,
  type LabelStyle,
  type MarkupSpec,
  type Point,
  type Rgba,
  type ShapeSpec,
  type Size,
  type Units,
} from './spec.js';

type LabelSpec = Extract<ShapeSpec, { type: 'label' }>;
type OutlineSpec = Extract<ShapeSpec, { type: 'box' | 'ellipse' }>;
type StrokeSpec = Extract<ShapeSpec, { type: 'arrow' | 'line' | 'path' }>;

/** Ink extents of a line of text relative to its origin (start of the baseline), in pixels. */
export interface TextBox {
  left: number;
  right: number;
  /** Negative: above the baseline. */
  top: number;
  bottom: number;
}

export type Measure = (text: string, fontSize: number) => TextBox;

export type Drawable =
  | { kind: 'box'; x: number; y: number; width: number; height: number; color: Rgba; strokeWidth: number; fill?: Rgba }
  | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number; color: Rgba; strokeWidth: number; fill?: Rgba }
  | { kind: 'polyline'; points: Point[]; color: Rgba; strokeWidth: number; head?: [Point, Point, Point] }
  | {
      kind: 'label';
      /** The plate: top-left corner and size. */
      x: number;
      y: number;
      width: number;
      height: number;
      text: string;
      fontSize: number;
      /** Where the text starts: x and the baseline's y. */
      textX: number;
      baseline: number;
      style: LabelStyle;
      /** Plate: the plate's colour. Halo: the text's. */
      color: Rgba;
      /** Plate: the text's colour. Halo: the outline's. */
      contrast: Rgba;
    };

export const RED: Rgba = { r: 255, g: 0, b: 0, a: 1 };

/** About 6 px on a 1024 px image: visible at a glance, thin enough not to hide what it marks. */
export const autoWidth = (s: Size) => Math.max(2, Math.round(Math.min(s.width, s.height) / 170));
/** About 32 px on a 1024 px image: a few words still fit across it. */
export const autoFontSize = (s: Size) => Math.max(12, Math.round(Math.min(s.width, s.height) / 32));

/** Fallback width when fonts cannot be measured: a bold sans-serif averages about 0.62 em. */
export const estimateText: Measure = (text, fontSize) => ({
  left: 0,
  right: [...text].length * fontSize * 0.62,
  top: -0.76 * fontSize,
  bottom: 0.22 * fontSize,
});

/** What a label without a position attaches to: the shape drawn just before it. */
type Anchor =
  | { kind: 'bounds'; x1: number; y1: number; x2: number; y2: number; color: Rgba }
  | { kind: 'tail'; from: Point; toward: Point; gap: number; color: Rgba }
  | { kind: 'label'; x: number; y: number; height: number; color: Rgba };

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi));
const where = (s: ShapeSpec, i: number) => `shape ${i + 1} (${s.type})`;

/** Tip, and the two back corners, of a head that ends exactly at `to`; and where the shaft stops. */
function arrowHead(from: Point, to: Point, strokeWidth: number): { head: [Point, Point, Point]; shaftEnd: Point } {
  const [dx, dy] = [to[0] - from[0], to[1] - from[1]];
  const length = Math.hypot(dx, dy);
  const [ux, uy] = [dx / length, dy / length];
  // Long enough to read as a head at any stroke width, never more than 60% of a short arrow.
  const long = Math.min(Math.max(4.5 * strokeWidth, 14), 0.6 * length);
  const half = long * 0.55;
  const base: Point = [to[0] - ux * long, to[1] - uy * long];
  return {
    head: [to, [base[0] - uy * half, base[1] + ux * half], [base[0] + uy * half, base[1] - ux * half]],
    // The shaft stops inside the head, so its round cap cannot show past the tip.
    shaftEnd: [to[0] - ux * long * 0.8, to[1] - uy * long * 0.8],
  };
}

/** The label's plate size and text offsets at a font size. */
function plateFor(text: string, fontSize: number, measure: Measure) {
  const box = measure(text, fontSize);
  // Heights from the font's usual ascent and descent unless the ink goes further, so labels
  // of one size line up whatever letters they hold.
  const ascent = Math.max(-box.top, 0.76 * fontSize);
  const descent = Math.max(box.bottom, 0.22 * fontSize);
  const [padX, padY] = [Math.ceil(0.35 * fontSize), Math.ceil(0.18 * fontSize)];
  const width = Math.ceil(box.right - box.left) + 2 * padX;
  return { width, height: Math.ceil(ascent + descent) + 2 * padY, textX: padX - box.left, baseline: padY + ascent };
}

function placeLabel(w: number, h: number, at: Point | undefined, anchor: Anchor, size: Size): Point {
  let x: number;
  let y: number;
  if (at) [x, y] = [at[0], at[1] - h];
  else if (anchor.kind === 'bounds') {
    // On top of the shape like a tag; below it when there is no room above; inside otherwise.
    x = anchor.x1;
    y = anchor.y1 - h >= 0 ? anchor.y1 - h : anchor.y2 + h <= size.height ? anchor.y2 : anchor.y1;
  } else if (anchor.kind === 'tail') {
    // Beyond the tail, on the side away from the head, so the label never covers the line.
    const [dx, dy] = [anchor.from[0] - anchor.toward[0], anchor.from[1] - anchor.toward[1]];
    const len = Math.hypot(dx, dy) || 1;
    const [ux, uy] = [dx / len, dy / len];
    const reach = (Math.abs(ux) * w) / 2 + (Math.abs(uy) * h) / 2 + anchor.gap;
    [x, y] = [anchor.from[0] + ux * reach - w / 2, anchor.from[1] + uy * reach - h / 2];
  } else {
    x = anchor.x;
    y = anchor.y + anchor.height + h <= size.height ? anchor.y + anchor.height : anchor.y - h;
  }
  // Always whole and on the image: a label half off the edge tells the model nothing.
  return [Math.round(clamp(x, 0, size.width - w)), Math.round(clamp(y, 0, size.height - h))];
}

interface Context {
  size: Size;
  spec: MarkupSpec;
  measure: Measure;
  px: (p: Point, units: Units) => Point;
}

type Placed = { drawable: Drawable; anchor: Anchor };

function layoutLabel(s: LabelSpec, i: number, anchor: Anchor | undefined, c: Context): Placed {
  if (!s.at && !anchor) {
    throw new MarkupError(
      'no-anchor',
      `${where(s, i)} "${s.text}" has no position and no shape before it to attach to; give it one (x,y), or put it after the shape it names`,
      i,
      'at',
    );
  }
  // An attached label takes the colour of what it names unless told otherwise.
  const color = s.color ?? (s.at ? undefined : anchor?.color) ?? c.spec.defaults.color ?? RED;
  let fontSize = s.size ?? c.spec.defaults.size ?? autoFontSize(c.size);
  let plate = plateFor(s.text, fontSize, c.measure);
  while (plate.width > c.size.width && fontSize > 4) {
    // Too wide for the image: smaller type beats a cut-off label.
    fontSize = Math.max(4, Math.min(fontSize - 1, Math.floor((fontSize * c.size.width) / plate.width)));
    plate = plateFor(s.text, fontSize, c.measure);
  }
  const at = s.at ? c.px(s.at, s.units ?? 'px') : undefined;
  const [x, y] = placeLabel(plate.width, plate.height, at, anchor!, c.size);
  return {
    drawable: {
      kind: 'label',
      x,
      y,
      width: plate.width,
      height: plate.height,
      textX: x + plate.textX,
      baseline: y + plate.baseline,
      text: s.text,
      fontSize,
      style: s.style ?? 'plate',
      color,
      contrast: contrasting(color),
    },
    anchor: { kind: 'label', x, y, height: plate.height, color },
  };
}

function layoutOutline(s: OutlineSpec, color: Rgba, strokeWidth: number, c: Context): Placed {
  const [a, b] = [c.px([s.at[0], s.at[1]], s.units), c.px([s.at[2], s.at[3]], s.units)];
  const [x1, y1, x2, y2] = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
  // The outline is drawn inside the given corners, so it never spills past them (or off the
  // image for 0,0,1,1); a stroke wider than half the shape is narrowed to fit.
  const sw = Math.min(strokeWidth, (x2 - x1) / 2, (y2 - y1) / 2);
  const fill = s.fill ? { fill: s.fill } : {};
  const anchor: Anchor = { kind: 'bounds', x1, y1, x2, y2, color };
  if (s.type === 'box') {
    const [x, y, width, height] = [x1 + sw / 2, y1 + sw / 2, x2 - x1 - sw, y2 - y1 - sw];
    return { drawable: { kind: 'box', x, y, width, height, color, strokeWidth: sw, ...fill }, anchor };
  }
  const [cx, cy, rx, ry] = [(x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1 - sw) / 2, (y2 - y1 - sw) / 2];
  return { drawable: { kind: 'ellipse', cx, cy, rx, ry, color, strokeWidth: sw, ...fill }, anchor };
}

function layoutStroke(s: StrokeSpec, color: Rgba, strokeWidth: number, c: Context): Placed {
  const points =
    s.type === 'path'
      ? s.points.map((p) => c.px(p, s.units))
      : [c.px([s.at[0], s.at[1]], s.units), c.px([s.at[2], s.at[3]], s.units)];
  const anchor: Anchor = { kind: 'tail', from: points[0]!, toward: points[1]!, gap: strokeWidth, color };
  if (s.type !== 'arrow') return { drawable: { kind: 'polyline', points, color, strokeWidth }, anchor };
  const { head, shaftEnd } = arrowHead(points[0]!, points[1]!, strokeWidth);
  return { drawable: { kind: 'polyline', points: [points[0]!, shaftEnd], color, strokeWidth, head }, anchor };
}

/** Lays out every shape in order; throws MarkupError for pixels off the image or an unattached label. */
export function layoutMarkup(spec: MarkupSpec, size: Size, measure: Measure = estimateText): Drawable[] {
  const out: Drawable[] = [];
  let anchor: Anchor | undefined;
  spec.shapes.forEach((s, i) => {
    const c: Context = { size, spec, measure, px: (p, units) => toPixels(units, p[0], p[1], size, where(s, i), i) };
    const color = (s.type !== 'label' && s.color) || spec.defaults.color || RED;
    const strokeWidth = (s.type !== 'label' && s.width) || spec.defaults.width || autoWidth(size);
    const placed =
      s.type === 'label'
        ? layoutLabel(s, i, anchor, c)
        : s.type === 'box' || s.type === 'ellipse'
          ? layoutOutline(s, color, strokeWidth, c)
          : layoutStroke(s, color, strokeWidth, c);
    out.push(placed.drawable);
    anchor = placed.anchor;
  });
  return out;
}

// Markup layers for "markup edits": a transparent PNG the size of the first input image, drawn
// over it to show the model what to change (boxes, ellipses, arrows, lines, freehand paths and
// text labels). This file holds the plain-data spec that flags and JSON files are parsed into,
// and the error type; it imports nothing, so argument parsers can use it without loading sharp.
//
// The coordinate rule, per shape: when every number of a shape lies between 0 and 1 (inclusive),
// all of them are fractions of the image (x of the width, y of the height; 0,0 is the top-left
// corner, 1,1 the bottom-right, so "0,0,1,1" is the whole image). Otherwise all of them are
// pixels, and a number strictly between 0 and 1 among them is refused: "0.1,0.2,300,400" mixes
// the two and nobody can tell what was meant. Negative numbers are refused; pixels past the
// image's edge are refused once its size is known. Stroke widths and font sizes are always pixels.

/** Width and height in pixels. */
export interface Size {
  width: number;
  height: number;
}

/** 8-bit colour channels and an opacity from 0 (invisible) to 1 (opaque). */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

export type Units = 'fraction' | 'px';

export type Point = [x: number, y: number];

/** Two corners (box, ellipse) or two ends (arrow from the first to the second, line). */
export type Corners = [x1: number, y1: number, x2: number, y2: number];

/** How a label stays readable on any photo: a filled plate behind it, or a contrasting outline. */
export type LabelStyle = 'plate' | 'halo';

interface Stroked {
  /** Unset: the spec's default colour. */
  color?: Rgba;
  /** Stroke width in pixels; unset: the spec's default, else one that suits the image size. */
  width?: number;
}

type Outline = { units: Units; at: Corners; fill?: Rgba } & Stroked;
type Segment = { units: Units; at: Corners } & Stroked;

export type ShapeSpec =
  | ({ type: 'box' } & Outline)
  | ({ type: 'ellipse' } & Outline)
  | ({ type: 'arrow' } & Segment)
  | ({ type: 'line' } & Segment)
  | ({ type: 'path'; units: Units; points: Point[] } & Stroked)
  | {
      type: 'label';
      text: string;
      /** The bottom-left corner of the label. Unset: attached to the shape before it. */
      at?: Point;
      units?: Units;
      color?: Rgba;
      /** Font size in pixels. */
      size?: number;
      style?: LabelStyle;
    };

export type ShapeType = ShapeSpec['type'];

export const SHAPE_TYPES: readonly ShapeType[] = ['box', 'ellipse', 'arrow', 'line', 'path', 'label'];

export interface MarkupDefaults {
  color?: Rgba;
  width?: number;
  size?: number;
}

/** What to draw, in order (later shapes on top). Plain data: JSON round-trips it. */
export interface MarkupSpec {
  shapes: ShapeSpec[];
  defaults: MarkupDefaults;
}

export type MarkupErrorCode =
  | 'bad-shape'
  | 'bad-number'
  | 'ambiguous-units'
  | 'bad-color'
  | 'bad-text'
  | 'bad-file'
  | 'outside'
  | 'no-anchor'
  | 'not-image'
  | 'size-mismatch';

export class MarkupError extends Error {
  override name = 'MarkupError';
  constructor(
    readonly code: MarkupErrorCode,
    message: string,
    /** Which shape (0-based) the error is about, when it is about one. */
    readonly index?: number,
    /** Which of its fields (at, color, width, fill, size, style, text), when known. */
    readonly field?: string,
  ) {
    super(message);
  }
}

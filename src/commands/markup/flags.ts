// The flags of `imgcli markup`: the shape flags, collected in command-line order into one list
// (a label without --at attaches to the shape before it, and --at and --style apply to the flag
// just before them, so order is meaning), and the rules for which flags go together. Only the
// plain-data parts of src/markup/ load here: sharp must not load for --help.
import { extname } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../../errors.js';
import { endsInSeparator } from '../../output/naming.js';
import type { ShapeFlag } from '../../markup/flags.js';
import type { ShapeType } from '../../markup/spec.js';

/** The options that fill the shared list of shapes (shapeCollector): each holds the whole list. */
const SHAPE_OPTIONS = ['box', 'ellipse', 'arrow', 'line', 'path', 'label', 'at', 'style'] as const;

export type MarkupFlags = Partial<Record<(typeof SHAPE_OPTIONS)[number], ShapeFlag[]>> & {
  like?: string;
  size?: { width: number; height: number };
  file?: string;
  markColor?: string;
  markWidth?: string;
  fontSize?: string;
  out?: string;
  preview?: string;
  check?: string;
  json?: boolean;
};

/** Every shape flag, in command-line order. */
export const shapesOf = (f: MarkupFlags): ShapeFlag[] => SHAPE_OPTIONS.map((k) => f[k]).find(Boolean) ?? [];

export type MarkupPlan =
  | { mode: 'check'; file: string }
  | { mode: 'draw'; canvas: 'like' | 'size'; shapes: ShapeFlag[]; file?: string; out: string };

/**
 * The one list the shape flags fill, made per command (commander calls argParsers in
 * command-line order). Each parser returns the same list, so the run reads it from any of them.
 */
export function shapeCollector() {
  const shapes: ShapeFlag[] = [];
  const add = (type: ShapeType) => (value: string) => {
    shapes.push({ type, value });
    return shapes;
  };
  /** --at and --style: settings of the flag just before them. */
  const amend = (flag: '--at' | '--style') => (value: string) => {
    const last = shapes.at(-1);
    if (!last)
      throw new InvalidArgumentError(
        `${flag} ${value} follows no shape; put it right after the ${flag === '--at' ? '--label it places' : 'shape it styles'}.`,
      );
    if (flag === '--at') {
      if (last.type !== 'label')
        throw new InvalidArgumentError(
          `--at ${value} follows --${last.type}; --at places a --label (a shape's own numbers say where it is).`,
        );
      if (last.at !== undefined)
        throw new InvalidArgumentError(`--at ${value}: the label before it has a place already.`);
      last.at = value;
    } else last.style = last.style === undefined ? value : `${last.style} ${value}`;
    return shapes;
  };
  return { add, amend, shapes };
}

/** The longest edge of a layer: sharp reads at most 16383x16383 pixels of an image (and of the layer it draws). */
export const MAX_LAYER_EDGE = 16_383;

export function parseSize(value: string): { width: number; height: number } {
  const m = /^(\d+)[xX](\d+)$/.exec(value.trim());
  const [width, height] = [Number(m?.[1]), Number(m?.[2])];
  if (!m || width < 1 || height < 1 || width > MAX_LAYER_EDGE || height > MAX_LAYER_EDGE)
    throw new InvalidArgumentError(
      `--size takes WIDTHxHEIGHT in pixels, e.g. 1024x1024 (at most ${MAX_LAYER_EDGE} each way).`,
    );
  return { width, height };
}

function pngOut(path: string): void {
  if (path === '-') return;
  const ext = extname(path).toLowerCase();
  if (ext !== '.png')
    throw new UsageError(
      `-o ${path}: a markup layer is a PNG with transparency`,
      endsInSeparator(path)
        ? `-o names the layer's file: -o ${path}marks.png.`
        : `Name it ${ext ? path.slice(0, -ext.length) : path}.png.`,
    );
}

const DRAW_ONLY = ['file', 'markColor', 'markWidth', 'fontSize', 'out', 'size', 'preview'] as const;
const FLAG_NAMES: Record<(typeof DRAW_ONLY)[number], string> = {
  file: '--file',
  markColor: '--mark-color',
  markWidth: '--mark-width',
  fontSize: '--font-size',
  out: '-o',
  size: '--size',
  preview: '--preview',
};

/** Decides what the command line asks for, or says which flags do not go together. */
export function planMarkup(f: MarkupFlags): MarkupPlan {
  const shapes = shapesOf(f);
  if (f.check !== undefined) {
    const extra = [
      ...DRAW_ONLY.filter((k) => f[k] !== undefined).map((k) => FLAG_NAMES[k]),
      ...(shapes.length ? [`--${shapes[0]!.type}`] : []),
    ];
    if (extra.length)
      throw new UsageError(
        `--check looks at an existing markup layer; it does not take ${extra.join(', ')}`,
        'Check with: imgcli markup --check marks.png --like photo.png [--json]. Drop --check to draw one.',
      );
    return { mode: 'check', file: f.check };
  }
  if (!shapes.length && f.file === undefined)
    throw new UsageError(
      'nothing to draw',
      'Give shapes (--box, --ellipse, --arrow, --line, --path, --label) or a JSON file of them (--file marks.json); or --check a layer.',
    );
  if (f.size && f.like !== undefined)
    throw new UsageError(
      '--size and --like both set the size; use one',
      'Use --like <image>: the layer must be the size of the image you will edit.',
    );
  if (f.like === undefined && !f.size)
    throw new UsageError(
      'a markup layer is the size of the image it is drawn over: --like is missing',
      'Add --like <image> (the first image you will edit), or --size WxH.',
    );
  if (f.preview !== undefined && f.like === undefined)
    throw new UsageError('--preview draws the layer over the --like image; add --like <image>');
  if (f.preview === '-')
    throw new UsageError(
      '--preview needs a file path; stdout is for the layer',
      'Write it to a file: --preview check.png.',
    );
  if (f.out === undefined)
    throw new UsageError(
      'where should the layer go? -o is missing',
      'Add -o marks.png, or -o - to write the PNG to stdout.',
    );
  pngOut(f.out);
  if (f.out === '-' && f.json) throw new UsageError('--json and -o - both want stdout; use one');
  return { mode: 'draw', canvas: f.like !== undefined ? 'like' : 'size', shapes, file: f.file, out: f.out };
}

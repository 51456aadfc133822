// The flags of `imgcli mask`: argument parsers, the rules for which flags go together, and
// reading input files with errors that name the file. Kept apart so mask.ts stays a readable
// parse -> validate -> call -> print. Types only from ../mask.js: sharp must not load here.
import { extname } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../../errors.js';
import { describeFsError } from '../../fs-errors.js';
import { formatFromExtension } from '../../image/format.js';
import { readRegularFile, regularFile } from '../../image/input-file.js';
import type { Ellipse, Fit, Rect, Size } from '../../mask/build.js';

export interface MaskFlags {
  out?: string;
  invert?: boolean;
  threshold?: number;
  grow?: number;
  shrink?: number;
  feather?: number;
  like?: string;
  size?: Size;
  fit?: Fit;
  rect?: Rect[];
  ellipse?: Ellipse[];
  fromAlpha?: string;
  preview?: string;
  check?: string;
  json?: boolean;
}

export type MaskPlan =
  | { mode: 'check'; file: string }
  | { mode: 'luminance' | 'alpha'; file: string; flag: '<input>' | '--from-alpha'; canvas?: 'like' | 'size' }
  | { mode: 'shapes'; canvas: 'like' | 'size' };

const whole =
  (flag: string, lo: number, hi: number, unit = '') =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < lo || n > hi)
      throw new InvalidArgumentError(`${flag} takes a whole number${unit} from ${lo} to ${hi}.`);
    return n;
  };

export const parseThreshold = whole('--threshold', 0, 255);
export const parseRadius = (flag: string) => whole(flag, 1, 1000, ' of pixels');

export function parseFeather(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1 || n > 1000)
    throw new InvalidArgumentError('--feather takes a number of pixels from 1 to 1000.');
  return n;
}

export function parseSize(value: string): Size {
  const m = /^(\d+)[xX](\d+)$/.exec(value.trim());
  const [width, height] = [Number(m?.[1]), Number(m?.[2])];
  if (!m || width < 1 || height < 1 || width > 16384 || height > 16384)
    throw new InvalidArgumentError('--size takes WIDTHxHEIGHT in pixels, e.g. 1024x1024 (at most 16384 each way).');
  return { width, height };
}

function numbers(value: string, flag: string, shape: string, whole: boolean): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const ns = parts.map(Number);
  if (
    parts.length !== 4 ||
    parts.some((p) => p === '') ||
    ns.some((n) => !Number.isFinite(n) || n < 0 || (whole && !Number.isInteger(n)))
  ) {
    throw new InvalidArgumentError(
      `${flag} takes ${shape}: four ${whole ? 'whole ' : ''}non-negative numbers separated by commas.`,
    );
  }
  return ns;
}

export function parseRect(value: string): Rect {
  const [x, y, width, height] = numbers(value, '--rect', 'x,y,width,height', true) as [number, number, number, number];
  if (width < 1 || height < 1) throw new InvalidArgumentError('--rect needs a width and height of at least 1.');
  return { x, y, width, height };
}

export function parseEllipse(value: string): Ellipse {
  const [cx, cy, rx, ry] = numbers(value, '--ellipse', 'cx,cy,rx,ry', false) as [number, number, number, number];
  if (rx <= 0 || ry <= 0) throw new InvalidArgumentError('--ellipse needs radii greater than 0.');
  return { cx, cy, rx, ry };
}

/** For repeatable options: each use adds one parsed value. */
export const collect =
  <T>(parse: (value: string) => T) =>
  (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(value)];

const BUILD_ONLY = ['out', 'invert', 'threshold', 'grow', 'shrink', 'feather', 'size', 'fit', 'fromAlpha'] as const;
const FLAG_NAMES: Record<(typeof BUILD_ONLY)[number], string> = {
  out: '-o',
  invert: '--invert',
  threshold: '--threshold',
  grow: '--grow',
  shrink: '--shrink',
  feather: '--feather',
  size: '--size',
  fit: '--fit',
  fromAlpha: '--from-alpha',
};

function pngPath(flag: string, path: string | undefined): void {
  if (path === undefined || path === '-') return;
  const format =
    formatFromExtension(extname(path)) ?? (/^\.(tiff?|bmp|avif|heic|svg)$/i.test(extname(path)) ? 'other' : undefined);
  if (format && format !== 'png')
    throw new UsageError(
      `${flag} ${path}: masks and previews are PNG files`,
      `Name it ${path.slice(0, -extname(path).length)}.png.`,
    );
}

/** Decides what the command line asks for, or says which flags do not go together. */
export function planMask(input: string | undefined, f: MaskFlags): MaskPlan {
  const shapes = Boolean(f.rect?.length || f.ellipse?.length);
  if (f.preview !== undefined && f.like === undefined)
    throw new UsageError('--preview draws the mask over the --like image; add --like <image>');
  if (f.preview === '-')
    throw new UsageError(
      '--preview needs a file path; stdout is for the mask',
      'Write it to a file: --preview preview.png.',
    );
  pngPath('--preview', f.preview);
  if (f.check !== undefined) {
    const extra = [
      ...(input === undefined ? [] : [input]),
      ...BUILD_ONLY.filter((k) => f[k] !== undefined).map((k) => FLAG_NAMES[k]),
      ...(shapes ? ['--rect/--ellipse'] : []),
    ];
    if (extra.length)
      throw new UsageError(
        `--check looks at an existing mask; it does not take ${extra.join(', ')}`,
        'Check with: imgcli mask --check mask.png [--like image.png] [--json]. Drop --check to build a mask.',
      );
    return { mode: 'check', file: f.check };
  }
  const sources = [
    input !== undefined && input,
    f.fromAlpha !== undefined && '--from-alpha',
    shapes && '--rect/--ellipse',
  ].filter((s): s is string => typeof s === 'string');
  if (sources.length === 0) {
    throw new UsageError(
      'nothing to make a mask from',
      'Give a drawing (imgcli mask drawing.png -o mask.png), shapes (--size 1024x1024 --rect 0,512,1024,512 -o mask.png), --from-alpha <image>, or --check <mask>.',
    );
  }
  if (sources.length > 1)
    throw new UsageError(
      `${sources.join(' and ')} are two sources for one mask; use one`,
      'A drawing, --from-alpha and shapes each make a whole mask on their own.',
    );
  if (f.out === undefined)
    throw new UsageError(
      'where should the mask go? -o is missing',
      'Add -o mask.png, or -o - to write the PNG to stdout.',
    );
  pngPath('-o', f.out);
  if (f.out === '-' && f.json) throw new UsageError('--json and -o - both want stdout; use one');
  if (f.size && f.like !== undefined)
    throw new UsageError(
      '--size and --like both set the size; use one',
      'Use --like <image> to match the image you will edit exactly.',
    );
  const canvas = f.like !== undefined ? 'like' : f.size ? 'size' : undefined;
  if (f.grow !== undefined && f.shrink !== undefined)
    throw new UsageError('--grow and --shrink pull opposite ways; use one');
  if (shapes) {
    if (!canvas)
      throw new UsageError(
        '--rect and --ellipse draw on a canvas of a given size',
        'Add --size WxH (e.g. --size 1024x1024), or --like <image> to take its size.',
      );
    if (f.fit)
      throw new UsageError('--fit resizes an input image; shapes are drawn at the final size already', 'Drop --fit.');
    return { mode: 'shapes', canvas };
  }
  if (f.fit && !canvas)
    throw new UsageError(
      '--fit says how to fit the input to --like or --size, and neither is given',
      'Add --like <image> or --size WxH, or drop --fit.',
    );
  return input !== undefined
    ? { mode: 'luminance', file: input, flag: '<input>', canvas }
    : { mode: 'alpha', file: f.fromAlpha!, flag: '--from-alpha', canvas };
}

/** Reads a whole input file; a missing or unreadable file is a usage error naming it. */
export async function readInput(path: string, flag: string): Promise<Buffer> {
  await regularFile(path, flag === '<input>' ? '' : flag);
  try {
    return await readRegularFile(path, 'image', flag === '<input>' ? '' : flag);
  } catch (err) {
    if (!(err as NodeJS.ErrnoException).code) throw err;
    throw new UsageError(
      `cannot read ${flag === '<input>' ? '' : `${flag} `}${path}: ${describeFsError(err)}`,
      'Check the path.',
    );
  }
}

// The sharp side of markup: measuring label text with the machine's fonts, rasterising the SVG
// into the layer PNG, reading an image's size as the upright picture, and previews.
//
// Text goes through librsvg, pango and fontconfig. Where fontconfig has no configuration or no
// writable cache it prints to stderr on its own; fonts.ts has the remedy a command applies once.
import { extname } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { estimateText, layoutMarkup, type Drawable, type Measure, type TextBox } from './layout.js';
import { MarkupError, type MarkupSpec, type Size } from './spec.js';
import { buildSvg, textElement } from './svg.js';

export interface MarkupLayer {
  /** 8-bit RGBA PNG, alpha 0 wherever nothing is drawn. */
  png: Buffer;
  /** The SVG it was rasterised from (for --dry-run or debugging). */
  svg: string;
  width: number;
  height: number;
  drawables: Drawable[];
}

/** The image as the model gets it: upright, after its EXIF orientation. */
export interface ImageSize extends Size {
  /** EXIF orientation, 1 (as stored) to 8; 5-8 swap width and height. */
  orientation: number;
  /** Width and height as stored in the file, before the orientation is applied. */
  stored: Size;
}

async function decoding<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof MarkupError) throw err;
    const why = err instanceof Error ? err.message.replace(/^Input (buffer|file) /, '') : String(err);
    throw new MarkupError(
      'not-image',
      `${what} is not an image sharp can read (${why}); give a PNG, JPEG or WebP file`,
    );
  }
}

/** Reads an image's size without decoding its pixels. */
export function readImageSize(image: string | Uint8Array, what = 'the image'): Promise<ImageSize> {
  return decoding(what, async () => {
    const meta = await sharp(image).metadata();
    if (!meta.width || !meta.height) throw new Error('it has no width and height');
    // An edit's first image is a PNG, JPEG or WebP: a layer --like anything else would go with no edit.
    if (!['png', 'jpeg', 'webp'].includes(meta.format ?? ''))
      throw new MarkupError(
        'not-image',
        `${what} is ${(meta.format ?? 'another kind of image').toUpperCase()}, which an edit does not take; give a PNG, JPEG or WebP file`,
      );
    // sharp's width and height are the stored ones; autoOrient holds the upright size.
    const upright = meta.autoOrient ?? { width: meta.width, height: meta.height };
    return {
      width: upright.width,
      height: upright.height,
      orientation: meta.orientation ?? 1,
      stored: { width: meta.width, height: meta.height },
    };
  });
}

/** One SVG unit per pixel: 72 dpi is librsvg's unit for px, so the PNG is exactly `size`. */
export async function rasterizeSvg(svg: string, size: Size): Promise<Buffer> {
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 })
    .ensureAlpha()
    .toColourspace('srgb')
    .png()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== size.width || info.height !== size.height) {
    throw new Error(`the SVG came out ${info.width}x${info.height}, not ${size.width}x${size.height}`);
  }
  return data;
}

/** Size labels are measured at; other sizes scale linearly (well within a label's padding). */
const REFERENCE_SIZE = 64;

/** Ink extents of `text` in the real font, or undefined when nothing was drawn (no fonts at all). */
export async function measureText(text: string, fontSize = REFERENCE_SIZE): Promise<TextBox | undefined> {
  const origin = { x: fontSize, y: 2 * fontSize };
  // Generous: the widest glyphs (CJK, emoji) are about 1 em; the ink must not reach the edge.
  const width = Math.ceil([...text].length * fontSize * 1.3 + 2 * fontSize);
  const height = 3 * fontSize;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${textElement(text, origin.x, origin.y, fontSize, { r: 0, g: 0, b: 0, a: 1 })}</svg>`;
  const { data } = await sharp(Buffer.from(svg), { density: 72 })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let [left, right, top, bottom] = [width, -1, height, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4 + 3] === 0) continue;
      left = Math.min(left, x);
      right = Math.max(right, x + 1);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y + 1);
    }
  }
  if (right < 0) return undefined;
  return { left: left - origin.x, right: right - origin.x, top: top - origin.y, bottom: bottom - origin.y };
}

/** A Measure for layoutMarkup backed by real measurements of these texts. */
export async function measureTexts(texts: string[]): Promise<Measure> {
  const unique = [...new Set(texts)];
  const boxes = new Map(await Promise.all(unique.map(async (t) => [t, await measureText(t)] as const)));
  return (text, fontSize) => {
    const box = boxes.get(text);
    if (!box) return estimateText(text, fontSize);
    const k = fontSize / REFERENCE_SIZE;
    return { left: box.left * k, right: box.right * k, top: box.top * k, bottom: box.bottom * k };
  };
}

/** Lays out and draws the spec on a transparent layer of the image's size. */
export async function renderMarkup(spec: MarkupSpec, size: Size): Promise<MarkupLayer> {
  const texts = spec.shapes.flatMap((s) => (s.type === 'label' ? [s.text] : []));
  const measure = texts.length ? await measureTexts(texts) : undefined;
  const drawables = layoutMarkup(spec, size, measure);
  const svg = buildSvg(drawables, size);
  return { png: await rasterizeSvg(svg, size), svg, width: size.width, height: size.height, drawables };
}

export type PreviewFormat = 'png' | 'jpeg';

/** The preview's format from its file name: .png, or .jpg/.jpeg. */
export function previewFormat(path: string): PreviewFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  throw new MarkupError(
    'bad-file',
    `a preview is written as PNG or JPEG; name it .png, .jpg or .jpeg (not "${ext || path}")`,
  );
}

function encode(s: Sharp, format: PreviewFormat, hasAlpha: boolean): Promise<Buffer> {
  // Compositing adds alpha; an opaque photo stays RGB, and JPEG has no alpha to keep.
  if (format === 'jpeg') return s.flatten({ background: '#ffffff' }).jpeg({ quality: 90 }).toBuffer();
  return (hasAlpha ? s : s.removeAlpha()).png().toBuffer();
}

/** The upright photo with the layer drawn over it, for a person to look at before paying. */
export async function previewMarkup(
  image: string | Uint8Array,
  layer: Uint8Array,
  format: PreviewFormat = 'png',
): Promise<Buffer> {
  const photo = await readImageSize(image);
  const drawn = await readImageSize(layer, 'the markup layer');
  if (drawn.width !== photo.width || drawn.height !== photo.height) {
    throw new MarkupError(
      'size-mismatch',
      `the markup is ${drawn.width}x${drawn.height} but the image is ${photo.width}x${photo.height}; draw it again for this image`,
    );
  }
  const { hasAlpha } = await sharp(image).metadata();
  // autoOrient runs before composite in sharp's pipeline: the layer lands on the upright photo.
  const s = sharp(image)
    .autoOrient()
    .composite([{ input: Buffer.from(layer.buffer, layer.byteOffset, layer.byteLength) }])
    .toColourspace('srgb');
  return decoding('the image', () => encode(s, format, Boolean(hasAlpha)));
}

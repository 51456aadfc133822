// Deterministic stand-in images: a diagonal gradient between two colours picked from a hash of
// the prompt, a soft circle and faint ripples, so every prompt (and every index of n) looks
// different while the same request always yields the same bytes; with a label, the prompt and
// size written along the bottom (labels.ts). GIFs are animations of that picture (the circle
// drifts), SVGs the same picture as shapes.
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { CONTENT_TYPES } from '../image/format.js';
import { labelSvg } from './labels.js';

export type SynthFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'svg';
export const SYNTH_FORMATS: readonly string[] = ['png', 'jpeg', 'webp', 'gif', 'svg'];

/**
 * The offline server's own defaults for an animation the request does not shape: with size auto,
 * square frames of 384 px, smaller when so many frames would make the strip longer than 3456 px
 * (inside the 3840 of the frame sheet, see models/frame-sheet.ts).
 */
export const MOCK_GIF = { frames: 9, frameDurationMs: 100, autoSide: 384, autoStrip: 3456 } as const;

/** The side of an auto-sized square frame when `frames` share the strip. */
export const autoFrameSide = (frames: number) =>
  Math.min(MOCK_GIF.autoSide, Math.floor(MOCK_GIF.autoStrip / frames / 16) * 16);
/**
 * gradient: smooth, compresses to a few hundred KB; noise: pixel noise on top, sized like a real
 * photo; flat: one colour (seeded like the gradient), a PNG of a few hundred bytes at any size, for
 * tests that make thousands of images (other formats stay gradients).
 */
export type SynthPayload = 'gradient' | 'noise' | 'flat';

export interface SynthOptions {
  prompt: string;
  /** Position within n; images of one request must differ. */
  index?: number;
  width?: number;
  height?: number;
  format?: SynthFormat;
  /** OpenAI's output_compression (0-100, 100 = best quality); jpeg and webp only. */
  compression?: number;
  /** Adds a real alpha channel that fades out towards the edges. */
  transparent?: boolean;
  /** Extra seed text, e.g. for streamed partial images. */
  variant?: string;
  payload?: SynthPayload;
  /** gif: how many frames, and how long each shows. */
  frames?: number;
  frameDurationMs?: number;
  /** Where in its drift the circle is, 0 to 1 (a GIF's frames step through it). */
  phase?: number;
  /** Lines written on the image (labels.ts); none: a plain picture. */
  label?: string[];
}

export interface SynthImage {
  bytes: Buffer;
  width: number;
  height: number;
  format: SynthFormat;
  contentType: string;
}

/** Parses WIDTHxHEIGHT; "auto" and anything unparseable give 1024x1024. */
export function parseSize(size: string | undefined): { width: number; height: number } {
  const m = /^(\d{1,5})x(\d{1,5})$/.exec(size ?? '');
  if (!m) return { width: 1024, height: 1024 };
  return { width: Number(m[1]), height: Number(m[2]) };
}

function seedBytes(opts: SynthOptions): Buffer {
  return createHash('sha256')
    .update(`${opts.prompt}\u0000${opts.index ?? 0}\u0000${opts.variant ?? ''}`)
    .digest();
}

// Hue from the hash, fixed saturation/lightness ranges, so colours are vivid rather than muddy.
function colour(hue: number, sat: number, light: number): [number, number, number] {
  const a = sat * Math.min(light, 1 - light);
  const f = (n: number) => {
    const k = (n + hue / 30) % 12;
    return Math.round(255 * (light - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** The raw RGB(A) pixels; exported so tests can check the picture without decoding. */
export function synthPixels(opts: SynthOptions): { data: Buffer; width: number; height: number; channels: 3 | 4 } {
  const width = opts.width ?? 1024;
  const height = opts.height ?? 1024;
  const channels = opts.transparent ? 4 : 3;
  const s = seedBytes(opts);
  const hue = (s[0]! << 8) | s[1]!;
  const c1 = colour(hue % 360, 0.65 + s[2]! / 1024, 0.35 + s[3]! / 1024);
  const c2 = colour((hue + 90 + (s[4]! % 180)) % 360, 0.6 + s[5]! / 1024, 0.55 + s[6]! / 1024);
  const c3 = colour((hue + 200 + (s[7]! % 60)) % 360, 0.8, 0.6);
  // A GIF's circle drifts one way: every frame differs (an encoder merges identical ones).
  const cx = (0.25 + (s[8]! / 255) * 0.5 + 0.3 * ((opts.phase ?? 0.5) - 0.5)) * width;
  const cy = (0.25 + (s[9]! / 255) * 0.5) * height;
  const radius = (0.15 + (s[10]! / 255) * 0.2) * Math.min(width, height);
  const ripple = ((2 + (s[11]! % 6)) * Math.PI * 2) / Math.max(width, height);
  const fade = Math.max(1, Math.round(0.12 * Math.min(width, height)));

  const data = Buffer.allocUnsafe(width * height * channels);
  // The per-row ripple term is shared by the whole row, so compute it once.
  const rowWave = new Float32Array(height);
  for (let y = 0; y < height; y++) rowWave[y] = Math.sin(y * ripple);
  // And the per-column one by every row (as doubles: the same values as computing it in place).
  const colWave = new Float64Array(width);
  for (let x = 0; x < width; x++) colWave[x] = Math.sin(x * ripple);
  const invSpan = 1 / (width + height - 2 || 1);
  const invR2 = 1 / (radius * radius);
  let o = 0;
  for (let y = 0; y < height; y++) {
    const dy = y - cy;
    const dy2 = dy * dy;
    const wave = rowWave[y]!;
    const edgeY = Math.min(y, height - 1 - y);
    for (let x = 0; x < width; x++) {
      const t = (x + y) * invSpan;
      const dx = x - cx;
      // Soft disc: 1 in the middle, falling smoothly to 0 at 1.4 radii.
      const d = (dx * dx + dy2) * invR2;
      const disc = d >= 2 ? 0 : (1 - d * 0.5) * (1 - d * 0.5);
      const shade = 1 + 0.06 * wave * colWave[x]!;
      const u = 1 - t;
      const v = 1 - disc;
      data[o] = Math.min(255, (c1[0] * u + c2[0] * t) * shade * v + c3[0] * disc);
      data[o + 1] = Math.min(255, (c1[1] * u + c2[1] * t) * shade * v + c3[1] * disc);
      data[o + 2] = Math.min(255, (c1[2] * u + c2[2] * t) * shade * v + c3[2] * disc);
      if (channels === 4) {
        const edge = Math.min(x, width - 1 - x, edgeY);
        data[o + 3] = edge >= fade ? 255 : Math.round((255 * edge) / fade);
      }
      o += channels;
    }
  }
  if (opts.payload === 'noise') addNoise(data, channels, s.readUInt32LE(12) || 1);
  return { data, width, height, channels };
}

// Real gpt-image PNGs are 1.5-3 MB at 1024x1024; a smooth gradient is far smaller. Two bits
// of seeded noise per colour byte make PNGs of 2 MB at 1024x1024, as a photo. Alpha stays.
function addNoise(data: Buffer, channels: number, seed: number) {
  let x = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    if (channels === 4 && i % 4 === 3) continue;
    // xorshift32: fast and deterministic; quality does not matter here.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const v = data[i]! + ((x >>> 0) & 3) - 2;
    data[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}

/** The three colours of a picture, as CSS rgb(), for the SVG form. */
function palette(opts: SynthOptions): string[] {
  const s = seedBytes(opts);
  const hue = (s[0]! << 8) | s[1]!;
  const rgb = (c: number[]) => `rgb(${c.join(',')})`;
  return [
    rgb(colour(hue % 360, 0.65 + s[2]! / 1024, 0.35 + s[3]! / 1024)),
    rgb(colour((hue + 90 + (s[4]! % 180)) % 360, 0.6 + s[5]! / 1024, 0.55 + s[6]! / 1024)),
    rgb(colour((hue + 200 + (s[7]! % 60)) % 360, 0.8, 0.6)),
  ];
}

const escapeText = (t: string) =>
  t
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

/** The picture as an SVG document: the gradient (left out when transparent) and the circle. */
function svgImage(opts: SynthOptions, width: number, height: number): Buffer {
  const [c1, c2, c3] = palette(opts);
  const s = seedBytes(opts);
  const cx = Math.round((0.25 + (s[8]! / 255) * 0.5) * width);
  const cy = Math.round((0.25 + (s[9]! / 255) * 0.5) * height);
  const r = Math.round((0.15 + (s[10]! / 255) * 0.2) * Math.min(width, height));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `  <title>${escapeText(opts.prompt)}</title>`,
    `  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${c1}"/><stop offset="1" stop-color="${c2}"/></linearGradient></defs>`,
    ...(opts.transparent ? [] : [`  <rect width="${width}" height="${height}" fill="url(#g)"/>`]),
    `  <circle cx="${cx}" cy="${cy}" r="${r}" fill="${c3}"/>`,
    '</svg>',
    '',
  ];
  return Buffer.from(lines.join('\n'), 'utf8');
}

/** An animated GIF: the picture with its circle drifting over the frames, looping forever. */
export async function animate(
  frames: Array<{ data: Buffer; channels: 3 | 4 }>,
  width: number,
  height: number,
  frameDurationMs: number,
): Promise<Buffer> {
  const channels = frames.some((f) => f.channels === 4) ? 4 : 3;
  const sheet = Buffer.concat(frames.map((f) => (f.channels === channels ? f.data : addAlpha(f.data))));
  return (
    sharp(sheet, { raw: { width, height: height * frames.length, channels, pageHeight: height } })
      // GIF holds up to 655,350 ms a frame, but the encoder takes at most 65,535: a longer frame is drawn at 65,530 (whole hundredths).
      .gif({ delay: frames.map(() => Math.min(frameDurationMs, 65_530)), loop: 0, effort: 1 })
      .toBuffer()
  );
}

function addAlpha(rgb: Buffer): Buffer {
  const out = Buffer.alloc((rgb.length / 3) * 4, 255);
  for (let i = 0, o = 0; i < rgb.length; i += 3, o += 4) rgb.copy(out, o, i, i + 3);
  return out;
}

/** The pixels with the label drawn on; as many channels as they came with. */
export async function drawLabel(
  data: Buffer,
  width: number,
  height: number,
  channels: 3 | 4,
  lines: string[],
): Promise<Buffer> {
  const drawn = await sharp(data, { raw: { width, height, channels } })
    .composite([{ input: labelSvg(lines, width, height) }])
    .raw()
    .toBuffer();
  // sharp's composite adds an alpha channel: an opaque picture stays without one.
  return channels === 4
    ? drawn
    : sharp(drawn, { raw: { width, height, channels: 4 } })
        .removeAlpha()
        .raw()
        .toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG of one colour: 1-bit palette rows of zeros, which deflate to almost nothing at any size. */
export function flatPng(width: number, height: number, rgb: readonly [number, number, number]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 3, 0, 0, 0], 8);
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('PLTE', Buffer.from(rgb)),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The flat payload's colour for a request: the gradient's first colour. */
export function flatColour(opts: Pick<SynthOptions, 'prompt' | 'index' | 'variant'>): [number, number, number] {
  const s = seedBytes(opts as SynthOptions);
  return colour(((s[0]! << 8) | s[1]!) % 360, 0.65 + s[2]! / 1024, 0.35 + s[3]! / 1024);
}

/** Encodes a synthetic image. A 1024x1024 gradient PNG takes a few tens of milliseconds. */
export async function synthesizeImage(opts: SynthOptions): Promise<SynthImage> {
  const format = opts.format ?? 'png';
  if (opts.payload === 'flat' && format === 'png') {
    const width = opts.width ?? 1024;
    const height = opts.height ?? 1024;
    return { bytes: flatPng(width, height, flatColour(opts)), width, height, format, contentType: CONTENT_TYPES.png };
  }
  if (format === 'svg') {
    const width = opts.width ?? 1024;
    const height = opts.height ?? 1024;
    return { bytes: svgImage(opts, width, height), width, height, format, contentType: CONTENT_TYPES.svg };
  }
  if (format === 'gif') {
    const count = opts.frames ?? MOCK_GIF.frames;
    const frames = Array.from({ length: count }, (_, i) => synthPixels({ ...opts, phase: i / count }));
    const { width, height } = frames[0]!;
    return {
      bytes: await animate(frames, width, height, opts.frameDurationMs ?? MOCK_GIF.frameDurationMs),
      width,
      height,
      format,
      contentType: CONTENT_TYPES.gif,
    };
  }
  const { data, width, height, channels } = synthPixels(opts);
  const quality = Math.max(1, Math.min(100, Math.round(opts.compression ?? 100)));
  const pixels = opts.label?.length ? await drawLabel(data, width, height, channels, opts.label) : data;
  const img = sharp(pixels, { raw: { width, height, channels } });
  // Low zlib effort: these are test images, speed matters more than size.
  const encoded =
    format === 'png'
      ? img.png({ compressionLevel: 2, adaptiveFiltering: false })
      : format === 'jpeg'
        ? img.jpeg({ quality })
        : img.webp({ quality, effort: 0 });
  const bytes = await encoded.toBuffer();
  return { bytes, width, height, format, contentType: CONTENT_TYPES[format] };
}

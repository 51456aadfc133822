// src/image/: what bytes are: format sniffing, completeness per format, GIF and SVG structure, the input-file check.
//
// What an image really is, read from its first bytes: format, width, height. Pure and cheap,
// so writing a result never has to load sharp. SVG is an image here too (gpt-image-2.6 writes it).
import { gifFrameCount, walkGif } from './gif.js';
import { svgComplete, svgRoot, svgSize } from './svg.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'svg';

export interface ImageInfo {
  format: ImageFormat;
  width?: number;
  height?: number;
}

export const EXTENSIONS: Record<ImageFormat, string> = {
  png: 'png',
  jpeg: 'jpg',
  webp: 'webp',
  gif: 'gif',
  svg: 'svg',
};
export const CONTENT_TYPES: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  svg: 'image/svg+xml',
};

/** The formats sniffImage knows, as people write them: what info, show and gallery read, said one way. */
export const IMAGE_FORMATS_TEXT = 'PNG, JPEG, WebP, GIF and SVG';

/** How many leading bytes sniffImage wants to see (JPEG dimensions can sit after large EXIF blocks). */
export const SNIFF_BYTES = 256 * 1024;

const ascii = (b: Uint8Array, start: number, end: number) => String.fromCharCode(...b.subarray(start, end));

export function sniffImage(bytes: Uint8Array): ImageInfo | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && bytes[0] === 0x89 && ascii(bytes, 1, 4) === 'PNG') {
    return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return { format: 'jpeg', ...jpegSize(bytes, view) };
  }
  if (bytes.length >= 16 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') {
    return { format: 'webp', ...webpSize(bytes, view) };
  }
  if (bytes.length >= 10 && ascii(bytes, 0, 4) === 'GIF8') {
    return { format: 'gif', width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (looksLikeMarkup(bytes)) {
    const root = svgRoot(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    if (root) return { format: 'svg', ...svgSize(root) };
  }
  return undefined;
}

/** Text that starts with `<` (after a byte order mark and whitespace): worth reading as SVG. */
function looksLikeMarkup(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i] === 0x3c;
}

function jpegSize(bytes: Uint8Array, view: DataView): { width?: number; height?: number } {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return {};
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    // SOF0..SOF15 carry the frame size, except DHT (c4), JPG (c8) and DAC (cc).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(i + 5), width: view.getUint16(i + 7) };
    }
    i += 2 + view.getUint16(i + 2);
  }
  return {};
}

function webpSize(bytes: Uint8Array, view: DataView): { width?: number; height?: number } {
  const chunk = ascii(bytes, 12, 16);
  if (chunk === 'VP8X' && bytes.length >= 30) {
    const w = 1 + (bytes[24]! | (bytes[25]! << 8) | (bytes[26]! << 16));
    const h = 1 + (bytes[27]! | (bytes[28]! << 8) | (bytes[29]! << 16));
    return { width: w, height: h };
  }
  if (chunk === 'VP8 ' && bytes.length >= 30) {
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  if (chunk === 'VP8L' && bytes.length >= 25) {
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return {};
}

/** Maps a file extension (with or without the dot) to the format it names. */
export function formatFromExtension(ext: string): ImageFormat | undefined {
  const e = ext.replace(/^\./, '').toLowerCase();
  if (e === 'png') return 'png';
  if (e === 'jpg' || e === 'jpeg') return 'jpeg';
  if (e === 'webp') return 'webp';
  if (e === 'gif') return 'gif';
  if (e === 'svg') return 'svg';
  return undefined;
}

/**
 * What a completeness check sees of an image: its first bytes, its last bytes and its size. A
 * file on disk is judged from a head and a tail read, never loaded whole.
 */
export interface ImageEnds {
  head: Uint8Array;
  tail: Uint8Array;
  size: number;
  /** All the bytes, when they are in memory: a GIF is then walked block by block. */
  whole?: Uint8Array;
}

/** How many trailing bytes a completeness check wants (SVG's root end tag may be followed by comments). */
export const TAIL_BYTES = 4096;

const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/**
 * Each format's own proof that an image is whole: one entry per format, so adding a format is
 * one line here. Every image that becomes a file, and every input image sent, passes through
 * isComplete().
 */
const COMPLETE: Record<ImageFormat, (img: ImageEnds) => boolean> = {
  // The last chunk is IEND: length 0, type "IEND", then its 4-byte CRC. In memory, every chunk's
  // length leads to the next one and IEND ends the bytes: a piece missing in the middle (a write
  // that lost part of a chunk) breaks that chain even when the end is there.
  png: ({ tail, whole }) =>
    (whole === undefined || pngChainEnds(whole)) &&
    tail.length >= 12 &&
    ascii(tail, tail.length - 8, tail.length - 4) === 'IEND' &&
    tail.subarray(tail.length - 12, tail.length - 8).every((b) => b === 0),
  // The EOI marker (FF D9), possibly followed by a little padding.
  jpeg: ({ tail }) => {
    for (let i = tail.length - 2; i >= Math.max(0, tail.length - 64); i--)
      if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    return false;
  },
  // RIFF declares its size after the first 8 bytes.
  webp: ({ head, size }) =>
    head.length >= 8 && size >= new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(4, true) + 8,
  // Every block up to the trailer ";" when the bytes are in memory; the trailer byte otherwise.
  gif: ({ tail, whole }) =>
    whole ? walkGif(whole)?.trailer !== undefined : tail.length > 0 && tail[tail.length - 1] === 0x3b,
  // The root element's end tag (after it, only whitespace and comments).
  svg: ({ head, tail, size, whole }) =>
    svgComplete(whole ? text(whole) : size <= head.length ? text(head) : text(head) + text(tail)),
};

/** Whether the PNG's chunks, each found by the length of the one before, end with IEND at the last byte. */
function pngChainEnds(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const type = ascii(bytes, at + 4, at + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) return false;
    at += 12 + length;
    if (type === 'IEND') return at === bytes.length;
  }
  return false;
}

/** Whether an image is whole, judged by its format's end marker or declared length. */
export function isComplete(format: ImageFormat, img: ImageEnds): boolean {
  return COMPLETE[format](img);
}

/** isComplete() for bytes in memory. Catches base64 and downloads that were cut short. */
export function looksComplete(bytes: Uint8Array, format: ImageFormat): boolean {
  return isComplete(format, {
    head: bytes.subarray(0, SNIFF_BYTES),
    tail: bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)),
    size: bytes.length,
    whole: bytes,
  });
}

/** `{ frames }` for a whole GIF (how many frames it animates), nothing for other formats. */
export function framesOf(bytes: Uint8Array, format: ImageFormat): { frames?: number } {
  const frames = format === 'gif' ? gifFrameCount(bytes) : undefined;
  return frames === undefined ? {} : { frames };
}

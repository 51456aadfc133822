// A tiny PNG encoder for fixtures sharp cannot be told to write exactly (16-bit samples with
// chosen values, palettes with tRNS, grey + alpha). Tests need bit-exact inputs to compare
// pixels against hand-computed results, so we write the bytes ourselves.
import { crc32, deflateSync } from 'node:zlib';

/** PNG colour types: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
export type ColorType = 0 | 2 | 3 | 4 | 6;

export interface RawPng {
  width: number;
  height: number;
  colorType: ColorType;
  bitDepth: 1 | 8 | 16;
  /** Samples row by row; for 16-bit, each sample is 0-65535. For palette images, indices. */
  samples: ArrayLike<number>;
  /** Palette entries as [r, g, b] (colour type 3). */
  palette?: [number, number, number][];
  /** tRNS: per-palette-entry alpha (type 3). */
  paletteAlpha?: number[];
}

const CHANNELS: Record<ColorType, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export function encodePng(img: RawPng): Buffer {
  const { width, height, colorType, bitDepth, samples } = img;
  const perRow = width * CHANNELS[colorType];
  if (samples.length !== perRow * height) throw new Error(`encodePng: expected ${perRow * height} samples`);
  const rowBytes = Math.ceil((perRow * bitDepth) / 8);
  const raw = Buffer.alloc((rowBytes + 1) * height); // filter byte 0 (None) on every row
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    for (let i = 0; i < perRow; i++) {
      const v = samples[y * perRow + i]!;
      if (bitDepth === 16) row.writeUInt16BE(v, i * 2);
      else if (bitDepth === 8) row[i] = v;
      else if (v) row[i >> 3]! |= 0x80 >> (i & 7);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const chunks = [chunk('IHDR', ihdr)];
  if (img.palette) chunks.push(chunk('PLTE', Buffer.from(img.palette.flat())));
  if (img.paletteAlpha) chunks.push(chunk('tRNS', Buffer.from(img.paletteAlpha)));
  chunks.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

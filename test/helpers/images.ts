// Image helpers for the mask tests: build small inputs from raw pixels, read masks back.
import sharp from 'sharp';
import { expect } from 'vitest';

type Channels = 1 | 2 | 3 | 4;

/** An 8-bit PNG from raw samples (grey, grey + alpha, RGB or RGBA). */
export function pngOf(data: ArrayLike<number>, width: number, height: number, channels: Channels): Promise<Buffer> {
  const raw = { width, height, channels };
  // sharp writes 2-band raw input as RGBA unless told it is grey + alpha.
  const img = sharp(Buffer.from(data as number[]), { raw });
  return (channels <= 2 ? img.toColourspace('b-w') : img).png().toBuffer();
}

/** The Pillow recipe's luminance: libImaging/Convert.c rgb2l, (R*19595 + G*38470 + B*7471 + 0x8000) >> 16. */
export const pillowL = (r: number, g: number, b: number) => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;

/** Asserts an 8-bit RGBA PNG (IHDR bit depth 8, colour type 6) and returns its pixels. */
export async function rgbaPixels(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect([png[24], png[25]]).toEqual([8, 6]);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(4);
  return { data, width: info.width, height: info.height };
}

/** The alpha values of an RGBA mask, checking that every pixel is (L, L, L, L). */
export async function maskAlpha(png: Buffer): Promise<{ alpha: number[]; width: number; height: number }> {
  const { data, width, height } = await rgbaPixels(png);
  const alpha: number[] = [];
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] !== data[i + 3] || data[i + 1] !== data[i + 3] || data[i + 2] !== data[i + 3]) {
      throw new Error(`pixel ${i / 4} is (${[...data.subarray(i, i + 4)]}), not (L, L, L, L)`);
    }
    alpha.push(data[i + 3]!);
  }
  return { alpha, width, height };
}

/** Row y of a width-wide array. */
export const row = (values: number[], width: number, y: number) => values.slice(y * width, (y + 1) * width);

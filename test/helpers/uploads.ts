// Small images for the edit and vary tests, made with sharp at test time, and a reader for the
// multipart parts the offline server recorded.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RecordedRequest } from '../../src/mock/route.js';

const solid = (width: number, height: number, channels: 3 | 4, background: sharp.Color) =>
  sharp({ create: { width, height, channels, background } });

/** A 64x48 RGBA mask whose left half is transparent (edit) and right half opaque (keep). */
function halfMask(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.fill(x < width / 2 ? 0 : 255, (y * width + x) * 4, (y * width + x + 1) * 4);
  return sharp(data, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

export async function makeFixtures(dir: string) {
  const files = {
    photo: 'photo.png', // 64x48 RGB PNG: not square
    photoJpg: 'photo.jpg', // 64x48 JPEG
    jpegNamedPng: 'really-a-jpeg.png', // JPEG bytes behind a .png name
    square: 'square.png', // 64x64 RGBA with a transparent hole: a dall-e-2 edit without a mask
    notes: 'notes.png', // text behind a .png name
    mask: 'mask.png', // 64x48 RGBA, left half transparent
    maskSmall: 'mask-small.png', // 32x24 RGBA
    maskRgb: 'mask-rgb.png', // 64x48 RGB, no alpha
    maskOpaque: 'mask-opaque.png', // 64x48 RGBA, every pixel opaque
    drawing: 'drawing.png', // 64x48 black-and-white: black left half = edit
  };
  const writes: Array<Promise<unknown>> = [
    solid(64, 48, 3, '#3366cc').png().toFile(join(dir, files.photo)),
    solid(64, 48, 3, '#22aa55').jpeg().toFile(join(dir, files.photoJpg)),
    solid(64, 48, 3, '#aa2255')
      .jpeg()
      .toBuffer()
      .then((b) => writeFileSync(join(dir, files.jpegNamedPng), b)),
    solid(64, 64, 4, { r: 200, g: 120, b: 40, alpha: 1 })
      .composite([
        {
          input: { create: { width: 16, height: 16, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } },
          left: 24,
          top: 24,
          blend: 'dest-out',
        },
      ])
      .png()
      .toFile(join(dir, files.square)),
    halfMask(64, 48).then((b) => writeFileSync(join(dir, files.mask), b)),
    halfMask(32, 24).then((b) => writeFileSync(join(dir, files.maskSmall), b)),
    solid(64, 48, 3, '#ffffff').png().toFile(join(dir, files.maskRgb)),
    solid(64, 48, 4, { r: 255, g: 255, b: 255, alpha: 1 }).png().toFile(join(dir, files.maskOpaque)),
    solid(64, 48, 3, '#ffffff')
      .composite([
        { input: { create: { width: 32, height: 48, channels: 3, background: '#000000' } }, left: 0, top: 0 },
      ])
      .png()
      .toFile(join(dir, files.drawing)),
  ];
  writeFileSync(join(dir, files.notes), 'shopping list: eggs, flour, a new camera\n');
  // Seventeen tiny images, one more than GPT models take.
  const many = Array.from({ length: 17 }, (_, i) => `many-${i + 1}.png`);
  writes.push(
    ...many.map((name, i) =>
      solid(16, 16, 3, { r: i * 15, g: 100, b: 200 })
        .png()
        .toFile(join(dir, name)),
    ),
  );
  await Promise.all(writes);
  return { ...files, many, size: (name: string) => statSync(join(dir, name)).size };
}

/** The file parts a request carried, without the text fields. */
export const fileParts = (req: RecordedRequest | undefined) =>
  (req?.parts ?? []).filter((p) => p.filename !== undefined);

/** The text fields a request carried, as an object. */
export const textFields = (req: RecordedRequest | undefined) =>
  Object.fromEntries((req?.parts ?? []).filter((p) => p.filename === undefined).map((p) => [p.name, p.value]));

/**
 * A form as the bytes and content type of its multipart body, encoded by Node's own Response.
 * Tests send these with undici's request(), never the FormData itself: undici 7.20 and later can
 * hang on a FormData body it does not take for its own (nodejs/undici#5520), which on Node 24
 * happened to these tests once a worker had loaded other files first.
 */
export async function formBody(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const encoded = new Response(form);
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type')! };
}

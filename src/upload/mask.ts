// The mask an edit sends: --mask <png> checked by the same rules as `imgcli mask --check`, or
// --mask-from <drawing> built in memory by the same code as `imgcli mask`, sized to the first
// image. Either way the bytes are read once and sent from memory (a mask is under 4 MB).
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { Messenger } from '../terminal/messenger.js';
import { buildMask, checkMask, MaskError, MAX_MASK_BYTES, type MaskProblemCode } from '../mask/build.js';
import { sizeText } from '../api/limits.js';
import { readInputFile, unreadable, type ImageFit, type InputImage } from './inputs.js';

const pct = (n: number) => `${Math.round(n * 100) / 100}%`;

const readInput = (file: string, flag: string) => readInputFile(file, flag);

function hintFor(code: MaskProblemCode, file: string, image: string): string {
  switch (code) {
    case 'no-alpha':
      return `The API reads the mask's transparency, and this file has none. Pass it as --mask-from ${file} (black = edit), or build one: imgcli mask ${file} --like ${image} -o mask.png`;
    case 'size-mismatch':
      return `Resize it to the image: imgcli mask --from-alpha ${file} --like ${image} -o mask.png (add --fit contain or cover if the shapes differ).`;
    case 'too-large':
      return `A hard edge compresses far better: imgcli mask --from-alpha ${file} --threshold 128 -o mask.png`;
    case 'not-png':
      return `Convert it: imgcli mask ${file} --like ${image} -o mask.png (black = edit), or pass it as --mask-from ${file}.`;
    default:
      return 'A mask is a PNG with transparency where the image may change; see imgcli mask --help.';
  }
}

/**
 * Reads and checks --mask against the first image (its size too, unless the first image is a
 * URL or a file id, which imgcli cannot see). `strict` is false for models outside the table,
 * whose servers may have their own rules: problems then only warn.
 */
export async function maskFromFile(
  file: string,
  first: InputImage | undefined,
  say: Messenger,
  strict: boolean,
): Promise<Buffer> {
  const image = first?.path ?? 'image.png';
  const size = await stat(file).then(
    (s) => s.size,
    (err: unknown) => {
      throw unreadable(file, '--mask', err);
    },
  );
  // Refused before reading: a mask this big is wrong whatever it holds.
  if (strict && size >= MAX_MASK_BYTES) {
    throw new UsageError(
      `--mask ${file} is ${sizeText(size, 'measured')}; the API takes masks under 4 MB`,
      hintFor('too-large', file, image),
    );
  }
  const bytes = await readInput(file, '--mask');
  const verdict = await checkMask(bytes, first ? { like: { width: first.width, height: first.height } } : {});
  const problems = verdict.problems.map((p) => p.message).join('; ');
  if (!verdict.valid && strict) {
    throw new UsageError(
      `--mask ${file} is not a valid mask: ${problems}`,
      hintFor(verdict.problems[0]!.code, file, image),
    );
  }
  if (!verdict.valid) say.warn(`--mask ${file}: ${problems}; sending it anyway`);
  for (const w of verdict.warnings) say.warn(`--mask ${file}: ${w}`);
  return bytes;
}

/** Builds the mask from a black-and-white drawing (black = edit), at the first image's size. */
export async function maskFromDrawing(file: string, first: InputImage, say: Messenger): Promise<Buffer> {
  const drawing = await readInput(file, '--mask-from');
  const size = { width: first.width, height: first.height };
  const result = await buildMask({ kind: 'luminance', image: drawing }, { resize: { size } }).catch((err: unknown) => {
    if (!(err instanceof MaskError)) throw err;
    const hint =
      err.code === 'aspect-mismatch'
        ? `Say how it should fit: imgcli mask ${file} --like ${first.path} --fit stretch|contain|cover -o mask.png, then --mask mask.png.`
        : 'imgcli reads PNG, JPEG, WebP, GIF, TIFF and SVG drawings: black = edit, white = keep.';
    throw new UsageError(`--mask-from ${file} ${err.message}`, hint);
  });
  if (result.flattenedTransparency) say.warn(`--mask-from ${file} has transparent pixels; they count as white (keep).`);
  if (result.editablePercent === 0)
    say.warn(`--mask-from ${file}: no pixel came out fully transparent, so nothing will be edited (black = edit).`);
  if (result.png.length >= MAX_MASK_BYTES)
    say.warn(
      `--mask-from ${file}: the mask is ${sizeText(result.png.length, 'measured')}; the API takes masks under 4 MB.`,
    );
  say.info(`mask from ${file}: ${result.width}x${result.height}, ${pct(result.editablePercent)} editable`);
  return result.png;
}

/**
 * Puts the mask through the same --fit as the first image, so it still covers the same pixels:
 * contain pads with keep (the padding is not for the model to paint), cover crops the middle.
 */
export async function fitMask(mask: Buffer, fit: ImageFit, side: number): Promise<Buffer> {
  return (await buildMask({ kind: 'alpha', image: mask }, { resize: { size: { width: side, height: side }, fit } }))
    .png;
}

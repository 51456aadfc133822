// The markup layer an edit sends (--markup <png>, gpt-image-2.6): a transparent PNG drawn over the
// first image to show what to change. Checked by the same rules as `imgcli markup --check`
// (src/markup/check.ts) against the first image as the model sees it, upright; fitted with it
// (--fit), as a mask is. Read once and sent from memory (a layer of shapes is small).
import sharp from 'sharp';
import { UsageError } from '../errors.js';
import { checkMarkup, type MarkupProblemCode } from '../markup/check.js';
import type { Messenger } from '../terminal/messenger.js';
import { readInputFile, uprightSize, type ImageFit, type InputImage } from './inputs.js';

const draw = (image: string) =>
  `imgcli markup --like ${image} --box 0.1,0.2,0.4,0.5 --label "what to change" -o marks.png`;

function hintFor(code: MarkupProblemCode, image: string): string {
  switch (code) {
    case 'no-alpha':
    case 'opaque':
      return `A markup layer is transparent except where it is drawn on; draw one with ${draw(image)}`;
    case 'size-mismatch':
      return `Draw it again at the image's size: ${draw(image)}`;
    case 'not-png':
      return `Markup is sent as a PNG with transparency; draw one with ${draw(image)}`;
    case 'empty':
      return `Nothing is drawn on it: mark what to change, e.g. ${draw(image)}`;
    default:
      return 'A markup layer is a PNG with transparency; see imgcli markup --help.';
  }
}

/**
 * Reads and checks --markup against the first image (its upright size; not when the first image
 * is a URL or a file id, which imgcli cannot see). `strict` is false for models outside the
 * table, whose servers may have their own rules: problems then only warn.
 */
export async function markupFromFile(
  file: string,
  first: InputImage | undefined,
  say: Messenger,
  strict: boolean,
): Promise<Buffer> {
  const bytes = await readInputFile(file, '--markup');
  const like = first && {
    ...uprightSize(first),
    orientation: first.orientation,
    stored: { width: first.width, height: first.height },
  };
  const verdict = await checkMarkup(bytes, like ? { like } : {});
  const problems = verdict.problems.map((p) => p.message).join('; ');
  if (!verdict.valid && strict)
    throw new UsageError(
      `--markup ${file} is not a valid markup layer: ${problems}`,
      hintFor(verdict.problems[0]!.code, first?.path ?? 'image.png'),
    );
  if (!verdict.valid) say.warn(`--markup ${file}: ${problems}; sending it anyway`);
  for (const w of verdict.warnings) say.warn(`--markup ${file}: ${w}`);
  return bytes;
}

/** The layer through the first image's --fit: contain pads with transparency (nothing drawn there), cover crops the middle. */
export async function fitMarkup(markup: Buffer, fit: ImageFit, side: number): Promise<Buffer> {
  return sharp(markup)
    .resize(side, side, { fit, background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png()
    .toBuffer();
}

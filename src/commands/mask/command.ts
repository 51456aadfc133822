// `imgcli mask`, declared: build an edit mask (or check one) with sharp. The run is run.ts's.
import { Command, Option } from 'commander';
import { helpText } from '../shared/help-text.js';
import { collect, parseEllipse, parseFeather, parseRadius, parseRect, parseSize, parseThreshold } from './flags.js';

const EXAMPLES = `
Examples:
  $ imgcli mask drawing.png -o mask.png                 # black = edit, white = keep
  $ imgcli mask drawing.jpg --like photo.png --threshold 128 --grow 8 -o mask.png
  $ imgcli mask --size 1024x1024 --rect 0,512,1024,512 -o mask.png   # the bottom half
  $ imgcli mask --like photo.png --ellipse 512,400,200,150 --feather 6 -o mask.png
  $ imgcli mask --from-alpha cutout.png --invert -o mask.png          # edit around the subject
  $ imgcli mask sketch.png --like photo.png --preview check.png -o mask.png
  $ imgcli mask --check mask.png --like photo.png                     # exit 0 valid, 2 not
  $ imgcli mask --check mask.png --json | jq .editable_percent

What the API reads: a PNG with alpha, the size of the image, where alpha 0 = "paint here".
imgcli writes every pixel as (L, L, L, L) from the input's luminance L (Pillow's recipe):
black becomes transparent = edit, white stays opaque = keep, greys are partly transparent.
Transparent pixels in the input count as white (keep), as the picture looks on a page; to use
an image's transparency as the mask, pass it to --from-alpha instead.

Order: size (--like/--size, --fit), --threshold, --invert, --grow/--shrink, --feather.

Pixel amounts are pixels of the output. --grow and --shrink harden the edge first (at 128
unless --threshold says otherwise) and round corners; --feather makes the edge partly
transparent, and only fully transparent pixels count as editable.

The mask goes to -o (overwritten; - for stdout) and its path to stdout; notices go to stderr.`;

export function command(): Command {
  const cmd = new Command('mask')
    .description('Build an edit mask for `imgcli edit` (alpha 0 = edit), or check that a mask will be accepted.')
    .argument('[input]', 'drawing to turn into a mask (png, jpeg, webp, gif, tiff, svg): black = edit')
    .option('-o, --out <path>', 'mask file to write (PNG, overwritten), or - for stdout')
    .option('--invert', 'swap edit and keep: white = edit')
    .option('--threshold <0-255>', 'hard edge: darker than this = edit, the rest = keep', parseThreshold)
    .option('--grow <px>', 'widen the editable area by this many pixels', parseRadius('--grow'))
    .option('--shrink <px>', 'narrow the editable area by this many pixels', parseRadius('--shrink'))
    .option('--feather <px>', 'soften the edge over about this many pixels each side', parseFeather)
    .option('--like <image>', 'size the mask like this image (the one you will edit)')
    .option('-s, --size <WxH>', 'size the mask to WxH; the canvas for --rect and --ellipse', parseSize)
    .addOption(
      new Option('--fit <how>', 'fit another aspect ratio: contain pads with keep, cover crops').choices([
        'stretch',
        'contain',
        'cover',
      ]),
    )
    .option('--rect <x,y,w,h>', 'mark a rectangle editable; repeatable (needs --size or --like)', collect(parseRect))
    .option(
      '--ellipse <cx,cy,rx,ry>',
      'mark an ellipse editable; repeatable (needs --size or --like)',
      collect(parseEllipse),
    )
    .option('--from-alpha <image>', "reuse this image's transparency as the mask (transparent = edit)")
    .option('--preview <path>', 'also write the --like image with the editable area tinted (PNG)')
    .option('--check <mask>', 'check a mask against the API rules instead: PNG, alpha, under 4 MB, size')
    .option('--json', 'print a JSON document on stdout (with --check: the verdict) instead of the path')
    .addHelpText('after', helpText(EXAMPLES));
  return cmd;
}

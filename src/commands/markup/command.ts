// `imgcli markup`, declared: draw the markup layer of a markup edit (boxes, ellipses, arrows,
// lines, freehand paths and labels) without a drawing program, or check one. The run is run.ts's.
import { Command, Option } from 'commander';
import { helpText } from '../shared/help-text.js';
import { parseSize, shapeCollector } from './flags.js';

const EXAMPLES = `
Examples:
  $ imgcli markup --like room.jpg --box 0.1,0.2,0.4,0.5 --label "a bookshelf here" --arrow 0.5,0.9,0.3,0.5 -o marks.png
  $ imgcli markup --like room.jpg --box 0.1,0.2,0.4,0.5 --label "a bookshelf here" -o marks.png --preview check.png
  $ imgcli markup --like photo.png --ellipse 400,300,620,520 --style "color=yellow width=8" --label "a sunflower" -o marks.png
  $ imgcli markup --like photo.png --path "0.2,0.8 0.3,0.75 0.4,0.8 0.5,0.75" --label "a low stone wall" --at 0.2,0.7 -o marks.png
  $ imgcli markup --like photo.png --file marks.json --preview check.png -o marks.png
  $ imgcli markup --check marks.png --like photo.png                  # exit 0 valid, 2 not
  $ imgcli edit photo.png --markup marks.png -m gpt-image-2.6-flare -p "do what the marks say"

A markup layer is a transparent PNG the size of the first image of an edit, drawn over it to
show gpt-image-2.6 what to change: it applies to the first image (the others are references)
and takes no mask. --like sizes it to the image as it is seen (after its EXIF orientation;
imgcli edit then sends that image upright too).

Coordinates: every number of a shape between 0 and 1 means fractions of the image (0,0 the
top-left corner, 1,1 the bottom-right); otherwise all are pixels. A shape that mixes the two is
refused. --box and --ellipse take two corners x1,y1,x2,y2; --arrow runs from x1,y1 to its head
at x2,y2; --line joins two ends; --path takes points "x,y x,y ...". --label writes words: at
--at x,y (its bottom-left corner) when that follows it, else beside the shape before it.
--style after a shape sets its own color=, width= (stroke, pixels) and fill= (boxes and ellipses,
e.g. fill=#ff000040); after a label, color=, size= (pixels) and style=plate or halo. Colours:
#rrggbb, #rrggbbaa, red, green, blue, yellow, orange, magenta, cyan, white, black.

--file reads the same shapes from JSON: {"shapes": [{"type": "box", "at": [0.1, 0.2, 0.4, 0.5],
"color": "red"}, {"type": "label", "text": "a bookshelf here"}], "defaults": {"width": 6}};
flags given too are drawn after the file's shapes. --preview writes the image with the layer
over it (.png or .jpg), to look at before paying. The layer goes to -o (overwritten; - for
stdout) and its path to stdout; notices go to stderr.`;

export function command(): Command {
  const { add, amend } = shapeCollector();
  const shape = (flags: string, what: string, type: Parameters<typeof add>[0]) =>
    new Option(flags, `${what} (repeatable; drawn in order)`).argParser(add(type));
  const cmd = new Command('markup')
    .description(
      'Draw the markup layer of a markup edit (boxes, arrows, words over the first image; gpt-image-2.6), or check one.',
    )
    .option('--like <image>', 'size the layer like this image: the first image you will edit')
    .option('-s, --size <WxH>', 'size the layer to WxH instead', parseSize)
    .addOption(shape('--box <x1,y1,x2,y2>', 'a rectangle between two corners', 'box'))
    .addOption(shape('--ellipse <x1,y1,x2,y2>', 'an ellipse filling that box', 'ellipse'))
    .addOption(shape('--arrow <x1,y1,x2,y2>', 'an arrow from x1,y1 to its head at x2,y2', 'arrow'))
    .addOption(shape('--line <x1,y1,x2,y2>', 'a straight line', 'line'))
    .addOption(shape('--path <points>', 'a freehand line through "x,y x,y ..."', 'path'))
    .addOption(shape('--label <text>', 'words: at --at, else beside the shape before it', 'label'))
    .addOption(
      new Option('--at <x,y>', 'where the --label just before it goes (its bottom-left corner)').argParser(
        amend('--at'),
      ),
    )
    .addOption(
      new Option(
        '--style <settings>',
        'settings of the shape just before it: "color=red width=6", "size=32 style=halo"',
      ).argParser(amend('--style')),
    )
    .option('--file <json>', 'shapes from a JSON markup file (see below)')
    .option('--mark-color <colour>', 'colour of every shape that sets none (default red)')
    .option('--mark-width <px>', 'stroke width of every shape that sets none (default: from the image size)')
    .option('--font-size <px>', 'font size of every label that sets none (default: from the image size)')
    .option('-o, --out <path>', 'layer to write (PNG, overwritten), or - for stdout')
    .option('--preview <path>', 'also write the --like image with the layer over it (.png or .jpg)')
    .option('--check <png>', 'check an existing layer instead: PNG, alpha, something drawn, the size of --like')
    .option('--json', 'print a JSON document on stdout (with --check: the verdict) instead of the path')
    .addHelpText('after', helpText(EXAMPLES));
  return cmd;
}

// `imgcli gallery`: one self-contained HTML contact sheet of images and their provenance.
// Parse -> collect -> read into cards -> write (src/gallery/).
import { Command, Option } from 'commander';
import { helpText } from '../shared/help-text.js';
import { parseWhole } from '../shared/image-options.js';

const EXAMPLES = `
Examples:
  $ imgcli gallery out/                                # gallery.html: every image in out/ and below
  $ imgcli gallery out/ -o out/index.html --title "Icons, round 2"
  $ imgcli gallery lighthouse.png photo.png -o review.html
  $ imgcli gallery out/ -o - > sheet.html              # the page on stdout (links relative to here)

One HTML file, no network and no external files: a thumbnail of each image (made with sharp,
embedded), its prompt, model, size, quality, estimated cost, date and request id from its
provenance, and a relative link to the full image; images without imgcli provenance show their
size and "no provenance". Filter by text and by model, sort by name, date or cost; / focuses
the filter, arrow keys move between cards, Enter opens the image; light and dark mode follow
the system. Thumbnails load as they scroll into view, so a page of thousands stays quick.

Folders are walked (hidden entries and --stream's .partial-<n> files are left out); files named
are always shown, and one that is not an image is an error (exit 2). Without -o the page is
gallery.html here, replaced on the next run; a gallery.html imgcli did not write is left alone.
-o writes exactly there. stdout: the path written.`;

export function command(): Command {
  return new Command('gallery')
    .description(
      'Write one self-contained HTML page of thumbnails with the provenance of each image (prompt, model, size, quality, cost, date, request id).',
    )
    .argument('<paths...>', 'image files, or folders to look in (walked recursively)')
    .option('-o, --out <file>', 'where to write the page, or - for stdout (default gallery.html)')
    .option('--title <text>', "the page's title (default: imgcli gallery and the paths)")
    .addOption(
      new Option('--thumb-size <px>', 'longest side of the thumbnails, 64 to 1024')
        .default(320)
        .argParser(parseWhole('--thumb-size')),
    )
    .addHelpText('after', helpText(EXAMPLES));
}

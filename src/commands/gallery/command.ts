// `imgcli gallery`: one self-contained HTML contact sheet of images and their provenance.
// Parse -> collect -> read into cards -> write (src/gallery/).
import { Command, Option } from 'commander';
import type { Runtime } from '../../runtime.js';
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

interface GalleryFlags {
  out?: string;
  title?: string;
  thumbSize: number;
  quiet?: boolean;
  color?: boolean;
}

export function galleryCommand(rt: Runtime): Command {
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
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], _opts: unknown, self: Command) => {
      const flags = self.optsWithGlobals<GalleryFlags>();
      const [{ UsageError }, { collectImages }, gallery, { createMessenger, useColor }, { startSpinner }, { VERSION }] =
        await Promise.all([
          import('../../errors.js'),
          import('../../gallery/collect.js'),
          import('../../gallery/build.js'),
          import('../../terminal/messenger.js'),
          import('../../terminal/spinner.js'),
          import('../../version.js'),
        ]);
      if (flags.thumbSize < 64 || flags.thumbSize > 1024)
        throw new UsageError(`--thumb-size ${flags.thumbSize} is out of range; use 64 to 1024`);
      const out = flags.out ?? gallery.DEFAULT_GALLERY;
      await gallery.checkGalleryTarget(out, flags.out !== undefined);
      const inputs = await collectImages(paths);
      const say = await createMessenger(rt.stderr, { quiet: flags.quiet, color: useColor(flags.color, rt) });
      const spinner = await startSpinner(rt, `gallery: 0/${inputs.length} images`, { quiet: flags.quiet });
      let page;
      try {
        page = await gallery.buildGallery(inputs, {
          out,
          title: flags.title ?? `imgcli gallery: ${paths.join(' ')}`,
          thumbSize: flags.thumbSize,
          now: rt.now(),
          tool: `imgcli ${VERSION}`,
          signal: rt.signal,
          onProgress: (done, total) => spinner.update(`gallery: ${done}/${total} images`),
        });
      } finally {
        spinner.stop();
      }
      for (const item of page.items) if (item.problem) say.warn(`${item.path}: ${item.problem}`);
      if (out === '-') {
        rt.stdout.write(page.html);
        say.info(`gallery: ${gallery.describeGallery(page, Buffer.byteLength(page.html))}`);
        return;
      }
      const bytes = await gallery.writeGallery(page, out, rt.signal);
      say.info(`gallery: ${gallery.describeGallery(page, bytes)}`);
      rt.stdout.write(`${out}\n`);
    });
}

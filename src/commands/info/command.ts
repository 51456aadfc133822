// `imgcli info`: show the provenance imgcli embedded in images. Parse -> read -> print.
import { Command } from 'commander';
import { IMAGE_FORMATS_TEXT } from '../../image/format.js';
import { helpText } from '../shared/help-text.js';

const EXAMPLES = `
Examples:
  $ imgcli info lighthouse.png
  $ imgcli info out/*.png out/*.jpg
  $ imgcli info lighthouse.png --json | jq -r '.[0].provenance.prompt'

imgcli embeds the prompt, revised prompt, model, parameters, request id, time, token usage and
a request fingerprint in every image it writes (edits and variations: their input files too,
by path and sha256): PNG text chunks (iTXt, imgcli:*), XMP in JPEG and WebP, an application
extension and a comment in GIF, a <metadata> element in SVG. Other images are listed as having
no imgcli metadata. Files that are not images among the paths (a folder's gallery.html) are
skipped with a note on stderr. An unreadable path, or no image at all, is an error (exit 2), and
then nothing is printed on stdout.`;

export function command(): Command {
  return new Command('info')
    .description('Show the provenance imgcli embedded in images: prompt, model, parameters, request id, time, usage.')
    .argument('<image...>', `images to read: ${IMAGE_FORMATS_TEXT} (other files are skipped, with a note)`)
    .option('--json', 'print a JSON array, one entry per image, instead of text')
    .addHelpText('after', helpText(EXAMPLES));
}

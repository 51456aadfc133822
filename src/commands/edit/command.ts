// `imgcli edit`: images (and an optional mask) plus a prompt to new images. Parse -> validate ->
// build the job -> run -> print; the files are checked by upload/, the run and its output are gen's.
import { Command } from 'commander';
import { helpText } from '../shared/help-text.js';
import { DEFAULT_MODEL } from '../../models/table.js';
import { addImageOptions, bodyOption, fitOption } from '../shared/image-options.js';

const EXAMPLES = `
Examples:
  $ imgcli edit photo.png -p "add a red scarf"
  $ imgcli edit room.jpg --mask-from scribble.png -p "a bookshelf here"   # black in the drawing = edit
  $ imgcli edit room.png --mask mask.png -p "a window onto the sea" -o room-2.png
  $ imgcli edit person.png shirt.png logo.png -p "the person wearing the shirt, logo on the chest"
  $ imgcli --base-url http://localhost:8080/v1 edit portrait.jpg -m gpt-image-1.5 --input-fidelity high -p "studio lighting"
  $ imgcli edit icon.jpg -m dall-e-2 --fit contain --mask-from area.png -p "a gold star" -s 512x512
  $ imgcli edit photo.png -p @brief.txt --json | jq -r '.files[].path'
  $ imgcli edit photo.png -p "a hat" --dry-run             # print the multipart request; send nothing
  $ imgcli edit photo.png -p "a red scarf" --stream --preview   # watch the partial images arrive
  $ imgcli files upload photo.png | xargs -I{} imgcli edit {} -p "add a red scarf"   # by file id, sent as JSON
  $ imgcli edit photo.png -p "a hat" --body json --dry-run # the same edit as JSON: the image as a data URL
  $ imgcli markup --like room.jpg --box 0.1,0.2,0.4,0.5 --label "a bookshelf here" -o marks.png
  $ imgcli edit room.jpg --markup marks.png -m gpt-image-2.6-flare -p "add what the marks ask for"

Files are judged by their content, not their names, before anything is sent. GPT image models
take 1 to 16 png, jpeg or webp images under 50 MB each; dall-e-2 takes one square PNG under 4 MB
(--fit contain or cover makes one), and with no mask edits where that PNG is transparent.

An image may also be an https:// URL or a Files API id (file-..., from imgcli files upload):
then the request goes as JSON (GPT image models only), referring to the image instead of
uploading it; local files in the same request go as data URLs (up to about 15 MB each; upload a
larger one once with imgcli files upload). imgcli checks what it can of a reference (the URL's
scheme and length, the id's form); the server fetches it and checks the rest. Without a
reference, the upload is multipart; --body json or --body multipart chooses. --json says which
went ("request_body"). --mask takes a URL or file id too; --mask-from needs a local first image.

--mask is a PNG with transparency, the size of the first image: alpha 0 = "paint here". It is
checked like imgcli mask --check. --mask-from takes a black-and-white drawing (black = edit) and
builds that mask in memory at the first image's size. With several images the mask applies to
the first. See imgcli mask --help to build and preview masks.

--markup (gpt-image-2.6) is a transparent PNG the size of the first image with boxes, arrows and
words drawn on it to show what to change (imgcli markup draws one); it applies to the first
image, the others are references, and it takes no mask. It is checked like a mask (PNG, alpha,
the size of the first image as it is seen), follows --fit, and goes as the part "markup" (JSON:
"markup": {"image_url" | "file_id"}). A first image with an EXIF orientation is sent upright
with a markup, since the layer is drawn on the picture as it is seen. The field is known from
four consistent secondary sources, not yet from an OpenAI SDK.

The prompt comes from -p: text, - for stdin, or @file. Output naming, -o, --json, --stream,
--preview and exit codes are those of imgcli gen. Default model: ${DEFAULT_MODEL}.`;

export function command(): Command {
  const cmd = new Command('edit')
    .description(
      'Edit one or more images with a text prompt (POST /images/edits: a multipart upload, or JSON referring to image URLs and file ids).',
    )
    .argument('<image...>', 'images to edit: paths, https:// URLs or file ids (the first is the one a mask applies to)')
    .option('-p, --prompt <text>', 'what to change; - reads stdin, @file reads a file');
  addImageOptions(cmd, 'edit')
    .addOption(fitOption())
    .addOption(bodyOption())
    .option(
      '--mask <png>',
      'PNG with transparency where the first image may change (same size); a path, URL or file id',
    )
    .option('--mask-from <image>', 'build the mask from a black-and-white drawing: black = edit')
    .option(
      '--markup <png>',
      'a transparent PNG drawn over the first image to show what to change (gpt-image-2.6; imgcli markup draws one); a path, URL or file id',
    )
    .addHelpText('after', helpText(EXAMPLES));
  return cmd;
}

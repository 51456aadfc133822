// `imgcli replay`: send the request recorded in an image's provenance again. Parse -> plan from
// the record (plan.ts) -> build the same typed job as gen, edit or vary -> run -> print.
import { Command, Option } from 'commander';
import { helpText } from '../shared/help-text.js';
import { addImageOptions, fitOption } from '../shared/image-options.js';

const EXAMPLES = `
Examples:
  $ imgcli replay lighthouse.png                       # the same request again: lighthouse-replay-<time>.png beside it
  $ imgcli replay lighthouse.png -q high -o lighthouse-high.png   # the same, with one flag changed
  $ imgcli replay lighthouse.png -m gpt-image-2.5 -n 2 -o takes/
  $ imgcli replay lighthouse.png --dry-run             # print the request; send nothing
  $ imgcli replay scarf.png                            # an edit: its inputs are found and checked first
  $ imgcli replay scarf.png photo.png                  # the input given again (checked the same way)

imgcli writes the request into every image it saves (see imgcli info): the command, endpoint,
model, prompt, every parameter, and for edits and variations the input files, by path
(relative to the image) and sha256. replay builds that request again exactly as gen, edit or
vary would, and sends it. Flags given here win: -m, -p (a new prompt; vary: a new hint), any
image flag, --mask, --mask-from, --markup, --fit, --param. Settings (key, base URL, profile) are today's;
config defaults (size, quality, format) are not applied: the record says what was sent.

Inputs: each input file must still hold the bytes it had; one that changed (or one given
instead that differs) is refused, exit 2, nothing sent, unless --force. Files given after the
image stand in for the recorded images, in order; a file missing from its recorded place must be
given. A file made before imgcli recorded its inputs needs them given, and is checked by its
request fingerprint.

Output: a new file next to the original, <name>-replay-<YYYYMMDD-HHMMSS>.<ext>, never over an
existing file; -o writes exactly where it says (even over the original). Paths go to stdout;
--json, --dry-run, --stream, --preview and the exit codes are gen's.`;

export function command(): Command {
  const cmd = new Command('replay')
    .description(
      'Re-run the request recorded in an image imgcli wrote: same command, endpoint, model, prompt and parameters, unless flags say otherwise.',
    )
    .argument('<image>', 'an image imgcli wrote (its provenance holds the request)')
    .argument(
      '[inputs...]',
      'edit and vary: input images to use instead of the recorded paths (checked against the recorded bytes)',
    )
    .option(
      '-p, --prompt <text>',
      'a new prompt (vary: a new hint) instead of the recorded one; - reads stdin, @file a file',
    );
  addImageOptions(cmd, ['gen', 'edit', 'vary'])
    .addOption(fitOption())
    .option('--mask <png>', 'edit: this mask instead of the recorded one (checked against it)')
    .option('--mask-from <image>', 'edit: build the mask from this drawing instead (checked against the recorded one)')
    .option('--markup <png>', 'edit: this markup layer instead of the recorded one (checked against it)')
    .addOption(new Option('--force', 'send inputs whose bytes differ from the record (changed, or other files given)'))
    .addHelpText('after', helpText(EXAMPLES));
  cmd.options.find((o) => o.long === '--model')!.description = 'model to send to instead of the recorded one';
  return cmd;
}

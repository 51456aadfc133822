// `imgcli vary`: variations of one image. dall-e-2 has the variations endpoint; GPT image models
// do not, so they are asked through edits with a built-in prompt. Which one comes from the table.
import { Command } from 'commander';
import { helpText } from '../shared/help-text.js';
import { DEFAULT_MODEL, FAMILIES, MODELS } from '../../models/table.js';
import { addImageOptions, bodyOption, fitOption } from '../shared/image-options.js';

/** The models whose family varies this way, as one line of help (laid out for the screen when printed). */
function modelsVia(via: 'variations' | 'edits' | undefined, extra = ''): string {
  const ids = [...MODELS.filter((m) => FAMILIES[m.family].vary === via).map((m) => m.id), ...(extra ? [extra] : [])];
  return `  ${ids.join(', ')}`;
}

const EXAMPLES = `
Examples:
  $ imgcli vary photo.png                              # ${DEFAULT_MODEL}, through /images/edits
  $ imgcli vary photo.png -n 3 -o takes/
  $ imgcli vary photo.png -p "in autumn colours"        # a hint added to the built-in prompt
  $ imgcli vary logo.jpg -m dall-e-2 --fit contain -s 512x512
  $ imgcli vary photo.png --json | jq -r '.endpoint, .files[].path'
  $ imgcli vary photo.png --dry-run                    # print the request; send nothing

Which endpoint each model uses (--json records it as "endpoint"):
${modelsVia('variations')}
      POST /images/variations: no prompt; one square PNG under 4 MB (--fit contain or cover makes one); sizes 256x256, 512x512, 1024x1024.
${modelsVia('edits', 'and models imgcli does not know')}
      POST /images/edits, with a built-in prompt asking for a variation that keeps the subject and composition; -p adds your own direction to it. The image may also be an https:// URL or a file id (imgcli files upload): then the request goes as JSON.
${modelsVia(undefined)}
      neither: no variations and no edits.

Files are named <image>-variation-<YYYYMMDD-HHMMSS>.<ext>; -o, --json and exit codes are those
of imgcli gen.`;

export function command(): Command {
  const cmd = new Command('vary')
    .description(
      'Make variations of one image (dall-e-2: POST /images/variations; GPT image models: POST /images/edits).',
    )
    .argument('<image>', 'the image to vary: a path (or, for GPT models, an https:// URL or a file id)')
    .option(
      '-p, --prompt <hint>',
      'GPT models: a hint added to the built-in variation prompt; - reads stdin, @file a file',
    );
  addImageOptions(cmd, 'vary').addOption(fitOption()).addOption(bodyOption()).addHelpText('after', helpText(EXAMPLES));
  return cmd;
}

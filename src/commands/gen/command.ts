// `imgcli gen`: text to image. Parse -> build the job -> run -> print (commands/shared/image-run.ts).
import { Command } from 'commander';
import { helpText } from '../shared/help-text.js';
import { MODELS, DEFAULT_MODEL } from '../../models/table.js';
import { addImageOptions } from '../shared/image-options.js';

const EXAMPLES = `
Examples:
  $ imgcli gen "a lighthouse at dusk"
  $ imgcli gen "a watercolor fox" --mock                 # offline, no key needed
  $ imgcli gen "app icon, flat" -s 1024x1024 -o icon.png
  $ imgcli gen "sticker of a cat" --background transparent -f webp -o cat.webp
  $ imgcli gen "a city skyline" -m gpt-image-2 -s 2048x1152 -q high
  $ imgcli gen @prompt.txt -n 4 -o renders/             # prompt from a file, 4 images in renders/
  $ echo "a red bicycle" | imgcli gen --json | jq -r '.files[].path'
  $ imgcli gen "a banner" -o - > banner.png              # image bytes on stdout
  $ imgcli gen "a fox" --dry-run                         # print the request and a curl command
  $ imgcli gen "a fox" -m my-model --param seed=42       # an extra field for a compatible server
  $ imgcli gen "a fox" -m my-model --param seed=42 --provider compatible --mock   # rehearsed offline
  $ imgcli --profile azure gen "a fox"                   # settings from a config profile
  $ imgcli gen "a koi pond" --stream --preview           # partial images drawn in the terminal
  $ imgcli gen "a fox" --partial-images 3 -o fox.png     # fox.partial-0.png ... 2, then fox.png
  $ imgcli gen @icon.txt -o icon.png --if-changed        # in a Makefile: no request when nothing changed
  $ imgcli gen @icon.txt -o icon.png --check             # exit 0 up to date, 1 would be regenerated
  $ imgcli gen "a koi pond" -m gpt-image-2.6-flare -o koi.gif --frames 4   # animated GIF
  $ imgcli gen "a paper boat" -m gpt-image-2.6-flare -f svg --complexity low   # an SVG document
  $ imgcli gen "a paper boat logo" -m gpt-image-2.6-flare -o boat.svg --svg-model gpt-5-mini --svg-effort low

The prompt is the words after gen, joined by spaces; - reads it from stdin (as do no words when
stdin is piped), and @path reads it from a file.

Without -o, files are named <prompt>-<YYYYMMDD-HHMMSS>.<ext> in the current folder and never
overwrite anything. -o file.png writes exactly there (overwriting, like curl -o; add
--no-clobber to refuse). Paths go to stdout, one per line; everything else goes to stderr.

--stream (GPT image models) asks for partial images while the image is drawn (2 unless
--partial-images says 0-3). Each is written as it arrives beside the final, as
<name>.partial-<n>.<ext> (--no-partials: not written); stdout lists the finals, then the
partials. --preview shows images inline in kitty, Ghostty, WezTerm and iTerm2 (in tmux with
allow-passthrough on); anywhere else it says once why it draws nothing.

gpt-image-2.6 also makes animated GIFs (-f gif: --frames, 9 when not given, which --dry-run says;
--frame-duration; no --stream, --partial-images or --compression with a GIF; frames reportedly
share one sheet of at most 3840 px and 8,294,400 pixels, so e.g. 6 frames of 1024x1024 get a
warning naming sizes and frame counts that fit, and --strict refuses them; a 403 for lack of GIF
preview access is explained) and SVG documents (-f svg, one per request, written by a text model:
--svg-model and --svg-effort go as the API's svg object, and that model's tokens are billed at its
own rates), and takes --complexity. --param sends any field as given.

Unset flags take their values from the config (\`imgcli config set size 1536x1024\`; see
\`imgcli config --help\`) where the model accepts them.

Models: ${MODELS.map((m) => m.id).join(', ')}; default ${DEFAULT_MODEL}.`;

export function command(): Command {
  const cmd = new Command('gen')
    .description('Generate images from a text prompt (POST /images/generations).')
    .argument('[prompt...]', 'the prompt; - for stdin, @file to read it from a file');
  addImageOptions(cmd, 'gen').addHelpText('after', helpText(EXAMPLES));
  return cmd;
}

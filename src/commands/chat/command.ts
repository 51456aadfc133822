// `imgcli chat`: edit by conversation, on the Responses API's image_generation tool. Parse ->
// the thread (.imgcli-chat/<name>.json) -> one turn, or a line per turn on a terminal (run.ts).
import { Command, Option } from 'commander';
import { DEFAULT_MAINLINE, DEFAULT_MODEL } from '../../models/table.js';
import { helpText } from '../shared/help-text.js';
import { addImageOptions } from '../shared/image-options.js';

const EXAMPLES = `
Examples:
  $ imgcli chat "a lighthouse at dusk"                  # starts a thread: writes the first image
  $ imgcli chat "make it night"                         # continues the last thread in this folder
  $ imgcli chat "add a keeper in the window" --json | jq -r '.files[].path'
  $ imgcli chat --log                                   # the thread: turns, files, responses, costs
  $ imgcli chat --new --thread poster "a poster of a fox"
  $ imgcli chat --thread poster "less saturated, this logo in the corner" --image logo.png
  $ imgcli chat --thread poster "make it square" -s 1024x1024 --stream
  $ imgcli chat --thread poster "repaint the middle only" --mask mask.png --action edit
  $ imgcli chat --thread poster "one more take" --dry-run   # the request and a curl command
  $ imgcli chat --new --thread try "a watercolor fox" --mock   # offline: no key, nothing billed
  $ imgcli chat --thread try "make it night" --mock             # the offline thread goes on

Each turn sends the prompt to the Responses API (POST /responses) with the image_generation
tool and the previous turn's response id (previous_response_id): the server keeps the thread,
so the image is edited in context, never uploaded again. The image is written like gen's
(<prompt>-<YYYYMMDD-HHMMSS>.png, or -o), with the response id and the turn in its provenance.

The thread is a small file in this folder, .imgcli-chat/<name>.json: prompts, response ids,
file names and their sha256, usage, and each turn's status (ok, uncertain, failed); never
the images. Without --thread a turn continues the thread last used here; --new starts one
(named from the prompt, or --thread's name). A turn that went out and got no complete answer
(a timeout, a cut stream, Ctrl-C) is recorded as uncertain and never sent again by itself: it
may have been made and billed. --log shows it, and the prompt sent again makes a new turn.

On a terminal, with no prompt, chat asks for one line per turn (the prompt shows the thread
and the turn); Ctrl-D ends it (exit 0), Ctrl-C ends it too (exit 130, as everywhere). Where
stdin is not a terminal it is one turn per command: the prompt from the words, - or a pipe
(read from stdin, as gen does), or @file.

Costs: the mainline model's tokens (--mainline, default ${DEFAULT_MAINLINE}) and the image
tool's (-m, default ${DEFAULT_MODEL}), each told; with --mock, nothing. --mock keeps a thread
across commands: the offline server takes the last image back from the thread's file.`;

export function command(): Command {
  const cmd = new Command('chat')
    .description(
      'Make and edit an image by conversation, turn after turn (the Responses API and its image_generation tool).',
    )
    .argument('[prompt...]', 'the turn; - for stdin, @file for a file; none on a terminal: one line per turn');
  addImageOptions(cmd, 'chat', [
    'out',
    'noClobber',
    'param',
    'dryRun',
    'json',
    'noPartials',
    'preview',
    'noMetadata',
    'capabilitiesFrom',
  ]);
  cmd.options.find((o) => o.long === '--model')!.description =
    `the image model the tool draws with (default ${DEFAULT_MODEL}, or env IMGCLI_MODEL, or \`imgcli config set model\`)`;
  cmd.options.find((o) => o.long === '--out')!.description =
    'file to write (in the loop on a terminal, each turn adds its number: name-3.png), a folder ending in /, or - for stdout';
  cmd.options.find((o) => o.long === '--param')!.description =
    'a field of the image tool sent as given, unchecked (repeatable; JSON values allowed)';
  return cmd
    .addOption(
      new Option(
        '--image <file>',
        'an input image for this turn: a file, an https:// URL or a file id (repeatable)',
      ).argParser((value: string, previous: string[] = []) => [...previous, value]),
    )
    .option('--mask <png>', 'where the tool may paint (input_image_mask): a PNG whose transparent pixels mark the edit')
    .option('--mainline <model>', `the Responses model that holds the conversation (default ${DEFAULT_MAINLINE})`)
    .option('--thread <name>', 'the conversation to continue (or start); default: the last one used in this folder')
    .option('--new', 'start a new thread instead of continuing the last one')
    .option('--log', 'show the thread: its turns, prompts, files, response ids, status and costs (--json: the file)')
    .addHelpText('after', helpText(EXAMPLES));
}

// `imgcli mock-server`: the offline OpenAI-compatible server in the foreground, for users' own
// pipelines and for trying imgcli (or any OpenAI client) without a key.
import { Command, Option } from 'commander';
import { helpText } from '../shared/help-text.js';
import { parseWhole } from '../shared/image-options.js';

const EXAMPLES = `
Examples:
  $ imgcli mock-server --port 8080
  $ OPENAI_BASE_URL=http://127.0.0.1:8080/v1 OPENAI_API_KEY=sk-test imgcli gen "a fox"
  $ imgcli mock-server --latency 2000          # answer every request after 2 s
  $ imgcli mock-server --stream-delay 1000     # stream: true answers send an event a second
  $ imgcli mock-server --payload noise         # photo-sized images (1.5-3 MB PNGs), for benchmarks
  $ imgcli mock-server --batch-pace 200        # batches run a request every 200 ms: watch the progress bar
  $ imgcli mock-server --serve-retired         # a server that still has dall-e-2 and dall-e-3
  $ imgcli mock-server --no-gif-access         # rehearse the 403 of an account without GIF preview access

It prints its base URL on stdout, logs one line per request on stderr once answered (method, path, bytes received, status, milliseconds, request id), and runs until Ctrl-C or SIGTERM, which it reports as "stopped".
It accepts any bearer key (only --key when given; none needed with --no-auth) and speaks the Images API like
api.openai.com (or the provider given with --provider) on the run's date (IMGCLI_NOW pins it): the
same models (one shut down by then is refused as that server refuses it, unless --serve-retired),
validation, error shapes and x-request-id headers. Every answer carries x-imgcli-offline: 1, so imgcli records the images it
makes as offline stand-ins (never up to date for a real server). It answers with stand-in
images: a gradient seeded by the prompt with the prompt (shortened) and the size written along
the bottom where the machine has fonts (--no-labels: never), pixel noise under --payload noise;
animated GIFs and SVG documents for gpt-image-2.6. Edits and variations answer with a tinted
copy of the upload; an edit changes only the pixels its mask marks editable (alpha 0), or only
near what its markup layer draws, so a mask or a markup can be checked offline. It has the Files API (/v1/files, in memory until it stops) and takes JSON
edits whose images are data URLs, its own file ids, or URLs on 127.0.0.1: it never goes to the
internet. It has the Batch API (/v1/batches: create, list, retrieve, cancel) with OpenAI's
statuses (validating, in_progress, finalizing, completed...): each request of a batch is answered
as a direct call would be, one every --batch-pace milliseconds (default 5: a few hundred requests
finish in seconds), and the results come in any order. It bills nothing: imgcli says "offline: no
cost" with --mock.`;

export function command(): Command {
  const cmd = new Command('mock-server')
    .description('Run the offline OpenAI-compatible Images API server in the foreground.')
    .option('--port <n>', 'port to listen on (default: a free one)', parseWhole('--port'))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--latency <ms>', 'delay every answer by this many milliseconds', parseWhole('--latency'))
    .option('--stream-delay <ms>', 'time between streamed events (default 150)', parseWhole('--stream-delay'))
    .option('--key <key>', 'accept only this API key')
    .addOption(
      new Option('--no-auth', 'accept requests without a key, as a local server that needs none does').conflicts('key'),
    )
    .addOption(
      new Option('--payload <kind>', 'what the images look like (flat: one colour, a few hundred bytes)')
        .choices(['gradient', 'noise', 'flat'])
        .default('gradient'),
    )
    .option('--batch-pace <ms>', 'time a batch spends on each request (default 5)', parseWhole('--batch-pace'))
    .option('--no-labels', 'do not write the prompt and size on the images')
    .option(
      '--serve-retired',
      "also serve the models api.openai.com has shut down by the run's date (dall-e-2, dall-e-3...)",
    )
    .option('--no-gif-access', 'answer gif requests 403, as for an account without GIF preview access')
    .addHelpText('after', helpText(EXAMPLES));
  return cmd;
}

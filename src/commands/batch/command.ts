// `imgcli batch`: many images from a JSONL file, validated first, run concurrently.
import { Command, InvalidArgumentError, Option } from 'commander';
import { helpText } from '../shared/help-text.js';
import { IMAGE_FIELDS, readField } from '../../models/fields.js';
import { argParser, fitOption, parseWhole } from '../shared/image-options.js';
import { POLL_SECONDS, parseSeconds, remoteCommands } from './remote-commands.js';

const EXAMPLES = `
Examples:
  $ imgcli batch jobs.jsonl
  $ imgcli batch jobs.jsonl -m gpt-image-2 -q low --concurrency 8 > results.jsonl
  $ imgcli batch jobs.jsonl --max-cost 2.50 --fail-fast
  $ printf '"a red fox"\\n"a blue whale"\\n' | imgcli batch - -o out/ --mock
  $ imgcli batch jobs.jsonl -o out/ --gallery           # then out/gallery.html: every image made, to review
  $ imgcli batch jobs.jsonl --dry-run                # every request and its estimated cost; nothing sent
  $ imgcli batch jobs.jsonl --remote --mock          # OpenAI's Batch API at half the price (offline here)
  $ imgcli batch jobs.jsonl --remote --no-wait && imgcli batch status jobs.jsonl

Each line of the file is one job: a JSON string (a prompt for gen), or an object with
"command" (gen, edit or vary; default gen) and any option of that command, e.g.
  {"prompt": "app icon, flat", "out": "icons/app.png", "size": "1024x1024"}
  {"command": "edit", "images": ["room.png"], "prompt": "add a window"}
  {"command": "vary", "image": "logo.png", "count": 3, "out": "logos/"}
Keys may be written as in the flags (response-format), in snake_case or camelCase; "n" is count.
Flags given to batch (-m -s -q -f -n --background ...) are defaults for every job.

The whole file is checked first: any bad line is reported with its number, exit 2, and
nothing is sent. Jobs then run --concurrency at a time on one connection: a 429 anywhere slows
every worker, and the server's x-ratelimit headers pace new requests. A job with a fixed "out"
whose file is up to date (same prompt, flags and input bytes) is skipped, so a rerun after a
failure only makes what is missing.

stdout: one JSON line per finished job (line, command, status, files, request_id, usage,
cost_usd, error). stderr: a progress bar on a terminal, notices prefixed with the job's line.
Exit 0 when every job succeeds, 7 when some failed or were not started, and the failure's own
code when all failed. With GITHUB_STEP_SUMMARY set, a markdown table of the outputs is added.

--remote sends the same jobs through OpenAI's Batch API instead: billed at half the price,
with its own rate limits, answered within 24 hours (often much sooner). Each distinct local input
image is uploaded once; the requests go as one batch per endpoint (split past 50,000 requests or
200 MB); the state file beside the jobs file (jobs.jsonl.imgcli-batch.json) records every step
before it happens, so running the same command again (after Ctrl-C, a crash, in a later CI job)
attaches to the batches already submitted and never pays for a job twice. It waits with a
progress bar (--no-wait prints the batch ids and exits), then writes every image as the local
batch would, with the same JSON lines (cost_usd at the batch price). --resubmit sends the jobs
that failed or expired again, as a new batch. See imgcli batch status|cancel|list --help.
A jobs file named like a subcommand (status, cancel, list) is written ./status.

--gallery writes one HTML page of every image the run made or found up to date, with prompts,
models and costs (see imgcli gallery --help), even when some jobs failed; in GitHub Actions the
step summary names it and links to the run's artifacts, where actions/upload-artifact puts it.`;

function parseUsd(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('--max-cost takes an amount in US dollars greater than 0, e.g. 2.50.');
  return n;
}

export function command(): Command {
  const cmd = new Command('batch')
    .description(
      "Run many image jobs from a JSONL file (or - for stdin): validated first, then run concurrently here, or with --remote through OpenAI's Batch API at half the price.",
    )
    .argument('<jobs>', 'the jobs file, one JSON job per line; - reads stdin')
    .addOption(
      new Option('--concurrency <n>', 'jobs running at once').default(4).argParser(parseWhole('--concurrency')),
    )
    .option('--fail-fast', 'start no new job after the first failure')
    .option('--max-cost <usd>', 'start no new job once the estimated spend would pass this many US dollars', parseUsd)
    .option(
      '--dry-run',
      'check every job, then print each request (a JSON line, with its estimated cost) instead of sending it',
    )
    .option('--remote', "send the jobs through OpenAI's Batch API: half the price, results within 24 hours; resumable")
    .option('--resubmit', 'with --remote: send the jobs whose batch line failed or expired again, as a new batch')
    .option(
      '--no-wait',
      'with --remote: submit (or attach), print the batch ids and exit; run again later to write the images',
    )
    .option(
      '--poll-interval <seconds>',
      `with --remote: the longest wait between two looks at a batch (default ${POLL_SECONDS.real}, ${POLL_SECONDS.offline} with --mock)`,
      parseSeconds,
    )
    // The Batch API's limits per request file, made small by the tests that split at them.
    .addOption(new Option('--batch-max-requests <n>').hideHelp().argParser(parseWhole('--batch-max-requests')))
    .addOption(new Option('--batch-max-bytes <n>').hideHelp().argParser(parseWhole('--batch-max-bytes')))
    .option('-m, --model <name>', 'default model for every job');
  for (const field of IMAGE_FIELDS) {
    const option = new Option(field.flags, `default for every job: ${field.purpose}`);
    if (field.kind !== 'switch') option.argParser(argParser((value) => readField(field, value)));
    cmd.addOption(option);
  }
  cmd
    .addOption(fitOption())
    .option('-o, --out <dir>', 'output folder for jobs without "out"')
    .option('--no-metadata', 'write every file bare (jobs are then never skipped as up to date)')
    .option(
      '--gallery [file]',
      'afterwards, write an HTML gallery of the images made (default <-o folder>/gallery.html, else gallery.html)',
    )
    .addHelpText('after', helpText(EXAMPLES));
  for (const sub of remoteCommands()) cmd.addCommand(sub);
  return cmd;
}

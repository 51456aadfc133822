// `imgcli batch`: many images from a JSONL file, validated first, run concurrently.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { GlobalFlags } from '../../config/settings.js';
import { IMAGE_FIELDS, readField } from '../../models/fields.js';
import type { Runtime } from '../../runtime.js';
import { argParser, fitOption, parseWhole } from '../shared/image-options.js';
import { describeFsError } from '../../fs-errors.js';
import { POLL_SECONDS, checkRemoteFlags, parseSeconds, remoteCommands } from './remote-commands.js';

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
  {"command": "edit", "images": ["room.png"], "mask": "mask.png", "prompt": "a window", "out": "room-2.png"}
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

interface BatchFlags extends GlobalFlags {
  concurrency: number;
  remote?: boolean;
  resubmit?: boolean;
  /** False with --no-wait. */
  wait: boolean;
  pollInterval?: number;
  batchMaxRequests?: number;
  batchMaxBytes?: number;
  gallery?: string | true;
  failFast?: boolean;
  maxCost?: number;
  dryRun?: boolean;
  [key: string]: unknown;
}

function parseUsd(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('--max-cost takes an amount in US dollars greater than 0, e.g. 2.50.');
  return n;
}

/** The batch flags that are defaults for every job: -m, every request field, --fit, -o and --no-metadata. */
const DEFAULT_KEYS = ['model', ...IMAGE_FIELDS.map((f) => f.name), 'fit', 'out', 'metadata'];

export function batchCommand(rt: Runtime): Command {
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
    .addHelpText('after', EXAMPLES)
    .action(async (source: string, _opts: unknown, self: Command) => {
      const flags = self.optsWithGlobals<BatchFlags>();
      const [
        { readFile },
        { UsageError },
        { parseJobs },
        { runBatch },
        { resolveSettings },
        { createMessenger, useColor },
        { isCI },
        { readStdin },
        { join },
        { checkGalleryTarget, DEFAULT_GALLERY },
      ] = await Promise.all([
        import('node:fs/promises'),
        import('../../errors.js'),
        import('../../batch/parse.js'),
        import('../../batch/run.js'),
        import('../../config/settings.js'),
        import('../../terminal/messenger.js'),
        import('../../runtime.js'),
        import('../../terminal/input.js'),
        import('node:path'),
        import('../../gallery/build.js'),
      ]);
      if (flags.concurrency < 1 || flags.concurrency > 64)
        throw new UsageError(`--concurrency ${flags.concurrency} is out of range; use 1 to 64`);
      await checkRemoteFlags(flags, source, self);
      let text: string;
      try {
        text = source === '-' ? await readStdin(rt.stdin, rt.signal) : await readFile(source, 'utf8');
      } catch (err) {
        if (rt.signal.aborted) throw err;
        throw new UsageError(`cannot read the jobs file ${source}: ${describeFsError(err)}`);
      }
      const parsed = parseJobs(text);
      // The gallery's place is checked before anything is sent, as an output file is.
      const gallery =
        flags.gallery === undefined
          ? undefined
          : {
              path:
                flags.gallery === true
                  ? join(typeof flags.out === 'string' ? flags.out : '.', DEFAULT_GALLERY)
                  : flags.gallery,
              title: `imgcli batch: ${source === '-' ? 'stdin' : source}`,
            };
      if (gallery) await checkGalleryTarget(gallery.path, flags.gallery !== true);
      const settings = await resolveSettings(flags, rt);
      const color = useColor(flags.color, rt);
      const say = await createMessenger(rt.stderr, { ...settings, color });
      // -o is always a folder for batch: every job writes its own files there.
      if (typeof flags.out === 'string' && !/[/\\]$/.test(flags.out)) flags.out = `${flags.out}/`;
      // The job's own -m is read by runBatch from the settings; the rest are defaults for every job.
      const defaults = Object.fromEntries(
        DEFAULT_KEYS.filter(
          (k) => k !== 'model' && flags[k] !== undefined && !(k === 'metadata' && flags[k] === true),
        ).map((k) => [k, flags[k]]),
      );
      if (flags.remote) {
        const { runRemoteBatch } = await import('../../batch/remote/run.js');
        if (flags.batchMaxRequests === 0 || flags.batchMaxBytes === 0)
          throw new UsageError('--batch-max-requests and --batch-max-bytes take 1 or more');
        const limits = { requests: flags.batchMaxRequests ?? 50_000, bytes: flags.batchMaxBytes ?? 200 * 1024 * 1024 };
        const pollMs = (flags.pollInterval ?? (settings.mock ? POLL_SECONDS.offline : POLL_SECONDS.real)) * 1000;
        return runRemoteBatch(rt, parsed, {
          jobsFile: source,
          defaults,
          settings,
          say,
          color,
          maxCostUsd: flags.maxCost,
          gallery,
          dryRun: Boolean(flags.dryRun),
          showProgress: Boolean(rt.stderr.isTTY) && !isCI(rt.env) && !settings.quiet,
          resubmit: Boolean(flags.resubmit),
          wait: flags.wait,
          pollMs,
          limits,
        });
      }
      await runBatch(rt, parsed, {
        concurrency: flags.concurrency,
        failFast: Boolean(flags.failFast),
        maxCostUsd: flags.maxCost,
        defaults,
        settings,
        say,
        color,
        showProgress: Boolean(rt.stderr.isTTY) && !isCI(rt.env) && !settings.quiet,
        gallery,
        dryRun: Boolean(flags.dryRun),
      });
    });
  for (const sub of remoteCommands(rt)) cmd.addCommand(sub);
  return cmd;
}

// `imgcli batch`, run: the jobs file read and parsed, the flags that are defaults for every job, then
// the local run (src/batch/run.ts) or, with --remote, the Batch API's (src/batch/remote/run.ts).
// `batch status|cancel|list` are inspect.ts's.
import { readRegularFile } from '../../image/input-file.js';
import { join } from 'node:path';
import type { Command } from 'commander';
import { BATCH_LIMITS } from '../../api/batches.js';
import { jobsText, parseJobs } from '../../batch/parse.js';
import { runRemoteBatch } from '../../batch/remote/run.js';
import { runBatch } from '../../batch/run.js';
import type { GlobalFlags } from '../../config/settings.js';
import { UsageError } from '../../errors.js';
import { describeFsError } from '../../fs-errors.js';
import { DEFAULT_GALLERY, checkGalleryTarget } from '../../gallery/build.js';
import { IMAGE_FIELDS } from '../../models/fields.js';
import { isCI } from '../../runtime.js';
import { readStdin } from '../../terminal/input.js';
import type { Handler } from '../shared/context.js';
import { batchCancel, batchList, batchStatus } from './inspect.js';
import { POLL_SECONDS } from './remote-commands.js';

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

/** The batch flags that are defaults for every job: -m, every request field, --fit, -o and --no-metadata. */
const DEFAULT_KEYS = ['model', ...IMAGE_FIELDS.map((f) => f.name), 'fit', 'out', 'metadata'];

/** The flags that belong to --remote, or to the local batch only; --remote needs a file. */
function checkRemoteFlags(flags: BatchFlags, source: string, self: Command): void {
  const given = (name: string) => self.getOptionValueSource(name) === 'cli';
  if (!flags.remote) {
    const remoteOnly = [
      given('resubmit') && '--resubmit',
      given('wait') && '--no-wait',
      given('pollInterval') && '--poll-interval',
    ].filter(Boolean);
    if (remoteOnly.length)
      throw new UsageError(
        `${remoteOnly.join(' and ')} ${remoteOnly.length > 1 ? 'are' : 'is'} for remote batches`,
        'Add --remote to send the jobs through the Batch API.',
      );
    return;
  }
  const localOnly = [given('concurrency') && '--concurrency', flags.failFast && '--fail-fast'].filter(Boolean);
  if (localOnly.length)
    throw new UsageError(
      `${localOnly.join(' and ')} ${localOnly.length > 1 ? 'have' : 'has'} no meaning with --remote: OpenAI runs the batch`,
      'Drop it, or run the batch locally (without --remote).',
    );
  if (source === '-')
    throw new UsageError(
      '--remote needs a jobs file, not stdin: its state file goes beside it, so that a later run comes back to the same batches',
      'Save the jobs to a file first, e.g. jobs.jsonl.',
    );
}

const batch: Handler = async (ctx, { args, command }) => {
  const [source] = args as [string];
  const { rt } = ctx;
  const flags = ctx.flags<BatchFlags>();
  if (flags.concurrency < 1 || flags.concurrency > 64)
    throw new UsageError(`--concurrency ${flags.concurrency} is out of range; use 1 to 64`);
  checkRemoteFlags(flags, source, command);
  let text: string;
  try {
    // stdin comes as text: a binary file piped in still shows its NUL bytes.
    text =
      source === '-'
        ? jobsText(Buffer.from(await readStdin(rt.stdin, rt.signal), 'utf8'), 'stdin')
        : jobsText(await readRegularFile(source, 'jobs', 'the jobs file'), source);
  } catch (err) {
    if (rt.signal.aborted || err instanceof UsageError) throw err;
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
  const [settings, say] = [await ctx.settings(), await ctx.messenger()];
  // -o is always a folder for batch: every job writes its own files there.
  if (typeof flags.out === 'string' && !/[/\\]$/.test(flags.out)) flags.out = `${flags.out}/`;
  // The job's own -m is read by runBatch from the settings; the rest are defaults for every job.
  const defaults = Object.fromEntries(
    DEFAULT_KEYS.filter((k) => k !== 'model' && flags[k] !== undefined && !(k === 'metadata' && flags[k] === true)).map(
      (k) => [k, flags[k]],
    ),
  );
  const common = {
    defaults,
    settings,
    say,
    connect: () => ctx.connection(),
    color: ctx.color,
    maxCostUsd: flags.maxCost,
    gallery,
    dryRun: Boolean(flags.dryRun),
    showProgress: Boolean(rt.stderr.isTTY) && !isCI(rt.env) && !settings.quiet,
  };
  if (flags.remote) {
    if (flags.batchMaxRequests === 0 || flags.batchMaxBytes === 0)
      throw new UsageError('--batch-max-requests and --batch-max-bytes take 1 or more');
    const limits = {
      requests: flags.batchMaxRequests ?? BATCH_LIMITS.requests,
      bytes: flags.batchMaxBytes ?? BATCH_LIMITS.bytes,
    };
    const pollMs = (flags.pollInterval ?? (settings.mock ? POLL_SECONDS.offline : POLL_SECONDS.real)) * 1000;
    return runRemoteBatch(rt, parsed, {
      ...common,
      jobsFile: source,
      resubmit: Boolean(flags.resubmit),
      wait: flags.wait,
      pollMs,
      limits,
    });
  }
  await runBatch(rt, parsed, {
    ...common,
    jobsFile: source === '-' ? undefined : source,
    concurrency: flags.concurrency,
    failFast: Boolean(flags.failFast),
  });
};

export const handlers: Record<string, Handler> = {
  batch,
  'batch status': batchStatus,
  'batch cancel': batchCancel,
  'batch list': batchList,
};

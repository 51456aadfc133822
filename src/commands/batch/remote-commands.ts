// The remote half of `imgcli batch`: the flags that go with --remote, and the subcommands that
// look at batches on the server: `batch status [id|jobs.jsonl]`, `batch cancel [id|jobs.jsonl]`
// and `batch list`, each with --json. The work is src/batch/inspect.ts's.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { GlobalFlags } from '../../config/settings.js';
import type { Runtime } from '../../runtime.js';
import type { Connection } from '../../api/http.js';
import type { Messenger } from '../../terminal/messenger.js';
import { parseWhole } from '../shared/image-options.js';

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 3600)
    throw new InvalidArgumentError('--poll-interval takes seconds, more than 0 and at most 3600, e.g. 5 or 0.5.');
  return n;
}

/** The longest wait between two looks at a remote batch (polls start quicker); offline batches end in seconds. */
export const POLL_SECONDS = { real: 5, offline: 0.5 };

interface RemoteFlags {
  remote?: boolean;
  resubmit?: boolean;
  failFast?: boolean;
}

/** The flags that belong to --remote, or to the local batch only; --remote needs a file. */
export async function checkRemoteFlags(flags: RemoteFlags, source: string, self: Command): Promise<void> {
  const { UsageError } = await import('../../errors.js');
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

/** Runs `fn` on a connection to the configured server (as gen connects: key, profile, proxy, --mock). */
async function connected<T>(
  rt: Runtime,
  flags: GlobalFlags,
  fn: (conn: Connection, say: Messenger) => Promise<T>,
): Promise<T> {
  const [{ resolveSettings }, { createMessenger, useColor }, { openConnection }] = await Promise.all([
    import('../../config/settings.js'),
    import('../../terminal/messenger.js'),
    import('../../connection/connect.js'),
  ]);
  const settings = await resolveSettings(flags, rt);
  const say = await createMessenger(rt.stderr, { ...settings, color: useColor(flags.color, rt) });
  if (settings.mock)
    say.warn(
      '--mock: the offline server started for this command has no batches (those of a --mock run end with it); run `imgcli mock-server` and point --base-url at it to keep them.',
    );
  const { conn, close } = await openConnection(rt, settings, say);
  try {
    return await fn(conn, say);
  } finally {
    await close();
  }
}

type JsonFlag = GlobalFlags & { json?: boolean };

const STATUS_EXAMPLES = `
Examples:
  $ imgcli batch jobs.jsonl --remote --no-wait && imgcli batch status jobs.jsonl
  $ imgcli batch jobs.jsonl --remote --no-wait && imgcli batch status --json | jq -r '.batches[].status'

With a jobs file (or its state file, or nothing when this folder holds one state file), every
batch submitted for it; with a batch id, that batch. One row per batch: status, requests done
and failed, when it was made; a batch that OpenAI failed or that expired says why.`;

const CANCEL_EXAMPLES = `
Examples:
  $ imgcli batch jobs.jsonl --remote --no-wait && imgcli batch cancel jobs.jsonl

A cancelled batch goes to cancelling, then cancelled, keeping the results of the requests done
before: running \`imgcli batch jobs.jsonl --remote\` again writes those, and --resubmit sends the
rest again as a new batch.`;

const LIST_EXAMPLES = `
Examples:
  $ imgcli batch list
  $ imgcli batch list --limit 5 --json | jq -r '.batches[].id'

Every batch of the account (newest first), imgcli's and others'; those imgcli made name their
jobs file (metadata imgcli_jobs).`;

/**
 * A subcommand of batch whose help lists the program's global options only: batch's own flags
 * (-m, --concurrency...) reach it through optsWithGlobals but mean nothing to it.
 */
class BatchSubcommand extends Command {
  override copyInheritedSettings(source: Command): this {
    super.copyInheritedSettings(source);
    const root = (cmd: Command): Command => (cmd.parent ? root(cmd.parent) : cmd);
    return this.configureHelp({
      ...this.configureHelp(),
      visibleGlobalOptions: (cmd: Command) => root(cmd).options.filter((o) => !o.hidden),
    });
  }
}

export function remoteCommands(rt: Runtime): Command[] {
  const status = new BatchSubcommand('status')
    .summary('show the batches of a jobs file (or a batch id) as the server sees them')
    .description('Show a remote batch, or every batch of a jobs file, as the server sees them now.')
    .argument(
      '[id|jobs]',
      'a batch id (batch_...), a jobs file or its state file; default: the state file in this folder',
    )
    .option('--json', 'print one JSON document: the batch objects')
    .addHelpText('after', STATUS_EXAMPLES)
    .action(async (target: string | undefined, _opts: unknown, self: Command) => {
      const flags = self.optsWithGlobals<JsonFlag>();
      const inspect = await import('../../batch/remote/inspect.js');
      const resolved = await inspect.resolveTarget(target, 'status');
      const looked = await connected(rt, flags, (conn) => inspect.lookUp(conn, resolved));
      printBatches(rt, inspect, looked, flags.json, 'state' in resolved ? resolved.state.jobs_file : undefined);
    });
  const cancel = new BatchSubcommand('cancel')
    .summary('cancel the batches of a jobs file (or a batch id) that have not ended')
    .description('Cancel a remote batch, or every batch of a jobs file that has not ended.')
    .argument(
      '[id|jobs]',
      'a batch id (batch_...), a jobs file or its state file; default: the state file in this folder',
    )
    .option('--json', 'print one JSON document: the batch objects after the cancel')
    .addHelpText('after', CANCEL_EXAMPLES)
    .action(async (target: string | undefined, _opts: unknown, self: Command) => {
      const flags = self.optsWithGlobals<JsonFlag>();
      const inspect = await import('../../batch/remote/inspect.js');
      const resolved = await inspect.resolveTarget(target, 'cancel');
      const looked = await connected(rt, flags, async (conn) =>
        inspect.cancelAll(conn, await inspect.lookUp(conn, resolved)),
      );
      printBatches(rt, inspect, looked, flags.json, 'state' in resolved ? resolved.state.jobs_file : undefined);
    });
  const list = new BatchSubcommand('list')
    .summary('list the recent batches of the account')
    .description('List the batches of the account, newest first.')
    .addOption(new Option('--limit <n>', 'at most this many batches').default(20).argParser(parseWhole('--limit')))
    .option('--json', 'print one JSON document: the batch objects')
    .addHelpText('after', LIST_EXAMPLES)
    .action(async (_opts: unknown, self: Command) => {
      const flags = self.optsWithGlobals<JsonFlag & { limit: number }>();
      if (flags.limit < 1)
        throw new (await import('../../errors.js')).UsageError(`--limit ${flags.limit} lists nothing; give 1 or more`);
      const inspect = await import('../../batch/remote/inspect.js');
      const batches = await connected(rt, flags, async (conn, say) => {
        const found = await inspect.recentBatches(conn, flags.limit);
        if (!found.length && !flags.json) say.info('no batches on the server');
        return found;
      });
      if (flags.json) return void rt.stdout.write(`${JSON.stringify({ batches }, null, 2)}\n`);
      if (!batches.length) return;
      const rows = [
        ['ID', 'STATUS', 'ENDPOINT', 'REQUESTS', 'RESULTS', 'CREATED', 'JOBS'],
        ...batches.map((b) => [...inspect.batchRow(b), String(b.metadata?.imgcli_jobs ?? '-')]),
      ];
      rt.stdout.write(inspect.table(rows));
    });
  return [status, cancel, list];
}

type Inspect = typeof import('../../batch/remote/inspect.js');

/** stdout: one row per batch (and why each that did not finish ended), or the --json document. */
function printBatches(
  rt: Runtime,
  inspect: Inspect,
  looked: Awaited<ReturnType<Inspect['lookUp']>>,
  json: boolean | undefined,
  jobsFile: string | undefined,
): void {
  if (json) {
    const batches = looked.map((l) => ({
      ...(l.batch ?? { id: null, status: 'not submitted' }),
      ...(l.part
        ? {
            imgcli: {
              part: l.part.n,
              jobs: l.part.custom_ids.length,
              collected: Boolean(l.part.collected),
              ...(jobsFile ? { jobs_file: jobsFile } : {}),
            },
          }
        : {}),
    }));
    rt.stdout.write(`${JSON.stringify({ batches }, null, 2)}\n`);
    return;
  }
  const rows: string[][] = [['BATCH', 'STATUS', 'ENDPOINT', 'REQUESTS', 'RESULTS', 'CREATED']];
  const notes: string[] = [];
  for (const { batch, part } of looked) {
    if (!batch) {
      rows.push([`(part ${part!.n})`, 'not submitted', part!.endpoint, `0/${part!.custom_ids.length}`, '-', '-']);
      continue;
    }
    rows.push(inspect.batchRow(batch, part?.custom_ids.length));
    const why = inspect.whyEnded(batch);
    if (why) notes.push(`${batch.id}: ${why}`);
  }
  // A job sent again (--resubmit) is in two batches and counts once.
  const jobs = new Set(looked.flatMap((l) => l.part?.custom_ids ?? [])).size;
  const head = jobsFile
    ? `${jobsFile}: ${looked.length} batch${looked.length === 1 ? '' : 'es'}, ${jobs} job${jobs === 1 ? '' : 's'}\n`
    : '';
  rt.stdout.write(head + inspect.table(rows) + notes.map((n) => `${n}\n`).join(''));
  const uncollected = looked.filter((l) => l.part && !l.part.collected && l.batch && inspect.ENDED.has(l.batch.status));
  if (uncollected.length && jobsFile)
    rt.stderr.write(
      `run \`imgcli batch ${jobsFile} --remote\` to write the results of ${uncollected.map((l) => l.batch!.id).join(', ')}\n`,
    );
}

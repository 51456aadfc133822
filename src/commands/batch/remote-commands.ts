// The remote half of `imgcli batch`, declared: --poll-interval's parser, and the subcommands that
// look at batches on the server: `batch status [id|jobs.jsonl]`, `batch cancel [id|jobs.jsonl]`
// and `batch list`, each with --json. Their runs are in run.ts, the work in src/batch/remote/inspect.ts.
import { Command, InvalidArgumentError, Option } from 'commander';
import { helpText } from '../shared/help-text.js';
import { parseWhole } from '../shared/image-options.js';

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 3600)
    throw new InvalidArgumentError('--poll-interval takes seconds, more than 0 and at most 3600, e.g. 5 or 0.5.');
  return n;
}

/** The longest wait between two looks at a remote batch (polls start quicker); offline batches end in seconds. */
export const POLL_SECONDS = { real: 5, offline: 0.5 };

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

export function remoteCommands(): Command[] {
  const status = new BatchSubcommand('status')
    .summary('show the batches of a jobs file (or a batch id) as the server sees them')
    .description('Show a remote batch, or every batch of a jobs file, as the server sees them now.')
    .argument(
      '[id|jobs]',
      'a batch id (batch_...), a jobs file or its state file; default: the state file in this folder',
    )
    .option('--json', 'print one JSON document: the batch objects')
    .addHelpText('after', helpText(STATUS_EXAMPLES));
  const cancel = new BatchSubcommand('cancel')
    .summary('cancel the batches of a jobs file (or a batch id) that have not ended')
    .description('Cancel a remote batch, or every batch of a jobs file that has not ended.')
    .argument(
      '[id|jobs]',
      'a batch id (batch_...), a jobs file or its state file; default: the state file in this folder',
    )
    .option('--json', 'print one JSON document: the batch objects after the cancel')
    .addHelpText('after', helpText(CANCEL_EXAMPLES));
  const list = new BatchSubcommand('list')
    .summary('list the recent batches of the account')
    .description('List the batches of the account, newest first.')
    .addOption(new Option('--limit <n>', 'at most this many batches').default(20).argParser(parseWhole('--limit')))
    .option('--json', 'print one JSON document: the batch objects')
    .addHelpText('after', helpText(LIST_EXAMPLES));
  return [status, cancel, list];
}

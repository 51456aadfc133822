// `imgcli batch status|cancel|list`, run: the batches of a jobs file (or an id, or the account)
// looked up on the configured server and printed as a table or one --json document.
import type { GlobalFlags } from '../../config/settings.js';
import {
  ENDED,
  batchRow,
  cancelAll,
  lookUp,
  recentBatches,
  resolveTarget,
  whyEnded,
  type Looked,
  type Target,
} from '../../batch/remote/inspect.js';
import { UsageError } from '../../errors.js';
import { printable } from '../../terminal/printable.js';
import { table } from '../../terminal/table.js';
import type { Runtime } from '../../runtime.js';
import type { Context, Handler } from '../shared/context.js';

type JsonFlag = GlobalFlags & { json?: boolean };

/** The server's connection, with a word when --mock starts an offline server that has no batches to show. */
async function connected(ctx: Context) {
  const [settings, say] = [await ctx.settings(), await ctx.messenger()];
  if (settings.mock)
    say.warn(
      '--mock: the offline server started for this command has no batches (those of a --mock run end with it); run `imgcli mock-server` and point --base-url at it to keep them.',
    );
  return ctx.connection();
}

const jobsFileOf = (target: Target) => ('state' in target ? target.state.jobs_file : undefined);

export const batchStatus: Handler = async (ctx, { args }) => {
  const target = await resolveTarget(args[0] as string | undefined, 'status');
  const looked = await lookUp(await connected(ctx), target);
  printBatches(ctx.rt, looked, ctx.flags<JsonFlag>().json, jobsFileOf(target));
};

export const batchCancel: Handler = async (ctx, { args }) => {
  const target = await resolveTarget(args[0] as string | undefined, 'cancel');
  const conn = await connected(ctx);
  const looked = await cancelAll(conn, await lookUp(conn, target));
  printBatches(ctx.rt, looked, ctx.flags<JsonFlag>().json, jobsFileOf(target));
};

export const batchList: Handler = async (ctx) => {
  const flags = ctx.flags<{ json?: boolean; limit: number }>();
  if (flags.limit < 1) throw new UsageError(`--limit ${flags.limit} lists nothing; give 1 or more`);
  const batches = await recentBatches(await connected(ctx), flags.limit);
  if (!batches.length && !flags.json) (await ctx.messenger()).info('no batches on the server');
  if (flags.json) return void ctx.rt.stdout.write(`${JSON.stringify({ batches }, null, 2)}\n`);
  if (!batches.length) return;
  const rows = [
    ['ID', 'STATUS', 'ENDPOINT', 'REQUESTS', 'RESULTS', 'CREATED', 'JOBS'],
    ...batches.map((b) => [...batchRow(b), String(b.metadata?.imgcli_jobs ?? '-')]),
  ];
  ctx.rt.stdout.write(table(rows));
};

/** stdout: one row per batch (and why each that did not finish ended), or the --json document. */
function printBatches(rt: Runtime, looked: Looked[], json: boolean | undefined, jobsFile: string | undefined): void {
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
    rows.push(batchRow(batch, part?.custom_ids.length));
    const why = whyEnded(batch);
    if (why) notes.push(`${batch.id}: ${why}`);
  }
  // A job sent again (--resubmit) is in two batches and counts once.
  const jobs = new Set(looked.flatMap((l) => l.part?.custom_ids ?? [])).size;
  const head = jobsFile
    ? `${printable(jobsFile)}: ${looked.length} batch${looked.length === 1 ? '' : 'es'}, ${jobs} job${jobs === 1 ? '' : 's'}\n`
    : '';
  rt.stdout.write(head + table(rows) + notes.map((n) => `${printable(n)}\n`).join(''));
  const uncollected = looked.filter((l) => l.part && !l.part.collected && l.batch && ENDED.has(l.batch.status));
  if (uncollected.length && jobsFile)
    rt.stderr.write(
      `run \`imgcli batch ${printable(jobsFile)} --remote\` to write the results of ${uncollected.map((l) => l.batch!.id).join(', ')}\n`,
    );
}

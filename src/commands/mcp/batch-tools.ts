// What the remote batch tools add to their command's run: batch_submit holds the batch's estimate
// against the budget before anything is sent and counts what it cost; batch_status with collect
// attaches to batches already submitted (never submits). And how a command's stdout becomes an answer.
import { stat } from 'node:fs/promises';
import { STATE_SUFFIX, loadState, statePathFor } from '../../batch/remote/state.js';
import { UsageError } from '../../errors.js';
import { atBatchPrice, estimateRequestCost } from '../../models/prices.js';
import { resolveModel } from '../../models/table.js';
import type { Budget } from './budget.js';
import { parse, runHandler, type CallScope } from './call.js';
import type { ToolRow } from './tools.js';

export interface SubmitRun {
  row: ToolRow;
  parsed: Awaited<ReturnType<typeof parse>>;
  /** The command line the call runs (batch <jobs> --remote --no-wait ...). */
  line: string[];
  scope: CallScope;
  budget: Budget;
  /** max_cost of this call, in US dollars. */
  maxCost?: number;
  /** A scope for the jobs' dry run: its own stdout. */
  rehearsal: () => Promise<CallScope>;
}

/**
 * batch_submit: the estimate first (the jobs' dry run, at the batch price), held against the
 * budget; offline, at the real rates, so that a budget is rehearsed as it would be kept.
 */
export async function submitBatch(run: SubmitRun): Promise<Record<string, unknown>> {
  const { row, parsed, line, scope, budget, maxCost } = run;
  const offline = scope.settings.mock;
  let hold = { held: 0 };
  if (budget.maxUsd !== undefined || maxCost !== undefined || offline) {
    const rehearsal = await run.rehearsal();
    const dry = line.filter((a) => a !== '--remote' && a !== '--no-wait');
    await runHandler(row.handlers!, await parse(row.command, ['--dry-run', ...dry]), rehearsal);
    // A job whose output is up to date is not sent: it costs nothing.
    const estimates = jsonLines(rehearsal.output())
      .filter((l) => l.status !== 'up-to-date')
      .map((l) => (offline ? atRealRates(l.body) : l.estimated_cost_usd));
    const known = estimates.every((e) => typeof e === 'number');
    // The jobs' dry run prices direct calls: a batch costs half.
    const total = known ? atBatchPrice(estimates.reduce((a: number, e) => a + (e as number), 0)) : undefined;
    hold = budget.reserve(total, maxCost, 'this batch (at the batch price, half the direct one)');
  }
  const statePath = statePathFor(String(parsed.params[0]));
  const before = await createsSent(statePath);
  try {
    await runHandler(row.handlers!, parsed, scope);
  } catch (err) {
    // A create this call sent (cancelled or failed after it) may have made a batch that runs, and
    // bills: its estimate stays counted. Only a call that never sent one is released.
    budget.settle(hold, (await createsSent(statePath)) > before ? hold.held : 0);
    throw err;
  }
  // A submitted batch is billed as it runs: what its collected lines cost counts as spent (offline,
  // where nothing is billed, its estimate at the real rates), else its estimate.
  const doc = outputDocument(scope.output());
  const lines = Array.isArray(doc.lines) ? (doc.lines as Array<Record<string, unknown>>) : [];
  const costs = lines.map((l) => l.cost_usd).filter((c): c is number => typeof c === 'number');
  budget.settle(hold, costs.length && !offline ? costs.reduce((a, c) => a + c, 0) : hold.held);
  // --no-wait prints the batch ids, one a line.
  const { output, ...rest } = doc;
  const ids = typeof output === 'string' ? output.split('\n').filter((l) => /^batch_\w+$/.test(l)) : [];
  const answer = ids.length
    ? {
        ...rest,
        batch_ids: ids,
        next_step: `batch_status with jobs ${JSON.stringify(parsed.params[0])} tells how far they are; with collect: true it writes the images once they end.`,
      }
    : doc;
  return { ...answer, ...scope.say.said(), budget: budget.state() };
}

/** batch_status with collect: attach to the jobs file's batches and write their images. */
export async function collectBatch(
  row: ToolRow,
  args: Record<string, unknown>,
  scope: CallScope,
  dryRun: boolean,
): Promise<Record<string, unknown>> {
  if (typeof args.jobs !== 'string' || /^batch_/.test(args.jobs))
    throw new UsageError('collect needs jobs: the jobs file the batches were submitted for');
  // Attaching to a jobs file with no batch would submit one: that is batch_submit's, with its budget.
  if (!(await stat(`${args.jobs}${STATE_SUFFIX}`).catch(() => undefined)))
    throw new UsageError(
      `${args.jobs} has no remote batch yet (no ${args.jobs}${STATE_SUFFIX})`,
      'Submit it with the batch_submit tool first.',
    );
  const line = ['--remote', '--', args.jobs];
  const parsed = await parse(row.command, line);
  if (dryRun) return { dry_run: true, command: `imgcli batch ${line.join(' ')}`, estimated_cost_usd: 0 };
  await runHandler(row.handlers!, parsed, scope);
  return { ...outputDocument(scope.output()), ...scope.say.said() };
}

/** How many parts of a jobs file's batch state had their create sent (a batch made, or maybe made). */
async function createsSent(statePath: string): Promise<number> {
  const state = await loadState(statePath).catch(() => undefined);
  return state?.parts.filter((p) => p.create_sent || p.batch_id).length ?? 0;
}

/** A request body's cost as a direct call at the real rates (the offline dry run says 0). */
function atRealRates(body: unknown): number | undefined {
  const fields = body as Record<string, unknown> | undefined;
  if (!fields || typeof fields.model !== 'string') return undefined;
  return estimateRequestCost(resolveModel(fields.model), fields);
}

/** A command's stdout as the answer: its JSON document, its JSON lines, or its text. */
export function outputDocument(text: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (!trimmed) return {};
  try {
    const doc = JSON.parse(trimmed) as unknown;
    return Array.isArray(doc) ? { entries: doc } : (doc as Record<string, unknown>);
  } catch {
    const lines = jsonLines(trimmed);
    return lines.length ? { lines } : { output: trimmed };
  }
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line that is not JSON: a batch id, a path
    }
  }
  return out;
}

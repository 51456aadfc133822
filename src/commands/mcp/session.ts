// One server session: the settings and connection resolved once (for --mock, one offline server
// for the whole session), the root, the budget, and the calls: each runs as its command would (a
// context of its own, call.ts) with its own abort signal, which the client's cancel notification
// trips as Ctrl-C trips the CLI's. A call with wait: false runs on as a job that `status` answers.
import type { GlobalFlags, Settings } from '../../config/settings.js';
import { InterruptedError, UsageError } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import type { Messenger } from '../../terminal/messenger.js';
import type { Context } from '../shared/context.js';
import { collectBatch, outputDocument, submitBatch } from './batch-tools.js';
import type { Budget } from './budget.js';
import { CallMessenger, callRuntime, parse, runHandler, type CallScope } from './call.js';
import { runImageTool } from './image-tool.js';
import { checkJobsFile } from './jobs-file.js';
import { shapesText, withShapesFile } from './markup-tool.js';
import { failure, success, type ToolResult } from './results.js';
import type { Root } from './root.js';
import { commandLine } from './schema.js';
import { target } from './tool-schema.js';
import type { ToolRow } from './tools.js';

/** What a call is told while it runs: a line of progress (the server makes it a notification). */
export type Progress = (message: string) => void;

interface CallOptions {
  signal: AbortSignal;
  progress: Progress;
}

/** A call that runs on after its answer (wait: false). */
interface Job {
  id: string;
  tool: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  started: number;
  ended?: number;
  last?: string;
  result?: ToolResult;
  controller: AbortController;
  done: Promise<void>;
}

export interface SessionOptions {
  root: Root;
  budget: Budget;
  globals: GlobalFlags;
  /** The server's own messages (stderr). */
  log: Messenger;
}

export class Session {
  readonly #jobs = new Map<string, Job>();
  /** The calls under way, by what they ask: the same request is never sent twice at once. */
  readonly #running = new Map<string, string>();
  readonly #closing = new AbortController();
  #count = 0;

  constructor(
    private readonly ctx: Context,
    readonly opts: SessionOptions,
  ) {}

  get rt(): Runtime {
    return this.ctx.rt;
  }

  settings(): Promise<Settings> {
    return this.ctx.settings();
  }

  /** Runs a tool call; never throws: a failure is a tool error. */
  async call(row: ToolRow, args: Record<string, unknown>, opts: CallOptions): Promise<ToolResult> {
    const { wait = true, ...rest } = args;
    if (typeof wait !== 'boolean') return failure(new UsageError(`wait is true or false, not ${JSON.stringify(wait)}`));
    if (wait) return this.#run(row, rest, opts.signal, opts.progress);
    const id = `job-${this.#jobs.size + 1}`;
    const controller = new AbortController();
    const job: Job = {
      id,
      tool: row.name,
      status: 'running',
      started: Date.now(),
      controller,
      done: Promise.resolve(),
    };
    job.done = this.#run(row, rest, controller.signal, (line) => {
      job.last = line;
    }).then((result) => {
      job.result = result;
      job.ended = Date.now();
      job.status = controller.signal.aborted ? 'cancelled' : result.isError ? 'failed' : 'done';
    });
    this.#jobs.set(id, job);
    return success(
      {
        job_id: id,
        status: 'running',
        next_step: `Call the status tool with job_id "${id}" for the result (wait_seconds waits for it); the cancel tool stops it.`,
      },
      false,
    );
  }

  async #run(row: ToolRow, args: Record<string, unknown>, outer: AbortSignal, progress: Progress): Promise<ToolResult> {
    const key = `${row.name} ${stable(args)}`;
    const busy = this.#running.get(key);
    if (busy)
      return failure(
        new UsageError(
          `the same ${row.name} call is already running${busy.startsWith('job-') ? ` as ${busy}` : ''}; it was not sent again`,
          busy.startsWith('job-')
            ? `Ask the status tool for ${busy}.`
            : 'Wait for its answer; call with wait: false for a job id.',
        ),
      );
    const controller = new AbortController();
    const abort = () =>
      controller.abort(new InterruptedError('SIGINT', 'Cancelled by the client; nothing was left half-written.'));
    if (outer.aborted) abort();
    outer.addEventListener('abort', abort, { once: true });
    const closing = () => controller.abort(new InterruptedError('SIGTERM', 'The server is stopping.'));
    this.#closing.signal.addEventListener('abort', closing, { once: true });
    this.#running.set(key, `call-${++this.#count}`);
    const started = Date.now();
    try {
      const doc = await this.#execute(row, args, controller.signal, progress);
      const result = await success(doc, args.thumbnails !== false);
      this.opts.log.verbose(`${row.name}: ok after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return result;
    } catch (err) {
      const result = failure(err, controller.signal);
      this.opts.log.verbose(
        `${row.name}: ${String(result.structuredContent?.error && (result.structuredContent.error as { message: string }).message)}`,
      );
      if (
        !(err instanceof UsageError) &&
        !(err instanceof InterruptedError) &&
        err instanceof Error &&
        !('kind' in err)
      )
        this.opts.log.warn(`${row.name}: ${err.stack ?? err.message}`);
      return result;
    } finally {
      this.#running.delete(key);
      outer.removeEventListener('abort', abort);
      this.#closing.signal.removeEventListener('abort', closing);
    }
  }

  async #execute(
    row: ToolRow,
    input: Record<string, unknown>,
    signal: AbortSignal,
    progress: Progress,
  ): Promise<Record<string, unknown>> {
    const { thumbnails: _t, max_cost: maxCost, collect, ...args } = input;
    if (maxCost !== undefined && (typeof maxCost !== 'number' || !(maxCost > 0)))
      throw new UsageError(`max_cost takes an amount in US dollars greater than 0, not ${JSON.stringify(maxCost)}`);
    const cmd = target(row);
    // A command without --dry-run of its own (mask, info) takes the server's: the checks, and what would run.
    const ownDryRun = cmd.options.some((o) => o.long === '--dry-run');
    // markup's shapes go to its command as the file --file reads (markup-tool.ts).
    let shapes: string | undefined;
    if (row.name === 'markup' && args.shapes !== undefined) {
      if (args.file !== undefined)
        throw new UsageError('the markup tool takes shapes or file, not both', 'Put every shape in one of them.');
      shapes = shapesText(args.shapes);
      delete args.shapes;
    }
    const { dry_run: dryRun, ...rest } = args;
    const cliArgs = ownDryRun ? args : rest;
    const argv = commandLine(cmd, row.rules, cliArgs, row.name);
    const scope = await this.#scope(signal);
    if (row.image) {
      const parsed = await parse(row.command, [...(row.path ?? []), ...argv]);
      return runImageTool({
        command: row.image,
        parsed,
        scope,
        root: this.opts.root,
        budget: this.opts.budget,
        callMax: maxCost as number | undefined,
        progress,
      });
    }
    await this.#checkPaths(row, cliArgs);
    if (collect === true) return collectBatch(row, rest, scope, dryRun === true);
    // Offline, a batch lives on the session's offline server, which --no-wait could outlive in the
    // state file: batch_submit waits for it there (offline batches end in a second or two).
    const fixed = (row.fixed ?? []).filter((f) => !(f === '--no-wait' && scope.settings.mock));
    const line = [...(row.path ?? []), ...fixed, ...argv];
    const run = async (line: string[]) => {
      if (dryRun === true && !ownDryRun) {
        await parse(row.command, line);
        return { dry_run: true, command: `imgcli ${[row.command().name(), ...line].join(' ')}`, estimated_cost_usd: 0 };
      }
      const parsed = await parse(row.command, line);
      if (row.name === 'batch_submit' && dryRun !== true)
        return submitBatch({
          row,
          parsed,
          line,
          scope,
          budget: this.opts.budget,
          maxCost: maxCost as number | undefined,
          rehearsal: () => this.#scope(signal),
        });
      await runHandler(row.handlers!, parsed, scope);
      return { ...outputDocument(scope.output()), ...scope.say.said() };
    };
    if (shapes === undefined) return run(line);
    if (dryRun === true) return run([...line, '--file=<the shapes>']);
    return withShapesFile(shapes, (path) => run([...line, `--file=${path}`]));
  }

  /** Every property that names a file is held to the root; a jobs file's own paths too. */
  async #checkPaths(row: ToolRow, args: Record<string, unknown>): Promise<void> {
    const { root } = this.opts;
    for (const kind of ['read', 'write', 'images'] as const)
      for (const name of row.paths?.[kind] ?? []) {
        const value = args[name];
        const paths = Array.isArray(value) ? value : value === undefined ? [] : [value];
        for (const [i, path] of paths.entries()) {
          if (typeof path !== 'string') continue;
          // A batch id is the server's, not a file.
          if (row.name === 'batch_status' && /^batch_/.test(path)) continue;
          const use = kind === 'images' ? { kind: 'write' as const, image: true } : { kind };
          await root.check(path, { name: Array.isArray(value) ? `${name}[${i}]` : name, ...use });
        }
      }
    if (!row.name.startsWith('batch_') || typeof args.jobs !== 'string' || /^batch_/.test(args.jobs)) return;
    await checkJobsFile(args.jobs, root);
    // Jobs without "out" go to -o, else to the config's out-dir, else to the root.
    const outDir = (await this.settings()).defaults.outDir;
    if (args.out === undefined && outDir !== undefined)
      await root.check(outDir, { name: 'the config out-dir', kind: 'write' });
  }

  async #scope(signal: AbortSignal): Promise<CallScope> {
    const { rt, output } = callRuntime(this.rt, signal);
    const base = await this.ctx.settings();
    // The session's one offline server keeps the batches of its --mock calls for batch_status.
    const settings = { ...base, quiet: true, offlineKept: base.mock };
    const connect = async () => ({ ...(await this.ctx.connection()), signal });
    return { rt, globals: this.opts.globals, settings, say: new CallMessenger(this.opts.log), connect, output };
  }

  /** The status tool: one job (waiting for it up to wait_seconds), or every job and the budget. */
  async status(jobId: string | undefined, waitSeconds: number): Promise<ToolResult> {
    if (jobId === undefined)
      return success(
        {
          jobs: [...this.#jobs.values()].map((j) => describe(j)),
          budget: this.opts.budget.state(),
          root: this.opts.root.dir,
        },
        false,
      );
    const job = this.#job(jobId);
    if (job.status === 'running' && waitSeconds > 0)
      await Promise.race([job.done, new Promise((r) => setTimeout(r, waitSeconds * 1000).unref())]);
    if (job.status === 'running' || !job.result) return success(describe(job), false);
    const structured = { ...describe(job), result: job.result.structuredContent };
    return {
      ...job.result,
      content: [{ type: 'text', text: JSON.stringify(structured, null, 2) }, ...job.result.content.slice(1)],
      structuredContent: structured,
    };
  }

  /** The cancel tool: stops a job as Ctrl-C would. */
  async cancel(jobId: string): Promise<ToolResult> {
    const job = this.#job(jobId);
    if (job.status === 'running')
      job.controller.abort(new InterruptedError('SIGINT', 'Cancelled by the client; nothing was left half-written.'));
    return success({ ...describe(job), status: job.status === 'running' ? 'cancelling' : job.status }, false);
  }

  #job(id: string): Job {
    const job = this.#jobs.get(id);
    if (!job)
      throw new UsageError(
        `no job ${JSON.stringify(id)} in this session`,
        this.#jobs.size ? `Its jobs: ${[...this.#jobs.keys()].join(', ')}.` : 'A call with wait: false makes one.',
      );
    return job;
  }

  /** Waits for the jobs under way to end, unless the run is interrupted. */
  async drain(): Promise<void> {
    const running = [...this.#jobs.values()].map((j) => j.done);
    if (running.length && !this.rt.signal.aborted)
      await Promise.race([
        Promise.all(running),
        new Promise((resolve) => this.rt.signal.addEventListener('abort', resolve, { once: true })),
      ]);
  }

  /** Stops every call and job (SIGINT, SIGTERM): each cleans up as Ctrl-C makes it. */
  async close(): Promise<void> {
    this.#closing.abort();
    for (const job of this.#jobs.values())
      job.controller.abort(new InterruptedError('SIGTERM', 'The server is stopping.'));
    await Promise.all([...this.#jobs.values()].map((j) => j.done));
  }
}

function describe(job: Job): Record<string, unknown> {
  const seconds = ((job.ended ?? Date.now()) - job.started) / 1000;
  return {
    job_id: job.id,
    tool: job.tool,
    status: job.status,
    elapsed_s: Math.round(seconds * 10) / 10,
    ...(job.last ? { progress: job.last } : {}),
  };
}

/** The same arguments in any key order give the same text. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

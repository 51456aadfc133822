// The gen, edit and vary tools: the flags commander parsed from the call, then the one pipeline the
// CLI runs (pipeline/build.ts buildJob, pipeline/run.ts runImages), so a request is checked, sent,
// retried and saved exactly as `imgcli gen` does it. Around it, what only the server adds: paths
// held to the root (the outputs as planned, a config out-dir included), the session's budget, and
// progress for each image as it arrives.
import type { Command } from 'commander';
import { ApiError } from '../../api/errors.js';
import type { Connection } from '../../api/http.js';
import { UsageError } from '../../errors.js';
import { estimateRequestCost } from '../../models/prices.js';
import type { OutputPlan } from '../../output/naming.js';
import { resultDocument } from '../../output/report.js';
import { buildJob, type JobFlags, type JobRequest } from '../../pipeline/build.js';
import { withListedModel } from '../../pipeline/listed-model.js';
import { jobParams, runImages, type Connect, type ImageJob } from '../../pipeline/run.js';
import type { Previewer } from '../../terminal/previewer.js';
import { readSource } from '../../upload/json-edit.js';
import type { Budget } from './budget.js';
import type { CallScope } from './call.js';
import type { Root } from './root.js';

export interface ImageToolRun {
  command: JobRequest['command'];
  parsed: { command: Command; params: unknown[] };
  scope: CallScope;
  root: Root;
  budget: Budget;
  /** max_cost of this call, in US dollars. */
  callMax?: number;
  /** A line of progress for the client (each streamed partial, each image saved). */
  progress: (message: string) => void;
}

/** The input images an image command names: edit's list, vary's one, none for gen. */
function inputsOf(command: JobRequest['command'], params: unknown[]): string[] {
  if (command === 'gen') return [];
  const given = params[0];
  return Array.isArray(given) ? (given as string[]) : [given as string];
}

/** Local files among inputs (URLs and file ids are the server's to fetch) must be readable here. */
async function checkPaths(run: ImageToolRun, flags: JobFlags, images: string[]): Promise<void> {
  const { root } = run;
  if (flags.out !== undefined) await root.check(flags.out, { name: 'out', kind: 'write', image: true });
  const named: Array<[string, string | undefined]> = [
    ...images.map((p, i): [string, string] => [run.command === 'edit' ? `images[${i}]` : 'image', p]),
    ['mask', flags.mask],
    ['mask_from', flags.maskFrom],
    ['markup', flags.markup],
  ];
  for (const [name, value] of named) {
    if (value === undefined) continue;
    const source = readSource(value, name);
    if (source.kind === 'path') await root.check(value, { name, kind: 'read' });
  }
}

/** Where the job will write, as planned (a config out-dir, generated names): under the root, or refused. */
async function checkPlan(plan: OutputPlan, root: Root): Promise<void> {
  if (plan.kind === 'stdout')
    throw new UsageError('out "-": stdout carries the protocol here', 'Name a file under the root.');
  const paths = plan.kind === 'files' ? plan.paths : [`${plan.dir}/x`];
  for (const path of paths) await root.check(path, { name: 'the output', kind: 'write' });
}

/** Progress for each image as it arrives: the watcher the pipeline tells in place of --preview. */
function watcher(progress: (message: string) => void): Previewer {
  let partials = 0;
  let finals = 0;
  return {
    show: async (_image, kind) => {
      if (kind === 'partial') progress(`partial image ${++partials} received`);
      else progress(`image ${++finals} saved`);
    },
    showFile: async () => progress(`image ${++finals} saved`),
  };
}

/**
 * The connection a call sends on, telling when an attempt starts: from then on the server may have
 * received the request, whatever ends the call (a cancellation, the client's abort, a failure while
 * saving). Each attempt starts once the connection's pacing lets it, so that is where it is marked.
 */
function watchSending(connect: Connect): { connect: Connect; sent: () => boolean } {
  let sent = false;
  return {
    sent: () => sent,
    connect: async () => {
      const conn = await connect();
      const pacing = conn.governor;
      return {
        ...conn,
        governor: {
          acquire: async (signal: AbortSignal) => {
            await pacing?.acquire(signal);
            sent = true;
          },
          observe: (...args: Parameters<NonNullable<Connection['governor']>['observe']>) => pacing?.observe(...args),
        },
      };
    },
  };
}

/**
 * Whether a failed request may still have been billed: once it may have left, anything but the
 * server's refusal or a connection that was never made (a cancellation keeps it counted, as Ctrl-C
 * cannot take back what the server received).
 */
function maybeBilled(err: unknown, sent: boolean): boolean {
  if (!sent || err instanceof UsageError) return false;
  if (err instanceof ApiError) return err.kind !== 'http' && !(err.kind === 'network' && err.maybeReceived === false);
  return true;
}

export async function runImageTool(run: ImageToolRun): Promise<Record<string, unknown>> {
  const { scope, command } = run;
  const flags = run.parsed.command.opts<JobFlags & { model?: string }>();
  // A dry run describes the request as one JSON document, as --dry-run --json does.
  flags.json = Boolean(flags.dryRun);
  const images = inputsOf(command, run.parsed.params);
  await checkPaths(run, flags, images);
  const given = flags.model !== undefined;
  const base = {
    ...scope.settings,
    model: flags.model ?? scope.settings.model,
    sources: { ...scope.settings.sources, model: given ? ('flag' as const) : scope.settings.sources.model },
  };
  const settings = await withListedModel(base, scope.connect, scope.say);
  const words = command === 'gen' ? [String(run.parsed.params[0] ?? '')] : undefined;
  // The CLI's words for an empty prompt offer - and @file, which read nothing here.
  const prompt = command === 'gen' ? words![0]! : command === 'edit' ? flags.prompt : undefined;
  if (prompt !== undefined && !prompt.trim())
    throw new UsageError(
      'the prompt is empty; give the text itself (here - and @file are text, never read)',
      'Give prompt the words themselves.',
    );
  // The prompt is the text given: never stdin (the protocol) or an @file.
  const job: ImageJob = await buildJob(
    { command, words, images, flags, literal: true },
    { rt: scope.rt, settings, say: scope.say, stdin: false },
  );
  await checkPlan(job.plan, run.root);
  const { connect, sent } = watchSending(scope.connect);
  if (job.dryRun) {
    await runImages(scope.rt, settings, job, scope.say, connect);
    return { ...JSON.parse(scope.output()), ...scope.say.said() };
  }
  const params = jobParams(job);
  const estimate =
    settings.pricePerImage !== undefined
      ? settings.pricePerImage * (typeof params.n === 'number' ? params.n : 1)
      : estimateRequestCost(job.model, params);
  const hold = run.budget.reserve(estimate, run.callMax, `this ${command} request (${job.model.name})`);
  job.watch = watcher(run.progress);
  try {
    const result = await runImages(scope.rt, settings, job, scope.say, connect);
    const cost = result?.upToDate ? 0 : (result?.cost?.offline?.at_rates_usd ?? result?.cost?.usd ?? estimate);
    run.budget.settle(hold, cost);
    // Nothing written: the first failure is the answer, as the CLI's exit code would be.
    if (result && result.files.length === 0 && result.failed.length) throw result.failed[0]!.error;
    return {
      ...resultDocument(result!),
      ...(result?.upToDate ? { up_to_date: true } : {}),
      ...scope.say.said(),
      budget: run.budget.state(),
    };
  } catch (err) {
    if (hold.held) run.budget.settle(hold, maybeBilled(err, sent()) ? estimate : 0);
    throw err;
  }
}

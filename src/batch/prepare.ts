// A batch's first pass, for the local and the remote run alike: every line of the jobs file turned
// into the typed flags of the command it names and built by the same builder (pipeline/build.ts),
// so a job means exactly what those flags mean typed by hand; nothing is sent. Outputs that two
// jobs would write are refused here.
import type { Settings } from '../config/settings.js';
import { UsageError, linesOf } from '../errors.js';
import { FlagValueError, fieldByName, readField } from '../models/fields.js';
import { buildJob, type JobContext, type JobFlags } from '../pipeline/build.js';
import { parseParam, type Param } from '../pipeline/params.js';
import type { ImageJob } from '../pipeline/run.js';
import type { Runtime } from '../runtime.js';
import { createMessenger, type Messenger } from '../terminal/messenger.js';
import { chainOf, declaredOutputs, localInputs } from './chain.js';
import { batchFilesOf } from './remote/state.js';
import { isDirectory } from '../output/disk.js';
import { endsInSeparator, landingKey } from '../output/naming.js';
import { JOB_KEYS, badLinesError, type Problem, type RawJob } from './parse.js';

/** What preparing reads of the batch's options. */
export interface PrepareOptions {
  /** The jobs file (absent for stdin): no job may write over it or the files a remote batch keeps beside it. */
  jobsFile?: string;
  /** The batch command's own flags that are defaults for every job (camelCase names). */
  defaults: Record<string, unknown>;
  settings: Settings;
  color: boolean;
}

export interface Prepared {
  raw: RawJob;
  /** Provisional (job.provisional) while `after` has not run: its inputs are their outputs. */
  job: ImageJob;
  settings: Settings;
  /** The job's stderr lines: held while every job is validated, then passed on with its line number. */
  log: JobLog;
  /** The jobs whose outputs this one reads (chain.ts): it starts once they are done. */
  after: Prepared[];
  /** Builds the job for real, once the files `after` makes exist. */
  rebuild?: () => Promise<ImageJob>;
}

/** A job's stderr, one line at a time: kept until the run starts, then forwarded. */
export class JobLog {
  lines: string[] = [];
  forward?: (line: string) => void;
  write(text: string): void {
    for (const line of text.split('\n')) if (line.trim()) this.forward ? this.forward(line) : this.lines.push(line);
  }
}

const FITS = ['contain', 'cover'];
const asList = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A job's keys as typed flags, read by the same readers as the command line; throws with the key named. */
function typedFlags(
  raw: RawJob,
  defaults: Record<string, unknown>,
): { flags: JobFlags; words?: string[]; images: string[]; model?: string } {
  // A default only reaches the commands that have that option (vary has no --quality).
  const applicable = Object.fromEntries(Object.entries(defaults).filter(([k]) => JOB_KEYS[raw.command].includes(k)));
  const { prompt, image, images, model, ...rest } = { ...applicable, ...raw.flags };
  const flags: JobFlags = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || value === null) continue;
    const field = fieldByName(key);
    if (field) (flags as Record<string, unknown>)[key] = readField(field, value);
    else if (key === 'param') flags.param = readParams(value);
    else if (key === 'fit') {
      if (!FITS.includes(String(value)))
        throw new UsageError(`"fit" is ${JSON.stringify(value)}; use contain or cover`);
      flags.fit = value as JobFlags['fit'];
    } else if (key === 'metadata') flags.metadata = value !== false;
    else if (key === 'rawSvg') {
      if (typeof value !== 'boolean') throw new UsageError(`"raw_svg" is ${JSON.stringify(value)}; use true or false`);
      flags.rawSvg = value;
    } else if (typeof value !== 'string')
      throw new UsageError(`"${key}" takes text (a path), not ${JSON.stringify(value)}`);
    else (flags as Record<string, unknown>)[key] = value;
  }
  const files = [...asList(image), ...asList(images)].map(String);
  if (raw.command === 'gen')
    return {
      flags,
      words: prompt === undefined ? [] : [String(prompt)],
      images: [],
      model: model as string | undefined,
    };
  if (prompt !== undefined) flags.prompt = String(prompt);
  if (files.length === 0) throw new UsageError(`"images" is missing: an ${raw.command} job needs an image`);
  if (raw.command === 'vary' && files.length > 1)
    throw new UsageError(`a vary job takes one image, not ${files.length}`);
  return { flags, images: files, model: model as string | undefined };
}

/** "param": {"seed": 42} or ["seed=42"]: the same pairs --param makes; object values are sent as given. */
function readParams(value: unknown): Param[] {
  if (Array.isArray(value)) return value.reduce<Param[]>((all, v) => parseParam(String(v), all), []);
  if (value && typeof value === 'object') return Object.entries(value as Record<string, unknown>);
  return parseParam(String(value));
}

/** Whether a job's "out" is a folder, as the output plan decides it (output/naming.ts). */
async function namesFolder(out: string): Promise<boolean> {
  return endsInSeparator(out) || (await isDirectory(out));
}

/** How batch --remote shapes each job before it is built (batch/remote/run.ts); the local batch has none. */
export interface JobShaping {
  /** Adjusts the job's typed flags, or returns why it cannot go this way (reported with its line). */
  shape(raw: RawJob, flags: JobFlags, model: string): string | undefined;
  context?: Pick<JobContext, 'deferInputs'>;
}

/** A line read into typed flags, before it is built. */
interface Shaped {
  raw: RawJob;
  log: JobLog;
  flags: JobFlags;
  words?: string[];
  images: string[];
  settings: Settings;
  say: Messenger;
  isFolder: boolean;
}

/** The files no job may write over: the jobs file and what a remote batch keeps beside it, by where they land. */
function guardedFiles(jobsFile: string | undefined): Map<string, string> {
  if (jobsFile === undefined) return new Map();
  const files = [{ path: jobsFile, what: 'the jobs file' }, ...batchFilesOf(jobsFile)];
  return new Map(files.map((f) => [landingKey(f.path), `${f.what} (${f.path})`]));
}

/**
 * Pass 1: every line through its command's builder; nothing is sent. Lines come back in the
 * order they can run: a job that reads another's output after it (chain.ts), built provisionally
 * (its inputs do not exist yet) with `rebuild` to build it for real once they do.
 */
export async function prepare(
  rt: Runtime,
  jobs: RawJob[],
  problems: Problem[],
  opts: PrepareOptions,
  shaping?: JobShaping,
): Promise<Prepared[]> {
  const total = jobs.length + problems.length;
  const shaped = new Map<number, Shaped>();
  const refuse = (line: number, err: unknown) => {
    if (rt.signal.aborted) throw err;
    if (!(err instanceof UsageError) && !(err instanceof FlagValueError)) throw err;
    problems.push({ line, message: linesOf(err) });
  };
  for (const raw of jobs) {
    try {
      const line = await shape(raw, opts, shaping);
      if (typeof line === 'string') problems.push({ line: raw.line, message: line });
      else shaped.set(raw.line, line);
    } catch (err) {
      refuse(raw.line, err);
    }
  }
  const chain = chainOf(
    [...shaped.values()].map((s) => ({
      line: s.raw.line,
      inputs: localInputs(s.images, s.flags),
      outputs: declaredOutputs(s.flags, s.isFolder),
    })),
    landingKey,
  );
  problems.push(...chain.problems);
  const guarded = guardedFiles(opts.jobsFile);
  const outputs = new Map<string, { line: number; path: string }>();
  const built = new Map<number, Prepared>();
  for (const n of chain.order) {
    const s = shaped.get(n)!;
    try {
      const after = (chain.after.get(n) ?? []).map((line) => built.get(line)).filter((p) => p !== undefined);
      const build = (inputsLater: boolean) =>
        buildJob(
          { command: s.raw.command, words: s.words, images: s.images, flags: s.flags },
          { rt, settings: s.settings, say: s.say, stdin: false, ...shaping?.context, inputsLater },
        );
      const job = await build(after.length > 0);
      const plan = job.plan;
      for (const path of plan.kind === 'files' ? plan.paths : []) {
        // Compared by where they land: a.png, ./a.png, sub/../a.png and /abs/a.png are one file.
        const key = landingKey(path);
        const own = guarded.get(key);
        if (own) throw new UsageError(`"out" ${path} is ${own}: a job's image must not replace it`);
        const other = outputs.get(key);
        if (other)
          throw new UsageError(
            `${path} is also written by line ${other.line}${other.path !== path ? ` (as ${other.path})` : ''}`,
          );
        outputs.set(key, { line: n, path });
      }
      const p: Prepared = { raw: s.raw, job, settings: s.settings, log: s.log, after };
      if (after.length) p.rebuild = () => build(false);
      built.set(n, p);
    } catch (err) {
      refuse(n, err);
    }
  }
  if (problems.length) throw badLinesError(problems, total);
  return chain.order.map((n) => built.get(n)!);
}

/** A line's typed flags and the settings it runs with, or why the run shapes it away (--remote). */
async function shape(raw: RawJob, opts: PrepareOptions, shaping?: JobShaping): Promise<Shaped | string> {
  if (raw.flags.out === '-') throw new UsageError('"out": "-" would mix image bytes into the JSON lines on stdout');
  const { flags, words, images, model } = typedFlags(raw, opts.defaults);
  const refused = shaping?.shape(raw, flags, model ?? opts.settings.model);
  if (refused) return refused;
  // A job with a fixed output is resumable: an up-to-date file is not made again. A folder
  // (`out/`, `out\\`, or one that exists) gets generated names, which cannot be checked.
  const isFolder = typeof flags.out === 'string' && (await namesFolder(flags.out));
  if (typeof flags.out === 'string' && flags.metadata !== false && !isFolder) flags.ifChanged = true;
  const settings: Settings = { ...opts.settings, model: model ?? opts.settings.model, quiet: true };
  const log = new JobLog();
  // Unpainted: a job's lines are printed again, after its line number, by the run's own messenger.
  const say = await createMessenger(log, { quiet: true, verbose: settings.verbose, color: false });
  return { raw, log, flags, words, images, settings, say, isFolder };
}

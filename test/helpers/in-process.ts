// Runs the command line inside the test process: the real program (cli.ts runCli) over a Runtime of
// stand-ins, with the same environment a spawned run gets (helpers/cli.ts baseEnv). What it
// returns has the shape of a spawned run's result, so a test can switch between the two; the
// harness test (in-process-harness.test.ts) checks both give the same answer for the same argv.
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli.js';
import type { Runtime } from '../../src/runtime.js';
import { baseEnv, tempDir, type RunOptions } from './cli.js';

export interface InProcessOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** What stdin holds; without it stdin is empty and not a terminal, like a spawned run's /dev/null. */
  input?: string | Buffer;
  /** Make stdout a terminal this many columns wide (it is a pipe otherwise). */
  columns?: number;
}

export interface InProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes (for -o -). */
  stdoutBytes: Buffer;
}

/** A stdout or stderr that keeps every byte written, and is not a terminal (unless given columns). */
export function captured(columns?: number) {
  const chunks: Buffer[] = [];
  const stream = {
    isTTY: columns !== undefined,
    columns,
    write(chunk: string | Uint8Array, encoding?: unknown, cb?: unknown) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
      const done = typeof encoding === 'function' ? encoding : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as (err?: Error) => void)());
      return true;
    },
    on: () => stream,
    once: () => stream,
    off: () => stream,
    removeListener: () => stream,
    emit: () => false,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, bytes: () => Buffer.concat(chunks) };
}

function stdinOf(input: string | Buffer | undefined): NodeJS.ReadStream {
  const stream = Readable.from(input === undefined ? [] : [Buffer.from(input)]) as unknown as NodeJS.ReadStream;
  stream.isTTY = false as true;
  return stream;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `imgcli ...args` in-process. Runs are serialised, because relative paths resolve against
 * the process's working folder, which each run sets to its own `cwd`.
 */
export function runInProcess(args: string[], opts: InProcessOptions = {}): Promise<InProcessResult> {
  const run = queue.then(() => runNow(args, opts));
  queue = run.catch(() => {});
  return run;
}

async function runNow(args: string[], opts: InProcessOptions): Promise<InProcessResult> {
  const cwd = opts.cwd ?? tempDir();
  const env: Record<string, string | undefined> = { ...baseEnv(cwd), ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const stdout = captured(opts.columns);
  const stderr = captured();
  const controller = new AbortController();
  const rt: Runtime = {
    signal: controller.signal,
    env,
    stdin: stdinOf(opts.input),
    stdout: stdout.stream,
    stderr: stderr.stream,
    now: () => new Date(0),
  };
  const before = process.cwd();
  const zone = process.env.TZ;
  process.chdir(cwd);
  // Local times (file names, info output) follow the run's TZ, as in a spawned run.
  process.env.TZ = env.TZ;
  let exitCode: number;
  try {
    exitCode = await runCli(rt, ['node', 'imgcli', ...args]);
  } finally {
    process.chdir(before);
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
  const out = stdout.bytes();
  const errText = stderr.bytes().toString('utf8');
  return { exitCode, stdout: out.toString('utf8'), stderr: errText, stdoutBytes: out };
}

const stripFinalNewline = (text: string) => text.replace(/\r?\n$/, '');

/**
 * A stand-in for helpers/cli.ts imgcli() that runs in-process: the same options, and a result
 * read the same way (the final newline stripped, as execa does; bytes with `binary`).
 */
export async function imgcliInProcess(args: string[], opts: RunOptions = {}) {
  const r = await runInProcess(args, { cwd: opts.cwd, env: opts.env, input: opts.input });
  if (opts.binary)
    return {
      exitCode: r.exitCode,
      stdout: r.stdoutBytes as unknown as string,
      stderr: Buffer.from(r.stderr) as unknown as string,
    };
  return { exitCode: r.exitCode, stdout: stripFinalNewline(r.stdout), stderr: stripFinalNewline(r.stderr) };
}

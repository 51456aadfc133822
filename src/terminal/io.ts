// Streams, TTY and colour detection, the spinner factory, and reading a prompt from words,
// stdin or a file. Light at import time: ora and chalk load only when used.
import { readFile } from 'node:fs/promises';
import { InterruptedError, UsageError } from '../errors.js';
import { describeFsError } from '../fs-errors.js';

/** What a command may touch of the process; built once in cli.ts, replaceable in tests. */
export interface Runtime {
  signal: AbortSignal;
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  now: () => Date;
  /** Set by imgcli batch: image commands hand their validated job here instead of sending it. */
  collectJob?: (collected: CollectedJob) => void;
}

/** A validated job with the settings and messenger it was built with (see batch). */
export interface CollectedJob {
  job: import('../jobs/run.js').ImagesJob;
  settings: import('../config/settings.js').Settings;
  say: Messenger;
}

export function isCI(env: Runtime['env']): boolean {
  return Boolean(env.CI) && env.CI !== 'false' && env.CI !== '0';
}

/** Colour on stderr: off with --no-color, NO_COLOR (any value), TERM=dumb, or when not a TTY. */
export function useColor(flagColor: boolean | undefined, rt: Pick<Runtime, 'env' | 'stderr'>): boolean {
  if (flagColor === false || rt.env.NO_COLOR !== undefined) return false;
  if (rt.env.FORCE_COLOR && rt.env.FORCE_COLOR !== '0') return true;
  return Boolean(rt.stderr.isTTY) && rt.env.TERM !== 'dumb';
}

/** Lines for stderr: notices, warnings and hints; silent under --quiet except warnings. */
export interface Messenger {
  info(line: string): void;
  warn(line: string): void;
  verbose(line: string): void;
}

export async function createMessenger(rt: Runtime, opts: { quiet?: boolean; verbose?: boolean; color: boolean }): Promise<Messenger> {
  const { Chalk } = await import('chalk');
  const paint = new Chalk({ level: opts.color ? 1 : 0 });
  return {
    info: (line) => {
      if (!opts.quiet) rt.stderr.write(`${line}\n`);
    },
    warn: (line) => rt.stderr.write(`${paint.yellow('warning:')} ${line}\n`),
    verbose: (line) => {
      if (opts.verbose) rt.stderr.write(`${paint.dim(`[imgcli] ${line}`)}\n`);
    },
  };
}

export interface Spinner {
  stop(): void;
  /** Replaces the text after the elapsed time. */
  update(text: string): void;
  /** Runs `write` (which prints to stderr) with the spinner line cleared, then redraws it below. */
  interrupt(write: () => void): void;
}

const NO_SPINNER: Spinner = { stop() {}, update() {}, interrupt: (write) => write() };

/** A spinner on stderr with elapsed seconds; only on a TTY, never under CI or --quiet. */
export async function startSpinner(rt: Runtime, text: string, opts: { quiet?: boolean }): Promise<Spinner> {
  if (opts.quiet || isCI(rt.env) || !rt.stderr.isTTY) return NO_SPINNER;
  const { default: ora } = await import('ora');
  const started = Date.now();
  let label = text;
  const render = () => `${label} ${Math.floor((Date.now() - started) / 1000)}s`;
  const spinner = ora({ text: render(), stream: rt.stderr, discardStdin: false }).start();
  const timer = setInterval(() => (spinner.text = render()), 1000);
  timer.unref();
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      spinner.stop();
    },
    update(next) {
      label = next;
      spinner.text = render();
    },
    interrupt(write) {
      if (stopped) return write();
      spinner.clear();
      write();
      spinner.render();
    },
  };
}

/** All of stdin as text; Ctrl-C stops the wait at once, even while nothing arrives. */
export async function readStdin(stdin: NodeJS.ReadStream, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  const stop = () => stdin.destroy();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of stdin.iterator({ destroyOnReturn: false })) {
      if (signal.aborted) break;
      chunks.push(Buffer.from(chunk as Buffer));
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener('abort', stop);
  }
  if (signal.aborted) throw signal.reason;
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The prompt from positional words: joined by spaces; `-` (or no words with stdin piped) reads
 * stdin; a single `@path` reads that file. Trailing newlines from files and pipes are dropped.
 */
export async function readPrompt(words: string[], rt: Runtime, flagName = 'the prompt'): Promise<string> {
  if (words.length === 1 && words[0] === '-') return (await readStdin(rt.stdin, rt.signal)).replace(/\s+$/, '');
  if (words.length === 1 && words[0]!.startsWith('@') && words[0]!.length > 1) {
    const path = words[0]!.slice(1);
    try {
      return (await readFile(path, 'utf8')).replace(/\s+$/, '');
    } catch (err) {
      throw new UsageError(`cannot read ${flagName} from ${path}: ${describeFsError(err)}`, 'Give an existing text file after @, or the prompt itself as words.');
    }
  }
  if (words.length === 0) {
    if (rt.stdin.isTTY) {
      throw new UsageError('no prompt given', 'Write the prompt after the command, e.g. imgcli gen "a lighthouse at dusk", or pipe it in.');
    }
    return (await readStdin(rt.stdin, rt.signal)).replace(/\s+$/, '');
  }
  return words.join(' ');
}

/**
 * A secret typed at a terminal: a prompt on stderr, no echo, one line. Piped stdin is read whole,
 * as readPrompt does. Ctrl-C aborts the run like anywhere else.
 */
export async function readSecret(rt: Runtime, what: string): Promise<string> {
  if (!rt.stdin.isTTY) return (await readStdin(rt.stdin, rt.signal)).replace(/\s+$/, '');
  // Echo goes off before the prompt shows, so nothing typed after it can appear.
  rt.stdin.setRawMode(true);
  rt.stdin.resume();
  rt.stderr.write(`Paste ${what}, then press Enter (it is not shown): `);
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: Buffer) => {
        for (const c of chunk.toString('utf8')) {
          if (c === '\r' || c === '\n') return done(() => resolve(value));
          if (c === '\u0003') return done(() => reject(new InterruptedError('SIGINT')));
          if (c === '\u007f' || c === '\b') value = value.slice(0, -1);
          else if (c >= ' ') value += c;
        }
      };
      const done = (finish: () => void) => {
        rt.stdin.off('data', onData);
        finish();
      };
      rt.stdin.on('data', onData);
    });
  } finally {
    rt.stdin.setRawMode(false);
    rt.stdin.pause();
    rt.stderr.write('\n');
  }
}

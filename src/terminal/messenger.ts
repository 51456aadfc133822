// Lines for stderr (notices, warnings, --verbose) and the colour rule. chalk loads only when a
// messenger is made. A line is imgcli's words with outside text (a server's message, a status, a
// file name) put in: the whole line is made printable (printable.ts) before it is painted, so
// no caller can forget it, and imgcli's own words never hold a control character to lose.
import type { Runtime } from '../runtime.js';
import { terminalWrite } from './boundary.js';
import { printable } from './printable.js';

/** Colour on stderr: off with --no-color, NO_COLOR (any value), TERM=dumb, or when not a TTY. */
export function useColor(flagColor: boolean | undefined, rt: Pick<Runtime, 'env' | 'stderr'>): boolean {
  if (flagColor === false || rt.env.NO_COLOR !== undefined) return false;
  if (rt.env.FORCE_COLOR && rt.env.FORCE_COLOR !== '0') return true;
  return Boolean(rt.stderr.isTTY) && rt.env.TERM !== 'dumb';
}

/** The three colours imgcli's stderr uses; all plain without colour. */
export async function painter(
  color: boolean,
): Promise<{ red(text: string): string; yellow(text: string): string; dim(text: string): string }> {
  // chalk loads when a line is first painted: --version and the main help print none.
  const { Chalk } = await import('chalk');
  return new Chalk({ level: color ? 1 : 0 });
}

/**
 * Lines for stderr: notices, warnings and hints; silent under --quiet except warnings. Each
 * line is one line: a line break inside it (a server's) is shown as `\u000a`, as every control.
 */
export interface Messenger {
  info(line: string): void;
  warn(line: string): void;
  verbose(line: string): void;
}

/** A messenger writing to `out` (stderr, or a batch job's own line sink). */
export async function createMessenger(
  out: { write(text: string): unknown },
  opts: { quiet?: boolean; verbose?: boolean; color: boolean },
): Promise<Messenger> {
  const paint = await painter(opts.color);
  const write = (text: string) => terminalWrite(out, `${text}\n`);
  return {
    info: (line) => {
      if (!opts.quiet) write(printable(line));
    },
    warn: (line) => write(`${paint.yellow('warning:')} ${printable(line)}`),
    verbose: (line) => {
      if (opts.verbose) write(paint.dim(`[imgcli] ${printable(line)}`));
    },
  };
}

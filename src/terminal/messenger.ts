// Lines for stderr (notices, warnings, --verbose) and the colour rule. chalk loads only when a
// messenger is made.
import type { Runtime } from '../runtime.js';

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

/** Lines for stderr: notices, warnings and hints; silent under --quiet except warnings. */
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
  return {
    info: (line) => {
      if (!opts.quiet) out.write(`${line}\n`);
    },
    warn: (line) => out.write(`${paint.yellow('warning:')} ${line}\n`),
    verbose: (line) => {
      if (opts.verbose) out.write(`${paint.dim(`[imgcli] ${line}`)}\n`);
    },
  };
}

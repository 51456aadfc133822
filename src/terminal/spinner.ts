// The spinner on stderr: only on a TTY, never under CI or --quiet; ora loads only when one starts.
import { isCI, type Runtime } from '../runtime.js';

export interface Spinner {
  stop(): void;
  /** Replaces the text after the elapsed time. */
  update(text: string): void;
  /** Runs `write` (which prints to stderr) with the spinner line cleared, then redraws it below. */
  interrupt(write: () => void): void;
}

const NO_SPINNER: Spinner = { stop() {}, update() {}, interrupt: (write) => write() };

/**
 * The width to draw in: the terminal's when it reports a sane one, else 80. A terminal may
 * report 0 columns (`script ... </dev/null`); ora divides by it, and its clear loop then runs
 * for ever, starving the signal handlers.
 */
export function usableColumns(stream: { columns?: number }): number {
  const columns = stream.columns;
  return typeof columns === 'number' && Number.isFinite(columns) && columns >= 1 ? Math.floor(columns) : 80;
}

/** The stream as ora sees it: the real one, with a width it can divide by. */
function withSaneColumns(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'columns') return usableColumns(target);
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The spinner's text cut to fit one line (the frame and a space take 2 columns). */
function fit(text: string, columns: number): string {
  const room = Math.max(1, columns - 3);
  return text.length > room ? `${text.slice(0, Math.max(0, room - 1))}…` : text;
}

/** A spinner on stderr with elapsed seconds; only on a TTY, never under CI or --quiet. */
export async function startSpinner(rt: Runtime, text: string, opts: { quiet?: boolean }): Promise<Spinner> {
  if (opts.quiet || isCI(rt.env) || !rt.stderr.isTTY) return NO_SPINNER;
  const { default: ora } = await import('ora');
  const started = Date.now();
  let label = text;
  const render = () => fit(`${label} ${Math.floor((Date.now() - started) / 1000)}s`, usableColumns(rt.stderr));
  const spinner = ora({ text: render(), stream: withSaneColumns(rt.stderr), discardStdin: false }).start();
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


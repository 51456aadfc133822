// The spinner on stderr: only on a TTY, never under CI or --quiet; ora loads only when one starts.
// Its colour follows imgcli's rule (NO_COLOR, --no-color), which ora's own chalk does not know.
import { isCI, type Runtime } from '../runtime.js';
import { terminalWrite } from './boundary.js';
import { useColor } from './messenger.js';
import { printable } from './printable.js';

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

/**
 * The stream as ora sees it: the real one, with a width it can divide by, written through the
 * boundary's door for imgcli's own sequences (ora's frames and cursor moves; the text is made
 * printable before ora gets it). ora's hook on its stream's write is not needed (imgcli clears
 * the spinner itself, interrupt() below) and is not let through to the stream underneath.
 */
function forOra(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  const write = (chunk: unknown, encoding?: unknown, cb?: unknown) => {
    terminalWrite(stream, String(chunk));
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  };
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'columns') return usableColumns(target);
      if (key === 'write') return write;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set: (target, key, value) => key === 'write' || Reflect.set(target, key, value),
  });
}

/**
 * The spinner's text and its elapsed seconds on one line (the frame and a space take 2 columns):
 * where they do not fit, the text is cut, never the time (at 30 columns it was the time that went).
 */
export function spinnerLine(label: string, seconds: number, columns: number): string {
  const room = Math.max(1, columns - 3);
  const time = `${seconds}s`;
  if (label.length + 1 + time.length <= room) return `${label} ${time}`;
  const keep = room - time.length - 2;
  return keep >= 1 ? `${label.slice(0, keep).trimEnd()}… ${time}` : time.slice(0, room);
}

/**
 * A spinner on stderr with elapsed seconds; only on a TTY, never under CI or --quiet. `color` is
 * the --no-color flag as commander gives it (false when given).
 */
export async function startSpinner(
  rt: Pick<Runtime, 'env' | 'stderr'>,
  text: string,
  opts: { quiet?: boolean; color?: boolean },
): Promise<Spinner> {
  if (opts.quiet || isCI(rt.env) || !rt.stderr.isTTY) return NO_SPINNER;
  // ora loads only when a spinner is really shown: never in CI, in a pipe or under --quiet.
  const [{ default: ora }, { Chalk }] = await Promise.all([import('ora'), import('chalk')]);
  const started = Date.now();
  let label = printable(text);
  const render = () => spinnerLine(label, Math.floor((Date.now() - started) / 1000), usableColumns(rt.stderr));
  // ora paints frames with chalk's global level, blind to NO_COLOR: it gets them painted (or not) here.
  const cyan = new Chalk({ level: useColor(opts.color, rt) ? 1 : 0 }).cyan;
  // Enabled: whether to show one was decided above (ora's own check reads process.env.CI).
  const spinner = ora({
    text: render(),
    stream: forOra(rt.stderr),
    discardStdin: false,
    color: false,
    isEnabled: true,
  });
  const { frames, interval } = spinner.spinner;
  spinner.spinner = { interval, frames: frames.map((frame) => cyan(frame)) };
  spinner.start();
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
      label = printable(next);
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

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


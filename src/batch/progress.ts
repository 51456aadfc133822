// The batch progress line for a TTY: done, failed, running, elapsed and an ETA, and the bar that draws it.
import { eraseLine, fitLine, redrawLine } from '../terminal/line.js';

export { fitLine };

export interface Tally {
  total: number;
  done: number;
  failed: number;
  skipped: number;
  running: number;
}

export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function renderProgress(t: Tally, elapsedMs: number, width = 20): string {
  const finished = t.done + t.failed + t.skipped;
  const filled = t.total ? Math.round((finished / t.total) * width) : width;
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
  const eta = finished > 0 && finished < t.total ? `, ETA ${clock((elapsedMs / finished) * (t.total - finished))}` : '';
  const skipped = t.skipped ? `, ${t.skipped} skipped` : '';
  return `[${bar}] ${finished}/${t.total}: ${t.done} done, ${t.failed} failed${skipped}, ${t.running} running, ${clock(elapsedMs)} elapsed${eta}`;
}

/** The progress line on a terminal's stderr, redrawn twice a second and around every line printed. */
export class ProgressBar {
  readonly tally: Tally;
  readonly #started = performance.now();
  readonly #timer?: NodeJS.Timeout;

  constructor(
    private readonly stderr: { write(text: string): unknown; columns?: number },
    total: number,
    private readonly shown: boolean,
  ) {
    this.tally = { total, done: 0, failed: 0, skipped: 0, running: 0 };
    this.#timer = shown ? setInterval(() => this.draw(), 500) : undefined;
    this.#timer?.unref();
  }

  draw(): void {
    if (this.shown) redrawLine(this.stderr, renderProgress(this.tally, performance.now() - this.#started));
  }

  clear(): void {
    if (this.shown) eraseLine(this.stderr);
  }

  /** Writes a line above the bar. */
  above(line: string): void {
    this.clear();
    this.stderr.write(line);
    this.draw();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.clear();
  }
}

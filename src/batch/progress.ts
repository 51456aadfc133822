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

/**
 * The progress line for a terminal `columns` wide (0 or unknown: 80): the first of a shorter and
 * shorter set of forms that fits whole, so the ETA at its end is never cut (at 80 columns the
 * full line lost its last digit): the bar narrower, then no bar, then counts and times alone.
 */
export function progressFor(t: Tally, elapsedMs: number, columns: number | undefined): string {
  const room = fitLine('x'.repeat(1000), columns).length;
  const finished = t.done + t.failed + t.skipped;
  const eta = finished > 0 && finished < t.total ? ` ETA ${clock((elapsedMs / finished) * (t.total - finished))}` : '';
  const full = renderProgress(t, elapsedMs);
  const forms = [
    full,
    renderProgress(t, elapsedMs, 10),
    full.slice(full.indexOf('] ') + 2),
    `${finished}/${t.total}: ${t.done} done, ${t.failed} failed, ${t.running} running${eta ? `,${eta}` : ''}`,
    `${finished}/${t.total} ${t.failed ? `${t.failed} failed ` : ''}${clock(elapsedMs)}${eta}`,
    `${finished}/${t.total}${eta}`,
  ];
  return fitLine(forms.find((f) => f.length <= room) ?? forms.at(-1)!, columns);
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
    if (this.shown)
      redrawLine(this.stderr, progressFor(this.tally, performance.now() - this.#started, this.stderr.columns));
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

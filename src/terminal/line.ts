// The one line a progress display redraws in place on a terminal's stderr (the local batch's bar,
// the remote batch's): `\r`, erase to the end, then the text, made printable and cut to fit.
import { terminalWrite } from './boundary.js';
import { printable } from './printable.js';

type Stream = { write(text: string): unknown; columns?: number };

/**
 * The line cut to fit the terminal (one column spare, so it never wraps: `\r` can only redraw a
 * line that did not wrap). `columns` is the terminal's; 0 or unknown means 80.
 */
export function fitLine(line: string, columns: number | undefined): string {
  const width = typeof columns === 'number' && columns >= 1 ? Math.floor(columns) : 80;
  const room = Math.max(1, width - 1);
  return line.length > room ? line.slice(0, room) : line;
}

/** Redraws the line in place; what it says (a server's batch status too) is made printable first. */
export function redrawLine(stream: Stream, text: string): void {
  terminalWrite(stream, `\r\x1b[K${fitLine(printable(text), stream.columns)}`);
}

/** Erases the line drawn, leaving the cursor at its start. */
export function eraseLine(stream: Stream): void {
  terminalWrite(stream, '\r\x1b[K');
}

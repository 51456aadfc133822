// A table for stdout (`files list`, `batch list`, `batch status`): rows padded into columns, the
// last one left ragged. Its cells are mostly a server's text (ids, names, statuses), so each is
// made printable (one line, no control) before it is measured: a name cannot break a row or
// drive the terminal.
import { printable } from './printable.js';

export function table(rows: string[][]): string {
  const cells = rows.map((r) => r.map((c) => printable(c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return `${cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}

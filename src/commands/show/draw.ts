// `imgcli show`: images drawn inline on stdout, scaled to the terminal, each under a line that
// says what it is; where stdout is not a terminal that can draw them, the `info` summary instead.
// No escape code is ever written to anything but a terminal that speaks an image protocol.
import { describeEntries, describeEntry, type InfoEntry } from '../shared/image-info.js';
import { readRegularFile } from '../../image/input-file.js';
import { terminalWrite } from '../../terminal/boundary.js';
import { detectInlineProtocol, renderFitted } from '../../terminal/preview.js';
import { printable } from '../../terminal/printable.js';
import { whyNoImages } from '../../terminal/previewer.js';

/** stdout, or a stand-in with the same shape in tests. */
export interface ShowTarget {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  write(chunk: string): unknown;
}

/** Lines a drawn image leaves for its heading and the prompt after it. */
const TEXT_ROWS = 2;

/** The line above an image: path, format and size, then the model and prompt, cut to the terminal. */
export function heading(e: InfoEntry, columns: number): string {
  const size = e.width !== null && e.height !== null ? `${e.width}x${e.height}` : 'size unknown';
  const about = e.provenance
    ? `${e.provenance.model}: ${(e.provenance.prompt ?? '(no prompt)').replace(/\s+/g, ' ')}`
    : 'no imgcli metadata';
  const line = printable(`${e.path} (${e.format} ${size}) ${about}`);
  const chars = Array.from(line);
  return chars.length > columns ? `${chars.slice(0, Math.max(1, columns - 3)).join('')}...` : line;
}

/**
 * Draws each image, or writes the info summary when the target cannot show images; returns
 * 'drawn', or why it could not draw. An image sharp cannot decode gets its summary and one
 * warning; the rest go on.
 */
export async function showImages(
  entries: InfoEntry[],
  out: ShowTarget,
  env: Record<string, string | undefined>,
  warn: (line: string) => void,
): Promise<'drawn' | { described: string }> {
  const protocol = detectInlineProtocol(env, Boolean(out.isTTY));
  const why = await whyNoImages(env, Boolean(out.isTTY), 'stdout');
  if (why || !protocol) {
    out.write(describeEntries(entries));
    return { described: why ?? 'this terminal cannot draw images' };
  }
  const columns = Math.max(1, out.columns || 80);
  const rows = Math.max(1, (out.rows || 24) - TEXT_ROWS);
  for (const e of entries) {
    out.write(`${heading(e, columns)}\n`);
    try {
      // The image protocol's own escapes: through the boundary's door for imgcli's sequences.
      terminalWrite(
        out,
        `${await renderFitted(await readRegularFile(e.path, 'image'), { protocol, columns, rows, tmux: Boolean(env.TMUX) })}\n`,
      );
    } catch (err) {
      warn(`cannot draw ${e.path}: ${(err as Error).message}`);
      out.write(describeEntry(e));
    }
  }
  return 'drawn';
}

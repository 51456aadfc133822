// Inline image previews for terminals that can show pixels: the kitty graphics protocol
// (kitty, Ghostty, WezTerm) and iTerm2's OSC 1337. Output is a string for the caller to write
// to the terminal (stderr: stdout is for results); nothing here touches a stream.

export type InlineProtocol = 'kitty' | 'iterm2';

const ESC = '\x1b';
const ST = `${ESC}\\`;
const BEL = '\x07';
/** The kitty protocol caps each escape sequence's payload at 4096 bytes. */
const KITTY_CHUNK = 4096;
/** Preview pixels per terminal column; cells are 7-10 px on most displays. */
const PX_PER_COLUMN = 8;

/**
 * Which inline protocol the terminal speaks, or undefined when it is not a TTY or unknown.
 * Direct signals (TERM_PROGRAM, TERM) come first; inside tmux those name tmux, so the variables
 * the outer terminal exported and tmux inherited (KITTY_WINDOW_ID, LC_TERMINAL, ...) decide.
 */
export function detectInlineProtocol(
  env: Record<string, string | undefined>,
  isTTY: boolean,
): InlineProtocol | undefined {
  if (!isTTY || env.TERM === 'dumb') return undefined;
  // Under GNU screen (anywhere in the chain) the sequences would not get through.
  if (env.STY) return undefined;
  const program = env.TERM_PROGRAM;
  if (program === 'WezTerm' || program === 'ghostty') return 'kitty'; // WezTerm speaks both; kitty's is sturdier
  if (program === 'iTerm.app') return 'iterm2';
  if (env.TERM === 'xterm-kitty' || env.TERM === 'xterm-ghostty') return 'kitty';
  if (env.KITTY_WINDOW_ID || env.WEZTERM_PANE || env.GHOSTTY_RESOURCES_DIR) return 'kitty';
  // iTerm2 sets LC_TERMINAL because LC_* variables survive ssh and tmux.
  if (env.LC_TERMINAL === 'iTerm2') return 'iterm2';
  return undefined;
}

/** The tmux setting that lets image sequences through to the terminal, as a user types it. */
export const TMUX_PASSTHROUGH = 'tmux set -g allow-passthrough on';

/**
 * Why images cannot be drawn on this stream, in words for a note ("stderr is not a terminal");
 * undefined when detectInlineProtocol finds a protocol.
 */
export function noImagesReason(
  env: Record<string, string | undefined>,
  isTTY: boolean,
  stream: string,
): string | undefined {
  if (!isTTY) return `${stream} is not a terminal`;
  if (env.TERM === 'dumb') return 'TERM is dumb';
  if (env.STY) return 'GNU screen does not pass images through to the terminal';
  if (detectInlineProtocol(env, isTTY)) return undefined;
  // Inside tmux the outer terminal is known only by the variables it exported before tmux started.
  if (env.TMUX)
    return `no terminal that draws images was found outside tmux (kitty, Ghostty, WezTerm and iTerm2 can: start tmux from one of them, and run \`${TMUX_PASSTHROUGH}\`)`;
  return 'this terminal cannot draw images (kitty, Ghostty, WezTerm and iTerm2 can)';
}

/** Wraps one escape sequence for tmux's passthrough (needs `set -g allow-passthrough on`). */
function tmuxWrap(sequence: string): string {
  return `${ESC}Ptmux;${sequence.replaceAll(ESC, ESC + ESC)}${ST}`;
}

/** A box of terminal cells an image is drawn into: its width or its height (the other follows the image). */
export type CellBox = { columns: number; rows?: undefined } | { rows: number; columns?: undefined };

/**
 * The escape sequences that show a PNG inline at the cursor. The caller writes a newline after
 * it. `columns` is the width in cells for iTerm2; kitty shows the PNG at its own pixel size,
 * unless `box` asks both terminals to scale it to a number of columns or rows.
 */
export function encodeInline(
  png: Buffer,
  protocol: InlineProtocol,
  opts: { tmux?: boolean; columns?: number; box?: CellBox },
): string {
  const b64 = png.toString('base64');
  const sequences: string[] = [];
  const box = opts.box;
  if (protocol === 'kitty') {
    const count = Math.max(1, Math.ceil(b64.length / KITTY_CHUNK));
    // One of c and r: kitty computes the other from the image, so nothing is distorted.
    const cells = box ? (box.columns !== undefined ? `c=${box.columns},` : `r=${box.rows},`) : '';
    for (let i = 0; i < count; i++) {
      // Only the first chunk carries the keys; q=2 stops the terminal answering on our stdin.
      const keys = i === 0 ? `a=T,f=100,q=2,${cells}` : 'q=2,';
      const more = i < count - 1 ? 1 : 0;
      sequences.push(`${ESC}_G${keys}m=${more};${b64.slice(i * KITTY_CHUNK, (i + 1) * KITTY_CHUNK)}${ST}`);
    }
  } else {
    const columns = box ? box.columns : opts.columns;
    const width =
      columns !== undefined && columns > 0 ? `;width=${Math.round(columns)}` : box?.rows ? `;height=${box.rows}` : '';
    sequences.push(`${ESC}]1337;File=inline=1;size=${png.length}${width}:${b64}${BEL}`);
  }
  // tmux forwards each wrapped sequence whole, so kitty's chunks are wrapped one by one.
  return (opts.tmux ? sequences.map(tmuxWrap) : sequences).join('');
}

/**
 * Shrinks an image (any format sharp reads) to about `columns` cells wide, never enlarging it,
 * and encodes it as PNG for the protocol. Rejects if sharp cannot read the bytes.
 */
export async function renderPreview(
  image: Buffer,
  opts: { protocol: InlineProtocol; columns: number; tmux?: boolean },
): Promise<string> {
  // sharp is heavy: load it only when a preview is actually drawn.
  const { default: sharp } = await import('sharp');
  const maxWidth = Math.max(1, Math.floor(opts.columns * PX_PER_COLUMN));
  const { data, info } = await sharp(image)
    .resize({ width: maxWidth, withoutEnlargement: true })
    .png()
    .toBuffer({ resolveWithObject: true });
  // A small image keeps its size in iTerm2 too, instead of being stretched to all the columns.
  const columns = Math.max(1, Math.min(opts.columns, Math.ceil(info.width / PX_PER_COLUMN)));
  return encodeInline(data, opts.protocol, { tmux: opts.tmux, columns });
}

/** Columns per row of pixels: terminal cells are about twice as tall as they are wide. */
const CELL_ASPECT = 2;
/** Sent pixels per column for a fitted image: sharp on HiDPI screens, whose cells are 16-20 px wide. */
const FIT_PX_PER_COLUMN = 16;

/**
 * The cell box for a width x height image in a terminal of `columns` x `rows` cells: as wide as
 * the terminal unless that would be taller than `rows`, and never wider than the image's own
 * size at 8 px a column (a small icon is not blown up).
 */
export function fitCells(width: number, height: number, columns: number, rows: number): CellBox {
  const natural = Math.max(1, Math.ceil(width / PX_PER_COLUMN));
  const wide = Math.max(1, Math.min(columns, natural));
  const tall = (wide * height) / width / CELL_ASPECT;
  return tall <= rows ? { columns: wide } : { rows: Math.max(1, rows) };
}

/**
 * An image (any format sharp reads) scaled to fit a terminal of `columns` x `rows` cells, as
 * the protocol's escape sequences. Rejects if sharp cannot read the bytes.
 */
export async function renderFitted(
  image: Buffer,
  opts: { protocol: InlineProtocol; columns: number; rows: number; tmux?: boolean },
): Promise<string> {
  // sharp is heavy: load it only when a preview is actually drawn.
  const { default: sharp } = await import('sharp');
  const meta = await sharp(image).metadata();
  const box = fitCells(meta.width ?? 1, meta.height ?? 1, opts.columns, opts.rows);
  const columns = box.columns ?? Math.ceil((box.rows * CELL_ASPECT * (meta.width ?? 1)) / (meta.height ?? 1));
  const png = await sharp(image)
    .resize({ width: Math.max(1, columns * FIT_PX_PER_COLUMN), withoutEnlargement: true })
    .png()
    .toBuffer();
  return encodeInline(png, opts.protocol, { tmux: opts.tmux, box });
}

// --preview on a real terminal: draws images inline on stderr (stdout is for results) when it is a
// TTY that speaks an inline image protocol, and otherwise says once why it draws nothing. The
// escape sequences themselves come from preview.ts.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { terminalWrite } from './boundary.js';
import { TMUX_PASSTHROUGH, detectInlineProtocol, noImagesReason, renderPreview } from './preview.js';

/** The stream previews go to: stderr, or a stand-in with the same shape in tests. */
export interface PreviewTarget {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export type PreviewKind = 'partial' | 'final';

export interface Previewer {
  /**
   * Draws one image (any format sharp reads). `around` wraps the write, so a running spinner
   * can step aside. A preview that fails is reported once and never fails the run.
   */
  show(image: Buffer, kind: PreviewKind, around?: (write: () => void) => void): Promise<void>;
  /** The same for an image already on disk (URL downloads are not kept in memory). */
  showFile(path: string, kind: PreviewKind): Promise<void>;
}

/** Widest preview in cells: partials stay small so a stream does not scroll the final away. */
const MAX_COLUMNS: Record<PreviewKind, number> = { partial: 40, final: 80 };

/**
 * Whether tmux (the one this process runs in) drops image sequences: its allow-passthrough is
 * off (tmux 3.3 and later; older ones pass them through and do not know the option).
 */
export function tmuxDropsImages(env: Record<string, string | undefined>): Promise<boolean> {
  if (!env.TMUX) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile('tmux', ['show-options', '-Apv', 'allow-passthrough'], { env, timeout: 2000 }, (err, stdout) =>
      resolve(!err && stdout.trim() === 'off'),
    );
  });
}

/** Why images will not show here, with the fix where there is one; undefined when they will. */
export async function whyNoImages(
  env: Record<string, string | undefined>,
  isTTY: boolean,
  stream: string,
): Promise<string | undefined> {
  const reason = noImagesReason(env, isTTY, stream);
  if (reason) return reason;
  if (await tmuxDropsImages(env))
    return `tmux does not pass images through to the terminal: run \`${TMUX_PASSTHROUGH}\``;
  return undefined;
}

/**
 * A previewer for this terminal, or undefined when it cannot show images (not a TTY, an unknown
 * terminal, tmux without pass-through); then `note` is told why, once.
 */
export async function createPreviewer(
  out: PreviewTarget,
  env: Record<string, string | undefined>,
  warn: (line: string) => void,
  note: (line: string) => void = () => {},
): Promise<Previewer | undefined> {
  const why = await whyNoImages(env, Boolean(out.isTTY), 'stderr');
  const protocol = detectInlineProtocol(env, Boolean(out.isTTY));
  if (why || !protocol) {
    note(`no preview: ${why ?? 'this terminal cannot draw images'}`);
    return undefined;
  }
  // Inside tmux the sequences need its pass-through wrapping (preview.ts does it).
  const tmux = Boolean(env.TMUX);
  let failed = false;
  const show: Previewer['show'] = async (image, kind, around = (write) => write()) => {
    if (failed) return;
    try {
      const columns = Math.max(1, Math.min(out.columns || 80, MAX_COLUMNS[kind]));
      const sequence = await renderPreview(image, { protocol, columns, tmux });
      around(() => terminalWrite(out, `${sequence}\n`));
    } catch (err) {
      failed = true;
      warn(`no preview: ${(err as Error).message}`);
    }
  };
  return {
    show,
    async showFile(path, kind) {
      const bytes = await readFile(path).catch(() => undefined);
      if (bytes) await show(bytes, kind);
    },
  };
}

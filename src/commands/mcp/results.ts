// What a tool call answers: the result as structured content (and the same JSON as text, for
// clients that read only text), with a thumbnail of each image written, at most 256 px, so the
// agent can look; never a whole image as base64. A failure is a tool error (isError) with the CLI's
// message, its next step and the exit code the CLI would have ended with; never a crashed server.
import sharp from 'sharp';
import { ApiError } from '../../api/errors.js';
import { CliError, linesOf, requestIdOf } from '../../errors.js';
import { EXIT_CODES, exitCodeFor, nextStep } from '../../exit-codes.js';
import { printable } from '../../terminal/printable.js';
import { VERSION } from '../../version.js';

/** The largest side of a thumbnail, in pixels. */
export const THUMBNAIL_PX = 256;
/** Thumbnails per answer: a count of 10 should not fill the agent's context with pictures. */
export const MAX_THUMBNAILS = 4;

export type Content =
  | { type: 'text'; text: string }
  | { type: 'image'; data: string; mimeType: string; annotations?: Record<string, unknown> };

export interface ToolResult {
  [key: string]: unknown;
  content: Content[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** A small picture of an image file: PNG where it has transparency, else JPEG; undefined when sharp cannot read it. */
export async function thumbnail(path: string): Promise<Content | undefined> {
  try {
    // The first frame of a GIF; an SVG is drawn by librsvg, which fetches nothing.
    const image = sharp(path, { animated: false, limitInputPixels: 8_294_400 * 4 }).resize(THUMBNAIL_PX, THUMBNAIL_PX, {
      fit: 'inside',
      withoutEnlargement: true,
    });
    const { hasAlpha } = await image.metadata();
    const bytes = hasAlpha ? await image.png().toBuffer() : await image.jpeg({ quality: 80 }).toBuffer();
    return {
      type: 'image',
      data: bytes.toString('base64'),
      mimeType: hasAlpha ? 'image/png' : 'image/jpeg',
      annotations: { audience: ['assistant', 'user'] },
    };
  } catch {
    return undefined;
  }
}

/** The paths of the images a result names: its files (and a mask's preview), in order. */
export function imagePaths(doc: Record<string, unknown>): string[] {
  // A batch answers one line per job, each with its files.
  const lines = Array.isArray(doc.lines) ? (doc.lines as Array<{ files?: unknown }>) : [];
  const files = [doc, ...lines].flatMap((d) => (Array.isArray(d.files) ? (d.files as Array<{ path?: unknown }>) : []));
  const paths = files.map((f) => f.path).filter((p): p is string => typeof p === 'string' && p !== '-');
  if (typeof doc.preview === 'string') paths.push(doc.preview);
  return paths;
}

/** A successful call: the document, as structure and as text, and thumbnails of its images unless told not to. */
export async function success(doc: Record<string, unknown>, thumbnails = true): Promise<ToolResult> {
  const paths = thumbnails ? imagePaths(doc).slice(0, MAX_THUMBNAILS) : [];
  const pictures = (await Promise.all(paths.map(thumbnail))).filter((c): c is Content => c !== undefined);
  const shown = paths.length ? { thumbnails: pictures.length } : {};
  const structured = { ...doc, ...shown };
  return {
    content: [{ type: 'text', text: JSON.stringify(structured, null, 2) }, ...pictures],
    structuredContent: structured,
  };
}

/**
 * A failed call as the CLI would have told it: the message and its details, the next step, the
 * request id, and the exit code with its meaning (2: nothing was sent). Outside text (a server's
 * message, a file name) is made printable, as on stderr. An error that is not ours is a bug, said so.
 */
export function failure(err: unknown, signal?: AbortSignal): ToolResult {
  const known = err instanceof CliError || err instanceof ApiError;
  const [headline = 'unknown error', ...details] = (err instanceof Error ? linesOf(err) : [String(err)]).map((l) =>
    printable(l),
  );
  const code = exitCodeFor(err, signal);
  const row = EXIT_CODES.find((r) => r.code === code);
  const hint = known
    ? nextStep(err)
    : `this looks like a bug in imgcli ${VERSION}; please report it with the tool call that made it.`;
  const requestId = requestIdOf(err);
  const error = {
    message: headline,
    ...(details.length ? { details } : {}),
    next_step: hint ? printable(hint) : null,
    exit_code: code,
    exit_meaning: row?.meaning.replace(/`/g, '') ?? null,
    nothing_sent: code === 2,
    request_id: requestId ?? null,
  };
  const text = [
    `error: ${headline}`,
    ...details,
    ...(error.next_step ? [`next step: ${error.next_step}`] : []),
    `exit code ${code}${error.exit_meaning ? ` (${error.exit_meaning})` : ''}`,
    ...(requestId ? [`request id: ${printable(requestId)}`] : []),
  ].join('\n');
  return { isError: true, content: [{ type: 'text', text }], structuredContent: { error } };
}

// From an Images API answer to files on disk: decode base64 or download URLs at once (they
// expire after 60 minutes), prove what the bytes are and that they are whole (proveImage, the one
// gate every image passes), and write each image atomically; a paid image that cannot be written
// where it should goes to the recovery folder (recovery.ts).
import type { Dispatcher } from '../api/undici.js';
import { downloadImage, interrupted, type DownloadOptions } from '../api/download.js';
import { ApiError, answerError } from '../api/errors.js';
import { dataUrlPayload } from '../api/b64-extract.js';
import type { ImageItem } from '../api/images.js';
import { LocalFileError } from '../errors.js';
import type { SpillFiles } from './spill.js';
import {
  formatFromExtension,
  framesOf,
  isComplete,
  sniffImage,
  SNIFF_BYTES,
  TAIL_BYTES,
  type ImageEnds,
  type ImageFormat,
  type ImageInfo,
} from '../image/format.js';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { plannedCount, partialPath, targetPath, type OutputPlan } from './naming.js';
import { commitStaged, discardStaged, localError, stageStream, writeAtomic } from './disk.js';
import { readEnds } from '../image/head.js';
import { recoverImage } from './recovery.js';

export interface SavedFile {
  index: number;
  path: string;
  bytes: number;
  width?: number;
  height?: number;
  format: ImageFormat;
  /** GIF only: how many frames the animation has. */
  frames?: number;
  revised_prompt?: string;
  /** SVG only: the active content and external references removed from the server's document. */
  svg_removed?: string[];
}

/** A streamed partial image on disk; `index` is its image's, `partialIndex` the API's (0-based). */
export interface SavedPartial {
  index: number;
  partialIndex: number;
  path: string;
  bytes: number;
  width?: number;
  height?: number;
  format: ImageFormat;
}

export interface FailedImage {
  index: number;
  error: Error;
}

export interface SaveContext {
  plan: OutputPlan;
  stdout: NodeJS.WritableStream;
  signal: AbortSignal;
  timeoutMs: number;
  requestId?: string;
  dispatcher?: Dispatcher;
  warn: (line: string) => void;
  /** Called after each image is saved, with its bytes when they are in memory (not for URL downloads). */
  onSaved?: (file: SavedFile, bytes: Buffer | undefined) => Promise<void>;
  /** Where images decoded while the answer arrived wait (their b64_json is a placeholder). */
  spill?: SpillFiles;
  /** Embeds provenance metadata into an image before it is written (absent with --no-metadata). */
  stamp?: (
    bytes: Buffer,
    format: ImageFormat,
    extra: { revised_prompt?: string; request_id?: string; response_id?: string },
  ) => Buffer;
  /** A conversation turn's answer: the response id goes into the provenance with the request id. */
  responseId?: string;
  /** Where a paid image goes when its destination cannot be written (see recovery.ts). */
  recovery?: readonly string[];
  /** False for the offline server's answers (--mock): nothing was billed, so nothing "already paid for". */
  billed?: boolean;
  /** --raw-svg: an SVG answer is saved as the server sent it, active content and all. */
  rawSvg?: boolean;
  /** What the request asked for, to check each image against (rule 22); absent: nothing to check. */
  expect?: AnswerExpectation;
  /** Where what differed goes: stderr has said it, --json, batch lines and provenance carry it. */
  notes?: ServerNote[];
}

/** What a request asked of its answer: the format and size of each image, and how many. */
export interface AnswerExpectation {
  format?: string;
  /** WIDTHxHEIGHT, when one was asked for (not auto). */
  size?: string;
  /** The user named the format (-o's extension, -f): an image in another format is converted to it. */
  convert: boolean;
}

/** A way the answer differed from the request, as --json and the provenance tell it. */
export interface ServerNote {
  kind: 'format' | 'size' | 'count';
  asked: string | number;
  got: string | number;
  /** 1-based; absent for the count. */
  image?: number;
  /** format: the bytes were converted to what was asked (sharp). */
  converted?: boolean;
}

/** Raster formats sharp converts between; an answer in another (gif, svg) is kept as it came. */
const CONVERTIBLE = new Set(['png', 'jpeg', 'webp']);

/**
 * Checks one image against the request: another format is converted to the one the user named (or
 * kept and told), another pixel size is told. Returns the bytes to write and what they are.
 */
async function checkAnswer(
  bytes: Buffer,
  info: ImageInfo,
  index: number,
  ctx: SaveContext,
): Promise<{ bytes: Buffer; info: ImageInfo; notes: ServerNote[] }> {
  const expect = ctx.expect;
  const notes: ServerNote[] = [];
  if (!expect) return { bytes, info, notes };
  const image = index + 1;
  if (expect.size && info.width && info.height && `${info.width}x${info.height}` !== expect.size) {
    const got = `${info.width}x${info.height}`;
    notes.push({ kind: 'size', image, asked: expect.size, got });
    ctx.warn(`image ${image} is ${got}, not the ${expect.size} asked for: the server made it another size.`);
  }
  if (expect.format && expect.format !== info.format) {
    const convert = expect.convert && CONVERTIBLE.has(expect.format) && CONVERTIBLE.has(info.format);
    notes.push({
      kind: 'format',
      image,
      asked: expect.format,
      got: info.format,
      ...(convert ? { converted: true } : {}),
    });
    if (convert) {
      // sharp loads only when an answer has to be converted.
      const { default: sharp } = await import('sharp');
      const converted = await sharp(bytes)
        .toFormat(expect.format as 'png' | 'jpeg' | 'webp')
        .toBuffer();
      ctx.warn(`image ${image}: the server sent ${info.format}, not ${expect.format}; converted to ${expect.format}.`);
      return { bytes: converted, info: { ...info, format: expect.format as ImageFormat }, notes };
    }
    ctx.warn(`image ${image}: the server sent ${info.format}, not ${expect.format}; written as ${info.format}.`);
  }
  return { bytes, info, notes };
}

/**
 * An SVG answer with its active content and external references removed (svg-clean.ts), unless
 * --raw-svg; what was removed is told on stderr and kept for --json. Other formats pass as they are.
 */
async function withoutActiveContent(
  received: Buffer,
  info: ImageInfo,
  index: number,
  ctx: SaveContext,
): Promise<{ bytes: Buffer; removed?: string[] }> {
  if (info.format !== 'svg' || ctx.rawSvg) return { bytes: received };
  // Loaded on the SVG path only: the sanitizer and its DOM take a second or more to load.
  const { cleanSvg } = await import('./svg-clean.js');
  try {
    const { bytes, removed } = await cleanSvg(received);
    return removed.length ? { bytes, removed } : { bytes };
  } catch (err) {
    throw answerError(
      'not-an-image',
      `Image ${index + 1} is an SVG document that is not well-formed XML (${(err as Error).message.split('\n')[0]}), so its active content cannot be removed; it was not saved (--raw-svg saves it as sent).`,
      ctx.requestId,
    );
  }
}

function tellRemoved(ctx: SaveContext, path: string, removed: string[] | undefined): void {
  if (removed?.length)
    ctx.warn(
      `${path}: removed from the server's SVG before saving: ${removed.join(', ')} (--raw-svg keeps its exact bytes).`,
    );
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes one b64_json value strictly: Node's decoder would silently skip bad characters. */
export function decodeBase64(b64: string, index: number, requestId?: string): Buffer {
  // One provider sends b64_json as a data URL (`data:image/png;base64,...`): its payload is the image.
  const payload = dataUrlPayload(b64, false)!;
  if (payload.broken)
    throw answerError('bad-base64', `Image ${index + 1} in the answer is ${payload.broken}.`, requestId);
  b64 = payload.base64;
  // What servers send is plain base64: Node's decoder skips any character outside its two
  // alphabets, so a decoded length of exactly 3/4 of the text (less the padding) proves every
  // character was decoded; only base64url's - and _ would pass unseen, so they are looked for.
  // No regex and no re-encoding: about 0.4 ms for a 3 MB image, where decoding and encoding back took 3-5 ms.
  const fast = Buffer.from(b64, 'base64');
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  if (
    b64.length % 4 === 0 &&
    fast.length === (b64.length / 4) * 3 - padding &&
    !b64.includes('-') &&
    !b64.includes('_')
  )
    return fast;
  // Line breaks, non-canonical padding bits or bad characters: the strict check decides.
  const clean = b64.replace(/\s+/g, '');
  if (clean.length % 4 !== 0 || !BASE64.test(clean)) {
    throw answerError(
      'bad-base64',
      `Image ${index + 1} in the answer is not valid base64 (the body may have been cut or altered on the way).`,
      requestId,
    );
  }
  return Buffer.from(clean, 'base64');
}

/** What the whole-file check sees of bytes in memory: all of them, so a piece missing in the middle shows. */
const endsOf = (bytes: Uint8Array): ImageEnds => ({
  head: bytes.subarray(0, SNIFF_BYTES),
  tail: bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)),
  size: bytes.length,
  whole: bytes,
});

/**
 * The one gate every image passes before it becomes a file or goes to stdout (b64, URL, stream
 * partials and finals): it is an image, as long as its Content-Length said when one was given,
 * and whole by its format's own end (see isComplete in image/format.ts).
 */
export function proveImage(
  ends: ImageEnds,
  index: number,
  requestId: string | undefined,
  where: string,
  declared?: number,
): ImageInfo {
  const info = sniffImage(ends.head);
  if (!info) {
    const start = Buffer.from(ends.head.subarray(0, 16))
      .toString('latin1')
      .replace(/[^\x20-\x7e]/g, '.');
    throw answerError(
      'not-an-image',
      `Image ${index + 1} ${where} is not an image (it starts: ${start || '(nothing)'}).`,
      requestId,
    );
  }
  if (declared !== undefined && ends.size !== declared) {
    throw answerError(
      'cut-short',
      `Image ${index + 1} ${where} is cut short: ${ends.size} of the ${declared} bytes announced arrived.`,
      requestId,
    );
  }
  if (!isComplete(info.format, ends)) {
    throw answerError(
      'cut-short',
      `Image ${index + 1} ${where} is cut short (an incomplete ${info.format}: its end is missing).`,
      requestId,
    );
  }
  return info;
}

/** A failed write of a paid image: the image goes to the recovery folder, and the error says where. */
async function recovering(err: unknown, bytes: Uint8Array, intended: string, ctx: SaveContext): Promise<unknown> {
  if (!(err instanceof LocalFileError) || ctx.signal.aborted) return err;
  const at = await recoverImage(bytes, intended, ctx.recovery ?? []);
  return at
    ? err.withRecovery(at, ctx.billed !== false)
    : err.withLoss(bytes.length, ctx.recovery ?? [], ctx.billed !== false);
}

function noteMismatch(ctx: SaveContext, path: string, format: ImageFormat) {
  if (ctx.plan.kind !== 'files') return;
  const expected = formatFromExtension(path.split('.').pop() ?? '');
  if (expected && expected !== format) {
    ctx.warn(`${path}: the server sent ${format}, not ${expected}; the bytes were written as they came.`);
  }
}

/**
 * Whether a write may replace an existing file: an explicit -o does, like curl -o; with
 * --no-clobber a file that appeared during the request gets a _2 name instead.
 */
function replaces(plan: OutputPlan): boolean {
  return plan.kind === 'files' && !plan.noClobber;
}

/** Proves and writes one image held in memory (to stdout with -o -); returns what was written. */
export async function saveBytes(
  received: Buffer,
  index: number,
  ctx: SaveContext,
  revisedPrompt?: string,
  where = 'in the answer',
  declared?: number,
): Promise<SavedFile> {
  const checked = await checkAnswer(
    received,
    proveImage(endsOf(received), index, ctx.requestId, where, declared),
    index,
    ctx,
  );
  const info = checked.info;
  ctx.notes?.push(...checked.notes);
  const notes = checked.notes.length ? { server_notes: checked.notes } : {};
  const clean = await withoutActiveContent(checked.bytes, info, index, ctx);
  const bytes = ctx.stamp
    ? ctx.stamp(clean.bytes, info.format, {
        revised_prompt: revisedPrompt,
        request_id: ctx.requestId,
        ...(ctx.responseId ? { response_id: ctx.responseId } : {}),
        ...notes,
      })
    : clean.bytes;
  const base = {
    index,
    bytes: bytes.length,
    width: info.width,
    height: info.height,
    format: info.format,
    ...framesOf(bytes, info.format),
    ...(clean.removed ? { svg_removed: clean.removed } : {}),
  };
  if (ctx.plan.kind === 'stdout') {
    tellRemoved(ctx, '-', clean.removed);
    await new Promise<void>((resolve, reject) => ctx.stdout.write(bytes, (err) => (err ? reject(err) : resolve())));
    return { ...base, path: '-' };
  }
  const target = targetPath(ctx.plan, index, info.format);
  if (!ctx.expect?.format) noteMismatch(ctx, target, info.format);
  tellRemoved(ctx, target, clean.removed);
  try {
    const path = await writeAtomic(target, bytes, { replace: replaces(ctx.plan), signal: ctx.signal });
    return { ...base, path };
  } catch (err) {
    throw await recovering(err, bytes, target, ctx);
  }
}

/** Writes a streamed partial image next to the final path of image `index`; never to stdout. */
export async function savePartial(
  bytes: Buffer,
  index: number,
  partialIndex: number,
  ctx: SaveContext,
): Promise<SavedPartial> {
  const info = proveImage(endsOf(bytes), index, ctx.requestId, `(partial ${partialIndex + 1}) in the stream`);
  if (ctx.plan.kind === 'stdout') throw new Error('partial images are not written with -o -');
  const target = partialPath(targetPath(ctx.plan, index, info.format), partialIndex);
  // Only the finals were checked before sending, so --no-clobber guards partials here.
  const path = await writeAtomic(target, bytes, { replace: replaces(ctx.plan), signal: ctx.signal });
  return {
    index,
    partialIndex,
    path,
    bytes: bytes.length,
    width: info.width,
    height: info.height,
    format: info.format,
  };
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const FROM_URL = 'downloaded from its URL';

/** What a download needs of the save context. */
const downloadOptions = (ctx: SaveContext): DownloadOptions => ({
  signal: ctx.signal,
  timeoutMs: ctx.timeoutMs,
  dispatcher: ctx.dispatcher,
  requestId: ctx.requestId,
});

async function saveUrl(url: string, index: number, ctx: SaveContext, revisedPrompt?: string): Promise<SavedFile> {
  const { body: source, declared } = await downloadImage(url, index, downloadOptions(ctx));
  if (ctx.plan.kind === 'stdout')
    return saveBytes(await collect(source), index, ctx, revisedPrompt, FROM_URL, declared);
  // Stream to a temp file first: the final name needs the format, known only from the bytes.
  let staged: string;
  try {
    staged = await stageStream(dirname(targetPath(ctx.plan, index, 'png')), source, ctx.signal);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (ctx.signal.aborted) throw interrupted();
    if (err instanceof LocalFileError) throw await recoverDownload(url, index, ctx, err, revisedPrompt);
    throw err;
  }
  try {
    let info = proveImage(await readEnds(staged), index, ctx.requestId, FROM_URL, declared);
    // Checking (and converting) and metadata mean one read and rewrite of the temp file; downloads are a few MB at most.
    const checked = ctx.expect ? await checkAnswer(await readFile(staged), info, index, ctx) : undefined;
    const notes = checked?.notes.length ? { server_notes: checked.notes } : {};
    ctx.notes?.push(...(checked?.notes ?? []));
    const target = targetPath(ctx.plan, index, checked?.info.format ?? info.format);
    if (!ctx.expect?.format) noteMismatch(ctx, target, info.format);
    if (checked && checked.info.format !== info.format)
      await writeFile(staged, checked.bytes).catch((err: unknown) => {
        throw localError(err, target);
      });
    info = checked?.info ?? info;
    // An SVG is cleaned in memory (a document, never large), as it is stamped.
    const clean =
      info.format === 'svg' ? await withoutActiveContent(await readFile(staged), info, index, ctx) : undefined;
    tellRemoved(ctx, target, clean?.removed);
    if (ctx.stamp || clean?.removed)
      await writeFile(
        staged,
        ctx.stamp
          ? ctx.stamp(clean?.bytes ?? (await readFile(staged)), info.format, {
              revised_prompt: revisedPrompt,
              request_id: ctx.requestId,
              ...notes,
            })
          : clean!.bytes,
      ).catch((err: unknown) => {
        throw localError(err, target);
      });
    const frames = info.format === 'gif' ? framesOf(await readFile(staged), 'gif') : {};
    const { size } = await stat(staged);
    const path = await commitStaged(staged, target, replaces(ctx.plan));
    return {
      index,
      path,
      bytes: size,
      width: info.width,
      height: info.height,
      format: info.format,
      ...frames,
      ...(clean?.removed ? { svg_removed: clean.removed } : {}),
    };
  } catch (err) {
    await discardStaged(staged);
    if (err instanceof LocalFileError) throw await recoverDownload(url, index, ctx, err, revisedPrompt);
    throw err;
  }
}

/**
 * The destination failed while a URL image was being saved: fetch it once more (a GET is free
 * and the URL lives an hour) into memory, and put it in the recovery folder.
 */
async function recoverDownload(
  url: string,
  index: number,
  ctx: SaveContext,
  err: LocalFileError,
  revisedPrompt?: string,
): Promise<unknown> {
  if (ctx.plan.kind === 'stdout' || ctx.signal.aborted) return err;
  try {
    const { body, declared } = await downloadImage(url, index, downloadOptions(ctx));
    const received = await collect(body);
    const info = proveImage(endsOf(received), index, ctx.requestId, FROM_URL, declared);
    const clean = (await withoutActiveContent(received, info, index, ctx)).bytes;
    const bytes = ctx.stamp
      ? ctx.stamp(clean, info.format, { revised_prompt: revisedPrompt, request_id: ctx.requestId })
      : clean;
    // The temp file failed before the format (and so the name) was known: name the file now.
    const target = targetPath(ctx.plan, index, info.format);
    const named = err.path === target ? err : localError(err.cause, target);
    return recovering(named, bytes, target, ctx);
  } catch {
    return err;
  }
}

/**
 * Saves every image of an answer. One failed image does not lose the others: each failure is
 * reported in `failed`, and the caller decides the exit code.
 */
export async function saveImages(
  items: ImageItem[],
  ctx: SaveContext,
): Promise<{ files: SavedFile[]; failed: FailedImage[] }> {
  const files: SavedFile[] = [];
  const failed: FailedImage[] = [];
  const wanted = plannedCount(ctx.plan);
  if (items.length !== wanted) ctx.notes?.push({ kind: 'count', asked: wanted, got: items.length });
  if (items.length > wanted) {
    ctx.warn(
      `the server sent ${items.length} images where ${wanted} were asked for; the extra ${items.length - wanted} were not saved.`,
    );
  }
  for (const [index, item] of items.slice(0, wanted).entries()) {
    try {
      const b64 = item.b64_json;
      const bytes = !b64
        ? undefined
        : ctx.spill?.owns(b64)
          ? await ctx.spill.take(b64, index, ctx.requestId)
          : decodeBase64(b64, index, ctx.requestId);
      const revised = item.revised_prompt ?? undefined;
      const saved = bytes ? await saveBytes(bytes, index, ctx, revised) : await saveUrl(item.url!, index, ctx, revised);
      files.push(item.revised_prompt ? { ...saved, revised_prompt: item.revised_prompt } : saved);
      await ctx.onSaved?.(saved, bytes);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      failed.push({ index, error: err as Error });
    }
    // Release the decoded base64 string as soon as its file is written.
    item.b64_json = undefined;
  }
  for (let index = items.length; index < wanted; index++) {
    failed.push({
      index,
      error: answerError(
        'missing-images',
        `The server returned ${items.length} of the ${wanted} images asked for; image ${index + 1} never came.`,
        ctx.requestId,
      ),
    });
  }
  return { files, failed };
}

// From an Images API answer to files on disk: decode base64 or download URLs at once (they
// expire after 60 minutes), prove what the bytes are and that they are whole (proveImage, the one
// gate every image passes), and write each image atomically; a paid image that cannot be written
// where it should goes to the recovery folder (recovery.ts).
import { request, type Dispatcher } from '../api/undici.js';
import { ApiError, answerError } from '../api/errors.js';
import { discardBody, dispatcherFor } from '../api/http.js';
import type { ImageItem } from '../api/images.js';
import { LIMITS, sizeText } from '../api/limits.js';
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
  stamp?: (bytes: Buffer, format: ImageFormat, extra: { revised_prompt?: string; request_id?: string }) => Buffer;
  /** Where a paid image goes when its destination cannot be written (see recovery.ts). */
  recovery?: readonly string[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes one b64_json value strictly: Node's decoder would silently skip bad characters. */
export function decodeBase64(b64: string, index: number, requestId?: string): Buffer {
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

const endsOf = (bytes: Uint8Array): ImageEnds => ({
  head: bytes.subarray(0, SNIFF_BYTES),
  tail: bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)),
  size: bytes.length,
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
  return at ? err.withRecovery(at) : err;
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
  const info = proveImage(endsOf(received), index, ctx.requestId, where, declared);
  const bytes = ctx.stamp
    ? ctx.stamp(received, info.format, { revised_prompt: revisedPrompt, request_id: ctx.requestId })
    : received;
  const base = {
    index,
    bytes: bytes.length,
    width: info.width,
    height: info.height,
    format: info.format,
    ...framesOf(bytes, info.format),
  };
  if (ctx.plan.kind === 'stdout') {
    await new Promise<void>((resolve, reject) => ctx.stdout.write(bytes, (err) => (err ? reject(err) : resolve())));
    return { ...base, path: '-' };
  }
  const target = targetPath(ctx.plan, index, info.format);
  noteMismatch(ctx, target, info.format);
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

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** An image URL (or a redirect's target) imgcli will fetch: http(s) only, credentials stripped. */
function downloadUrl(url: string, index: number, ctx: SaveContext, hop: number): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw answerError(
      'bad-url',
      `Image ${index + 1}'s ${hop ? 'redirect target' : 'URL'} is not a valid URL.`,
      ctx.requestId,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw answerError(
      'bad-url',
      `Image ${index + 1}'s ${hop ? 'download redirects to' : 'URL uses'} ${parsed.protocol}, not http(s); imgcli will not fetch it.`,
      ctx.requestId,
    );
  }
  // A download never carries credentials, whoever put them in the URL.
  parsed.username = '';
  parsed.password = '';
  return parsed;
}

/**
 * GETs an image URL, following up to LIMITS.redirects redirects (each hop http(s), without
 * credentials, its body discarded unread); one timeout covers every hop. Returns the body and
 * the Content-Length it announced.
 */
async function download(
  url: string,
  index: number,
  ctx: SaveContext,
): Promise<{ body: Dispatcher.ResponseData['body']; declared?: number }> {
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]);
  let current = downloadUrl(url, index, ctx, 0);
  for (let hop = 0; ; hop++) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(current, {
        method: 'GET',
        signal,
        dispatcher: ctx.dispatcher ?? dispatcherFor(ctx.timeoutMs),
      });
    } catch (err) {
      if (ctx.signal.aborted) throw new ApiError({ kind: 'aborted', message: 'The download was interrupted.' });
      throw answerError(
        'download-unreachable',
        `Could not download image ${index + 1} from ${current.host}: ${(err as Error).message}`,
        undefined,
        err,
      );
    }
    if (REDIRECTS.has(res.statusCode)) {
      discardBody(res.body);
      const location = res.headers.location;
      if (hop >= LIMITS.redirects)
        throw answerError(
          'download-failed',
          `Downloading image ${index + 1} failed: more than ${LIMITS.redirects} redirects.`,
          ctx.requestId,
        );
      if (typeof location !== 'string' || !location)
        throw answerError(
          'download-failed',
          `Downloading image ${index + 1} failed: a ${res.statusCode} redirect without a Location.`,
          ctx.requestId,
        );
      current = downloadUrl(new URL(location, current).toString(), index, ctx, hop + 1);
      continue;
    }
    if (res.statusCode !== 200) {
      discardBody(res.body);
      const expired = res.statusCode === 403 || res.statusCode === 404 || res.statusCode === 410;
      throw answerError(
        expired ? 'url-expired' : 'download-failed',
        `Downloading image ${index + 1} failed: the URL answered ${res.statusCode}${expired ? '; it has probably expired (image URLs live 60 minutes)' : ''}.`,
        ctx.requestId,
      );
    }
    const raw = res.headers['content-length'];
    const length = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined;
    if (length !== undefined && length > LIMITS.imageBytes) {
      discardBody(res.body);
      throw answerError(
        'too-large',
        `Image ${index + 1} is ${length} bytes, more than the ${sizeText(LIMITS.imageBytes)} imgcli accepts.`,
        ctx.requestId,
      );
    }
    return { body: res.body, declared: length };
  }
}

/** Passes chunks through, failing once more than `max` bytes went by. */
async function* capped(source: AsyncIterable<Uint8Array>, max: number, index: number, requestId?: string) {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > max)
      throw answerError('too-large', `Image ${index + 1}'s download passed ${sizeText(max)}; stopped.`, requestId);
    yield chunk;
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const FROM_URL = 'downloaded from its URL';

async function saveUrl(url: string, index: number, ctx: SaveContext, revisedPrompt?: string): Promise<SavedFile> {
  const { body, declared } = await download(url, index, ctx);
  const source = capped(body, LIMITS.imageBytes, index, ctx.requestId);
  if (ctx.plan.kind === 'stdout')
    return saveBytes(await collect(source), index, ctx, revisedPrompt, FROM_URL, declared);
  // Stream to a temp file first: the final name needs the format, known only from the bytes.
  let staged: string;
  try {
    staged = await stageStream(dirname(targetPath(ctx.plan, index, 'png')), source, ctx.signal);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (ctx.signal.aborted) throw new ApiError({ kind: 'aborted', message: 'The download was interrupted.' });
    if (err instanceof LocalFileError) throw await recoverDownload(url, index, ctx, err, revisedPrompt);
    throw answerError(
      'download-cut',
      `The download of image ${index + 1} broke off: ${(err as Error).message}`,
      undefined,
      err,
    );
  }
  try {
    const info = proveImage(await readEnds(staged), index, ctx.requestId, FROM_URL, declared);
    const target = targetPath(ctx.plan, index, info.format);
    noteMismatch(ctx, target, info.format);
    // Metadata means one read and rewrite of the temp file; downloads are a few MB at most.
    if (ctx.stamp)
      await writeFile(
        staged,
        ctx.stamp(await readFile(staged), info.format, { revised_prompt: revisedPrompt, request_id: ctx.requestId }),
      ).catch((err: unknown) => {
        throw localError(err, target);
      });
    const frames = info.format === 'gif' ? framesOf(await readFile(staged), 'gif') : {};
    const { size } = await stat(staged);
    const path = await commitStaged(staged, target, replaces(ctx.plan));
    return { index, path, bytes: size, width: info.width, height: info.height, format: info.format, ...frames };
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
    const { body, declared } = await download(url, index, ctx);
    const received = await collect(capped(body, LIMITS.imageBytes, index, ctx.requestId));
    const info = proveImage(endsOf(received), index, ctx.requestId, FROM_URL, declared);
    const bytes = ctx.stamp
      ? ctx.stamp(received, info.format, { revised_prompt: revisedPrompt, request_id: ctx.requestId })
      : received;
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

// From an Images API answer to files on disk: decode base64 or download URLs at once (they
// expire after 60 minutes), check what the bytes really are, and write each image atomically.
import { request, type Dispatcher } from 'undici';
import { ApiError, answerError } from '../api/errors.js';
import { discardBody, dispatcherFor } from '../api/http.js';
import type { ImageItem } from '../api/images.js';
import type { SpillFiles } from './spill.js';
import { formatFromExtension, framesOf, looksComplete, sniffImage, SNIFF_BYTES, type ImageFormat } from '../image/format.js';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { plannedCount, partialPath, targetPath, type OutputPlan } from './naming.js';
import { commitStaged, discardStaged, stageStream, writeAtomic } from './files.js';
import { readHead } from '../image/head.js';

/** The largest image download we accept; real ones are a few MB. */
export const MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024;

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
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes one b64_json value strictly: Node's decoder would silently skip bad characters. */
export function decodeBase64(b64: string, index: number, requestId?: string): Buffer {
  // What servers send is canonical base64, which re-encodes to itself: one decode and one
  // encode prove it, 5x faster than the scans below (20 ms per 4 MB image; ten per answer).
  const fast = Buffer.from(b64, 'base64');
  if (fast.toString('base64') === b64) return fast;
  // Line breaks, non-canonical padding bits or bad characters: the strict check decides.
  const clean = b64.replace(/\s+/g, '');
  if (clean.length % 4 !== 0 || !BASE64.test(clean)) {
    throw answerError('bad-base64', `Image ${index + 1} in the answer is not valid base64 (the body may have been cut or altered on the way).`, requestId);
  }
  return Buffer.from(clean, 'base64');
}

function checkImage(head: Uint8Array, index: number, requestId: string | undefined, where: string) {
  const info = sniffImage(head);
  if (!info) {
    const start = Buffer.from(head.subarray(0, 16)).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
    throw answerError('not-an-image', `Image ${index + 1} ${where} is not an image (it starts: ${start || '(nothing)'}).`, requestId);
  }
  return info;
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

/** Checks and writes one image held in memory (to stdout with -o -); returns what was written. */
export async function saveBytes(received: Buffer, index: number, ctx: SaveContext, revisedPrompt?: string): Promise<SavedFile> {
  const info = checkImage(received, index, ctx.requestId, 'in the answer');
  if (!looksComplete(received, info.format)) {
    throw answerError('cut-short', `Image ${index + 1} in the answer is cut short (an incomplete ${info.format}).`, ctx.requestId);
  }
  const bytes = ctx.stamp ? ctx.stamp(received, info.format, { revised_prompt: revisedPrompt, request_id: ctx.requestId }) : received;
  const base = { index, bytes: bytes.length, width: info.width, height: info.height, format: info.format, ...framesOf(bytes, info.format) };
  if (ctx.plan.kind === 'stdout') {
    await new Promise<void>((resolve, reject) => ctx.stdout.write(bytes, (err) => (err ? reject(err) : resolve())));
    return { ...base, path: '-' };
  }
  const target = targetPath(ctx.plan, index, info.format);
  noteMismatch(ctx, target, info.format);
  const path = await writeAtomic(target, bytes, { replace: replaces(ctx.plan), signal: ctx.signal });
  return { ...base, path };
}

/** Writes a streamed partial image next to the final path of image `index`; never to stdout. */
export async function savePartial(bytes: Buffer, index: number, partialIndex: number, ctx: SaveContext): Promise<SavedPartial> {
  const info = checkImage(bytes, index, ctx.requestId, `(partial ${partialIndex + 1}) in the stream`);
  if (ctx.plan.kind === 'stdout') throw new Error('partial images are not written with -o -');
  const target = partialPath(targetPath(ctx.plan, index, info.format), partialIndex);
  // Only the finals were checked before sending, so --no-clobber guards partials here.
  const path = await writeAtomic(target, bytes, { replace: replaces(ctx.plan), signal: ctx.signal });
  return { index, partialIndex, path, bytes: bytes.length, width: info.width, height: info.height, format: info.format };
}

async function download(url: string, index: number, ctx: SaveContext): Promise<Dispatcher.ResponseData['body']> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw answerError('bad-url', `Image ${index + 1}'s URL is not a valid URL.`, ctx.requestId);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw answerError('bad-url', `Image ${index + 1}'s URL uses ${parsed.protocol}, not http(s); imgcli will not fetch it.`, ctx.requestId);
  }
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]);
  let res: Dispatcher.ResponseData;
  try {
    res = await request(parsed, { method: 'GET', signal, dispatcher: ctx.dispatcher ?? dispatcherFor(ctx.timeoutMs) });
  } catch (err) {
    if (ctx.signal.aborted) throw new ApiError({ kind: 'aborted', message: 'The download was interrupted.' });
    throw answerError('download-unreachable', `Could not download image ${index + 1} from ${parsed.host}: ${(err as Error).message}`, undefined, err);
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
  const length = Number(res.headers['content-length']);
  if (length > MAX_DOWNLOAD_BYTES) {
    discardBody(res.body);
    throw answerError('too-large', `Image ${index + 1} is ${length} bytes, more than the ${MAX_DOWNLOAD_BYTES / 1024 / 1024} MB imgcli accepts.`, ctx.requestId);
  }
  return res.body;
}

/** Passes chunks through, failing once more than `max` bytes went by. */
async function* capped(source: AsyncIterable<Uint8Array>, max: number, index: number, requestId?: string) {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > max) throw answerError('too-large', `Image ${index + 1}'s download passed ${max / 1024 / 1024} MB; stopped.`, requestId);
    yield chunk;
  }
}

async function saveUrl(url: string, index: number, ctx: SaveContext, revisedPrompt?: string): Promise<SavedFile> {
  const body = await download(url, index, ctx);
  const source = capped(body, MAX_DOWNLOAD_BYTES, index, ctx.requestId);
  if (ctx.plan.kind === 'stdout') {
    const chunks: Uint8Array[] = [];
    for await (const chunk of source) chunks.push(chunk);
    return saveBytes(Buffer.concat(chunks), index, ctx, revisedPrompt);
  }
  // Stream to a temp file first: the final name needs the format, known only from the bytes.
  const staged = await stageStream(dirname(targetPath(ctx.plan, index, 'png')), source, ctx.signal).catch((err: unknown) => {
    if (err instanceof ApiError) throw err;
    if (ctx.signal.aborted) throw new ApiError({ kind: 'aborted', message: 'The download was interrupted.' });
    throw answerError('download-cut', `The download of image ${index + 1} broke off: ${(err as Error).message}`, undefined, err);
  });
  try {
    const info = checkImage(await readHead(staged, SNIFF_BYTES), index, ctx.requestId, 'downloaded from its URL');
    const target = targetPath(ctx.plan, index, info.format);
    noteMismatch(ctx, target, info.format);
    // Metadata means one read and rewrite of the temp file; downloads are a few MB at most.
    if (ctx.stamp) await writeFile(staged, ctx.stamp(await readFile(staged), info.format, { revised_prompt: revisedPrompt, request_id: ctx.requestId }));
    const frames = info.format === 'gif' ? framesOf(await readFile(staged), 'gif') : {};
    const { size } = await stat(staged);
    const path = await commitStaged(staged, target, replaces(ctx.plan));
    return { index, path, bytes: size, width: info.width, height: info.height, format: info.format, ...frames };
  } catch (err) {
    await discardStaged(staged);
    throw err;
  }
}

/**
 * Saves every image of an answer. One failed image does not lose the others: each failure is
 * reported in `failed`, and the caller decides the exit code.
 */
export async function saveImages(items: ImageItem[], ctx: SaveContext): Promise<{ files: SavedFile[]; failed: FailedImage[] }> {
  const files: SavedFile[] = [];
  const failed: FailedImage[] = [];
  const wanted = plannedCount(ctx.plan);
  if (items.length > wanted) {
    ctx.warn(`the server sent ${items.length} images where ${wanted} were asked for; the extra ${items.length - wanted} were not saved.`);
  }
  for (const [index, item] of items.slice(0, wanted).entries()) {
    try {
      const b64 = item.b64_json;
      const bytes = !b64 ? undefined : ctx.spill?.owns(b64) ? await ctx.spill.take(b64, index, ctx.requestId) : decodeBase64(b64, index, ctx.requestId);
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
    failed.push({ index, error: answerError('missing-images', `The server returned ${items.length} of the ${wanted} images asked for; image ${index + 1} never came.`, ctx.requestId) });
  }
  return { files, failed };
}

// Streamed answers (`stream: true`) on the offline server: the ordinary JSON answer replayed as
// server-sent events in the API's shape, each image preceded by its partial images (blocky,
// downscaled renders of the final that get sharper), spaced over time, with stream faults.
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import type { RecordedRequest } from './route.js';

export type StreamFamily = 'image_generation' | 'image_edit';

/** One event as the API sends it: `event: <name>` then `data: <json>`. */
export interface SseOut {
  event: string;
  data: Record<string, unknown>;
}

/** Faults that only make sense once a stream has started. */
export type StreamFault =
  /** Close the connection after this many events (0: right after the headers). */
  | { streamCut: number }
  /** Send `event: error` with this error after `afterEvents` events (default 1), then end. */
  | {
      streamError: { message: string; type?: string; code?: string | null; param?: string | null };
      afterEvents?: number;
    };

export function isStreamFault(fault: object): fault is StreamFault {
  return 'streamCut' in fault || 'streamError' in fault;
}

/** Whether a request asked to stream, and for how many partial images: JSON `true` or multipart `"true"`. */
export function streamingOf(req: RecordedRequest): { partials: number } | undefined {
  const json = req.json as Record<string, unknown> | undefined;
  const field = (name: string) =>
    json && typeof json === 'object'
      ? json[name]
      : req.parts?.find((p) => p.name === name && p.filename === undefined)?.value;
  const stream = field('stream');
  if (stream !== true && stream !== 'true') return undefined;
  const partials = Number(field('partial_images') ?? 0);
  return { partials: Number.isInteger(partials) && partials > 0 ? partials : 0 };
}

/** A coarse, blocky copy of the final at its full size; `step` 0 is the roughest. */
export async function partialRender(final: Buffer, step: number, steps: number, format: string): Promise<Buffer> {
  const meta = await sharp(final).metadata();
  const width = meta.width ?? 1024;
  const height = meta.height ?? 1024;
  // The last partial has a quarter of the detail, each earlier one a quarter of the next's.
  const factor = 4 ** (steps - step);
  const small = await sharp(final)
    .resize(Math.max(2, Math.round(width / factor)))
    .toBuffer();
  const img = sharp(small).resize(width, height, { kernel: 'nearest' });
  const encoded =
    format === 'jpeg'
      ? img.jpeg()
      : format === 'webp'
        ? img.webp({ effort: 0 })
        : img.png({ compressionLevel: 2, adaptiveFiltering: false });
  return encoded.toBuffer();
}

/**
 * The events for a successful JSON answer: per image, its partials then its completed event.
 * Every completed event carries the request's whole usage, as the API's do.
 */
export async function* imageEvents(
  answer: Record<string, unknown>,
  family: StreamFamily,
  partials: number,
): AsyncGenerator<SseOut> {
  // Answers from imagesAnswer always carry `created`.
  const created = Number(answer.created);
  const meta = {
    created_at: created,
    size: answer.size,
    quality: answer.quality,
    background: answer.background,
    output_format: answer.output_format,
  };
  const data = (answer.data as Array<{ b64_json?: string }> | undefined) ?? [];
  // The offline server streams partial renders of still raster images only; a GIF or SVG comes whole.
  const still = ['png', 'jpeg', 'webp'].includes(String(answer.output_format ?? 'png'));
  for (const item of data) {
    const final = Buffer.from(item.b64_json ?? '', 'base64');
    for (let i = 0; still && i < partials; i++) {
      const bytes = await partialRender(final, i, partials, String(answer.output_format ?? 'png'));
      const type = `${family}.partial_image`;
      yield { event: type, data: { type, b64_json: bytes.toString('base64'), partial_image_index: i, ...meta } };
    }
    const type = `${family}.completed`;
    yield { event: type, data: { type, b64_json: item.b64_json, ...meta, usage: answer.usage } };
  }
}

export const formatEvent = (e: SseOut) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;

/** The whole stream as one text, for faults that need the full body (truncate, stall). */
export async function sseText(events: AsyncIterable<SseOut>): Promise<string> {
  let text = '';
  for await (const e of events) text += formatEvent(e);
  return text;
}

/** Writes the events `delayMs` apart; stops when the client goes away or a fault says so. */
export async function writeSse(
  res: ServerResponse,
  events: AsyncIterable<SseOut>,
  opts: { delayMs: number; signal: AbortSignal; fault?: StreamFault },
): Promise<void> {
  const { fault, signal } = opts;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
  let sent = 0;
  const cutAt = fault && 'streamCut' in fault ? fault.streamCut : undefined;
  const errorAt = fault && 'streamError' in fault ? (fault.afterEvents ?? 1) : undefined;
  const stop = (): boolean => {
    if (sent === cutAt) {
      // Let what was written reach the client before the connection dies.
      setTimeout(() => res.socket?.destroy(), 50);
      return true;
    }
    if (sent === errorAt && fault && 'streamError' in fault) {
      const { message, type = 'server_error', code = null, param = null } = fault.streamError;
      res.end(`event: error\ndata: ${JSON.stringify({ error: { message, type, param, code } })}\n\n`);
      return true;
    }
    return false;
  };
  if (stop()) return;
  for await (const event of events) {
    if (opts.delayMs > 0) await sleep(opts.delayMs, undefined, { signal }).catch(() => {});
    if (signal.aborted) return;
    res.write(formatEvent(event));
    sent++;
    if (stop()) return;
  }
  res.end();
}

// Fault injection for the offline server: what a test (or a user rehearsing failures) can make the
// next answers do instead of answering well: statuses and bodies, dropped and cut connections,
// stalls, endless bodies, redirects, late answers. Streamed answers have their own (stream.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamFault } from './stream.js';

export type Fault =
  | { status: number; body?: string | object; headers?: Record<string, string> }
  | { drop: 'before-response' }
  | { truncate: number }
  | { stallMs: number }
  | { body: string; status?: number; contentType?: string }
  /** The answer's first `cleanCut` bytes, chunked (no Content-Length), then a clean end: a cut no transport error reveals. */
  | { cleanCut: number }
  /** The answer's first `hang` bytes (with its full Content-Length, or none with `chunked`), then silence until the client goes away. */
  | { hang: number; chunked?: boolean }
  /** A body that never ends: a b64_json string, a 500 text, one SSE line, until the client goes away. */
  | { endless: 'b64_json' | 'error-body' | 'sse-line' }
  /** Answers with the request's own headers as text (a server that echoes Authorization). */
  | { echoHeaders: true; status?: number }
  /** A redirect (302 unless `status`) to this address. */
  | { redirect: string; status?: number }
  /** The request is handled at once (a batch is created, a file stored), but the answer leaves only after this long, if ever. */
  | { answerAfterMs: number }
  | StreamFault;

/** Sends a whole answer with its length. */
export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const ENDLESS_STARTS = {
  b64_json: { status: 200, type: 'application/json', start: '{"created":1700000000,"data":[{"b64_json":"' },
  'error-body': { status: 500, type: 'text/plain', start: 'Internal error: ' },
  'sse-line': {
    status: 200,
    type: 'text/event-stream',
    start: 'event: image_generation.partial_image\ndata: {"type":"image_generation.partial_image","b64_json":"',
  },
} as const;

/** Writes base64-looking text for ever (minding backpressure) until the client goes away. */
async function writeEndless(
  res: ServerResponse,
  kind: keyof typeof ENDLESS_STARTS,
  closed: AbortSignal,
): Promise<void> {
  const { status, type, start } = ENDLESS_STARTS[kind];
  res.writeHead(status, { 'content-type': type });
  res.write(start);
  const block = Buffer.alloc(256 * 1024, 'QUFB');
  while (!closed.aborted && !res.destroyed) {
    if (!res.write(block)) await drainedOrClosed(res);
  }
}

/** Waits for a full socket buffer to drain, or for the client to go; no listener is left behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** Answers a request the way `fault` says instead of (or by spoiling) its own `answer`. */
export async function applyFault(
  fault: Exclude<Fault, StreamFault>,
  req: IncomingMessage,
  res: ServerResponse,
  answer: () => Promise<{ status: number; body: string | Buffer; type: string }>,
  closed: AbortSignal,
) {
  if ('drop' in fault) {
    res.socket?.destroy();
    return;
  }
  if ('truncate' in fault) {
    const full = await answer();
    const body = Buffer.from(full.body);
    res.writeHead(full.status, { 'content-type': full.type, 'content-length': body.length });
    res.write(body.subarray(0, fault.truncate));
    // Let the partial body reach the client before the connection dies.
    setTimeout(() => res.socket?.destroy(), 50);
    return;
  }
  if ('cleanCut' in fault) {
    const full = await answer();
    res.writeHead(full.status, { 'content-type': full.type });
    res.end(Buffer.from(full.body).subarray(0, fault.cleanCut));
    return;
  }
  if ('hang' in fault) {
    const full = await answer();
    const body = Buffer.from(full.body);
    res.writeHead(full.status, {
      'content-type': full.type,
      ...(fault.chunked ? {} : { 'content-length': body.length }),
    });
    res.write(body.subarray(0, fault.hang));
    return;
  }
  if ('endless' in fault) return writeEndless(res, fault.endless, closed);
  if ('echoHeaders' in fault) {
    const text = Object.entries(req.headers)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join('\n');
    send(res, fault.status ?? 200, text, 'text/plain');
    return;
  }
  if ('redirect' in fault) {
    res.writeHead(fault.status ?? 302, { location: fault.redirect, 'content-length': 0 });
    res.end();
    return;
  }
  if ('answerAfterMs' in fault) {
    const full = await answer();
    await sleep(fault.answerAfterMs, undefined, { signal: closed }).catch(() => {});
    if (closed.aborted) return;
    send(res, full.status, full.body, full.type);
    return;
  }
  if ('stallMs' in fault) {
    await sleep(fault.stallMs, undefined, { signal: closed }).catch(() => {});
    if (closed.aborted) return;
    const full = await answer();
    send(res, full.status, full.body, full.type);
    return;
  }
  const body = typeof fault.body === 'object' ? JSON.stringify(fault.body) : (fault.body ?? '');
  const type =
    'contentType' in fault && fault.contentType
      ? fault.contentType
      : typeof fault.body === 'object'
        ? 'application/json'
        : body.trimStart().startsWith('<')
          ? 'text/html'
          : body.trimStart().startsWith('{')
            ? 'application/json'
            : 'text/plain';
  send(res, fault.status ?? 200, body, type, 'headers' in fault ? fault.headers : {});
}

// The offline OpenAI-compatible Images server: a node:http server that answers like
// api.openai.com (validation, error shapes, x-request-id), with synthesized images, URLs it
// serves and expires, streamed answers (stream.ts), edits as multipart or JSON (edits-json.ts),
// the Files API (files.ts), and fault injection for tests (statuses, drops, truncation, stalls,
// streams cut or failing mid-way).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleVariations, recordUploadParts } from './edits.js';
import { handleAnyEdit } from './edits-json.js';
import { handleGenerations } from './generations.js';
import { resolveRoute } from './resolve-route.js';
import { imageEvents, isStreamFault, sseText, streamingOf, writeSse, type StreamFault } from './stream.js';
import type { SynthPayload } from './synth.js';
import type { StoredFile } from './answers.js';
import { BatchStore, DEFAULT_BATCH_TIMING, batchesRoute, type BatchFault, type BatchTiming } from './batches.js';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  errorAnswer,
  type RecordedRequest,
  type Route,
  type RouteAnswer,
  type RouteContext,
  type UploadedFile,
} from './route.js';

export interface MockOptions {
  port?: number;
  host?: string;
  /** Delay before each API answer. */
  latencyMs?: number;
  /** When set, only this key is accepted; otherwise any non-empty key. */
  apiKey?: string;
  /** Accept requests without a key, as a local server that needs none does. */
  keyless?: boolean;
  /** How long image URLs stay valid (default 60 minutes, as OpenAI's). */
  urlTtlMs?: number;
  /** Time between streamed events (default 150 ms), so partial images arrive spaced out. */
  streamDelayMs?: number;
  /** Model names served besides the table's, with no parameter checks (a compatible server's own). */
  extraModels?: string[];
  /** What the pictures look like; 'noise' gives photo-sized files (default 'gradient'). */
  payload?: SynthPayload;
  /** False: no prompt and size written on the pictures (default: written where fonts are available). */
  labels?: boolean;
  /** One line per request, for the foreground `imgcli mock-server`. */
  log?: (line: string) => void;
  /** The server's clock: `created` in answers and image URL expiry (default: the system clock). */
  now?: () => Date;
  /** How fast batches move (batches.ts; default: a few hundred requests in a second or two). */
  batchTiming?: Partial<BatchTiming>;
  /** The clock batches move on, in milliseconds (default: performance.now); tests pass one they advance. */
  batchClock?: () => number;
}

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

export interface MockServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Queues a fault for the next request(s); with `path`, only for requests whose path matches it. */
  enqueueFault(fault: Fault, times?: number, path?: RegExp): void;
  /** What goes wrong with the next batch created (see BatchFault). */
  enqueueBatchFault(fault: BatchFault): void;
  setBatchTiming(timing: Partial<BatchTiming>): void;
  enqueueDownloadFault(fault: Fault, times?: number): void;
  setLatency(ms: number): void;
  setStreamDelay(ms: number): void;
  /** Drops faults not yet used, so one test's leftovers cannot leak into the next. */
  clearFaults(): void;
  apiRequests(): RecordedRequest[];
  close(): Promise<void>;
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
    if (!res.write(block))
      await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
  }
}

/** Routes by path; later features (edits, variations, models) add entries here. */
const ROUTES: Record<string, Route> = {
  '/v1/images/generations': handleGenerations,
  '/v1/images/edits': handleAnyEdit,
  '/v1/images/variations': handleVariations,
};

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** A file the server wrote (a batch's results), streamed from disk: it can be hundreds of megabytes. */
function sendFile(res: ServerResponse, file: { path: string; size: number; contentType: string }) {
  res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.size });
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

function bearerKey(headers: IncomingMessage['headers']): string | undefined {
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ') && auth.slice(7).trim()) return auth.slice(7).trim();
  const apiKey = headers['api-key'];
  return typeof apiKey === 'string' && apiKey ? apiKey : undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startMockServer(options: MockOptions = {}): Promise<MockServer> {
  const requests: RecordedRequest[] = [];
  const faults: Array<{ fault: Fault; path?: RegExp }> = [];
  const downloadFaults: Fault[] = [];
  const files = new Map<string, StoredFile>();
  const uploads = new Map<string, UploadedFile>();
  let latencyMs = options.latencyMs ?? 0;
  let streamDelayMs = options.streamDelayMs ?? 150;
  const nowMs = options.now ? () => options.now!().getTime() : () => Date.now();
  const batches = new BatchStore({ ...DEFAULT_BATCH_TIMING, ...options.batchTiming }, options.batchClock);
  const ctx: RouteContext = {
    origin: '',
    nowMs,
    files,
    uploads,
    urlTtlMs: options.urlTtlMs ?? 60 * 60 * 1000,
    extraModels: options.extraModels ?? [],
    payload: options.payload,
    labels: options.labels,
    batches,
  };
  /** The next queued fault meant for this path (or for any). */
  const takeFault = (path: string): Fault | undefined => {
    const i = faults.findIndex((f) => !f.path || f.path.test(path));
    return i === -1 ? undefined : faults.splice(i, 1)[0]!.fault;
  };

  async function applyFault(
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

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const requestId = `req_${randomBytes(12).toString('hex')}`;
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const raw = await readBody(req);
    const contentType = String(req.headers['content-type'] ?? '');
    let json: unknown;
    if (contentType.includes('json')) {
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      json,
      rawBodyBytes: raw.length,
      at: Date.now(),
    };
    record.parts = recordUploadParts(raw, contentType);
    requests.push(record);
    options.log?.(`${record.method} ${record.path} (${raw.length} bytes) ${requestId}`);
    const closed = new AbortController();
    res.on('close', () => closed.abort());

    if (url.pathname.startsWith('/files/')) {
      const serve = async () => {
        const id = url.pathname.slice('/files/'.length).replace(/\.\w+$/, '');
        const file = files.get(id);
        if (!file) return { status: 404, body: 'BlobNotFound: The specified blob does not exist.', type: 'text/plain' };
        if (nowMs() > file.expiresAt) {
          return {
            status: 403,
            body: '<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed.</Message></Error>',
            type: 'application/xml',
          };
        }
        return { status: 200, body: file.bytes, type: file.contentType };
      };
      const fault = downloadFaults.shift();
      if (fault && !isStreamFault(fault)) return applyFault(fault, req, res, serve, closed.signal);
      const answer = await serve();
      return send(res, answer.status, answer.body, answer.type);
    }

    const route =
      ROUTES[url.pathname] ??
      batchesRoute(url.pathname.replace(/^\/openai(?=\/v1\/)/, '')) ??
      resolveRoute(url.pathname, record.query, ROUTES);
    // A successful answer to `stream: true` goes out as events; errors stay plain JSON, as the API's do.
    const events = (result: RouteAnswer) => {
      const streaming = result.status === 200 ? streamingOf(record) : undefined;
      const family = route === ROUTES['/v1/images/edits'] ? 'image_edit' : 'image_generation';
      return streaming && imageEvents(result.json as Record<string, unknown>, family, streaming.partials);
    };
    const answer = async () => {
      const result = await respond(route, record, raw, req);
      const stream = events(result);
      if (stream) return { status: 200, body: await sseText(stream), type: 'text/event-stream' };
      // A fault needs the whole body: a file on disk is read (tests keep those small).
      if (result.raw)
        return {
          status: result.status,
          body: 'path' in result.raw ? await readFile(result.raw.path) : result.raw.body,
          type: result.raw.contentType,
        };
      return { status: result.status, body: JSON.stringify(result.json), type: 'application/json' };
    };
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: closed.signal }).catch(() => {});
    if (closed.signal.aborted) return;
    const fault = takeFault(url.pathname);
    if (fault && !isStreamFault(fault)) return applyFault(fault, req, res, answer, closed.signal);
    const result = await respond(route, record, raw, req);
    const stream = events(result);
    // A stream fault meets a request that does not stream (or fails): it is used up, doing nothing.
    if (stream) return writeSse(res, stream, { delayMs: streamDelayMs, signal: closed.signal, fault });
    if (result.raw && 'path' in result.raw) return sendFile(res, result.raw);
    if (result.raw) return send(res, result.status, result.raw.body, result.raw.contentType);
    send(res, result.status, JSON.stringify(result.json), 'application/json');
  }

  async function respond(
    route: Route | undefined,
    record: RecordedRequest,
    raw: Buffer,
    req: IncomingMessage,
  ): Promise<RouteAnswer> {
    const key = bearerKey(req.headers);
    if (!options.keyless && (!key || (options.apiKey && key !== options.apiKey))) {
      return errorAnswer({
        status: 401,
        // The API echoes a wrong key with all but its first 8 and last 4 characters starred.
        message: key
          ? `Incorrect API key provided: ${key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : key}. You can find your API key at https://platform.openai.com/account/api-keys.`
          : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        type: 'invalid_request_error',
        param: null,
        code: key ? 'invalid_api_key' : null,
      });
    }
    if (!route) {
      return errorAnswer({
        status: 404,
        message: `Invalid URL (${record.method} ${record.path})`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      });
    }
    return route(record, raw, ctx);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(
          res,
          500,
          JSON.stringify({
            error: {
              message: `mock server error: ${(err as Error).message}`,
              type: 'server_error',
              param: null,
              code: null,
            },
          }),
          'application/json',
        );
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  ctx.origin = `http://${host}:${port}`;

  const enqueue =
    (queue: Fault[]) =>
    (fault: Fault, times = 1) => {
      for (let i = 0; i < times; i++) queue.push(fault);
    };
  return {
    url: `${ctx.origin}/v1`,
    port,
    requests,
    enqueueFault: (fault, times = 1, path) => {
      for (let i = 0; i < times; i++) faults.push({ fault, path });
    },
    enqueueBatchFault: (fault) => batches.enqueueFault(fault),
    setBatchTiming: (timing) => {
      batches.timing = { ...batches.timing, ...timing };
    },
    enqueueDownloadFault: enqueue(downloadFaults),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setStreamDelay: (ms) => {
      streamDelayMs = ms;
    },
    clearFaults: () => {
      faults.length = 0;
      downloadFaults.length = 0;
      batches.clearFaults();
    },
    apiRequests: () => requests.filter((r) => !r.path.startsWith('/files/')),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await batches.close();
    },
  };
}

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
import { handleResponses, responseEvents } from './responses.js';
import { resolveRoute } from './resolve-route.js';
import { imageEvents, isStreamFault, sseText, streamingOf, writeSse } from './stream.js';
import { applyFault, send, type Fault } from './faults.js';
import { OFFLINE_HEADER } from '../api/offline.js';
import { DEFAULT_PROVIDER, providerAnswer, providerModels, providerRefusal, providerRequest } from './providers.js';
import { providerById, type ProviderId } from '../models/providers.js';

export type { Fault } from './faults.js';
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
  /**
   * Answer as the provider stood in for (api.openai.com unless `provider`) does on the date this
   * returns: a model it has shut down by then does not exist. `--mock` and `imgcli mock-server` give the run's
   * clock; unset (tests of other servers, `mock-server --serve-retired`), every model is served.
   */
  retiredAsOf?: () => Date;
  /**
   * Mark every answer with x-imgcli-offline: 1 (api/offline.ts), so imgcli records its images as
   * offline stand-ins (default true). The test suite turns it off where the server plays a real one.
   */
  markOffline?: boolean;
  /** What the pictures look like; 'noise' gives photo-sized files (default 'gradient'). */
  payload?: SynthPayload;
  /** False: no prompt and size written on the pictures (default: written where fonts are available). */
  labels?: boolean;
  /** The provider to stand in for (models/providers.ts): its refusals, answer shapes and models; default openai. */
  provider?: ProviderId;
  /**
   * False: the account has no GIF preview access, so a gif request is answered 403 as
   * OpenAI's reference says (default: it has).
   */
  gifAccess?: boolean;
  /** One line per request, for the foreground `imgcli mock-server`. */
  log?: (line: string) => void;
  /** The server's clock: `created` in answers and image URL expiry (default: the system clock). */
  now?: () => Date;
  /**
   * A response the server does not hold (made by an earlier --mock run): its image as the client
   * recorded it, so a thread continues across commands; undefined refuses it as the API refuses a stale id.
   */
  recall?: (responseId: string) => Promise<{ image: Buffer; revised?: string } | undefined>;
  /** How fast batches move (batches.ts; default: a few hundred requests in a second or two). */
  batchTiming?: Partial<BatchTiming>;
  /** The clock batches move on, in milliseconds (default: performance.now); tests pass one they advance. */
  batchClock?: () => number;
}

export interface MockServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /**
   * Queues a fault for the next `times` request(s) (Infinity: every one, a server that always
   * answers so); with `path`, only for requests whose path matches it.
   */
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

/** Routes by path; later features (edits, variations, models) add entries here. */
const ROUTES: Record<string, Route> = {
  '/v1/images/generations': handleGenerations,
  '/v1/images/edits': handleAnyEdit,
  '/v1/images/variations': handleVariations,
  '/v1/responses': handleResponses,
};

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

/** An image URL the server handed out, answered as a blob store does: the bytes, 404, or 403 once expired. */
function imageDownload(file: StoredFile | undefined, nowMs: number) {
  if (!file) return { status: 404, body: 'BlobNotFound: The specified blob does not exist.', type: 'text/plain' };
  if (nowMs > file.expiresAt) {
    return {
      status: 403,
      body: '<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed.</Message></Error>',
      type: 'application/xml',
    };
  }
  return { status: 200, body: file.bytes as string | Buffer, type: file.contentType };
}

/** The route's answer, or the API's 401 for a missing or wrong key and its 404 for an unknown path. */
async function respond(
  route: Route | undefined,
  record: RecordedRequest,
  raw: Buffer,
  req: IncomingMessage,
  options: MockOptions,
  ctx: RouteContext,
): Promise<RouteAnswer> {
  const key = bearerKey(req.headers);
  // A server run without keys (vLLM-Omni's normal way) takes requests without one.
  const keyless = options.keyless ?? !ctx.provider.keyRequired;
  if (!keyless && (!key || (options.apiKey && key !== options.apiKey))) {
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
  const refused = providerRefusal(ctx.provider, record) ?? gifAccessRefusal(options, record);
  if (refused) return refused;
  // The route reads the request as the provider would (its format, its size words); what was sent stays recorded.
  const seen = isObject(record.json) ? { ...record, json: providerRequest(ctx.provider, record.json) } : record;
  const answer = await route(seen, raw, ctx);
  if (answer.status !== 200 || !isObject(answer.json) || !Array.isArray(answer.json.data)) return answer;
  const fields = (seen.json ?? {}) as Record<string, unknown>;
  const request = {
    format: String(fields.output_format ?? 'png'),
    responseFormat: fields.response_format,
    size: fields.size,
  };
  return { ...answer, json: await providerAnswer(ctx.provider, answer.json, request, ctx) };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A gif request from an account without GIF preview access (--no-gif-access): OpenAI's 403. */
function gifAccessRefusal(options: MockOptions, record: RecordedRequest): RouteAnswer | undefined {
  if (options.gifAccess !== false || !/\/images\/(generations|edits)$/.test(record.path)) return undefined;
  const field = (name: string) =>
    isObject(record.json) ? record.json[name] : record.parts?.find((p) => p.name === name)?.value;
  if (field('output_format') !== 'gif') return undefined;
  return errorAnswer({
    status: 403,
    message: `output_format 'gif' requires GIF preview access for the selected model (${String(field('model'))}). Your organization does not have access to this preview.`,
    type: 'invalid_request_error',
    param: 'output_format',
    code: null,
  });
}

/** What one offline server holds while it runs: its options, what it was sent, its queued faults and its files. */
interface ServerState {
  options: MockOptions;
  requests: RecordedRequest[];
  faults: Array<{ fault: Fault; path?: RegExp; left: number }>;
  downloadFaults: Fault[];
  files: Map<string, StoredFile>;
  latencyMs: number;
  streamDelayMs: number;
  ctx: RouteContext;
}

/** The next queued fault meant for this path (or for any). */
function takeFault(state: ServerState, path: string): Fault | undefined {
  const i = state.faults.findIndex((f) => !f.path || f.path.test(path));
  if (i === -1) return undefined;
  const queued = state.faults[i]!;
  if (--queued.left <= 0) state.faults.splice(i, 1);
  return queued.fault;
}

/** One request: recorded, then answered by its route (or a queued fault), streamed when it asked to be. */
async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse) {
  const { options, ctx, files, downloadFaults } = state;
  const requestId = `req_${randomBytes(12).toString('hex')}`;
  res.setHeader('x-request-id', requestId);
  // Every answer says it is a stand-in: imgcli records the images as offline (provenance origin).
  if (options.markOffline !== false) res.setHeader(OFFLINE_HEADER, '1');
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
  state.requests.push(record);
  const closed = new AbortController();
  // One log line per request, once it is answered: what was asked, the status, how long it took.
  const started = performance.now();
  res.on('close', () => {
    closed.abort();
    const ms = Math.round(performance.now() - started);
    const outcome = res.writableFinished ? `${res.statusCode}` : 'closed before the answer';
    options.log?.(`${record.method} ${record.path} (${raw.length} bytes) ${outcome} ${ms} ms ${requestId}`);
  });

  if (url.pathname.startsWith('/files/')) {
    const serve = async () =>
      imageDownload(files.get(url.pathname.slice('/files/'.length).replace(/\.\w+$/, '')), ctx.nowMs());
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
    if (route === ROUTES['/v1/responses']) {
      const body = record.json as { stream?: unknown; tools?: Array<{ type?: unknown; partial_images?: unknown }> };
      const tool = body?.tools?.find((t) => t?.type === 'image_generation');
      return result.status === 200 && body.stream === true
        ? responseEvents(result.json as Record<string, unknown>, Number(tool?.partial_images ?? 0) || 0)
        : undefined;
    }
    const streaming = result.status === 200 ? streamingOf(record) : undefined;
    const family = route === ROUTES['/v1/images/edits'] ? 'image_edit' : 'image_generation';
    return streaming && imageEvents(result.json as Record<string, unknown>, family, streaming.partials);
  };
  const answer = async () => {
    const result = await respond(route, record, raw, req, options, ctx);
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
  if (state.latencyMs > 0) await sleep(state.latencyMs, undefined, { signal: closed.signal }).catch(() => {});
  if (closed.signal.aborted) return;
  const fault = takeFault(state, url.pathname);
  if (fault && !isStreamFault(fault)) return applyFault(fault, req, res, answer, closed.signal);
  const result = await respond(route, record, raw, req, options, ctx);
  const stream = events(result);
  // A stream fault meets a request that does not stream (or fails): it is used up, doing nothing.
  if (stream) return writeSse(res, stream, { delayMs: state.streamDelayMs, signal: closed.signal, fault });
  if (result.raw && 'path' in result.raw) return sendFile(res, result.raw);
  if (result.raw) return send(res, result.status, result.raw.body, result.raw.contentType);
  send(res, result.status, JSON.stringify(result.json), 'application/json');
}

export async function startMockServer(options: MockOptions = {}): Promise<MockServer> {
  const files = new Map<string, StoredFile>();
  const provider = (options.provider && providerById(options.provider)) || DEFAULT_PROVIDER;
  const batches = new BatchStore({ ...DEFAULT_BATCH_TIMING, ...options.batchTiming }, options.batchClock);
  const state: ServerState = {
    options,
    requests: [],
    faults: [],
    downloadFaults: [],
    files,
    latencyMs: options.latencyMs ?? 0,
    streamDelayMs: options.streamDelayMs ?? 150,
    ctx: {
      origin: '',
      nowMs: options.now ? () => options.now!().getTime() : () => Date.now(),
      files,
      uploads: new Map<string, UploadedFile>(),
      urlTtlMs: options.urlTtlMs ?? 60 * 60 * 1000,
      extraModels: [...(options.extraModels ?? []), ...providerModels(provider)],
      retiredAsOf: options.retiredAsOf,
      payload: options.payload,
      labels: options.labels,
      batches,
      provider,
      responses: { held: new Map(), recall: options.recall },
    },
  };
  const { ctx, requests, faults, downloadFaults } = state;

  const server = createServer((req, res) => {
    handle(state, req, res).catch((err: unknown) => {
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
      if (times > 0) faults.push({ fault, path, left: times });
    },
    enqueueBatchFault: (fault) => batches.enqueueFault(fault),
    setBatchTiming: (timing) => {
      batches.timing = { ...batches.timing, ...timing };
    },
    enqueueDownloadFault: enqueue(downloadFaults),
    setLatency: (ms) => {
      state.latencyMs = ms;
    },
    setStreamDelay: (ms) => {
      state.streamDelayMs = ms;
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

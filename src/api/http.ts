// The HTTP core: one request with a timeout covering the whole attempt, wrapped in a bounded,
// polite retry loop. Every setting arrives as an argument; nothing here knows about the terminal.
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { request, type Dispatcher } from './undici.js';
import { readErrorText } from './body.js';
import { scrubSecret } from './redact.js';
import { ApiError, httpError, type ResponseHeaders } from './errors.js';
import { makeDispatcher, type ProxyOptions } from './proxy.js';
import type { MultipartBody } from './multipart.js';
import { OFFLINE_HEADER } from './offline.js';

export interface Connection {
  baseUrl: string;
  /** Absent for a server that needs none (a local server): then no credentials are sent. */
  apiKey?: string;
  /** How the key is sent: `Authorization: Bearer` (OpenAI) or an `api-key` header (Azure). */
  authHeader?: 'bearer' | 'api-key';
  /** Headers added to every request (a gateway's own), after imgcli's; names in lowercase. */
  headers?: ReadonlyArray<readonly [string, string]>;
  /** The proxy requests to baseUrl go through (credentials redacted), for error messages. */
  proxy?: string;
  org?: string;
  project?: string;
  /** Query parameters added to every request (Azure's api-version). */
  query?: Record<string, string>;
  timeoutMs: number;
  maxRetries: number;
  userAgent: string;
  signal: AbortSignal;
  dispatcher?: Dispatcher;
  /** One line per request, response and retry decision, for a verbose log. Never sees the key. */
  log?: (line: string) => void;
  /** A flaw in an answer that was used anyway (a field of the wrong type), for a warning line. */
  warn?: (line: string) => void;
  /** The server's answers carry no `created` time (xAI's do not): its absence is no flaw to warn about. */
  noCreated?: boolean;
  /** Called before each retry wait, so the CLI can say why it waits. */
  onRetry?: (info: RetryInfo) => void;
  /**
   * The server is imgcli's offline server: set for --mock, and by send() once an answer carries
   * the offline mark (offline.ts), as `imgcli mock-server`'s do. Its images are stand-ins.
   */
  offline?: boolean;
  /** Shared pacing for concurrent requests (see governor.ts). */
  governor?: {
    acquire(signal: AbortSignal): Promise<void>;
    observe(status: number | undefined, headers: ResponseHead['headers'], delayMs?: number): void;
  };
}

export interface RetryInfo {
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  reason: string;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** A JSON body; serialised afresh for every attempt. */
  json?: unknown;
  /** Builds a multipart body (multipart.ts); called once per attempt because a sent body cannot be resent. */
  form?: () => MultipartBody | Promise<MultipartBody>;
  accept?: string;
}

export interface ResponseHead {
  status: number;
  headers: ResponseHeaders;
  requestId?: string;
}

/** Reads a successful body; runs inside the attempt, so the timeout and an abort cover it too. */
export type BodyReader<T> = (body: Dispatcher.ResponseData['body'], head: ResponseHead) => Promise<T>;

const dispatchers = new Map<string, Dispatcher>();

/**
 * An undici dispatcher whose header and body timeouts match the attempt timeout (undici caps at 5 min
 * otherwise), going through the given proxies if any.
 */
export function dispatcherFor(timeoutMs: number, proxy?: ProxyOptions): Dispatcher {
  const key = JSON.stringify([timeoutMs, proxy ?? null]);
  let d = dispatchers.get(key);
  if (!d) {
    d = makeDispatcher(
      { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 30_000) },
      proxy,
    );
    dispatchers.set(key, d);
  }
  return d;
}

/**
 * undici parses HTTP with llhttp compiled to WebAssembly. Once its large parse function is hot,
 * V8 recompiles it with TurboFan on a background thread: about 35 MB of peak memory and 50 ms of
 * CPU, and Node waits for that compile before the process exits. A CLI's few answers parse fast
 * enough on the baseline (Liftoff) code, so this puts tier-up out of reach (npm run bench, cases
 * 2 and 3). Process-wide: for the CLI to call before its first request, never at import.
 */
export function keepWasmBaseline(): void {
  try {
    setFlagsFromString('--wasm-tiering-budget=2000000000');
  } catch {
    // A V8 without this flag: only speed is lost.
  }
}

/** Closes pooled keep-alive connections so the process can exit at once. */
export async function closeDispatchers(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.all(all.map((d) => d.destroy().catch(() => {})));
}

export function buildUrl(conn: Connection, path: string): string {
  const url = new URL(conn.baseUrl.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(conn.query ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

/** The request headers, key included: callers that print them must redact it. */
export function headersFor(conn: Connection, spec: RequestSpec): Record<string, string> {
  // No prototype: a header of the user's named __proto__ is a header like any other.
  const headers: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
    'user-agent': conn.userAgent,
    accept: spec.accept ?? 'application/json',
  });
  if (conn.apiKey !== undefined) {
    if (conn.authHeader === 'api-key') headers['api-key'] = conn.apiKey;
    else headers.authorization = `Bearer ${conn.apiKey}`;
  }
  if (conn.org) headers['openai-organization'] = conn.org;
  if (conn.project) headers['openai-project'] = conn.project;
  // The caller made sure these replace nothing it did not mean to (the key, the body's type).
  for (const [name, value] of conn.headers ?? []) headers[name] = value;
  if (spec.json !== undefined) headers['content-type'] = 'application/json';
  return headers;
}

function header(headers: ResponseHead['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Sends the request, retrying what can succeed on a second try. Non-2xx answers throw ApiError. */
export async function send<T>(
  conn: Connection,
  spec: RequestSpec,
  read: BodyReader<T>,
): Promise<ResponseHead & { value: T }> {
  const maxAttempts = conn.maxRetries + 1;
  for (let attempt = 1; ; attempt++) {
    let failure: ApiError;
    try {
      await conn.governor?.acquire(conn.signal);
    } catch {
      throw abortedError(conn.signal);
    }
    try {
      const answer = await attemptOnce(conn, spec, read);
      conn.governor?.observe(answer.status, answer.headers);
      return answer;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      failure = err;
    }
    const headers = failure.headers;
    const delayMs = retryDelayMs(headers, attempt);
    conn.governor?.observe(failure.status, headers, delayMs);
    const forced = header(headers, 'x-should-retry');
    const retry = forced === 'true' || (forced !== 'false' && failure.retryable);
    if (!retry || attempt >= maxAttempts || conn.signal.aborted) throw failure;
    const reason = failure.status
      ? `${failure.status}${failure.code ? ` ${failure.code}` : ''}`
      : `${failure.kind} error${failure.code ? ` (${failure.code})` : ''}`;
    conn.onRetry?.({ attempt: attempt + 1, maxAttempts, delayMs, reason });
    conn.log?.(`retry: ${reason}; waiting ${delayMs} ms before attempt ${attempt + 1} of ${maxAttempts}`);
    try {
      await sleep(delayMs, undefined, { signal: conn.signal });
    } catch {
      throw abortedError(conn.signal);
    }
  }
}

/** Delay before the next attempt: the server's retry-after when sane, else backoff with jitter. */
export function retryDelayMs(headers: ResponseHead['headers'], attempt: number, now = Date.now()): number {
  const ms = Number(header(headers, 'retry-after-ms'));
  let delay = Number.isFinite(ms) && header(headers, 'retry-after-ms') ? ms : NaN;
  const after = header(headers, 'retry-after');
  if (Number.isNaN(delay) && after) {
    const seconds = Number(after);
    delay = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(after) - now;
  }
  if (delay >= 0 && delay <= 60_000) return Math.round(delay);
  const base = Math.min(500 * 2 ** (attempt - 1), 8000);
  return Math.round(base * (1 - Math.random() * 0.25));
}

function abortedError(signal: AbortSignal): ApiError {
  return new ApiError({ kind: 'aborted', message: 'The request was interrupted.', cause: signal.reason });
}

async function attemptOnce<T>(
  conn: Connection,
  spec: RequestSpec,
  read: BodyReader<T>,
): Promise<ResponseHead & { value: T }> {
  const url = buildUrl(conn, spec.path);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), conn.timeoutMs);
  const signal = AbortSignal.any([conn.signal, timeout.signal]);
  const started = Date.now();
  conn.log?.(`${spec.method} ${url}`);
  try {
    let res: Dispatcher.ResponseData;
    try {
      const form = spec.form ? await spec.form() : undefined;
      const headers = headersFor(conn, spec);
      if (form) {
        headers['content-type'] = form.contentType;
        headers['content-length'] = String(form.length);
      }
      res = await request(url, {
        method: spec.method,
        headers,
        // A byte stream, not objects: undici writes each chunk as it comes, under the Content-Length.
        body:
          spec.json !== undefined
            ? JSON.stringify(spec.json)
            : form && Readable.from(form.stream(), { objectMode: false }),
        dispatcher: conn.dispatcher ?? dispatcherFor(conn.timeoutMs),
        signal,
      });
    } catch (err) {
      throw transportError(err, conn, timeout.signal, url);
    }
    const requestId = header(res.headers, 'x-request-id');
    if (header(res.headers, OFFLINE_HEADER) === '1') conn.offline = true;
    const head: ResponseHead = { status: res.statusCode, headers: res.headers, requestId };
    conn.log?.(`${res.statusCode} after ${Date.now() - started} ms${requestId ? `, request id ${requestId}` : ''}`);
    if (res.statusCode < 200 || res.statusCode >= 300) {
      // Bounded: an endless 500 body is cut at LIMITS.errorBodyBytes, never read to the end.
      const text = await readErrorText(res.body).catch((err: unknown) => {
        throw transportError(err, conn, timeout.signal, url, true);
      });
      // A compatible server may echo the key back in its error message.
      throw httpError(res.statusCode, scrubSecret(text, conn.apiKey), requestId, res.headers);
    }
    try {
      const value = await read(res.body, head);
      return { ...head, value };
    } catch (err) {
      if (err instanceof ApiError) throw err;
      // Errors of our own making (a bad body) pass through; transport failures get classified.
      if (!signal.aborted && !isTransportFailure(err)) throw err;
      throw transportError(err, conn, timeout.signal, url, true);
    } finally {
      discardBody(res.body);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Drops a body we are done with; a late error from it is expected and not worth a crash. */
export function discardBody(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

function isTransportFailure(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  const name = (err as Error)?.name ?? '';
  return code.startsWith('UND_ERR') || code.startsWith('E') || name === 'AbortError';
}

/** Failures while connecting: the request never left, so sending it again cannot bill twice. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** undici's words when a proxy answers CONNECT with anything but 200. */
const TUNNEL_REFUSED = /Proxy response \((\d{3})\) !== 200/;

/** Classifies a failure below HTTP: interrupted, timed out, or the network itself. */
export function transportError(
  err: unknown,
  conn: Connection,
  timeoutSignal: AbortSignal,
  url: string,
  reading = false,
): ApiError {
  if (err instanceof ApiError) return err;
  if (conn.signal.aborted) return abortedError(conn.signal);
  const code = (err as { code?: string })?.code ?? '';
  const host = new URL(url).host;
  const detail = (err as Error)?.message || code || String(err);
  // Through a proxy, a connection that fails is most often the proxy's: the message names it.
  const via = conn.proxy ? ` through the proxy ${conn.proxy}` : '';
  const proxy = conn.proxy;
  const tunnel = proxy ? TUNNEL_REFUSED.exec(detail) : null;
  if (tunnel) {
    const status = Number(tunnel[1]);
    return new ApiError({
      kind: 'network',
      code: code || undefined,
      message: `The proxy ${proxy} would not connect to ${host}: it answered ${status}${status === 407 ? ' (it wants credentials)' : ''}`,
      maybeReceived: false,
      retryable: status >= 500,
      proxy,
      cause: err,
    });
  }
  if (NOT_SENT.has(code)) {
    return new ApiError({
      kind: 'network',
      code,
      message: `Could not reach ${host}${via}: ${detail}`,
      maybeReceived: false,
      retryable: true,
      proxy,
      cause: err,
    });
  }
  if (timeoutSignal.aborted || /TIMEOUT/.test(code)) {
    const seconds = Math.round(conn.timeoutMs / 1000);
    return new ApiError({
      kind: 'timeout',
      message: `No complete answer from ${host} within ${seconds} s.`,
      afterMs: conn.timeoutMs,
      cause: err,
    });
  }
  // The connection was up and the request on its way: the server may be generating (and billing)
  // it, so it is not sent again behind the user's back.
  return new ApiError({
    kind: 'network',
    code: code || undefined,
    message: reading
      ? `The connection to ${host}${via} broke while reading the answer: ${detail}`
      : `The connection to ${host}${via} closed before any answer: ${detail}`,
    maybeReceived: true,
    proxy,
    cause: err,
  });
}

// The one error type of the HTTP core: what happened, as typed fields. What the user should do
// next is the caller's business (the CLI's hints read classify() and `problem`).

/**
 * `http`: a non-2xx answer, or an error event inside a stream. `answer`: the server answered 2xx
 * but the answer cannot be used (see AnswerProblem). The others happened below HTTP.
 */
export type ApiErrorKind = 'http' | 'network' | 'timeout' | 'aborted' | 'answer';

/** Why a 2xx answer (or the image download it pointed to) could not be used. */
export type AnswerProblem =
  /** The body, or an event of a stream, is empty or not a JSON object. */
  | 'not-json'
  /** JSON, but not the shape of an Images API response. */
  | 'not-images-response'
  | 'no-images'
  /** An image with neither b64_json nor url. */
  | 'image-without-data'
  /** A stream's image event without b64_json. */
  | 'event-without-image'
  /** A stream that ended before any completed image. */
  | 'stream-ended-early'
  /** More bytes than the Content-Length announced. */
  | 'too-long'
  /** An answer of the Files API that is not a file object, a list of them, or a deletion. */
  | 'not-a-file'
  /** An answer of the Batch API that is not a batch or a list of them, or a result line that is not a batch result. */
  | 'not-a-batch'
  /** An id in an answer (a file's, a batch's, a list's cursor) that is not an id's shape: never used in a URL or printed. */
  | 'bad-id'
  /** A list that says there is more for ever: a cursor given twice, or past the page cap (pages.ts). */
  | 'endless-list'
  /** A batch that had not ended an hour after its 24-hour window closed: imgcli stopped waiting. */
  | 'batch-never-ended'
  | 'model-list-not-json'
  | 'not-a-model-list'
  | 'bad-base64'
  /** Bytes that are not a PNG, JPEG or WebP. */
  | 'not-an-image'
  /** A Responses API answer that is not a response object, or one that ended incomplete. */
  | 'not-a-response'
  /** An image that was not received whole. */
  | 'cut-short'
  /** Fewer images than were asked for. */
  | 'missing-images'
  /** An image URL that is malformed or not http(s). */
  | 'bad-url'
  /** The image URL answered 403, 404 or 410: it has most likely expired. */
  | 'url-expired'
  /** The image URL answered another status. */
  | 'download-failed'
  | 'download-unreachable'
  /** The download broke off mid-way. */
  | 'download-cut'
  /** An image larger than imgcli accepts. */
  | 'too-large';

/** Response headers as undici gives them. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

interface CommonInit {
  message: string;
  status?: number;
  code?: string;
  type?: string;
  param?: string;
  /** The server's own message from the error body, when it gave one. */
  detail?: string;
  headers?: ResponseHeaders;
  requestId?: string;
  retryable?: boolean;
  /** Set for kind `timeout`: how long the attempt was given, in milliseconds. */
  afterMs?: number;
  /** Set for kind `network` when the request went through a proxy: its URL, credentials redacted. */
  proxy?: string;
  cause?: unknown;
}

export type ApiErrorInit = CommonInit &
  (
    | { kind: 'answer'; problem: AnswerProblem; maybeReceived?: never }
    | { kind: 'network'; maybeReceived: boolean; problem?: never }
    | { kind: 'http' | 'timeout' | 'aborted'; problem?: never; maybeReceived?: never }
  );

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly kind: ApiErrorKind;
  /** Set for kind `answer`: what was wrong with it. */
  readonly problem?: AnswerProblem;
  /**
   * Set for kind `network`: whether the request may have reached the server, which may then be
   * generating (and billing) it. False when the connection could not even be made.
   */
  readonly maybeReceived?: boolean;
  readonly status?: number;
  readonly code?: string;
  readonly type?: string;
  readonly param?: string;
  readonly detail?: string;
  /** The answer's headers (retry-after, x-should-retry...); empty when there was no answer. */
  readonly headers: ResponseHeaders;
  readonly requestId?: string;
  /** Whether sending the same request again could succeed (the retry loop reads this). */
  readonly retryable: boolean;
  /** Set for kind `timeout`: how long the attempt was given, in milliseconds. */
  readonly afterMs?: number;
  /** Set for kind `network` when the request went through a proxy: its URL, credentials redacted. */
  readonly proxy?: string;

  constructor(init: ApiErrorInit) {
    super(init.message, { cause: init.cause });
    this.kind = init.kind;
    this.problem = init.problem;
    this.maybeReceived = init.maybeReceived;
    this.status = init.status;
    this.code = init.code;
    this.type = init.type;
    this.param = init.param;
    this.detail = init.detail;
    this.headers = init.headers ?? {};
    this.requestId = init.requestId;
    this.retryable = init.retryable ?? false;
    this.afterMs = init.afterMs;
    this.proxy = init.proxy;
  }
}

/** An unusable 2xx answer; never retried, since the server did its part (and may have billed it). */
export function answerError(problem: AnswerProblem, message: string, requestId?: string, cause?: unknown): ApiError {
  return new ApiError({ kind: 'answer', problem, message, requestId, cause });
}

const QUOTA_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached']);
const SAFETY_CODES = new Set(['moderation_blocked', 'content_policy_violation', 'image_content_policy_violation']);

export function isQuotaError(code: string | undefined): boolean {
  return code !== undefined && QUOTA_CODES.has(code);
}

/**
 * What went wrong, as far as the caller's next step is concerned. The exit code and the hint
 * both read it, so "refused or out of quota or rate limited" is decided here and nowhere else.
 */
export type ApiTrouble =
  /** The safety system refused the prompt or an input image. */
  | 'safety'
  /** Any other refused request: a 4xx not named below, or a user error inside a stream. */
  | 'refused'
  /** 404 naming the model: retired, misspelt, or not served here. */
  | 'unknown-model'
  /** 404 for anything else: the address is wrong. */
  | 'not-found'
  /** 401: the key is missing, wrong or for another server. */
  | 'auth'
  /** 403 because the organization is not verified for GPT image models. */
  | 'unverified'
  /** 403 because the account lacks GIF preview access for the model (OpenAI's reference). */
  | 'gif-preview'
  /** Any other 403: the key may not do this. */
  | 'forbidden'
  /** Out of credits or over the spending limit, at any status: waiting will not help. */
  | 'quota'
  | 'rate-limit'
  /** 5xx, or an error inside a stream that is not the user's. */
  | 'server'
  | 'network'
  | 'timeout'
  | 'aborted'
  /** A 2xx answer that cannot be used; `problem` says why. */
  | 'answer';

/** An error event inside a 200 stream: it has a code and a type but no HTTP status. */
export function isStreamError(err: ApiError): boolean {
  return err.kind === 'http' && err.status === undefined;
}

/** The one classification of an ApiError; see ApiTrouble. */
export function classify(err: ApiError): ApiTrouble {
  if (err.kind !== 'http') return err.kind;
  if (isQuotaError(err.code)) return 'quota';
  const code = err.code ?? '';
  // An error event in a stream, or an error body under a 2xx status: only its code and type tell.
  if (err.status === undefined || err.status < 300) {
    if (code === 'rate_limit_exceeded') return 'rate-limit';
    if (SAFETY_CODES.has(code)) return 'safety';
    return /user_error|invalid_request/.test(err.type ?? '') ? 'refused' : 'server';
  }
  const status = err.status;
  if (status === 429) return 'rate-limit';
  if (status === 401) return 'auth';
  if (status === 403)
    return /verif/i.test(err.detail ?? '')
      ? 'unverified'
      : /gif preview/i.test(err.detail ?? '')
        ? 'gif-preview'
        : 'forbidden';
  if (status >= 500) return 'server';
  if (SAFETY_CODES.has(code)) return 'safety';
  if (status === 404)
    return code === 'model_not_found' || /model/i.test(err.detail ?? '') ? 'unknown-model' : 'not-found';
  return 'refused';
}

interface ErrorBody {
  message?: string;
  type?: string;
  param?: string;
  code?: string;
}

/** Reads `{"error": {...}}` leniently; anything else (an HTML page from a proxy) is shortened. */
export function parseErrorBody(text: string): ErrorBody & { raw?: string } {
  try {
    const parsed: unknown = JSON.parse(text);
    const error = (parsed as { error?: unknown })?.error;
    if (error && typeof error === 'object') {
      const e = error as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
      return { message: str(e.message), type: str(e.type), param: str(e.param), code: str(e.code) ?? str(e.type) };
    }
    if (typeof error === 'string') return { message: error };
  } catch {
    // not JSON: fall through to the raw text
  }
  return { raw: firstLine(text) };
}

/** The first non-empty line of a body, without HTML tags, at most 200 characters. */
export function firstLine(text: string): string {
  const line = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, '\n')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (!line) return '(empty body)';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

export function isRetryableStatus(status: number, code: string | undefined): boolean {
  if (isQuotaError(code)) return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Builds the error for a non-2xx answer. */
export function httpError(
  status: number,
  bodyText: string,
  requestId: string | undefined,
  headers: ResponseHeaders = {},
): ApiError {
  const body = parseErrorBody(bodyText);
  const what = body.message ?? body.raw;
  const tags = [body.code, body.param && `param ${body.param}`].filter(Boolean).join(', ');
  return new ApiError({
    kind: 'http',
    status,
    code: body.code,
    type: body.type,
    param: body.param,
    detail: body.message,
    headers,
    requestId,
    // A 2xx whose body is an error (some gateways do this) says so, rather than "answered 200".
    message: `The API answered ${status}${status < 300 ? ' with an error' : ''}${tags ? ` (${tags})` : ''}: ${what}`,
    retryable: isRetryableStatus(status, body.code),
  });
}

// The one classification of an ApiError (refused, quota, rate limit, auth, server trouble...),
// in-process: every status and code of the API reference's error table, the codes an error
// event inside a stream carries, and the failures below HTTP.
import { describe, expect, it } from 'vitest';
import { ApiError, classify, httpError, type ApiTrouble } from '../src/api/errors.js';

const body = (message: string, type: string | null, code: string | null, param: string | null = null) =>
  JSON.stringify({ error: { message, type, param, code } });

// The bodies are the shape the real API sends for each situation.
const HTTP_ROWS: [situation: string, status: number, text: string, trouble: ApiTrouble][] = [
  [
    'safety system (GPT models)',
    400,
    body('Your request was rejected by the safety system.', 'image_generation_user_error', 'moderation_blocked'),
    'safety',
  ],
  [
    'safety system (dall-e)',
    400,
    body(
      'Your request was rejected as a result of our safety system.',
      'invalid_request_error',
      'content_policy_violation',
    ),
    'safety',
  ],
  [
    'unknown parameter',
    400,
    body("Unknown parameter: 'response_format'.", 'invalid_request_error', 'unknown_parameter', 'response_format'),
    'refused',
  ],
  [
    'invalid value',
    400,
    body("Invalid value: '999x999'.", 'invalid_request_error', 'invalid_value', 'size'),
    'refused',
  ],
  [
    'bad API key',
    401,
    body('Incorrect API key provided: sk-abc***xyz.', 'invalid_request_error', 'invalid_api_key'),
    'auth',
  ],
  [
    'organization not verified',
    403,
    body('Your organization must be verified to use the model `gpt-image-2`.', 'invalid_request_error', null),
    'unverified',
  ],
  [
    'other 403',
    403,
    body('You have insufficient permissions for this operation.', 'invalid_request_error', null),
    'forbidden',
  ],
  [
    'model retired or unknown',
    404,
    body(
      'The model `gpt-image-1` does not exist or you do not have access to it.',
      'invalid_request_error',
      'model_not_found',
    ),
    'unknown-model',
  ],
  [
    '404 naming a model without a code',
    404,
    body('The model `x` does not exist.', 'invalid_request_error', null),
    'unknown-model',
  ],
  ['wrong address', 404, '<html><body>404 Not Found</body></html>', 'not-found'],
  [
    'rate limited',
    429,
    body('Rate limit reached for images per minute.', 'requests', 'rate_limit_exceeded'),
    'rate-limit',
  ],
  [
    'out of money (429)',
    429,
    body('You exceeded your current quota.', 'insufficient_quota', 'insufficient_quota'),
    'quota',
  ],
  [
    'out of money (400)',
    400,
    body('You exceeded your current quota.', 'insufficient_quota', 'insufficient_quota'),
    'quota',
  ],
  [
    'hard limit (400)',
    400,
    body('Billing hard limit has been reached.', 'invalid_request_error', 'billing_hard_limit_reached'),
    'quota',
  ],
  [
    'hard limit (429)',
    429,
    body('Billing hard limit has been reached.', 'invalid_request_error', 'billing_hard_limit_reached'),
    'quota',
  ],
  [
    'server trouble (500)',
    500,
    body('The server had an error while processing your request.', 'server_error', null),
    'server',
  ],
  ['server trouble (502, HTML)', 502, '<html><h1>502 Bad Gateway</h1></html>', 'server'],
  ['server trouble (503)', 503, '', 'server'],
  ['server trouble (599)', 599, 'upstream gone', 'server'],
  ['another 4xx', 422, body('Unprocessable.', 'invalid_request_error', null), 'refused'],
];

/** An error event inside a 200 stream, as image-stream.ts builds it: a code and a type, no status. */
const inStream = (code?: string, type?: string) => new ApiError({ kind: 'http', code, type, message: 'stream error' });

const STREAM_ROWS: [code: string | undefined, type: string | undefined, trouble: ApiTrouble][] = [
  ['moderation_blocked', 'image_generation_user_error', 'safety'],
  ['content_policy_violation', undefined, 'safety'],
  ['insufficient_quota', 'insufficient_quota', 'quota'],
  ['billing_hard_limit_reached', undefined, 'quota'],
  ['rate_limit_exceeded', 'requests', 'rate-limit'],
  ['invalid_value', 'invalid_request_error', 'refused'],
  ['image_generation_user_error', 'image_generation_user_error', 'refused'],
  ['server_error', 'server_error', 'server'],
  [undefined, undefined, 'server'],
];

describe('classify', () => {
  it.each(HTTP_ROWS)('%s: HTTP %i', (_situation, status, text, trouble) => {
    expect(classify(httpError(status, text, 'req_1'))).toBe(trouble);
  });

  it.each(STREAM_ROWS)('in a stream: code %s, type %s', (code, type, trouble) => {
    expect(classify(inStream(code, type))).toBe(trouble);
  });

  it('passes the kinds below HTTP through', () => {
    expect(
      classify(new ApiError({ kind: 'network', maybeReceived: false, message: 'ECONNREFUSED', retryable: true })),
    ).toBe('network');
    expect(classify(new ApiError({ kind: 'network', maybeReceived: true, message: 'ECONNRESET' }))).toBe('network');
    expect(classify(new ApiError({ kind: 'timeout', message: 'slow' }))).toBe('timeout');
    expect(classify(new ApiError({ kind: 'aborted', message: 'Ctrl-C' }))).toBe('aborted');
  });

  it('reads the verification and model checks from the server message, not from our own', () => {
    // "param model" is in the composed message; the server said nothing about a model.
    expect(classify(httpError(404, body('No such route.', 'invalid_request_error', null, 'model'), undefined))).toBe(
      'not-found',
    );
  });
});

describe('ApiError fields', () => {
  it('carries the answer headers as a field set in the constructor', () => {
    const err = httpError(429, body('slow down', 'requests', 'rate_limit_exceeded'), 'req_h', {
      'retry-after-ms': '10',
    });
    expect(err).toMatchObject({
      kind: 'http',
      status: 429,
      code: 'rate_limit_exceeded',
      requestId: 'req_h',
      retryable: true,
      headers: { 'retry-after-ms': '10' },
    });
    expect(new ApiError({ kind: 'network', maybeReceived: false, message: 'x' }).headers).toEqual({});
  });
});

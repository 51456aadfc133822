// The next step printed under an error: chosen in exit-codes.ts from the error's classification
// (or, for an unusable answer, its problem), never carried by the HTTP core. A caller that knows
// more wraps the error with its own hint, and the wrapper keeps its cause's exit code.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError, answerError, httpError } from '../src/api/errors.js';
import { CliError, HintedError, PartialFailureError, UsageError } from '../src/errors.js';
import { exitCodeFor, hintFor, nextStep } from '../src/exit-codes.js';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const body = (message: string, type: string | null, code: string | null, param: string | null = null) =>
  JSON.stringify({ error: { message, type, param, code } });
const inStream = (code?: string, type?: string) => new ApiError({ kind: 'http', code, type, message: 'stream error' });

const SAFETY =
  'The prompt (or an input image) was refused by the safety system. Rephrase it; retrying the same request will not help.';
const QUOTA =
  'The account is out of credits or over its spending limit: add credits or raise the limit in the billing settings, then run again.';
const MID_STREAM =
  'The server gave up mid-stream; this is often temporary, so try again (without streaming if it keeps happening).';
const MODEL =
  'The server does not know this model: run `imgcli models` to see the models and their status, or pick another with -m.';
const STREAM_CUT =
  'The stream was cut after it started. imgcli does not resend it by itself (its images may already be billed): run the command again, or without --stream.';

describe('hints for API errors', () => {
  it.each([
    [
      'safety (GPT)',
      httpError(400, body('rejected', 'image_generation_user_error', 'moderation_blocked'), undefined),
      SAFETY,
    ],
    [
      'safety (dall-e)',
      httpError(400, body('rejected', 'invalid_request_error', 'content_policy_violation'), undefined),
      SAFETY,
    ],
    [
      'quota (429)',
      httpError(429, body('You exceeded your current quota.', 'insufficient_quota', 'insufficient_quota'), undefined),
      QUOTA,
    ],
    [
      'hard limit (400)',
      httpError(
        400,
        body('Billing hard limit has been reached.', 'invalid_request_error', 'billing_hard_limit_reached'),
        undefined,
      ),
      QUOTA,
    ],
    [
      '401',
      httpError(401, body('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'), undefined),
      'Check the API key: set OPENAI_API_KEY (or --api-key) to a valid key for this server.',
    ],
    [
      '403 unverified',
      httpError(
        403,
        body('Your organization must be verified to use the model `gpt-image-2`.', 'invalid_request_error', null),
        undefined,
      ),
      'Your organization must be verified to use GPT image models: verify it at https://platform.openai.com/settings/organization/general, then wait up to 15 minutes.',
    ],
    [
      '403',
      httpError(403, body('Not allowed.', 'invalid_request_error', null), undefined),
      'The key is not allowed to do this: check its permissions, --org and --project.',
    ],
    [
      '404 model',
      httpError(404, body('The model `x` does not exist.', 'invalid_request_error', 'model_not_found'), undefined),
      MODEL,
    ],
    [
      '404 address',
      httpError(404, '<h1>Not Found</h1>', undefined),
      'Nothing at that address: check --base-url (it usually ends in /v1).',
    ],
    [
      '429',
      httpError(429, body('Rate limit reached.', 'requests', 'rate_limit_exceeded'), undefined),
      'Rate limited: wait a little, send fewer requests at once, or raise --max-retries.',
    ],
    [
      '500',
      httpError(500, body('The server had an error.', 'server_error', null), undefined),
      'The server had trouble; this is usually temporary, so try again in a moment.',
    ],
    [
      '400 with a param',
      httpError(400, body("Invalid value: '999x999'.", 'invalid_request_error', 'invalid_value', 'size'), undefined),
      'The server refused the value of "size".',
    ],
    ['400 without a param', httpError(400, body('Bad request.', 'invalid_request_error', null), undefined), undefined],
    [
      '422 with a param',
      httpError(422, body('Unprocessable.', 'invalid_request_error', null, 'size'), undefined),
      undefined,
    ],
    ['in-stream safety', inStream('moderation_blocked', 'image_generation_user_error'), SAFETY],
    ['in-stream quota', inStream('insufficient_quota'), QUOTA],
    ['in-stream rate limit', inStream('rate_limit_exceeded'), MID_STREAM],
    ['in-stream user error', inStream('invalid_value', 'invalid_request_error'), MID_STREAM],
    ['in-stream server error', inStream('server_error'), MID_STREAM],
    [
      'not connected',
      new ApiError({ kind: 'network', maybeReceived: false, message: 'ECONNREFUSED', retryable: true }),
      'Check your network, proxy settings and --base-url, then try again.',
    ],
    [
      'cut after sending',
      new ApiError({ kind: 'network', maybeReceived: true, message: 'ECONNRESET' }),
      'The server may have received, and billed, the request; imgcli does not resend it by itself. Run the command again to retry (with -o and --if-changed, finished files are not made twice).',
    ],
    [
      'timeout',
      new ApiError({ kind: 'timeout', message: 'slow' }),
      'Raise --timeout (high-quality images can take minutes). The server may still have generated, and billed, the image.',
    ],
    ['aborted', new ApiError({ kind: 'aborted', message: 'Ctrl-C' }), undefined],
  ] as [string, ApiError, string | undefined][])('%s', (_label, err, hint) => {
    expect(hintFor(err)).toBe(hint);
    expect(err).not.toHaveProperty('hint');
  });

  it.each([
    ['not-json', 'A proxy or gateway may be in the way: check --base-url.'],
    ['event-without-image', 'A proxy or gateway may be in the way: check --base-url.'],
    ['not-images-response', 'Check that --base-url points at an OpenAI-compatible server.'],
    [
      'stream-ended-early',
      'The connection may have been cut or the server may not support streaming: try again, or run without streaming.',
    ],
    ['model-list-not-json', 'Check --base-url: it should point at an OpenAI-compatible API (usually ending in /v1).'],
    ['not-a-model-list', 'Check --base-url: it should point at an OpenAI-compatible API.'],
    ['bad-base64', 'Run the command again; if it keeps happening, check any proxy between you and the server.'],
    ['not-an-image', 'The server sent something else than an image; check --base-url.'],
    ['cut-short', 'Run the command again.'],
    ['missing-images', 'Run the command again for the missing images.'],
    [
      'url-expired',
      'Generate the image again; to keep results longer, download them at once (imgcli does) or use --response-format b64_json.',
    ],
    ['download-failed', 'Run the command again.'],
    ['download-unreachable', 'Run the command again; image URLs stay valid for 60 minutes.'],
    ['download-cut', 'Run the command again.'],
    ['no-images', undefined],
    ['image-without-data', undefined],
    ['too-long', undefined],
    ['bad-url', undefined],
    ['too-large', undefined],
  ] as const)('an unusable answer, %s', (problem, hint) => {
    const err = answerError(problem, 'm', 'req_a');
    expect(hintFor(err)).toBe(hint);
    expect(exitCodeFor(err)).toBe(6);
    expect(err).toMatchObject({ kind: 'answer', problem, requestId: 'req_a', retryable: false });
  });
});

describe('wrapping errors', () => {
  const notFound = httpError(
    404,
    body('The model `gpt-image-1.5` does not exist.', 'invalid_request_error', 'model_not_found'),
    'req_404',
  );
  const cut = new ApiError({
    kind: 'network',
    maybeReceived: true,
    message: 'The connection broke while reading the answer',
  });

  it("keep their cause's message, request id and exit code, with their own hint", () => {
    const wrapped = new HintedError(
      notFound,
      `${hintFor(notFound)} gpt-image-1.5's replacement is gpt-image-2.6-flare.`,
    );
    expect(wrapped).toBeInstanceOf(CliError);
    expect(wrapped.cause).toBe(notFound);
    expect(wrapped.message).toBe(notFound.message);
    expect(wrapped.requestId).toBe('req_404');
    expect(exitCodeFor(wrapped)).toBe(exitCodeFor(notFound));
    expect(exitCodeFor(wrapped)).toBe(3);
    expect(nextStep(wrapped)).toBe(`${MODEL} gpt-image-1.5's replacement is gpt-image-2.6-flare.`);
    expect(notFound).not.toHaveProperty('hint');
  });

  it('keep the exit code of any cause: network 6, quota 5, usage 2, and a wrapper of a wrapper', () => {
    expect(exitCodeFor(new HintedError(cut, STREAM_CUT))).toBe(6);
    const quota = httpError(
      429,
      body('You exceeded your current quota.', 'insufficient_quota', 'insufficient_quota'),
      undefined,
    );
    expect(exitCodeFor(new HintedError(quota, 'x'))).toBe(5);
    expect(exitCodeFor(new HintedError(new UsageError('bad'), 'x'))).toBe(2);
    expect(exitCodeFor(new HintedError(new HintedError(quota, 'x'), 'y'))).toBe(5);
    // A bug stays a bug, wrapped or not.
    expect(exitCodeFor(new HintedError(new Error('boom'), 'x'))).toBe(70);
  });

  it("give a partial failure its first failure's hint, request id and exit code", () => {
    const partial = new PartialFailureError(1, [
      new HintedError(cut, STREAM_CUT),
      answerError('missing-images', 'short'),
    ]);
    expect(nextStep(partial)).toBe(STREAM_CUT);
    expect(exitCodeFor(partial)).toBe(6);
    const byHintFor = new PartialFailureError(2, [answerError('bad-base64', 'Image 3 is not valid base64', 'req_b')]);
    expect(byHintFor.requestId).toBe('req_b');
    expect(nextStep(byHintFor)).toBe(
      'Run the command again; if it keeps happening, check any proxy between you and the server.',
    );
  });
});

describe('wrapping errors, end to end', () => {
  const mock = useMockServer({ streamDelayMs: 5 });

  it("a 404 for a model with a replacement: the model hint plus the replacement, the 404's exit code", async () => {
    mock.enqueueFault({
      status: 404,
      body: {
        error: {
          message: 'The model `gpt-image-1.5` does not exist or you do not have access to it.',
          type: 'invalid_request_error',
          param: null,
          code: 'model_not_found',
        },
      },
    });
    const r = await imgcli(['--base-url', mock.url, 'gen', 'a fox', '-m', 'gpt-image-1.5', '-o', 'fox.png']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'error: The API answered 404 (model_not_found): The model `gpt-image-1.5` does not exist',
    );
    expect(r.stderr).toContain(`hint: ${MODEL} gpt-image-1.5's replacement is gpt-image-2.6-flare.\n`);
    expect(r.stderr).toMatch(/request id: req_/);
    expect(r.stderr).not.toMatch(/bug in imgcli/);
  });

  it("a stream cut after it started: the stream's hint, the network error's exit code", async () => {
    mock.enqueueFault({ streamCut: 1 });
    const cwd = tempDir();
    const r = await imgcli(['--base-url', mock.url, 'gen', 'a fox', '--stream', '-o', 'fox.png'], { cwd });
    expect(r.exitCode).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error: The connection to .* broke while reading the answer/);
    expect(String(r.stderr).split('\n')).toContain(`hint: ${STREAM_CUT}`);
    expect(r.stderr).not.toMatch(/bug in imgcli/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

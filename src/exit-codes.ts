// The exit codes, as one table: exitCodeFor(), the `Exit codes:` block of --help and the
// README's table are all read from it. With cli.ts, the only place that turns an error into
// an exit code; and the next step for API errors, chosen from the same classification.
import { ApiError, classify, isStreamError, type AnswerProblem, type ApiTrouble } from './api/errors.js';
import {
  BatchEndedError,
  BatchFailedError,
  BrokenPipeError,
  CliError,
  HintedError,
  InterruptedError,
  LocalFileError,
  MissingKeyError,
  NoAnswer,
  PartialFailureError,
  UsageError,
} from './errors.js';
import { MODELS, endpointRules, resolveModel } from './models/table.js';

/**
 * One row per code; meanings are markdown. 1 is a "no" to the question a command asks: `--check`
 * answers it for "out of date" as `make -q` and `cmp` do, `config get` for an unset key as `git
 * config` does, `doctor` for a problem found. A bug exits 70 (EX_SOFTWARE of sysexits.h), so a
 * crash never passes for a stale asset. A local write failure exits 74 (EX_IOERR) and a closed
 * stdout 141 (what a shell reports for SIGPIPE), so neither passes for a network failure or a bug.
 */
export const EXIT_CODES = [
  { code: 0, name: 'ok', meaning: 'success' },
  {
    code: 1,
    name: 'no',
    meaning:
      'the answer is no: with `--check` an output is missing or out of date (like `make -q`); `config get`: the key is not set (like `git config`); `doctor`: something is wrong',
  },
  { code: 2, name: 'usage', meaning: 'usage or validation error; nothing was sent' },
  { code: 3, name: 'refused', meaning: 'the API refused the request (a 4xx not listed below, e.g. the safety system)' },
  { code: 4, name: 'auth', meaning: 'authentication or permission: no key, 401, 403' },
  { code: 5, name: 'rateLimit', meaning: 'rate limit or quota (429, `insufficient_quota`)' },
  { code: 6, name: 'network', meaning: 'network, timeout, server error (5xx) or an unusable answer' },
  {
    code: 7,
    name: 'batchPartial',
    meaning: "`imgcli batch`: some jobs failed or were not started (all failed: that failure's code)",
  },
  { code: 70, name: 'internal', meaning: 'internal error (a bug: please report it)' },
  {
    code: 74,
    name: 'localIo',
    meaning:
      'a local file could not be written (disk full, read-only or vanished folder); paid images are kept in the recovery folder (see Reliability)',
  },
  { code: 130, name: 'interrupted', meaning: 'interrupted (Ctrl-C)' },
  {
    code: 141,
    name: 'brokenPipe',
    meaning:
      'stdout was closed by its reader (e.g. `head -c 10` after `-o -`): imgcli stopped quietly; 128+13, as a shell reports SIGPIPE',
  },
  { code: 143, name: 'terminated', meaning: 'terminated (SIGTERM)' },
] as const;

type ExitRow = (typeof EXIT_CODES)[number];
export type ExitName = ExitRow['name'];

export const EXIT = Object.fromEntries(EXIT_CODES.map((row) => [row.name, row.code])) as {
  readonly [R in ExitRow as R['name']]: R['code'];
};

/** The exit code for each kind of API trouble (see classify in api/errors.ts). */
const EXIT_FOR_TROUBLE: Record<ApiTrouble, ExitName> = {
  safety: 'refused',
  refused: 'refused',
  'unknown-model': 'refused',
  'not-found': 'refused',
  auth: 'auth',
  unverified: 'auth',
  'gif-preview': 'auth',
  forbidden: 'auth',
  quota: 'rateLimit',
  'rate-limit': 'rateLimit',
  server: 'network',
  network: 'network',
  timeout: 'network',
  aborted: 'interrupted',
  answer: 'network',
};

/** The exit code for an error; a Ctrl-C (the aborted signal) wins over whatever it caused. */
export function exitCodeFor(err: unknown, signal?: AbortSignal): number {
  if (err instanceof InterruptedError) return err.signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  if (signal?.aborted)
    return signal.reason instanceof InterruptedError && signal.reason.signal === 'SIGTERM'
      ? EXIT.terminated
      : EXIT.interrupted;
  if (err instanceof HintedError) return exitCodeFor(err.cause, signal);
  if (err instanceof BrokenPipeError) return EXIT.brokenPipe;
  if (err instanceof LocalFileError) return EXIT.localIo;
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof PartialFailureError) return exitCodeFor(err.failures[0]);
  if (err instanceof NoAnswer) return EXIT.no;
  if (err instanceof BatchFailedError)
    return err.succeeded === 0 && err.failures.length === err.total ? exitCodeFor(err.failures[0]) : EXIT.batchPartial;
  if (err instanceof BatchEndedError) return err.reason === 'failed' ? EXIT.refused : EXIT.batchPartial;
  if (err instanceof MissingKeyError) return EXIT.auth;
  if (err instanceof ApiError) return EXIT[EXIT_FOR_TROUBLE[classify(err)]];
  return EXIT.internal;
}

const PROXY = 'A proxy or gateway may be in the way: check --base-url.';
const AGAIN = 'Run the command again.';

/** The next step for each kind of unusable answer; undefined where the message says enough. */
const ANSWER_HINTS: Record<AnswerProblem, string | undefined> = {
  'not-json': PROXY,
  'not-images-response': 'Check that --base-url points at an OpenAI-compatible server.',
  'no-images': undefined,
  'image-without-data': undefined,
  'event-without-image': PROXY,
  'stream-ended-early':
    'The connection may have been cut or the server may not support streaming: try again, or run without streaming.',
  'too-long': undefined,
  'not-a-response': 'Check that --base-url points at a server with the Responses API (imgcli chat needs it).',
  'not-a-file': 'The server may not have the Files API: check --base-url (compatible servers often lack it).',
  'not-a-batch':
    'The server may not have the Batch API: check --base-url (compatible servers often lack it), or run the batch locally (without --remote).',
  'bad-id': 'The server is not speaking the API as it should: check --base-url. Nothing was sent with that id.',
  'endless-list':
    'The server may not honour the list\'s "after" cursor: check --base-url; `--limit` reads fewer (files list, batch list).',
  'batch-never-ended':
    'Its state is kept: `imgcli batch status <jobs>` shows it, the same command attaches to it again, and `imgcli batch cancel <jobs>` gives it up.',
  'model-list-not-json': 'Check --base-url: it should point at an OpenAI-compatible API (usually ending in /v1).',
  'not-a-model-list': 'Check --base-url: it should point at an OpenAI-compatible API.',
  'bad-base64': 'Run the command again; if it keeps happening, check any proxy between you and the server.',
  'not-an-image': 'The server sent something else than an image; check --base-url.',
  'cut-short': AGAIN,
  'missing-images': 'Run the command again for the missing images.',
  'bad-url': undefined,
  'url-expired':
    'Generate the image again; to keep results longer, download them at once (imgcli does) or use --response-format b64_json.',
  'download-failed': AGAIN,
  'download-unreachable': 'Run the command again; image URLs stay valid for 60 minutes.',
  'download-cut': AGAIN,
  'too-large': undefined,
};

const SAFETY =
  'The prompt (or an input image) was refused by the safety system. Rephrase it; retrying the same request will not help.';
const QUOTA =
  'The account is out of credits or over its spending limit: add credits or raise the limit in the billing settings, then run again.';

/**
 * What works without GIF preview access, from the model table: the models that make GIFs and
 * their other formats, and every other model.
 */
export function gifPreviewHint(): string {
  const makers = MODELS.filter((m) => endpointRules(resolveModel(m.id), 'generations')?.formats?.includes('gif'));
  const others = [
    ...new Set(
      makers.flatMap((m) => endpointRules(resolveModel(m.id), 'generations')!.formats!.filter((f) => f !== 'gif')),
    ),
  ];
  const names = makers.map((m) => m.id);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];
  return `This account has no GIF preview access for the model. Without it, ${list} still make ${others.join(', ')} (drop -f gif and --frames), and every other model works as before; ask OpenAI for GIF preview access to make GIFs.`;
}

/** The next step for an API error, from its classification (and for answers, their problem). */
function apiHint(err: ApiError): string | undefined {
  const trouble = classify(err);
  // An error inside a stream says little beyond its code: the safety system and quota are sure.
  if (isStreamError(err) && trouble !== 'safety' && trouble !== 'quota') {
    return 'The server gave up mid-stream; this is often temporary, so try again (without streaming if it keeps happening).';
  }
  switch (trouble) {
    case 'safety':
      return SAFETY;
    case 'quota':
      return QUOTA;
    case 'auth':
      return 'Check the API key: set OPENAI_API_KEY (or --api-key) to a valid key for this server.';
    case 'unverified':
      return 'Your organization must be verified to use GPT image models: verify it at https://platform.openai.com/settings/organization/general, then wait up to 15 minutes.';
    case 'gif-preview':
      return gifPreviewHint();
    case 'forbidden':
      return 'The key is not allowed to do this: check its permissions, --org and --project.';
    case 'unknown-model':
      return 'The server does not know this model: run `imgcli models` to see the models and their status, or pick another with -m.';
    case 'not-found':
      return NOT_FOUND_HINT;
    case 'rate-limit':
      return 'Rate limited: wait a little, send fewer requests at once, or raise --max-retries.';
    case 'server':
      return 'The server had trouble; this is usually temporary, so try again in a moment.';
    case 'refused':
      // imgcli chat: the server no longer holds the response the thread continues.
      if (err.code === 'previous_response_not_found')
        return 'The server does not hold the response this thread continues (stored responses expire; another server or account has others; --mock rebuilds one only from the last image, unchanged, in this folder). Start afresh: imgcli chat --new "...".';
      if (err.status !== 400 || !err.param) return undefined;
      // A JSON edit's references: the server fetches URLs and looks ids up itself.
      if (err.param.endsWith('.file_id'))
        return 'The server has no file with that id: `imgcli files list` shows the ids it has; `imgcli files upload` adds one.';
      if (err.param.endsWith('.image_url'))
        return 'The server could not use that image URL: it must be reachable from the server, and an image (PNG, JPEG or WebP); or upload the file with `imgcli files upload` and pass its id.';
      return `The server refused the value of "${err.param}".`;
    case 'network':
      if (err.proxy && !err.maybeReceived) {
        return `Check the proxy (HTTPS_PROXY, HTTP_PROXY): is ${err.proxy} running, and does it let this host through? To go direct, add the host to NO_PROXY.`;
      }
      return err.maybeReceived
        ? 'The server may have received, and billed, the request; imgcli does not resend it by itself. Run the command again to retry (with -o and --if-changed, finished files are not made twice).'
        : 'Check your network, proxy settings and --base-url, then try again.';
    case 'timeout':
      return `Raise --timeout (${err.afterMs === undefined ? 'high-quality images can take minutes' : `now ${Math.round(err.afterMs / 1000)} s; high-quality images can take minutes`}). The server may still have generated, and billed, the image.`;
    case 'answer':
      return err.problem && ANSWER_HINTS[err.problem];
    case 'aborted':
      return undefined;
  }
}

/** What a 404 from the base URL means, for gen and doctor alike. */
export const NOT_FOUND_HINT = 'Nothing at that address: check --base-url (it usually ends in /v1).';

/** The next step for an error that carries no hint of its own. */
export function hintFor(err: unknown): string | undefined {
  if (err instanceof ApiError) return apiHint(err);
  if (err instanceof PartialFailureError) return nextStep(err.failures[0]);
  return undefined;
}

/** The error's own hint, else hintFor()'s. */
export function nextStep(err: unknown): string | undefined {
  return (err instanceof CliError ? err.hint : undefined) ?? hintFor(err);
}

const plain = (markdown: string) => markdown.replace(/`/g, '');

/** The `Exit codes:` block of `imgcli --help`. */
export function exitCodesHelp(): string {
  return ['Exit codes:', ...EXIT_CODES.map((row) => `  ${String(row.code).padEnd(5)}${plain(row.meaning)}`)].join('\n');
}

/** The README's exit-code table (a test compares the two). */
export function exitCodesMarkdown(): string {
  return ['| code | meaning |', '|---|---|', ...EXIT_CODES.map((row) => `| ${row.code} | ${row.meaning} |`)].join('\n');
}

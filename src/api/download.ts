// Downloading an image URL (an answer's `url`, which lives 60 minutes): a GET that follows a few
// redirects, each hop http(s) and without credentials, one timeout over every hop, the body bounded
// by LIMITS.imageBytes. Every failure is an ApiError of the answer's kind, so the savers (output/)
// only write bytes.
import { ApiError, answerError } from './errors.js';
import { discardBody, dispatcherFor } from './http.js';
import { LIMITS, sizeText } from './limits.js';
import { request, type Dispatcher } from './undici.js';

export interface DownloadOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** The connection's dispatcher, so a download honours the proxy settings. */
  dispatcher?: Dispatcher;
  /** The answer's request id, for the errors. */
  requestId?: string;
}

export interface Download {
  /** The body, failing with an ApiError once it passes the limit, breaks off or is interrupted. */
  body: AsyncIterable<Uint8Array>;
  /** The Content-Length the server announced, if any. */
  declared?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The error of a download that Ctrl-C (or the run's abort) stopped. */
export const interrupted = () => new ApiError({ kind: 'aborted', message: 'The download was interrupted.' });

/** An image URL (or a redirect's target) imgcli will fetch: http(s) only, credentials stripped. */
function downloadUrl(url: string, index: number, opts: DownloadOptions, hop: number): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw answerError(
      'bad-url',
      `Image ${index + 1}'s ${hop ? 'redirect target' : 'URL'} is not a valid URL.`,
      opts.requestId,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw answerError(
      'bad-url',
      `Image ${index + 1}'s ${hop ? 'download redirects to' : 'URL uses'} ${parsed.protocol}, not http(s); imgcli will not fetch it.`,
      opts.requestId,
    );
  }
  // A download never carries credentials, whoever put them in the URL.
  parsed.username = '';
  parsed.password = '';
  return parsed;
}

/**
 * GETs image `index`'s URL, following up to LIMITS.redirects redirects (each hop's body discarded
 * unread); one timeout covers every hop. Returns the body, bounded, and its announced length.
 */
export async function downloadImage(url: string, index: number, opts: DownloadOptions): Promise<Download> {
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
  let current = downloadUrl(url, index, opts, 0);
  for (let hop = 0; ; hop++) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(current, {
        method: 'GET',
        signal,
        dispatcher: opts.dispatcher ?? dispatcherFor(opts.timeoutMs),
      });
    } catch (err) {
      if (opts.signal.aborted) throw interrupted();
      throw answerError(
        'download-unreachable',
        `Could not download image ${index + 1} from ${current.host}: ${(err as Error).message}`,
        undefined,
        err,
      );
    }
    if (REDIRECTS.has(res.statusCode)) {
      discardBody(res.body);
      const location = res.headers.location;
      if (hop >= LIMITS.redirects)
        throw answerError(
          'download-failed',
          `Downloading image ${index + 1} failed: more than ${LIMITS.redirects} redirects.`,
          opts.requestId,
        );
      if (typeof location !== 'string' || !location)
        throw answerError(
          'download-failed',
          `Downloading image ${index + 1} failed: a ${res.statusCode} redirect without a Location.`,
          opts.requestId,
        );
      current = downloadUrl(new URL(location, current).toString(), index, opts, hop + 1);
      continue;
    }
    if (res.statusCode !== 200) {
      discardBody(res.body);
      const expired = res.statusCode === 403 || res.statusCode === 404 || res.statusCode === 410;
      throw answerError(
        expired ? 'url-expired' : 'download-failed',
        `Downloading image ${index + 1} failed: the URL answered ${res.statusCode}${expired ? '; it has probably expired (image URLs live 60 minutes)' : ''}.`,
        opts.requestId,
      );
    }
    const raw = res.headers['content-length'];
    const length = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined;
    if (length !== undefined && length > LIMITS.imageBytes) {
      discardBody(res.body);
      throw answerError(
        'too-large',
        `Image ${index + 1} is ${length} bytes, more than the ${sizeText(LIMITS.imageBytes)} imgcli accepts.`,
        opts.requestId,
      );
    }
    return { body: bounded(res.body, index, opts), declared: length };
  }
}

/** Passes chunks through; past LIMITS.imageBytes, on a broken connection or on Ctrl-C, an ApiError. */
async function* bounded(source: AsyncIterable<Uint8Array>, index: number, opts: DownloadOptions) {
  let total = 0;
  try {
    for await (const chunk of source) {
      total += chunk.length;
      if (total > LIMITS.imageBytes)
        throw answerError(
          'too-large',
          `Image ${index + 1}'s download passed ${sizeText(LIMITS.imageBytes)}; stopped.`,
          opts.requestId,
        );
      yield chunk;
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (opts.signal.aborted) throw interrupted();
    throw answerError(
      'download-cut',
      `The download of image ${index + 1} broke off: ${(err as Error).message}`,
      undefined,
      err,
    );
  }
}

// A 413, or a 404 to a large body from an address that answers a small request, is the server's
// (or a gateway's in front of it) limit on request bodies, not a wrong --base-url: gateways answer
// 1-2 MB of base64 with an nginx 413 page or a misleading 404. The hint then says so, with the size
// sent and what to do. A small probe (an empty JSON body, which no server bills) tells the 404s apart.
import { ApiError } from '../api/errors.js';
import { discardBody, send, type Connection } from '../api/http.js';
import { sizeText } from '../api/limits.js';
import { HintedError } from '../errors.js';

/** Bodies at least this large may meet a gateway's limit (Next.js's default is 1 MB). */
const LARGE = 1024 * 1024;

/** The request body's size: the JSON's bytes, or the multipart form's length. */
export async function bodyBytes(job: {
  json?: Record<string, unknown>;
  form?: () => { length: number } | Promise<{ length: number }>;
}): Promise<number> {
  if (job.form) return (await job.form()).length;
  return job.json ? Buffer.byteLength(JSON.stringify(job.json)) : 0;
}

const HINT =
  'Send less: smaller or JPEG inputs, one input at a time, or refer to a large image by a file id (imgcli files upload) or an https:// URL instead of its bytes; or raise the limit of the gateway in front of the server.';

/** The error with a hint about the body limit, when that is what it is; else the error as it was. */
export async function explainBodyLimit(err: unknown, conn: Connection, path: string, bytes: number): Promise<unknown> {
  if (!(err instanceof ApiError) || (err.status !== 413 && err.status !== 404)) return err;
  const size = sizeText(bytes, 'measured');
  if (err.status === 413)
    return new HintedError(err, `The server (or a gateway in front of it) takes no request body of ${size}. ${HINT}`);
  if (bytes < LARGE) return err;
  try {
    await send({ ...conn, maxRetries: 0 }, { method: 'POST', path, json: {} }, async (body) => discardBody(body));
  } catch (probe) {
    if (!(probe instanceof ApiError) || probe.status === 404 || probe.kind !== 'http') return err;
  }
  return new HintedError(
    err,
    `The same address answers a small request, so this 404 to a body of ${size} is most likely a body limit of the server or a gateway in front of it, not a wrong --base-url. ${HINT}`,
  );
}

// A small multipart/form-data parser for the offline server: the whole body is in memory (test
// uploads are small), split on the boundary, each part's headers read. Enough for what HTTP
// clients send (RFC 7578); not a streaming parser.

export interface FormPart {
  name: string;
  /** Present for file parts, even when empty. */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** What the server records of a part, so tests can assert what was received. */
export interface RecordedPart {
  name: string;
  filename?: string;
  contentType?: string;
  bytes: number;
  /** The text of a non-file field. */
  value?: string;
  /**
   * A file part's content, up to 4 MB, for tests that look inside what arrived (an image turned
   * upright, a layer fitted); not enumerable, so it stays out of equality checks and logs.
   */
  readonly data?: Buffer;
}

const KEPT_FILE_BYTES = 4 * 1024 * 1024;

export class MultipartError extends Error {
  override name = 'MultipartError';
}

/** The boundary of a multipart/form-data content type, or undefined for anything else. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

// Browsers and undici escape quotes and line breaks in names as %22, %0D, %0A.
const unescape = (s: string) => s.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');

function param(disposition: string, key: string): string | undefined {
  const m =
    new RegExp(`(?:^|;)\\s*${key}="([^"]*)"`, 'i').exec(disposition) ??
    new RegExp(`(?:^|;)\\s*${key}=([^;\\s]+)`, 'i').exec(disposition);
  return m ? unescape(m[1]!) : undefined;
}

/** Splits a multipart body into its parts; throws MultipartError when it is malformed. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new MultipartError('no boundary found in the body');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString('latin1') === '--') return parts;
    if (body.subarray(at, at + 2).toString('latin1') !== '\r\n')
      throw new MultipartError('a boundary is not followed by a line break');
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) throw new MultipartError('a part has no end of headers');
    const headers = new Map<string, string>();
    for (const line of body
      .subarray(at + 2, headerEnd)
      .toString('utf8')
      .split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new MultipartError('the body ends inside a part (no closing boundary)');
    const disposition = headers.get('content-disposition') ?? '';
    const name = param(disposition, 'name');
    if (!/^form-data/i.test(disposition) || name === undefined)
      throw new MultipartError('a part has no Content-Disposition: form-data name');
    parts.push({
      name,
      filename: param(disposition, 'filename'),
      contentType: headers.get('content-type'),
      data: body.subarray(headerEnd + 4, next),
    });
    at = next + 2;
  }
}

export function recordParts(parts: FormPart[]): RecordedPart[] {
  return parts.map((p) => {
    const file = p.filename !== undefined;
    const recorded: RecordedPart = {
      name: p.name,
      filename: p.filename,
      contentType: p.contentType,
      bytes: p.data.length,
      ...(file ? {} : { value: p.data.toString('utf8') }),
    };
    if (file && p.data.length <= KEPT_FILE_BYTES)
      Object.defineProperty(recorded, 'data', { value: Buffer.from(p.data), enumerable: false });
    return recorded;
  });
}

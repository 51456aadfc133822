// multipart/form-data bodies, encoded here rather than through FormData: a file goes out as a
// read stream in 1 MiB chunks (undici's FormData streams a file Blob in 64 KiB web-stream chunks,
// several times the CPU for the same bytes), the length is known up front (a Content-Length, no
// chunked encoding), and no file is ever held whole. A body is made afresh for each attempt.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type MultipartPart =
  | { name: string; value: string }
  /** A file part: from disk (streamed) or bytes made in memory (a fitted image, a mask). */
  | { name: string; filename: string; contentType: string; path: string; size: number }
  | { name: string; filename: string; contentType: string; bytes: Uint8Array; origin?: PartOrigin };

/**
 * The local file a part made in memory stands for: the file whose bytes it holds, or, with `made`,
 * the file it was made from and how (`re-encoded upright`): what a curl command can upload in its place.
 */
export interface PartOrigin {
  path: string;
  made?: string;
}

export interface MultipartBody {
  contentType: string;
  length: number;
  parts: readonly MultipartPart[];
  /** The body's bytes, in order; a new body (and new file streams) for each call. */
  stream(): AsyncGenerator<Uint8Array>;
}

const CHUNK = 1024 * 1024;
const CRLF = '\r\n';

/** Quotes a header parameter as browsers do: the quote and CR/LF escaped. */
const quoted = (text: string) => `"${text.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;

function headOf(boundary: string, part: MultipartPart): Buffer {
  const disposition = `Content-Disposition: form-data; name=${quoted(part.name)}${'filename' in part ? `; filename=${quoted(part.filename)}` : ''}`;
  const type = 'filename' in part ? `${CRLF}Content-Type: ${part.contentType}` : '';
  return Buffer.from(`--${boundary}${CRLF}${disposition}${type}${CRLF}${CRLF}`);
}

const sizeOf = (part: MultipartPart) =>
  'value' in part ? Buffer.byteLength(part.value) : 'bytes' in part ? part.bytes.length : part.size;

/** The body of `parts`, in order; file sizes must be those on disk when it is sent. */
export function multipartBody(parts: readonly MultipartPart[]): MultipartBody {
  const boundary = `----imgcli${randomBytes(12).toString('hex')}`;
  const heads = parts.map((p) => headOf(boundary, p));
  const tail = Buffer.from(`--${boundary}--${CRLF}`);
  const length = parts.reduce((sum, p, i) => sum + heads[i]!.length + sizeOf(p) + CRLF.length, 0) + tail.length;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    parts,
    async *stream() {
      for (const [i, part] of parts.entries()) {
        yield heads[i]!;
        if ('value' in part) yield Buffer.from(part.value);
        else if ('bytes' in part) yield part.bytes;
        else {
          let sent = 0;
          for await (const chunk of createReadStream(part.path, { highWaterMark: CHUNK })) {
            sent += (chunk as Buffer).length;
            yield chunk as Buffer;
          }
          // The Content-Length promised these bytes: a file that changed size would corrupt the body.
          if (sent !== part.size)
            throw new Error(`${part.path} changed size while it was sent (${part.size} -> ${sent} bytes)`);
        }
        yield Buffer.from(CRLF);
      }
      yield tail;
    },
  };
}

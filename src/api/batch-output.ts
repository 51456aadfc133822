// Reads a batch's output (or error) file as it downloads, one line at a time. Each line is a
// BatchRequestOutput: {"custom_id", "response": {"status_code", "request_id", "body"}, "error"}.
// The file can be gigabytes of base64: every b64_json string of a line is decoded straight into a
// sink as it arrives (b64-extract.ts, as for a direct answer), and only the rest of the line's JSON
// is kept, within the same limits as a direct answer. Lines the caller already has are skipped
// without decoding, from the custom_id near the start of the line.
import { z } from 'zod/v3';
import { B64Extractor, type Sink } from './b64-extract.js';
import { ApiError, answerError } from './errors.js';
import { fileContent } from './files.js';
import type { Connection } from './http.js';
import type { ApiId } from './ids.js';
import { LIMITS } from './limits.js';

export const ResultLine = z
  .object({
    id: z.string().nullish(),
    custom_id: z.string(),
    response: z
      .object({ status_code: z.number().finite(), request_id: z.string().nullish(), body: z.unknown() })
      .passthrough()
      .nullish()
      .catch(undefined),
    error: z
      .object({ code: z.string().nullish(), message: z.string().nullish() })
      .passthrough()
      .nullish()
      .catch(undefined),
  })
  .passthrough();
export type ResultLine = z.infer<typeof ResultLine>;

export type ReadLine =
  | { kind: 'result'; line: ResultLine; lineNo: number }
  /** A line that could not be read whole (too large, not JSON, no custom_id); `customId` when its head named one. */
  | { kind: 'broken'; customId?: string; lineNo: number; error: ApiError };

export interface ReadResultsOptions {
  /** A fresh sink for the images of each line; `customId` when the line's head named it. */
  sink: (customId: string | undefined) => Sink;
  /** True for a custom_id whose result the caller already has: its line is read past, not decoded. */
  skip?: (customId: string) => boolean;
  /** Called once per line, in file order; the download waits for it. */
  onLine: (line: ReadLine, sink: Sink) => Promise<void>;
}

/** Where a line names its custom_id: OpenAI writes it second, right after the short "id". */
const HEAD_BYTES = 512;
const CUSTOM_ID = /"custom_id"\s*:\s*"((?:[^"\\]|\\.)*)"/;

function unquote(inner: string): string | undefined {
  try {
    return JSON.parse(`"${inner}"`) as string;
  } catch {
    return undefined;
  }
}

class LineReader {
  private lineNo = 0;
  private head: Buffer[] = [];
  private headBytes = 0;
  private customId?: string;
  private extractor?: B64Extractor;
  private sink?: Sink;
  /** Set once the line is being read past: skipped, or broken (then the error is kept). */
  private skipping = false;
  private broken?: ApiError;
  private pending = false;

  constructor(private readonly opts: ReadResultsOptions) {}

  async push(chunk: Uint8Array): Promise<void> {
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(0x0a, from);
      const end = nl === -1 ? chunk.length : nl;
      if (end > from) this.take(chunk.subarray(from, end));
      if (nl === -1) return;
      await this.endLine();
      from = nl + 1;
    }
  }

  /** Set when the body ended inside a line that cannot be read: the download was cut short. */
  cut = false;

  /** The body ended: a last line without a newline is a line too, unless it is cut (then `cut` is set). */
  async finish(): Promise<{ lines: number }> {
    if (this.pending) await this.endLine(true);
    return { lines: this.lineNo };
  }

  private take(bytes: Uint8Array): void {
    this.pending = true;
    if (this.skipping) return;
    if (!this.extractor) {
      this.head.push(Buffer.from(bytes));
      this.headBytes += bytes.length;
      if (this.headBytes < HEAD_BYTES) return;
      this.startExtracting();
      return;
    }
    this.feed(bytes);
  }

  /** Enough of the line to see its custom_id: skip it, or decode it from the start. */
  private startExtracting(): void {
    const head = Buffer.concat(this.head);
    this.head = [];
    const m = CUSTOM_ID.exec(head.toString('utf8'));
    this.customId = m ? unquote(m[1]!) : undefined;
    if (this.customId !== undefined && this.opts.skip?.(this.customId)) {
      this.skipping = true;
      return;
    }
    this.sink = this.opts.sink(this.customId);
    this.extractor = new B64Extractor(this.sink, {
      imageBytes: LIMITS.imageBytes,
      totalBytes: LIMITS.answerImageBytes,
      keptChars: LIMITS.jsonBytes,
    });
    this.feed(head);
  }

  private feed(bytes: Uint8Array): void {
    try {
      this.extractor!.push(bytes);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // Past a limit: this line fails, the others are read on.
      this.broken = err;
      this.skipping = true;
    }
  }

  private async endLine(last = false): Promise<void> {
    const lineNo = ++this.lineNo;
    if (!this.extractor && !this.skipping) {
      if (this.headBytes === 0) return this.reset();
      this.startExtracting();
    }
    const { extractor, sink, broken, skipping, customId } = this;
    this.reset();
    if (!extractor && skipping) return;
    const blank = (text: string) => text.trim() === '';
    if (broken) return this.opts.onLine({ kind: 'broken', customId, lineNo, error: broken }, sink!);
    let text: string;
    try {
      text = extractor!.end();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return this.opts.onLine({ kind: 'broken', customId, lineNo, error: err }, sink!);
    }
    if (blank(text)) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // A last line that is not JSON is where the body stopped: not a result, a download to read again.
      if (last) {
        this.cut = true;
        return;
      }
      return this.opts.onLine(
        {
          kind: 'broken',
          customId,
          lineNo,
          error: answerError('not-json', `Line ${lineNo} of the batch's results is not JSON.`),
        },
        sink!,
      );
    }
    const parsed = ResultLine.safeParse(json);
    if (!parsed.success) {
      const why = `${parsed.error.issues[0]?.path.join('.') || 'line'}: ${parsed.error.issues[0]?.message}`;
      return this.opts.onLine(
        {
          kind: 'broken',
          customId,
          lineNo,
          error: answerError('not-a-batch', `Line ${lineNo} of the batch's results is not a batch result (${why}).`),
        },
        sink!,
      );
    }
    await this.opts.onLine({ kind: 'result', line: parsed.data, lineNo }, sink!);
  }

  private reset(): void {
    this.head = [];
    this.headBytes = 0;
    this.customId = undefined;
    this.extractor = undefined;
    this.sink = undefined;
    this.skipping = false;
    this.broken = undefined;
    this.pending = false;
  }
}

/**
 * Streams GET /files/{id}/content through the line reader. Resolves with the bytes and lines
 * read once the whole body has arrived; a body cut by the network, or one that ends inside a line,
 * throws (the lines before the cut were handed over already, so a second read can skip them).
 */
export async function readResultFile(
  conn: Connection,
  fileId: ApiId,
  opts: ReadResultsOptions,
): Promise<{ bytes: number; lines: number }> {
  const reader = new LineReader(opts);
  const { bytes } = await fileContent(conn, fileId, (chunk) => reader.push(chunk));
  const { lines } = await reader.finish();
  if (reader.cut)
    throw answerError('download-cut', `The download of ${fileId} stopped inside line ${lines} (after ${bytes} bytes).`);
  return { bytes, lines };
}

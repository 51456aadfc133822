// A server-sent-events parser after the WHATWG event-stream rules
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
// Pure: it only consumes chunks, so it can be fed at any split point and tested in-process.

export interface SseEvent {
  /** The `event:` field; absent for the default ("message") type. */
  event?: string;
  /** The `data:` lines, joined with "\n". */
  data: string;
  /** The last event id seen on the stream (ids persist across events, as in the spec). */
  id?: string;
}

/** An event (or a line) grew past the parser's limit: an endless line is not read to its end. */
export class SseTooLargeError extends Error {
  override readonly name = 'SseTooLargeError';
  constructor(readonly limit: number) {
    super(`an event in the stream passed ${limit} characters`);
  }
}

const BOM = '\uFEFF';
const DONE = '[DONE]';

/** An incremental parser: push chunks as they arrive, call end() when the body ends. */
export class SseParser {
  // ignoreBOM keeps the BOM in the text so that byte and string chunks strip it the same way.
  #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  #decoderPending = false;
  #sawFirstChar = false;
  /** Pieces of the current, unterminated line: joined once, when its line end arrives. */
  #partial: string[] = [];
  /** A chunk ended in "\r": a "\n" starting the next chunk belongs to that same line end. */
  #skipLf = false;
  #eventType = '';
  #data: string[] = [];
  #lastId = '';
  #done = false;
  #ended = false;
  /** Characters held for the current event: its data lines, and the unterminated line. */
  #dataChars = 0;
  #partialChars = 0;

  constructor(private readonly maxEventChars = Infinity) {}

  #check(): void {
    if (this.#dataChars + this.#partialChars > this.maxEventChars) throw new SseTooLargeError(this.maxEventChars);
  }

  /** True once a `data: [DONE]` line has been seen or end() was called; later input is ignored. */
  get done(): boolean {
    return this.#done || this.#ended;
  }

  push(chunk: Uint8Array | string): SseEvent[] {
    if (this.done) return [];
    let text: string;
    if (typeof chunk === 'string') {
      // Flush any half character left by a byte chunk before switching to text.
      text = (this.#decoderPending ? this.#decoder.decode() : '') + chunk;
      this.#decoderPending = false;
    } else {
      text = this.#decoder.decode(chunk, { stream: true });
      this.#decoderPending = true;
    }
    const out: SseEvent[] = [];
    this.#feed(text, out);
    return out;
  }

  /** Flushes the stream: a last line without a line end and a last event without a blank line. */
  end(): SseEvent[] {
    if (this.done) return [];
    const out: SseEvent[] = [];
    if (this.#decoderPending) this.#feed(this.#decoder.decode(), out);
    if (!this.#done && this.#partial.length > 0) {
      const line = this.#partial.join('');
      this.#partial = [];
      this.#line(line, out);
    }
    if (!this.#done) this.#dispatch(out);
    this.#ended = true;
    return out;
  }

  #feed(text: string, out: SseEvent[]): void {
    if (text.length === 0) return;
    let start = 0;
    if (!this.#sawFirstChar) {
      this.#sawFirstChar = true;
      if (text.startsWith(BOM)) start = 1;
    }
    if (this.#skipLf) {
      this.#skipLf = false;
      if (text.charCodeAt(start) === 0x0a) start++;
    }
    const len = text.length;
    while (start < len && !this.#done) {
      const end = nextLineEnd(text, start);
      if (end < 0) {
        this.#partialChars += len - start;
        this.#check();
        this.#partial.push(text.slice(start));
        return;
      }
      let line = text.slice(start, end);
      if (this.#partial.length > 0) {
        this.#partial.push(line);
        line = this.#partial.join('');
        this.#partial = [];
      }
      this.#partialChars = 0;
      start = end + 1;
      if (text.charCodeAt(end) === 0x0d) {
        if (start === len) this.#skipLf = true;
        else if (text.charCodeAt(start) === 0x0a) start++;
      }
      this.#line(line, out);
    }
  }

  #line(line: string, out: SseEvent[]): void {
    if (line.length === 0) return this.#dispatch(out);
    if (line.charCodeAt(0) === 0x3a) return; // ":" starts a comment (keep-alives)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#eventType = value;
        break;
      case 'data':
        // OpenAI-style end marker: nothing after it matters, so stop without waiting for the close.
        if (value === DONE) {
          this.#dispatch(out);
          this.#done = true;
          this.#partial = [];
          return;
        }
        this.#dataChars += value.length;
        this.#check();
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastId = value;
        break;
      default:
        // "retry" only matters to a reconnecting client; unknown fields are ignored by the spec.
        break;
    }
  }

  #dispatch(out: SseEvent[]): void {
    const type = this.#eventType;
    this.#eventType = '';
    this.#dataChars = 0;
    if (this.#data.length === 0) return;
    const event: SseEvent = { data: this.#data.join('\n') };
    this.#data = [];
    if (type) event.event = type;
    if (this.#lastId) event.id = this.#lastId;
    out.push(event);
  }
}

const LINE_END = /[\r\n]/g;

function nextLineEnd(text: string, from: number): number {
  LINE_END.lastIndex = from;
  return LINE_END.exec(text)?.index ?? -1;
}

/**
 * Yields the events of a body. Returns at `data: [DONE]` without reading further, and
 * returning early closes the body (for await calls its return()).
 */
export async function* readSse(
  body: AsyncIterable<Uint8Array | string>,
  maxEventChars = Infinity,
): AsyncGenerator<SseEvent> {
  const parser = new SseParser(maxEventChars);
  for await (const chunk of body) {
    yield* parser.push(chunk);
    if (parser.done) return;
  }
  yield* parser.end();
}

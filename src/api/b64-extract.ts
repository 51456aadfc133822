// Reads an Images API JSON body as it arrives and decodes every "b64_json" string straight into
// a sink, keeping only the rest of the JSON (with a short placeholder in each image's place).
// Ten 1536x1024 images are ~40 MB of JSON: this keeps memory near one chunk instead of the body,
// its string and the decoded images all at once.

/** Where decoded image bytes go, one slot per image, in the order they appear. */
export interface Sink {
  open(slot: number): void;
  write(slot: number, bytes: Buffer): void;
  close(slot: number): void;
  /** The slot's base64 was not valid; the image is reported as failed, the others are kept. */
  markBroken(slot: number, why: string): void;
}

export const PLACEHOLDER = 'imgcli-spilled:';

const KEY = 'b64_json';

export class B64Extractor {
  /** The JSON without the image strings. */
  private kept: string[] = [];
  private decoder = new TextDecoder('utf-8');
  private inString = false;
  private escaped = false;
  /** The current string when it is short enough to be a key we care about. */
  private current = '';
  private lastString = '';
  private afterKey = false;
  private capturing = false;
  private slot = -1;
  private pending = '';
  private padding = 0;
  private broken?: string;

  constructor(private readonly sink: Sink) {}

  push(chunk: Uint8Array): void {
    const text = this.decoder.decode(chunk, { stream: true });
    let keepFrom = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.capturing) {
        const end = this.scanBase64(text, i);
        if (end === text.length) {
          keepFrom = text.length;
          break;
        }
        // The closing quote: the placeholder stands in the kept JSON.
        this.finishCapture();
        this.kept.push(`${PLACEHOLDER}${this.slot}"`);
        keepFrom = end + 1;
        i = end;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') {
          this.inString = false;
          this.lastString = this.current;
        } else if (this.current.length <= KEY.length) this.current += c;
        continue;
      }
      if (c === '"') {
        if (this.afterKey) {
          // The value of "b64_json": stream it out instead of keeping it.
          this.kept.push(text.slice(keepFrom, i + 1));
          this.afterKey = false;
          this.startCapture();
          keepFrom = i + 1;
          continue;
        }
        this.inString = true;
        this.current = '';
        continue;
      }
      if (c === ':') this.afterKey = this.lastString === KEY;
      else if (!/\s/.test(c)) {
        this.afterKey = false;
        this.lastString = '';
      }
    }
    if (keepFrom < text.length) this.kept.push(text.slice(keepFrom));
  }

  /**
   * Consumes base64 characters from `start`; returns the index of the closing quote, or
   * text.length. Works on whole runs (indexOf, one regex) rather than character by character:
   * this is where the megabytes go.
   */
  private scanBase64(text: string, start: number): number {
    let from = start;
    if (this.escaped && from < text.length) {
      // An escape cut by a chunk boundary: its second character starts this chunk.
      this.escaped = false;
      this.escapeChar(text[from]!);
      from++;
    }
    const quote = text.indexOf('"', from);
    const end = quote === -1 ? text.length : quote;
    let run = text.slice(from, end);
    if (run.includes('\\')) {
      if (run.endsWith('\\') && !run.endsWith('\\\\')) {
        this.escaped = true;
        run = run.slice(0, -1);
      }
      // JSON may escape "/" as "\/"; line breaks inside base64 are ignorable whitespace.
      run = run.replace(/\\(.)/g, (_m, c: string) => (c === '/' ? '/' : c === 'n' || c === 'r' ? '' : ((this.broken ??= `an unexpected escape \\${c}`), '')));
    }
    const pad = run.indexOf('=');
    if (pad !== -1) {
      if (!/^=+$/.test(run.slice(pad))) this.broken ??= 'data after its = padding';
      this.padding += run.length - pad;
      run = run.slice(0, pad);
    } else if (this.padding && run) this.broken ??= 'data after its = padding';
    this.feed(run);
    return end;
  }

  private escapeChar(c: string): void {
    if (c === '/') this.feed('/');
    else if (c !== 'n' && c !== 'r') this.broken ??= `an unexpected escape \\${c}`;
  }

  private feed(chars: string): void {
    let all = this.pending + chars;
    let whole = all.length - (all.length % 4);
    let bytes = whole > 0 ? Buffer.from(all.slice(0, whole), 'base64') : undefined;
    // Node's decoder skips what is not base64, so a short result means stray characters: find
    // them on this piece only (a regex over every megabyte would cost more than the decoding).
    if (bytes && bytes.length !== (whole / 4) * 3) {
      all = all.replace(/\s+/g, '');
      const bad = /[^A-Za-z0-9+/]/.exec(all);
      if (bad) this.broken ??= `the character ${JSON.stringify(bad[0])}`;
      all = all.replace(/[^A-Za-z0-9+/]/g, '');
      whole = all.length - (all.length % 4);
      bytes = whole > 0 ? Buffer.from(all.slice(0, whole), 'base64') : undefined;
    }
    if (bytes) this.sink.write(this.slot, bytes);
    this.pending = all.slice(whole);
  }


  private startCapture(): void {
    this.capturing = true;
    this.slot++;
    this.pending = '';
    this.padding = 0;
    this.sink.open(this.slot);
  }

  private finishCapture(): void {
    this.capturing = false;
    if ((this.pending.length + this.padding) % 4 !== 0 || this.padding > 2) this.broken ??= 'a length that is not a multiple of 4';
    if (this.pending) this.sink.write(this.slot, Buffer.from(this.pending, 'base64'));
    this.pending = '';
    this.sink.close(this.slot);
    if (this.broken) this.sink.markBroken(this.slot, this.broken);
    this.broken = undefined;
  }

  /** The JSON left once the images are out; an unfinished image string means the body was cut. */
  end(): string {
    const rest = this.decoder.decode();
    if (rest) this.push(Buffer.from(rest));
    if (this.capturing) this.sink.close(this.slot);
    return this.kept.join('');
  }
}

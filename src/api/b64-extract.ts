// Reads an Images API JSON body as it arrives and decodes every "b64_json" string straight into
// a sink, keeping only the rest of the JSON (with a short placeholder in each image's place).
// Ten 1536x1024 images are ~40 MB of JSON: this keeps memory near one chunk instead of the body,
// its string and the decoded images all at once. Bounded: an endless image string or JSON stops
// at the limits it is given.
import { answerError } from './errors.js';
import { sizeText } from './limits.js';

/** Where decoded image bytes go, one slot per image, in the order they appear. */
export interface Sink {
  open(slot: number): void;
  write(slot: number, bytes: Buffer): void;
  close(slot: number): void;
  /** The slot's base64 was not valid; the image is reported as failed, the others are kept. */
  markBroken(slot: number, why: string): void;
}

export const PLACEHOLDER = 'imgcli-spilled:';

/** Bounds on what one answer may make the extractor write and keep (see limits.ts). */
export interface ExtractLimits {
  /** Decoded bytes of one image. */
  imageBytes: number;
  /** Decoded bytes of all images together. */
  totalBytes: number;
  /** Characters of the JSON kept besides the images. */
  keptChars: number;
  requestId?: string;
}

/**
 * A b64_json value that is a data URL (`data:image/png;base64,...`, as one provider sends it) is its
 * payload; anything else is itself. Given the value's start: undefined while `more` text may still
 * decide it (fewer than 5 characters, or a data: prefix whose comma has not come yet).
 */
export function dataUrlPayload(start: string, more: boolean): { base64: string; broken?: string } | undefined {
  const PREFIX = 'data:';
  if (start.length < PREFIX.length) return more && PREFIX.startsWith(start) ? undefined : { base64: start };
  if (!start.startsWith(PREFIX)) return { base64: start };
  const comma = start.indexOf(',');
  if (comma === -1)
    return more && start.length < 256 ? undefined : { base64: start, broken: 'a data: prefix without its comma' };
  const type = start.slice(0, comma);
  const broken = /^data:[\w.+-]+\/[\w.+-]+;base64$/.test(type) ? undefined : `a data: prefix that is not base64`;
  return { base64: start.slice(comma + 1), broken };
}

const UNLIMITED: ExtractLimits = { imageBytes: Infinity, totalBytes: Infinity, keptChars: Infinity };

/** What a JSON escape inside a base64 string stands for: a character to decode, '' to skip, undefined when it cannot belong. */
function unescape(escape: string): string | undefined {
  const c = escape[1];
  if (c === '/') return '/';
  // Line breaks and tabs inside base64 are ignorable whitespace.
  if (c === 'n' || c === 'r' || c === 't') return '';
  if (c !== 'u') return undefined;
  const ch = String.fromCharCode(parseInt(escape.slice(2), 16));
  if (/[A-Za-z0-9+/=]/.test(ch)) return ch;
  return /\s/.test(ch) ? '' : undefined;
}

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
  /** An escape (`\/`, `\u002F`) cut by a chunk boundary: its first characters. */
  private escape = '';
  /** The first characters of a value, held until they show whether it starts `data:<type>;base64,`. */
  private head: string | undefined;
  private slotBytes = 0;
  private totalBytes = 0;
  private keptChars = 0;

  constructor(
    private readonly sink: Sink,
    private readonly limits: ExtractLimits = UNLIMITED,
  ) {}

  push(chunk: Uint8Array): void {
    const before = this.kept.length;
    this.pushText(this.decoder.decode(chunk, { stream: true }));
    // Everything kept so far, images aside, counts against the JSON limit.
    for (let i = before; i < this.kept.length; i++) this.keptChars += this.kept[i]!.length;
    if (this.keptChars > this.limits.keptChars) {
      throw answerError(
        'too-large',
        `The server's answer passed ${sizeText(this.limits.keptChars)} of JSON besides its images; stopped.`,
        this.limits.requestId,
      );
    }
  }

  private pushText(text: string): void {
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
    const quote = text.indexOf('"', start);
    const end = quote === -1 ? text.length : quote;
    let run = this.escape + text.slice(start, end);
    this.escape = '';
    if (run.includes('\\')) run = this.unescapeRun(run, end === text.length);
    if (this.head !== undefined) {
      const value = dataUrlPayload(this.head + run, end === text.length);
      if (value === undefined) {
        this.head += run;
        return end;
      }
      if (value.broken) this.broken ??= value.broken;
      this.head = undefined;
      run = value.base64;
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

  /**
   * Replaces JSON escapes with what they stand for (any valid one: `\/`, `\u002F`, `\n`...);
   * an escape cut by the chunk's end waits for the next chunk.
   */
  private unescapeRun(run: string, mayContinue: boolean): string {
    let out = '';
    let from = 0;
    for (let i = run.indexOf('\\'); i !== -1; i = run.indexOf('\\', from)) {
      out += run.slice(from, i);
      const len = run[i + 1] === 'u' ? 6 : 2;
      if (i + len > run.length && mayContinue) {
        this.escape = run.slice(i);
        return out;
      }
      const escape = run.slice(i, i + len);
      const value =
        escape.length === len && (len === 2 || /^\\u[0-9a-fA-F]{4}$/.test(escape)) ? unescape(escape) : undefined;
      if (value === undefined) this.broken ??= `an unexpected escape ${escape}`;
      out += value ?? '';
      from = i + len;
    }
    return out + run.slice(from);
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
    if (bytes) this.write(bytes);
    this.pending = all.slice(whole);
  }

  /** Hands decoded bytes to the sink, within the limits: an endless image stops here. */
  private write(bytes: Buffer): void {
    this.slotBytes += bytes.length;
    this.totalBytes += bytes.length;
    const { imageBytes, totalBytes, requestId } = this.limits;
    if (this.slotBytes > imageBytes)
      throw answerError(
        'too-large',
        `Image ${this.slot + 1} in the answer passed ${sizeText(imageBytes)}, more than imgcli accepts; stopped.`,
        requestId,
      );
    if (this.totalBytes > totalBytes)
      throw answerError(
        'too-large',
        `The images in the answer passed ${sizeText(totalBytes)} together, more than imgcli accepts; stopped.`,
        requestId,
      );
    this.sink.write(this.slot, bytes);
  }

  private startCapture(): void {
    this.capturing = true;
    this.slot++;
    this.pending = '';
    this.padding = 0;
    this.slotBytes = 0;
    this.escape = '';
    this.head = '';
    this.sink.open(this.slot);
  }

  private finishCapture(): void {
    this.capturing = false;
    // A value too short to have shown a prefix: what was held is the value.
    if (this.head !== undefined) this.feed(dataUrlPayload(this.head, false)?.base64 ?? this.head);
    this.head = undefined;
    if ((this.pending.length + this.padding) % 4 !== 0 || this.padding > 2)
      this.broken ??= 'a length that is not a multiple of 4';
    if (this.escape) this.broken ??= `an unfinished escape ${this.escape}`;
    this.escape = '';
    if (this.pending) this.write(Buffer.from(this.pending, 'base64'));
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

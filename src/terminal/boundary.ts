// src/terminal/: the terminal: the output boundary, colour and messages, the spinner, what the user types, previews.
//
// The output boundary: stdout and stderr as every command sees them (Runtime.stdout/stderr).
// Every text written passes through the one Redactor, so no message, log line or JSON document
// can forget it; image bytes (-o -) pass untouched. Every text written also has its control
// characters made visible (printable.ts), line breaks and tabs aside, so no print can let a
// server's ESC, BEL, CR or bidi override drive the terminal; imgcli's own terminal sequences
// (colour, the spinner, progress lines, inline images) go through the one door that skips that,
// terminalWrite(), from the few writers that escape their own text first. A reader that closes
// stdout early (`| head -c 10`) turns into a BrokenPipeError for the write that met it (exit
// 141, quietly).
import type { Redactor } from '../api/redact.js';
import { BrokenPipeError } from '../errors.js';
import { printable } from './printable.js';

type WriteCallback = (err?: Error | null) => void;

/** What the boundary saw: whether stdout's reader went away. */
export interface BoundaryState {
  brokenPipe: boolean;
}

/** The door for imgcli's own terminal sequences, on a stream behind the boundary. */
const RAW = Symbol('imgcli.terminalWrite');

/**
 * Writes imgcli's own terminal sequences (colours, `\r` and erase-line, an image protocol's
 * escapes) past the boundary's escaping; the redactor still applies. Whoever calls it has made
 * the outside text in `text` printable already: the message writers, the progress lines, the
 * spinner and the image previews. A stream not behind the boundary (a test's) is written as is.
 */
export function terminalWrite(stream: { write(text: string): unknown }, text: string): void {
  const raw = (stream as { [RAW]?: (text: string) => void })[RAW];
  if (raw) raw(text);
  else stream.write(text);
}

/**
 * `stream` behind the boundary. Everything but write() is the stream's own (isTTY, columns,
 * on(), cursor moves), so ora and the previewer see the real terminal.
 */
export function guardStream<T extends NodeJS.WritableStream>(stream: T, redactor: Redactor, state: BoundaryState): T {
  // Taken now: ora replaces stream.write while it spins, and must not be called back into.
  const original = stream.write as (...args: unknown[]) => boolean;
  const write = (chunk: unknown, encoding?: unknown, cb?: unknown, raw = false): boolean => {
    const done = (typeof encoding === 'function' ? encoding : cb) as WriteCallback | undefined;
    const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined;
    const data =
      typeof chunk === 'string'
        ? raw
          ? redactor.redact(chunk)
          : printable(redactor.redact(chunk), { lines: true })
        : chunk;
    if (state.brokenPipe) {
      // Nothing more reaches a closed pipe; the write that met it already failed.
      if (done) queueMicrotask(() => done(new BrokenPipeError()));
      return false;
    }
    const callback = (err?: Error | null) => {
      if (err && (err as NodeJS.ErrnoException).code === 'EPIPE') {
        state.brokenPipe = true;
        return done?.(new BrokenPipeError(err));
      }
      done?.(err);
    };
    return enc ? original.call(stream, data, enc, callback) : original.call(stream, data, callback);
  };
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'write') return write;
      if (key === RAW) return (text: string) => void write(text, undefined, undefined, true);
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

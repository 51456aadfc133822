// src/terminal/: the terminal: the output boundary, colour and messages, the spinner, what the user types, previews.
//
// The output boundary: stdout and stderr as every command sees them (Runtime.stdout/stderr).
// Every text written passes through the one Redactor, so no message, log line or JSON document
// can forget it; image bytes (-o -) pass untouched. A reader that closes stdout early
// (`| head -c 10`) turns into a BrokenPipeError for the write that met it (exit 141, quietly).
import type { Redactor } from '../api/redact.js';
import { BrokenPipeError } from '../errors.js';

type WriteCallback = (err?: Error | null) => void;

/** What the boundary saw: whether stdout's reader went away. */
export interface BoundaryState {
  brokenPipe: boolean;
}

/**
 * `stream` behind the boundary. Everything but write() is the stream's own (isTTY, columns,
 * on(), cursor moves), so ora and the previewer see the real terminal.
 */
export function guardStream<T extends NodeJS.WritableStream>(stream: T, redactor: Redactor, state: BoundaryState): T {
  // Taken now: ora replaces stream.write while it spins, and must not be called back into.
  const original = stream.write as (...args: unknown[]) => boolean;
  const write = (chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
    const done = (typeof encoding === 'function' ? encoding : cb) as WriteCallback | undefined;
    const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined;
    const data = typeof chunk === 'string' ? redactor.redact(chunk) : chunk;
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
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// Errors that commands throw. Which exit code each one means is decided in exit-codes.ts alone.
import { ApiError } from './api/errors.js';

export interface CliErrorOptions {
  /** The next step, when this error knows it better than exit-codes.ts's hintFor(). */
  hint?: string;
  requestId?: string;
  cause?: unknown;
  /**
   * Lines told under the message, one each (every bad line of a jobs file, every problem of a
   * request): a line break inside one (outside text's) is shown, never followed.
   */
  details?: readonly string[];
}

/** The base of every error imgcli throws on purpose; anything else that reaches cli.ts is a bug. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  readonly hint?: string;
  readonly requestId?: string;
  /** The first line of the message; `details` follow it (the message holds all, one per line). */
  readonly headline: string;
  readonly details: readonly string[];

  constructor(message: string, options: CliErrorOptions = {}) {
    super([message, ...(options.details ?? [])].join('\n'), { cause: options.cause });
    this.headline = message;
    this.details = options.details ?? [];
    this.hint = options.hint;
    this.requestId = options.requestId;
  }
}

/** An error's lines as imgcli laid them out: a CliError's headline and details, else its message. */
export function linesOf(err: Error): string[] {
  return err instanceof CliError ? [err.headline, ...err.details] : [err.message];
}

/** The request id an error carries, if it is one of ours. */
export function requestIdOf(err: unknown): string | undefined {
  return err instanceof CliError || err instanceof ApiError ? err.requestId : undefined;
}

/**
 * An error from below with a next step only the caller knows (a model's replacement, what a cut
 * stream means). Message, request id and exit code are its cause's.
 */
export class HintedError extends CliError {
  override readonly name = 'HintedError';
  declare readonly cause: Error;

  constructor(cause: Error, hint: string) {
    const [headline, ...details] = linesOf(cause);
    super(headline!, { hint, requestId: requestIdOf(cause), cause, details });
  }
}

/** The command line or its inputs are wrong; nothing was sent. Exit 2. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string, hint?: string, details?: readonly string[]) {
    super(message, { hint, details });
  }
}

/** No credentials to send. Exit 4, like a 401, but found before any request. */
export class MissingKeyError extends CliError {
  override readonly name = 'MissingKeyError';
  constructor() {
    super('No API key: OPENAI_API_KEY is not set.', {
      hint: 'Set OPENAI_API_KEY, or store a key with `imgcli config set api-key -` (reads it from stdin), or add --mock to try imgcli offline with no key.',
    });
  }
}

/**
 * The run was interrupted by SIGINT or SIGTERM. Exit 130 or 143. `message` replaces what a
 * command that writes files says, for one that runs until stopped (mock-server: "stopped").
 */
export class InterruptedError extends CliError {
  override readonly name = 'InterruptedError';
  constructor(
    readonly signal: 'SIGINT' | 'SIGTERM' = 'SIGINT',
    message = `Interrupted (${signal}); nothing was left half-written.`,
  ) {
    super(message);
  }
}

/**
 * Some images of a run were saved and others failed; the exit code, hint and request id are the
 * first failure's (its hint is hintFor()'s when the failure carries none).
 */
export class PartialFailureError extends CliError {
  override readonly name = 'PartialFailureError';
  constructor(
    readonly saved: number,
    readonly failures: Error[],
  ) {
    const first = failures[0]!;
    super(`${saved} of ${saved + failures.length} images saved; the others failed: ${first.message}`, {
      hint: first instanceof CliError ? first.hint : undefined,
      requestId: requestIdOf(first),
    });
  }
}

/**
 * The answer to the question a command asks is no (exit 1): not a failure, so it is printed with
 * its own label instead of "error:".
 */
export abstract class NoAnswer extends CliError {
  /** What stands before the message on stderr, e.g. "out of date:"; empty for none. */
  abstract readonly label: string;
}

/** --check found an output that is missing or stale. Exit 1, like `make -q`. */
export class OutOfDateError extends NoAnswer {
  override readonly name = 'OutOfDateError';
  readonly label = 'out of date:';
  constructor(message: string) {
    super(message, { hint: 'Run the same command without --check (or with --if-changed) to regenerate it.' });
  }
}

/** `imgcli doctor` found a problem. Exit 1: the answer to "does it work?" is no. */
export class ProblemsFoundError extends NoAnswer {
  override readonly name = 'ProblemsFoundError';
  readonly label = '';
  constructor(readonly problems: string[]) {
    super(
      `doctor: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`} found (${problems.join(', ')}); see above.`,
    );
  }
}

/** `config get` found the key unset. Exit 1, like `git config`. */
export class NotSetError extends NoAnswer {
  override readonly name = 'NotSetError';
  readonly label = '';
  constructor(message: string, hint?: string) {
    super(message, { hint });
  }
}

/** Some batch jobs failed or were not started. Exit 7; when every job failed, the failure's own code. */
export class BatchFailedError extends CliError {
  override readonly name = 'BatchFailedError';
  constructor(
    readonly succeeded: number,
    readonly total: number,
    readonly failures: Error[],
  ) {
    super(
      `${total - succeeded} of ${total} jobs did not succeed${failures[0] ? `; the first failure: ${failures[0].message}` : ''}`,
      {
        hint: 'Each job has a JSON line on stdout with its status and error; rerun the batch to retry (finished jobs with an "out" are skipped).',
      },
    );
  }
}

/**
 * A job of a remote batch that never ran because its batch ended first: OpenAI failed the batch
 * (its request file did not validate), the 24-hour window closed, or it was cancelled. Exit 3
 * for a failed batch (the API refused it), else 7 (the job was not done; --resubmit sends it again).
 */
export class BatchEndedError extends CliError {
  override readonly name = 'BatchEndedError';
  constructor(
    readonly reason: 'failed' | 'expired' | 'cancelled',
    message: string,
  ) {
    super(message, {
      hint:
        reason === 'failed'
          ? "Fix what the batch's errors name, then run again."
          : 'Run the same command with --resubmit to send the jobs that did not run as a new batch.',
    });
  }
}

/**
 * A local file could not be written: disk full, read-only file system, a folder that vanished.
 * Exit 74 (EX_IOERR), never a network code. `recovered` is where the paid image went instead.
 */
export class LocalFileError extends CliError {
  override readonly name = 'LocalFileError';
  constructor(
    readonly path: string,
    /** The system's error code (ENOSPC, EROFS, ENOENT...), when there is one. */
    readonly errno: string | undefined,
    message: string,
    readonly recovered?: string,
    cause?: unknown,
    /** Another program holds `path` open (a sharing violation on Windows): waiting did not help. */
    readonly held = false,
  ) {
    super(message, { cause, hint: localHint(path, errno, held, recovered) });
  }

  /**
   * The same failure, once the image it was writing is safe (proven whole) at `recovered`.
   * `billed` is false for the offline server's images: nothing was paid for them.
   */
  withRecovery(recovered: string, billed = true): LocalFileError {
    return new LocalFileError(
      this.path,
      this.errno,
      `${this.message}; the image${billed ? ' (already paid for)' : ''} was saved to ${recovered} instead`,
      recovered,
      this.cause,
      this.held,
    );
  }

  /** The same failure, once no recovery folder took a whole copy either: the image is lost, and says so. */
  withLoss(bytes: number, folders: readonly string[], billed = true): LocalFileError {
    const where = folders.length ? ` in ${folders.join(' or ')}` : '';
    return new LocalFileError(
      this.path,
      this.errno,
      `${this.message}; the image${billed ? ' (already paid for)' : ''}, ${bytes.toLocaleString('en')} bytes, could not be kept${where} either: it is lost`,
      undefined,
      this.cause,
      this.held,
    );
  }
}

/** The next step for a failed write: what to fix (by the system's code), then where a recovered image goes. */
function localHint(path: string, errno: string | undefined, held: boolean, recovered: string | undefined): string {
  if (held)
    return recovered
      ? `Another program holds ${path} open: close it, then move ${recovered} to ${path}; nothing needs to be generated again.`
      : `Another program holds ${path} open: close it and run again, or pick another -o.`;
  const fix =
    errno === 'ENOSPC' || errno === 'EDQUOT'
      ? 'Free some space'
      : errno === 'EROFS' || errno === 'EACCES' || errno === 'EPERM'
        ? 'Make the folder writable (or fix its permissions)'
        : errno === 'ENOENT' || errno === 'ENOTDIR'
          ? 'Make the folder again'
          : 'Fix what the error names';
  return recovered
    ? `${fix} or pick another -o, then move ${recovered} where it belongs; nothing needs to be generated again.`
    : errno === undefined
      ? "Free some space, fix the folder's permissions, or pick another -o."
      : `${fix}, or pick another -o.`;
}

/** stdout's reader went away (`imgcli ... -o - | head -c 10`): not a failure to report. Exit 141. */
export class BrokenPipeError extends CliError {
  override readonly name = 'BrokenPipeError';
  constructor(cause?: unknown) {
    super('stdout was closed by its reader; output stopped.', { cause });
  }
}

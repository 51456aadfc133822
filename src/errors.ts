// Errors that commands throw. Which exit code each one means is decided in cli.ts alone.

/** The command line or its inputs are wrong; nothing was sent. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** No credentials to send. Exit 4, like a 401, but found before any request. */
export class MissingKeyError extends Error {
  override name = 'MissingKeyError';
  readonly hint = 'Set OPENAI_API_KEY, or store a key with `imgcli config set api-key -` (reads it from stdin), or add --mock to try imgcli offline with no key.';
  constructor() {
    super('No API key: OPENAI_API_KEY is not set.');
  }
}

/** The run was interrupted by SIGINT or SIGTERM. Exit 130 or 143. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(readonly signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(`Interrupted (${signal}); nothing was left half-written.`);
  }
}

/** Some images of a run were saved and others failed; the exit code is the first failure's. */
export class PartialFailureError extends Error {
  override name = 'PartialFailureError';
  constructor(
    readonly saved: number,
    readonly failures: Error[],
  ) {
    const first = failures[0]!;
    super(`${saved} of ${saved + failures.length} images saved; the others failed: ${first.message}`);
    this.hint = (first as { hint?: string }).hint;
    this.requestId = (first as { requestId?: string }).requestId;
  }
  readonly hint?: string;
  readonly requestId?: string;
}

/** --check found an output that is missing or stale. Exit 1, like `make -q`. */
export class OutOfDateError extends Error {
  override name = 'OutOfDateError';
  readonly hint = 'Run the same command without --check (or with --if-changed) to regenerate it.';
}

/** Some batch jobs failed or were not started. Exit 7; when every job failed, the failure's own code. */
export class BatchFailedError extends Error {
  override name = 'BatchFailedError';
  constructor(
    readonly succeeded: number,
    readonly total: number,
    readonly failures: Error[],
  ) {
    super(`${total - succeeded} of ${total} jobs did not succeed${failures[0] ? `; the first failure: ${failures[0].message}` : ''}`);
  }
  readonly hint = 'Each job has a JSON line on stdout with its status and error; rerun the batch to retry (finished jobs with an "out" are skipped).';
}

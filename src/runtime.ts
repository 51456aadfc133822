// What a command may touch of the process (streams, environment, abort signal, clock), built once
// in cli.ts and replaceable in tests; and the run's calendar. IMGCLI_NOW pins "now", so a build (or
// a test) gives the same model status, file names and provenance times on any day. Durations
// (timeouts, retry waits, elapsed times) always use the real clock.
import { UsageError } from './errors.js';

/** What a command may touch of the process; built once in cli.ts, replaceable in tests. */
export interface Runtime {
  signal: AbortSignal;
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  now: () => Date;
  /** The output boundary's redactor (cli.ts): secrets found later (a config file's key) are added here. */
  secrets?: { add(secret: string | undefined): void };
}

export function isCI(env: Runtime['env']): boolean {
  return Boolean(env.CI) && env.CI !== 'false' && env.CI !== '0';
}

export const NOW_VARIABLE = 'IMGCLI_NOW';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 date (`2026-12-01`, midnight UTC) or date-time with a zone (`2026-12-01T12:00:00Z`,
 * `...+01:00`); undefined for anything else, including a date that does not exist (2027-02-29).
 */
export function parseInstant(text: string): Date | undefined {
  const value = text.trim();
  const m = DATE_ONLY.exec(value) ?? DATE_TIME.exec(value);
  if (!m) return undefined;
  const date = new Date(m.length === 4 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) return undefined;
  // Date() rolls 2027-02-29 over to March 1st: check the calendar day survived.
  const [, y, mo, d] = m.map(Number) as [number, number, number, number];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return undefined;
  return date;
}

/** The run's clock: fixed when IMGCLI_NOW is set, the system clock otherwise; exit 2 for a malformed value. */
export function clockFrom(env: Record<string, string | undefined>): () => Date {
  const pinned = env[NOW_VARIABLE];
  if (pinned === undefined || pinned.trim() === '') return () => new Date();
  const at = parseInstant(pinned);
  if (!at) {
    throw new UsageError(
      `${NOW_VARIABLE}=${pinned} is not a date: use an ISO 8601 date-time with a time zone, e.g. 2026-12-01T12:00:00Z, or a date, e.g. 2026-12-01 (midnight UTC)`,
      `Unset ${NOW_VARIABLE} to use the system clock.`,
    );
  }
  return () => new Date(at.getTime());
}

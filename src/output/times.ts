// Unix times from the API (a batch's or a file's created_at) as the lists print them.

/** A Unix time as an ISO date-time without milliseconds; '-' when missing or beyond what a date holds (a server's 1e300). */
export function isoSeconds(seconds: number | null | undefined): string {
  const date = typeof seconds === 'number' ? new Date(seconds * 1000) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString().replace('.000Z', 'Z') : '-';
}

// Every read from the network is bounded: one table of the limits, read by the body readers,
// the base64 extractor, the SSE parser and the image downloads. The README's Reliability
// section lists the same numbers.

const MiB = 1024 * 1024;

export const LIMITS = {
  /** One image, decoded: from b64_json, a URL download or a streamed event. Real ones are a few MB. */
  imageBytes: 100 * MiB,
  /** Every image of one answer together, decoded (ten large images fit with room to spare). */
  answerImageBytes: 512 * MiB,
  /** The JSON of an answer once its images are taken out, or a model list: kilobytes in practice. */
  jsonBytes: 16 * MiB,
  /** A whole JSON answer read as text, images included (only where no image sink is given). */
  answerTextBytes: 256 * MiB,
  /** An error body (non-2xx): enough for any message; the rest is not read. */
  errorBodyBytes: 256 * 1024,
  /** One server-sent event (a partial or final image in base64, with its JSON). */
  sseEventChars: 64 * MiB,
  /** Redirects an image download follows (CDNs use one or two). */
  redirects: 5,
} as const;

/**
 * How every message writes a byte count (the one formatter; here, the lowest layer that needs it):
 * a limit whole (`100 MB`, `256 KB`), a measured size to a tenth of a megabyte (`16.3 MB`) or in
 * whole kilobytes below one (`45 KB`).
 */
export function sizeText(bytes: number, kind: 'limit' | 'measured' = 'limit'): string {
  if (kind === 'measured')
    return bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return bytes >= MiB ? `${Math.round(bytes / MiB)} MB` : `${Math.round(bytes / 1024)} KB`;
}

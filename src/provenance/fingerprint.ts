// src/provenance/: the record imgcli writes into every image (per format) and the request fingerprint.
//
// The request fingerprint: one hash that changes exactly when a request would ask the API for
// something different, so `--if-changed` can skip a request whose output already carries it.
//
// What goes in: sha256 over the canonical JSON (below) of
//   { v: 1, endpoint, model, params, files: [{ role, sha256, size }, ...] }
// - endpoint and model as given;
// - params: every request parameter as sent (the JSON body, or the form fields of a multipart
//   request without its files); values are compared as JSON, so 1 and 1.0 are the same;
// - files: each input image and mask in the order sent, by role ("image", "mask") and the
//   sha256 and size of its bytes. Paths, names and dates do not count: the same bytes under
//   another name give the same fingerprint, one changed byte gives another. An input sent as a
//   reference (a URL or a Files API id, which imgcli never fetches) counts as { role, ref }.
// `v` names this recipe; changing what goes in means bumping it, so old outputs count as changed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface FingerprintInput {
  endpoint: string;
  model: string;
  params: Record<string, unknown>;
  /**
   * Input images and masks: bytes in memory, a path streamed from disk, a digest already made
   * (fileDigest), or a reference as sent (a URL or file id: the server reads it, so it counts as given).
   */
  files?: Array<{ role: string; bytes?: Buffer; path?: string; sha256?: string; size?: number; ref?: string }>;
}

/**
 * JSON with object keys sorted (by UTF-16 code units, as RFC 8785) at every depth and no
 * whitespace. Like JSON.stringify otherwise: undefined, functions and symbols are dropped from
 * objects and become null in arrays; toJSON() is honoured; BigInt throws.
 */
export function canonicalJson(value: unknown): string {
  const text = serialize(value);
  if (text === undefined) throw new TypeError('canonicalJson: the value has no JSON form');
  return text;
}

function serialize(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => serialize(v) ?? 'null').join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const v = serialize((value as Record<string, unknown>)[key]);
    if (v !== undefined) members.push(`${JSON.stringify(key)}:${v}`);
  }
  return `{${members.join(',')}}`;
}

/** The sha256 (hex) and size of a file's bytes, in memory or streamed from its path. */
export async function fileDigest(file: {
  role: string;
  bytes?: Buffer;
  path?: string;
  sha256?: string;
  size?: number;
}): Promise<{ sha256: string; size: number }> {
  if (file.sha256 !== undefined && file.size !== undefined) return { sha256: file.sha256, size: file.size };
  const hash = createHash('sha256');
  if (file.bytes) return { sha256: hash.update(file.bytes).digest('hex'), size: file.bytes.length };
  if (file.path === undefined)
    throw new TypeError(`requestFingerprint: the ${file.role} file has neither bytes nor a path`);
  let size = 0;
  // Streamed: input images can be large and only their hash is needed.
  for await (const chunk of createReadStream(file.path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** "sha256:<hex>" of a request; see the top of this file for what goes in. */
export async function requestFingerprint(input: FingerprintInput): Promise<string> {
  const files: Array<{ role: string; sha256: string; size: number } | { role: string; ref: string }> = [];
  for (const file of input.files ?? [])
    files.push(
      file.ref !== undefined ? { role: file.role, ref: file.ref } : { role: file.role, ...(await fileDigest(file)) },
    );
  const doc = { v: 1, endpoint: input.endpoint, model: input.model, params: input.params, files };
  return `sha256:${createHash('sha256').update(canonicalJson(doc)).digest('hex')}`;
}

// Make-friendly reruns: a request's fingerprint is stored in every file imgcli writes, so a rerun
// with unchanged inputs can see that its outputs are up to date and send nothing.
import { FileReadError, readRegularFile } from '../image/input-file.js';
import { framesOf, sniffImage } from '../image/format.js';
import { regularFile } from '../image/input-file.js';
import { IMAGE_FIELDS } from '../models/fields.js';
import type { OutputPlan } from '../output/naming.js';
import type { SavedFile } from '../output/save.js';
import { fileDigest, OFFLINE_ORIGIN, readProvenance, requestFingerprint } from '../provenance/index.js';
import type { RequestRecord } from '../provenance/stamp.js';

/** Fields that change how an answer travels, not the image: they do not make a file stale. */
const TRANSPORT_ONLY = new Set<string>(IMAGE_FIELDS.filter((f) => 'transportOnly' in f).map((f) => f.api));

/** A local input's digest, or a reference (URL, file id) as sent. */
export type InputDigest =
  | { role: string; path: string; sha256: string; size: number; ref?: undefined }
  | { role: string; ref: string; path?: undefined };

/** How an input's role is named in the usual "cannot read" refusal (the flag for masks). */
const ROLE_WORDS: Record<string, string> = { image: 'image', mask: '--mask', 'mask-from': '--mask-from' };

/**
 * The sha256 and size of each input file, in the order sent (streamed: inputs can be large).
 * Every input is checked first, as a request's would be: a missing file, a folder or a pipe is
 * the usual usage error (exit 2) naming it, never a raw ENOENT.
 */
export async function digestInputs(record: RequestRecord): Promise<InputDigest[]> {
  const inputs = record.inputs ?? [];
  for (const input of inputs)
    if (input.ref === undefined && input.path !== undefined)
      await regularFile(input.path, ROLE_WORDS[input.role] ?? input.role);
  const digests: InputDigest[] = [];
  for (const input of inputs) {
    if (input.ref !== undefined) digests.push({ role: input.role, ref: input.ref });
    else if (input.path !== undefined)
      digests.push({ role: input.role, path: input.path, ...(await fileDigest(input)) });
  }
  return digests;
}

/** The request's fingerprint; `digests` (from digestInputs) saves hashing the inputs again. */
export function fingerprintOf(
  endpoint: string,
  model: string,
  record: RequestRecord,
  digests?: InputDigest[],
): Promise<string> {
  const params = Object.fromEntries(Object.entries(record.params).filter(([k]) => !TRANSPORT_ONLY.has(k)));
  return requestFingerprint({
    endpoint,
    model,
    params,
    files: digests ?? record.inputs?.map((i) => ({ role: i.role, path: i.path, ref: i.ref })),
  });
}

export type Freshness = { fresh: true; files: SavedFile[] } | { fresh: false; reason: string };

/**
 * Whether every output of an -o plan exists and carries this fingerprint. An image the offline
 * server made (origin "offline") is a stand-in: up to date only for a run that is offline too.
 */
export async function checkFreshness(plan: OutputPlan, fingerprint: string, offline = false): Promise<Freshness> {
  if (plan.kind !== 'files') return { fresh: false, reason: 'no fixed output path' };
  const files: SavedFile[] = [];
  for (const [index, path] of plan.paths.entries()) {
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(path, 'image');
    } catch (err) {
      // Not a regular file of an image's size (a FIFO, a link to a device): stale, and rewritten.
      return {
        fresh: false,
        reason:
          err instanceof FileReadError && !err.reason.startsWith('no such')
            ? `${path}: ${err.reason}`
            : `${path} does not exist`,
      };
    }
    const record = readProvenance(bytes);
    const stored = record?.fingerprint;
    if (!stored) return { fresh: false, reason: `${path} has no imgcli fingerprint` };
    if (record.origin === OFFLINE_ORIGIN && !offline)
      return { fresh: false, reason: `${path} was made offline (a stand-in from the offline server)` };
    if (stored !== fingerprint)
      return {
        fresh: false,
        reason: `${path} was made from a different request (prompt, flags or input files changed)`,
      };
    const info = sniffImage(bytes);
    if (!info) return { fresh: false, reason: `${path} is not an image` };
    files.push({
      index,
      path,
      bytes: bytes.length,
      width: info.width,
      height: info.height,
      format: info.format,
      ...framesOf(bytes, info.format),
    });
  }
  return { fresh: true, files };
}

/**
 * The fingerprint of a request and whether the plan's files already carry it (their entries
 * then), with the input digests made on the way, for the job to reuse.
 */
export async function freshOutputs(
  endpoint: string,
  model: string,
  record: RequestRecord,
  plan: OutputPlan,
  offline = false,
): Promise<{ fingerprint: string; digests: InputDigest[]; files?: SavedFile[] }> {
  const digests = await digestInputs(record);
  const fingerprint = await fingerprintOf(endpoint, model, record, digests);
  const fresh = await checkFreshness(plan, fingerprint, offline);
  return { fingerprint, digests, files: fresh.fresh ? fresh.files : undefined };
}

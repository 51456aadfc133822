// What a remote batch sends: each job's custom_id (from its line and request fingerprint, so
// results map back and a resubmission keeps its ids), each distinct local input image uploaded
// once through the Files API (by the hash of the bytes sent), each job's request line with its
// images as file ids, the lines split into request files of one endpoint within the Batch API's
// limits, and those files written to disk and uploaded (purpose batch) without holding them whole.
import type { BatchLimits } from '../../api/batches.js';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { basename, dirname } from 'node:path';
import { BATCH_ENDPOINTS, type BatchEndpoint } from '../../api/batches.js';
import { uploadRecorded, type RecordedUpload } from '../../config/uploads.js';
import type { UploadKind } from '../../config/keys.js';
import type { Connection } from '../../api/http.js';
import { UsageError } from '../../errors.js';
import { fingerprintFor, type ImageJob } from '../../pipeline/run.js';
import { claimTemp, discardStaged, localError } from '../../output/disk.js';
import { fileDigest } from '../../provenance/fingerprint.js';
import type { Messenger } from '../../terminal/messenger.js';
import type { UploadPart } from '../../upload/form.js';
import { jsonEditBody, refOf, type ImageRef } from '../../upload/json-edit.js';
import type { StateFile } from './state.js';

/** The purpose input images are uploaded with, as `imgcli files upload` does. */
const IMAGE_PURPOSE = 'vision';

/** `line-12-3f9a1c2b7d0e`: the job's line, then 12 hex digits of its request fingerprint. */
export async function customIdOf(line: number, job: ImageJob): Promise<string> {
  const fingerprint = await fingerprintFor(job);
  return `line-${line}-${fingerprint.replace(/^sha256:/, '').slice(0, 12)}`;
}

/** The jobs' fingerprint: it changes when any job changes, moves, or a default given to batch does. */
export const jobsFingerprint = (customIds: string[]) =>
  `sha256:${createHash('sha256').update(customIds.join('\n')).digest('hex')}`;

export const endpointOf = (job: ImageJob): BatchEndpoint => (job.endpoint === 'generations' ? 'generations' : 'edits');
/** "1 generation", "300 edits": a part's jobs in words. */
export const jobsText = (n: number, endpoint: BatchEndpoint) =>
  `${n} ${endpoint === 'generations' ? 'generation' : 'edit'}${n === 1 ? '' : 's'}`;

/** A job's local inputs, images then mask or markup: what must be uploaded before its request can name them. */
function localParts(job: ImageJob): UploadPart[] {
  if (!job.edit) return [];
  const { images, mask, markup } = job.edit.prepared;
  return [...images, ...(mask ? [mask] : []), ...(markup ? [markup] : [])].filter((p): p is UploadPart => 'field' in p);
}

/** The bytes a part sends, hashed: a file streamed from disk (once per path), or a Blob (a fitted image, a mask). */
async function digestOf(
  part: UploadPart,
  byPath: Map<string, Promise<{ sha256: string; size: number }>>,
): Promise<{ sha256: string; size: number }> {
  if ('path' in part.source) {
    const path = part.source.path;
    let digest = byPath.get(path);
    if (!digest) byPath.set(path, (digest = fileDigest({ role: 'image', path })));
    return digest;
  }
  const bytes = Buffer.from(await part.source.blob.arrayBuffer());
  return fileDigest({ role: 'image', bytes });
}

/** Where each job's local inputs are on the server: the file id of each part, by job. */
export type InputIds = Map<UploadPart, string>;

/** How an upload of each kind expires and is written down (config/uploads.ts). */
export type Recorder = (kind: UploadKind) => RecordedUpload;

/** An input is uploaded again when it expires within this long: a batch may take a day to run. */
const EXPIRY_MARGIN_MS = 25 * 3_600_000;

/** The inputs each run uploaded (by state file): never uploaded twice in one run, whatever their expiry. */
const uploadedThisRun = new WeakMap<StateFile, Set<string>>();

/**
 * Uploads every distinct local input once (the state remembers what an earlier run uploaded,
 * unless that has expired or soon will), recording each file id in the state as it comes.
 */
export async function uploadInputs(
  conn: Connection,
  jobs: ImageJob[],
  sf: StateFile,
  say: Messenger,
  record: Recorder,
): Promise<InputIds> {
  const byPath = new Map<string, Promise<{ sha256: string; size: number }>>();
  const ids: InputIds = new Map();
  let uploaded = 0;
  const how = record('inputs');
  const made = uploadedThisRun.get(sf) ?? new Set<string>();
  uploadedThisRun.set(sf, made);
  // An expiry shorter than the margin (files-expire-after 1h) is judged by half of it.
  const margin = Math.min(EXPIRY_MARGIN_MS, ((how.expiresAfter ?? Infinity) * 1000) / 2);
  const fresh = (sha256: string, expires: number | null | undefined) =>
    made.has(sha256) || typeof expires !== 'number' || expires * 1000 - margin > how.now().getTime();
  for (const job of jobs) {
    for (const part of localParts(job)) {
      const { sha256, size } = await digestOf(part, byPath);
      let known = sf.state.inputs[sha256];
      if (!known || !fresh(sha256, known.expires_at)) {
        const file = await uploadRecorded(
          conn,
          { source: part.source, filename: part.filename, contentType: part.contentType },
          IMAGE_PURPOSE,
          how,
        );
        known = {
          file_id: file.id,
          name: 'path' in part.source ? part.source.path : part.filename,
          bytes: size,
          expires_at: typeof file.expires_at === 'number' ? file.expires_at : null,
        };
        sf.state.inputs[sha256] = known;
        made.add(sha256);
        await sf.saveSoon();
        uploaded++;
      }
      ids.set(part, known.file_id);
    }
  }
  if (uploaded) await sf.save();
  if (uploaded)
    say.info(`batch: uploaded ${uploaded} input image${uploaded === 1 ? '' : 's'} (each distinct image once)`);
  return ids;
}

/** Fields a batch request cannot carry: the Batch API answers once, it does not stream. */
const NOT_IN_BATCH = ['stream', 'partial_images'];
const withoutStream = (body: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(body).filter(([k]) => !NOT_IN_BATCH.includes(k)));

/** The request body as a batch carries it: the direct body, edits as JSON with every local input as a file id. */
export function batchBody(job: ImageJob, ids: InputIds | undefined): Record<string, unknown> {
  if (!job.edit) return withoutStream(job.json ?? {});
  const ref = (p: UploadPart | Parameters<typeof refOf>[0]): ImageRef => {
    if (!('field' in p)) return refOf(p);
    const id = ids?.get(p);
    // Before the uploads (--dry-run), the file is named by what it will be.
    return { file_id: id ?? `<upload of ${'path' in p.source ? p.source.path : p.filename}>` };
  };
  const { images, mask, markup } = job.edit.prepared;
  return jsonEditBody(
    withoutStream(job.edit.fields),
    images.map(ref),
    mask ? ref(mask) : undefined,
    markup ? ref(markup) : undefined,
  );
}

/** One line of a request file. */
export function requestLine(customId: string, job: ImageJob, ids: InputIds | undefined): string {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: BATCH_ENDPOINTS[endpointOf(job)],
    body: batchBody(job, ids),
  });
}

export interface PlannedPart {
  endpoint: BatchEndpoint;
  customIds: string[];
  bytes: number;
}

/**
 * Splits the request lines into files: one endpoint per file, at most `limits.requests` lines and
 * `limits.bytes` bytes (newlines included) each, in job order. A single line over the byte limit
 * cannot be sent at all.
 */
export function splitParts(
  lines: Array<{ customId: string; endpoint: BatchEndpoint; bytes: number; line: number }>,
  limits: BatchLimits,
): PlannedPart[] {
  const parts: PlannedPart[] = [];
  for (const endpoint of ['generations', 'edits'] as const) {
    let current: PlannedPart | undefined;
    for (const l of lines.filter((x) => x.endpoint === endpoint)) {
      const size = l.bytes + 1;
      if (size > limits.bytes) {
        throw new UsageError(
          `line ${l.line}'s request is ${size.toLocaleString('en')} bytes, more than a batch request file takes (${limits.bytes.toLocaleString('en')}); nothing was sent`,
          'Upload its images once with `imgcli files upload` and give the file ids, or run that job in a local batch.',
        );
      }
      if (!current || current.customIds.length >= limits.requests || current.bytes + size > limits.bytes) {
        current = { endpoint, customIds: [], bytes: 0 };
        parts.push(current);
      }
      current.customIds.push(l.customId);
      current.bytes += size;
    }
  }
  return parts;
}

/**
 * Writes a part's request file beside the state (line by line: it can be 200 MB), uploads it with
 * purpose batch, and removes it. Returns the file id and the file's sha256.
 */
export async function uploadRequests(
  conn: Connection,
  sf: StateFile,
  lines: Iterable<string>,
  name: string,
  record: Recorder,
): Promise<{ fileId: string; sha256: string; bytes: number }> {
  const temp = claimTemp(dirname(sf.path));
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(temp, { mode: 0o600 });
      out.on('error', reject);
      out.on('finish', resolve);
      const iterator = lines[Symbol.iterator]();
      const pump = () => {
        for (let next = iterator.next(); !next.done; next = iterator.next()) {
          const text = `${next.value}\n`;
          hash.update(text);
          bytes += Buffer.byteLength(text);
          if (!out.write(text)) return void out.once('drain', pump);
        }
        out.end();
      };
      pump();
    }).catch((err: unknown) => {
      throw localError(err, temp, `the batch request file beside ${sf.path}`);
    });
    const file = await uploadRecorded(
      conn,
      { source: { path: temp }, filename: name, contentType: 'application/jsonl' },
      'batch',
      record('batch'),
    );
    return { fileId: file.id, sha256: `sha256:${hash.digest('hex')}`, bytes };
  } finally {
    await discardStaged(temp);
  }
}

/** The request file's name on the server: the jobs file's, numbered by part. */
export const requestFileName = (jobsFile: string, n: number) => `${basename(jobsFile)}.part-${n}.jsonl`;

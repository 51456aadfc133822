// The work of `imgcli files`: connect (as gen does: base URL, key, profile, proxy, --mock), check
// every image before the first upload, then upload, list or delete through src/api/files.ts.
// Printing is run.ts's.
import { deleteFile, eachFile, retrieveFile, type FileObject } from '../../api/files.js';
import { ApiError, answerError } from '../../api/errors.js';
import { ID_SHAPE, isApiId, type ApiId } from '../../api/ids.js';
import type { Connection } from '../../api/http.js';
import { HintedError, UsageError } from '../../errors.js';
import { DEFAULT_MODEL, endpointRules, resolveModel } from '../../models/table.js';
import { contentTypeOf } from '../../upload/form.js';
import { inspectImage, ruleProblems, ruleText, type InputImage } from '../../upload/inputs.js';
import type { Settings } from '../../config/settings.js';
import {
  forgetUploads,
  ledgerFor,
  readLedger,
  uploadRecorded,
  type RecordedUpload,
  type UploadRecord,
} from '../../config/uploads.js';
import { loadState, settled, type BatchState } from '../../batch/remote/state.js';
import type { Context } from '../shared/context.js';

/** The purpose images for edits are uploaded with. */
export const IMAGE_PURPOSE = 'vision';

/** The connection for a files command, with a word when --mock starts a server that forgets its files. */
export async function connected(ctx: Context): Promise<Connection> {
  if ((await ctx.settings()).mock)
    (await ctx.messenger()).warn(
      '--mock: the offline server started for this run forgets its files when imgcli exits; run `imgcli mock-server` and point --base-url at it to keep them.',
    );
  return ctx.connection();
}

/** Reads and checks every image before any is uploaded: what edits take (PNG, JPEG or WebP under 50 MB). */
export async function checkImages(paths: string[]): Promise<InputImage[]> {
  const rule = endpointRules(resolveModel(DEFAULT_MODEL), 'edits')!.files!;
  const images: InputImage[] = [];
  for (const path of paths) {
    const image = await inspectImage(path);
    const problems = ruleProblems(image, rule);
    if (problems.length)
      throw new UsageError(
        `${path} is ${problems.join(', ')}; edits take ${ruleText(rule)}`,
        'Convert it first (a PNG is always taken); nothing was uploaded.',
      );
    images.push(image);
  }
  return images;
}

export interface Uploaded {
  path: string;
  file: FileObject;
}

/** How `files upload` records its uploads: in the ledger (not for --mock), expiring as configured or as --expires-after says. */
export function recording(
  settings: Settings,
  expiresAfter: number | null | undefined,
  rt: { now: () => Date },
  warn: (line: string) => void,
): RecordedUpload {
  return {
    ...ledgerFor(settings),
    kind: 'inputs',
    expiresAfter: expiresAfter === undefined ? settings.uploadExpiry.inputs : expiresAfter,
    by: 'files upload',
    now: rt.now,
    warn,
  };
}

/**
 * Uploads the images one by one, calling `onUploaded` after each (so ids reach a pipe as they
 * come). When one fails, the error names the files already uploaded, which are not removed.
 */
export async function uploadImages(
  conn: Connection,
  images: InputImage[],
  onUploaded: (u: Uploaded) => void,
  how: RecordedUpload,
): Promise<Uploaded[]> {
  const done: Uploaded[] = [];
  for (const image of images) {
    try {
      const file = await uploadRecorded(
        conn,
        { source: { path: image.path }, filename: image.filename, contentType: contentTypeOf(image.format) },
        IMAGE_PURPOSE,
        how,
      );
      done.push({ path: image.path, file });
      onUploaded({ path: image.path, file });
    } catch (err) {
      if (!(err instanceof ApiError) || done.length === 0) throw err;
      const ids = done.map((d) => d.file.id).join(' ');
      throw new HintedError(
        err,
        `${done.length} of ${images.length} uploaded before this failed (their ids are on stdout); remove them with \`imgcli files rm ${ids}\`, or keep them and upload the rest.`,
      );
    }
  }
  return done;
}

/** Every file the server lists, at most `max`, optionally of one purpose. */
export async function listAll(conn: Connection, query: { purpose?: string; max?: number }): Promise<FileObject[]> {
  const files: FileObject[] = [];
  for await (const file of eachFile(conn, query)) files.push(file);
  return files;
}

/**
 * File ids as the API writes them (api/ids.ts): `.`, `..`, a slash, a space or a line break
 * cannot be one, and nothing is sent when any argument is not.
 */
export function checkFileIds(ids: string[]): ApiId[] {
  const bad = ids.filter((id) => !isApiId(id));
  if (bad.length)
    throw new UsageError(
      `not a file id: ${bad.map((id) => JSON.stringify(id)).join(', ')} (an id is ${ID_SHAPE}); nothing was deleted`,
      'File ids look like file-abc123; `imgcli files list` shows them.',
    );
  return ids as ApiId[];
}

/** Deletes each file; goes on past a failure and reports every one at the end. */
export async function removeFiles(
  conn: Connection,
  ids: ApiId[],
  onDeleted: (id: ApiId) => void,
): Promise<{ deleted: ApiId[]; failed: Array<{ id: ApiId; error: Error }> }> {
  const deleted: ApiId[] = [];
  const failed: Array<{ id: ApiId; error: Error }> = [];
  for (const id of ids) {
    try {
      const answer = await deleteFile(conn, id);
      // Printed as deleted only when the server says so, for the id asked.
      if (!answer.deleted || answer.id !== id)
        throw answerError(
          'not-a-file',
          `The server's answer to DELETE /files/${id} does not say ${id} was deleted (it says ${answer.id}: deleted ${answer.deleted}).`,
        );
      deleted.push(id);
      onDeleted(id);
    } catch (err) {
      if (!(err instanceof ApiError) || conn.signal.aborted) throw err;
      failed.push({ id, error: err });
    }
  }
  return { deleted, failed };
}

/** A 404 for a file id: the hint says where the ids are, not to check --base-url. */
export function fileNotFound(err: ApiError, id: string): HintedError {
  return new HintedError(
    err,
    `The server has no file ${id}: \`imgcli files list\` shows the ids it has (files uploaded elsewhere, or deleted, are not there).`,
  );
}

/** What `files prune` does with each upload the ledger holds for this server. */
export interface PrunePlan {
  /** Still on the server: deleted. */
  remove: UploadRecord[];
  /** Past their expiry: the server deleted them already; only the ledger is told. */
  expired: UploadRecord[];
  /** A remote batch that has not been collected still needs them. */
  kept: Array<{ record: UploadRecord; why: string }>;
}

/** Sorts the uploads imgcli made on `server` into what to delete, what expired and what a batch still needs. */
export async function planPrune(ledger: string, server: string, now: Date): Promise<PrunePlan> {
  const plan: PrunePlan = { remove: [], expired: [], kept: [] };
  const states = new Map<string, Promise<BatchState | undefined>>();
  for (const record of await readLedger(ledger)) {
    if (record.server !== server) continue;
    if (record.expires_at !== null && record.expires_at * 1000 <= now.getTime()) {
      plan.expired.push(record);
      continue;
    }
    const statePath = record.batch_state;
    if (statePath) {
      if (!states.has(statePath))
        states.set(
          statePath,
          loadState(statePath).catch(() => undefined),
        );
      const state = await states.get(statePath);
      if (state && !settled(state)) {
        plan.kept.push({
          record,
          why: `its remote batch has not been collected (${statePath}: imgcli batch ${state.jobs_file} --remote collects it)`,
        });
        continue;
      }
    }
    plan.remove.push(record);
  }
  return plan;
}

/**
 * Deletes each planned upload once the server's own record of the file agrees with imgcli's (its
 * name and size: a hand-edited or stale line cannot make prune delete another tool's file); one the
 * server no longer has (404) counts as gone, one that differs is kept and told, others that fail are
 * reported. What is freed is the server's size of each file deleted.
 */
export async function pruneUploads(
  conn: Connection | undefined,
  ledger: string,
  plan: PrunePlan,
  onDeleted: (record: UploadRecord) => void,
): Promise<{
  deleted: UploadRecord[];
  gone: UploadRecord[];
  differs: Array<{ record: UploadRecord; why: string }>;
  failed: Array<{ record: UploadRecord; error: Error }>;
}> {
  const deleted: UploadRecord[] = [];
  const gone: UploadRecord[] = [];
  const differs: Array<{ record: UploadRecord; why: string }> = [];
  const failed: Array<{ record: UploadRecord; error: Error }> = [];
  for (const record of plan.remove) {
    if (!conn) throw new Error('pruneUploads: files to delete and no connection');
    try {
      const file = await retrieveFile(conn, record.id);
      const why = differences(record, file);
      if (why) {
        differs.push({ record, why });
        continue;
      }
      await deleteFile(conn, record.id);
      const done = { ...record, bytes: typeof file.bytes === 'number' ? file.bytes : record.bytes };
      deleted.push(done);
      await forgetUploads(ledger, [record]);
      onDeleted(done);
    } catch (err) {
      if (!(err instanceof ApiError) || conn.signal.aborted) throw err;
      if (err.status === 404) gone.push(record);
      else failed.push({ record, error: err });
    }
  }
  await forgetUploads(ledger, [...gone, ...plan.expired]);
  return { deleted, gone, differs, failed };
}

/** How the server's file differs from the upload imgcli recorded (name, size), or undefined when it is the same. */
function differences(record: UploadRecord, file: FileObject): string | undefined {
  const found: string[] = [];
  if (typeof file.filename === 'string' && file.filename !== record.filename)
    found.push(`the server's file is named ${JSON.stringify(file.filename)}, not ${JSON.stringify(record.filename)}`);
  // A server that gave no size at upload is recorded as 0: only a size that was recorded is compared.
  if (typeof file.bytes === 'number' && record.bytes > 0 && file.bytes !== record.bytes)
    found.push(`it holds ${file.bytes} bytes, not the ${record.bytes} imgcli recorded`);
  return found.length ? `${found.join(', and ')}: not the upload imgcli recorded, so it was left alone` : undefined;
}

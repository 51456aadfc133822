// The files imgcli uploads to a server's Files API (`imgcli files upload`, batch --remote's input
// images and request files): each sent with an expiry (expires_after, anchor created_at) so they
// do not pile up, and each written down in a ledger beside the config file (uploads.jsonl: one
// JSON line per upload, a later `{"deleted": id}` line when imgcli deleted it), so that
// `imgcli files prune` can delete what imgcli made, and only that. Lines are appended, never
// rewritten: two runs at once cannot lose each other's records.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { uploadFile, type FileObject, type UploadFile } from '../api/files.js';
import type { Connection } from '../api/http.js';
import { isApiId, type ApiId } from '../api/ids.js';
import { readRegularFile } from '../image/input-file.js';
import type { UploadKind } from './keys.js';
import type { Settings } from './settings.js';

export const LEDGER_FILE = 'uploads.jsonl';

/** One upload imgcli made, as the ledger keeps it. */
export interface UploadRecord {
  /** Only ids of the API's shape are read back (a hand-edited ledger cannot steer a delete). */
  id: ApiId;
  /** The base URL it was uploaded to: prune deletes only the server's own. */
  server: string;
  purpose: string;
  bytes: number;
  filename: string;
  /** Unix seconds. */
  created_at: number;
  /** Unix seconds; null: it lives until deleted. */
  expires_at: number | null;
  /** What made it: `files upload` or `batch --remote`. */
  by: string;
  /** For batch --remote: its state file, which says whether the batch still needs the file. */
  batch_state?: string;
}

export const ledgerPath = (configPath: string) => join(dirname(configPath), LEDGER_FILE);

/** The server uploads are recorded under: the base URL, without a trailing slash. */
export const serverOf = (baseUrl: string) => baseUrl.replace(/\/+$/, '');

/**
 * Where a run's uploads are written down, and as which server. Nothing for --mock: the offline
 * server started for one run forgets its files when it ends.
 */
export function ledgerFor(settings: Pick<Settings, 'mock' | 'configPath' | 'baseUrl'>): {
  ledger?: string;
  server: string;
} {
  const server = serverOf(settings.baseUrl);
  return settings.mock || !settings.configPath ? { server } : { ledger: ledgerPath(settings.configPath), server };
}

/** Appends lines to the ledger, making its folder private if it is new. */
async function append(path: string, lines: object[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await appendFile(path, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), { mode: 0o600 });
}

/** The uploads the ledger holds that imgcli has not deleted, oldest first; a damaged line is skipped. */
export async function readLedger(path: string): Promise<UploadRecord[]> {
  // A bounded regular file: a FIFO, a device or a folder in its place is refused (exit 2), never waited on.
  const bytes = await readRegularFile(path, 'state', 'the record of uploads', { missing: undefined });
  const text = bytes === undefined ? '' : bytes.toString('utf8');
  const live = new Map<string, UploadRecord>();
  for (const line of text.split('\n')) {
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    const key = (id: unknown, server: unknown) => `${String(server)} ${String(id)}`;
    if (typeof e.deleted === 'string') live.delete(key(e.deleted, e.server));
    else if (isRecord(e)) live.set(key(e.id, e.server), e);
  }
  return [...live.values()];
}

const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A line as imgcli writes it: every field of its type, sizes and times whole and not negative (a hand-edited line is skipped). */
function isRecord(e: Record<string, unknown>): e is Record<string, unknown> & UploadRecord {
  return (
    isApiId(e.id) &&
    typeof e.server === 'string' &&
    typeof e.purpose === 'string' &&
    typeof e.filename === 'string' &&
    typeof e.by === 'string' &&
    count(e.bytes) &&
    count(e.created_at) &&
    (e.expires_at === null || count(e.expires_at)) &&
    (e.batch_state === undefined || typeof e.batch_state === 'string')
  );
}

/** Marks uploads as deleted (or found gone) in the ledger. */
export function forgetUploads(path: string, records: UploadRecord[]): Promise<void> {
  return records.length
    ? append(
        path,
        records.map((r) => ({ deleted: r.id, server: r.server })),
      )
    : Promise.resolve();
}

export interface RecordedUpload {
  /** The ledger's path; undefined: nothing is recorded (the offline server of --mock forgets its files anyway). */
  ledger?: string;
  server: string;
  kind: UploadKind;
  /** Seconds until the server deletes it; null: never. */
  expiresAfter: number | null;
  by: string;
  batchState?: string;
  now: () => Date;
  /** Told when the ledger cannot be written: the upload itself went well. */
  warn: (line: string) => void;
}

/** Uploads one file with its expiry and writes it down in the ledger. */
export async function uploadRecorded(
  conn: Connection,
  file: UploadFile,
  purpose: string,
  how: RecordedUpload,
): Promise<FileObject> {
  const expiry = how.expiresAfter === null ? undefined : { anchor: 'created_at' as const, seconds: how.expiresAfter };
  const { file: made } = await uploadFile(conn, file, purpose, expiry);
  if (how.ledger) {
    const created = typeof made.created_at === 'number' ? made.created_at : Math.floor(how.now().getTime() / 1000);
    const record: UploadRecord = {
      id: made.id,
      server: how.server,
      purpose,
      bytes: typeof made.bytes === 'number' ? made.bytes : 0,
      filename: made.filename ?? file.filename,
      created_at: created,
      expires_at: typeof made.expires_at === 'number' ? made.expires_at : expiry ? created + expiry.seconds : null,
      by: how.by,
      ...(how.batchState ? { batch_state: how.batchState } : {}),
    };
    await append(how.ledger, [record]).catch((err: NodeJS.ErrnoException) =>
      how.warn(
        `${made.id} was uploaded but could not be written down in ${how.ledger} (${err.code ?? err.message}), so imgcli files prune will not see it${record.expires_at === null ? '' : '; it expires by itself'}`,
      ),
    );
  }
  return made;
}

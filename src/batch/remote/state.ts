// The state of a remote batch, in a file beside the jobs file (`jobs.jsonl.imgcli-batch.json`,
// mode 0600): everything a later run needs to come back to the same batches instead of paying
// for new ones. It is written atomically (a temp file, then a rename) before anything is uploaded
// and after every step: input images uploaded (by content hash; at most once a second when they
// come by the thousand), request files uploaded, the
// token sent in a batch's metadata (before the create), the batch id, each status change, and the
// results once a batch's files are read. While a result file is being read, each job's result is
// appended to a journal beside it (`.imgcli-batch.journal`, one JSON line per job) and folded
// into the state when the file is done, so a kill -9 mid-download loses nothing that was written.
// A lock file (`.imgcli-batch.lock`, the owner's pid) keeps two runs off the same state.
import { appendFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { ID_SHAPE, isApiId, type ApiId } from '../../api/ids.js';
import { FileReadError, readRegularFile } from '../../image/input-file.js';
import { UsageError } from '../../errors.js';
import { claimTemp, discardStaged, localError } from '../../output/disk.js';
import { LockFile } from '../../output/lock-file.js';

export const STATE_SUFFIX = '.imgcli-batch.json';
const JOURNAL_SUFFIX = '.imgcli-batch.journal';
const LOCK_SUFFIX = '.imgcli-batch.lock';

/** One request file and the batch made from it: one endpoint, at most the Batch API's limits. */
export interface Part {
  /** 1-based, in the order the parts were made. */
  n: number;
  endpoint: 'generations' | 'edits';
  /** Sent as metadata.imgcli_token, recorded before the create: a run that lost the batch id finds the batch by it. */
  token: string;
  custom_ids: string[];
  /** The request file (JSONL): its size and hash, and its id once uploaded. */
  bytes: number;
  sha256: string;
  input_file_id?: ApiId;
  /** Set just before POST /batches goes out; the batch id follows once the answer is in. */
  create_sent?: boolean;
  batch_id?: ApiId;
  /** The last status seen, and what came with it. */
  status?: string;
  /** When the batch's window closes (Unix seconds): the server's expires_at, else 24 hours after it was created. */
  expires_at?: number;
  counts?: { total?: number; completed?: number; failed?: number };
  output_file_id?: ApiId;
  error_file_id?: ApiId;
  /** Why OpenAI failed, expired or cancelled it (the batch's `errors`). */
  errors?: Array<{ code?: string; message?: string; line?: number; param?: string }>;
  /** Set when reading its result files starts: a run that finds it set resumes a collection a kill cut short. */
  collecting?: boolean;
  /** True once its result files were read to the end and every job of it has a result. */
  collected?: boolean;
  /** --resubmit: this part carries again the failed jobs of these parts. */
  resubmits?: number[];
}

/** What became of one job: its JSON line's fields, kept so a later run reports it as it was. */
export interface JobResult {
  status: 'ok' | 'partial' | 'failed';
  part: number;
  batch_id: string;
  files: Array<Record<string, unknown>>;
  request_id: string | null;
  usage: Record<string, unknown> | null;
  cost_usd: number | null;
  cost_note?: string;
  error: string | null;
  /** Offline (--mock): what the batch price would have made of the usage, for --max-cost rehearsals. */
  at_rates_usd?: number;
  /** Where a paid image went when its destination could not be written. */
  recovered_path?: string;
  /** What the failure was, so a later run gives it the same exit code. */
  failure?: {
    status_code?: number;
    code?: string;
    type?: string;
    /**
     * answer: unusable; failed, expired, cancelled: the batch ended first; local: a write failed;
     * missing: its files were deleted and the batch's output file is gone too (told, never kept).
     */
    kind?: 'answer' | 'failed' | 'expired' | 'cancelled' | 'local' | 'missing';
    path?: string;
    recovered?: string;
  };
}

export interface BatchState {
  version: 1;
  tool: string;
  /** The jobs file's name (the state sits beside it). */
  jobs_file: string;
  /** sha256 of every job's custom_id in line order: it changes when any job, or a default given to batch, does. */
  jobs_fingerprint: string;
  /** The server's base URL, or OFFLINE for --mock (whose batches end with the run). */
  server: string;
  created: string;
  updated: string;
  /** Local input images uploaded once each, by the sha256 of what was sent. */
  inputs: Record<string, { file_id: ApiId; name: string; bytes: number; expires_at?: number | null }>;
  /** Every job: its custom_id and line. */
  jobs: Record<string, { line: number }>;
  parts: Part[];
  results: Record<string, JobResult>;
}

export const OFFLINE = 'offline (--mock)';

export const statePathFor = (jobsFile: string) => `${jobsFile}${STATE_SUFFIX}`;

/** The files a remote batch keeps beside its jobs file (state, journal, lock): no job may write over them. */
export function batchFilesOf(jobsFile: string): Array<{ path: string; what: string }> {
  return [
    { path: `${jobsFile}${STATE_SUFFIX}`, what: "the batch's state file" },
    { path: `${jobsFile}${JOURNAL_SUFFIX}`, what: "the batch's journal" },
    { path: `${jobsFile}${LOCK_SUFFIX}`, what: "the batch's lock" },
  ];
}

export function newState(init: {
  jobsFile: string;
  fingerprint: string;
  server: string;
  tool: string;
  now: Date;
}): BatchState {
  const at = init.now.toISOString();
  return {
    version: 1,
    tool: init.tool,
    jobs_file: basename(init.jobsFile),
    jobs_fingerprint: init.fingerprint,
    server: init.server,
    created: at,
    updated: at,
    inputs: {},
    jobs: {},
    parts: [],
    results: {},
  };
}

/** Whether every part has ended and been read: nothing of this state is still on its way. */
export const settled = (state: BatchState) => state.parts.every((p) => p.collected);

/** Reads a state file and folds in the journal a killed run left; undefined when there is none. */
export async function loadState(path: string): Promise<BatchState | undefined> {
  let text: string;
  try {
    const bytes = await readRegularFile(path, 'state', 'the batch state', { missing: undefined });
    if (bytes === undefined) return undefined;
    text = bytes.toString('utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read the batch state ${path}: ${(err as Error).message}`);
  }
  let state: BatchState;
  try {
    state = JSON.parse(text) as BatchState;
    if (state.version !== 1 || !Array.isArray(state.parts) || typeof state.jobs !== 'object')
      throw new Error('not a state file of this imgcli');
    checkIds(state);
  } catch (err) {
    throw new UsageError(
      `${path} is not a batch state imgcli can read (${(err as Error).message})`,
      'It records batches already paid for: move it aside rather than deleting it, and check `imgcli batch list` for batches that are still running.',
    );
  }
  state.results ??= {};
  for (const [id, result] of await readJournal(journalPath(path))) state.results[id] = result;
  return state;
}

/**
 * The ids a state file records go into URLs (a batch's, its result files'): each must have an
 * id's shape, as a server's answer must (api/ids.ts); a file edited by hand cannot aim a request
 * anywhere else.
 */
function checkIds(state: BatchState): void {
  const ids: Array<[string, unknown]> = [
    ...state.parts.flatMap((p, i) =>
      (['input_file_id', 'batch_id', 'output_file_id', 'error_file_id'] as const).map((k): [string, unknown] => [
        `part ${i + 1}'s ${k}`,
        p?.[k],
      ]),
    ),
    ...Object.values(state.inputs ?? {}).map((input): [string, unknown] => ["an input's file_id", input?.file_id]),
  ];
  for (const [where, id] of ids)
    if (id !== undefined && !isApiId(id)) throw new Error(`${where} ${JSON.stringify(id)} is not an id (${ID_SHAPE})`);
}

const journalPath = (statePath: string) =>
  statePath.replace(new RegExp(`${STATE_SUFFIX.replace(/\./g, '\\.')}$`), JOURNAL_SUFFIX);

/** The journal's lines; a last line cut by a kill is left out (its job is read again). */
async function readJournal(path: string): Promise<Array<[string, JobResult]>> {
  let text: string;
  try {
    text = (await readRegularFile(path, 'state', 'the batch journal')).toString('utf8');
  } catch (err) {
    if (err instanceof FileReadError && /^no such/.test(err.reason)) return [];
    throw err;
  }
  const entries: Array<[string, JobResult]> = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const { custom_id, ...result } = JSON.parse(line) as JobResult & { custom_id: string };
      entries.push([custom_id, result]);
    } catch {
      // the torn last line of a killed run
    }
  }
  return entries;
}

/** The state on disk, and the journal of results not yet folded into it. */
export class StateFile {
  readonly journal: string;
  /** Set once loaded (or made): nothing is saved before. */
  state!: BatchState;
  private lock?: LockFile;

  constructor(
    readonly path: string,
    private readonly now: () => Date,
  ) {
    this.journal = journalPath(path);
  }

  /** Writes the whole state atomically, mode 0600 (it names files and batches of the account). */
  async save(): Promise<void> {
    this.state.updated = this.now().toISOString();
    this.lastSave = performance.now();
    const temp = claimTemp(dirname(this.path));
    try {
      await writeFile(temp, `${JSON.stringify(this.state, null, 1)}\n`, { mode: 0o600 });
      await rename(temp, this.path);
    } catch (err) {
      throw localError(err, this.path, `the batch state ${this.path}`);
    } finally {
      await discardStaged(temp);
    }
  }

  private lastSave = 0;

  /**
   * Saves unless the last save was under a second ago: for steps that come by the thousand (one
   * per uploaded input image), where rewriting a large state each time would cost more than the
   * step. What a crash loses is at most a second of them, done again (never billed) by the next run.
   */
  async saveSoon(): Promise<void> {
    if (performance.now() - this.lastSave >= 1000) await this.save();
  }

  /** Records one job's result at once (appended, so a kill -9 right after loses nothing). */
  async record(customId: string, result: JobResult): Promise<void> {
    this.state.results[customId] = result;
    try {
      await appendFile(this.journal, `${JSON.stringify({ custom_id: customId, ...result })}\n`, { mode: 0o600 });
    } catch (err) {
      throw localError(err, this.journal, `the batch journal ${this.journal}`);
    }
  }

  /** Folds the journal into the state file, then drops it. */
  async fold(): Promise<void> {
    await this.save();
    await unlink(this.journal).catch(() => {});
  }

  /** Takes the lock beside the state, or says which live run holds it. Released by release() or at exit. */
  async acquire(): Promise<void> {
    const path = this.path.replace(new RegExp(`${STATE_SUFFIX.replace(/\./g, '\\.')}$`), LOCK_SUFFIX);
    const lock = new LockFile(path, 'the batch lock');
    // Not waited for: the other run may take hours (it waits for its batches).
    await lock.acquire({
      waitMs: 0,
      busy: ({ pid, host }) =>
        new UsageError(
          `another imgcli (pid ${pid ?? '?'}${host && host !== hostname() ? ` on ${host}` : ''}) is working on this batch (${basename(path)}); two runs at once could submit it twice`,
          `Wait for it to finish, or stop it; if it is gone, remove ${path}.`,
        ),
    });
    this.lock = lock;
  }

  async release(): Promise<void> {
    await this.lock?.release();
    this.lock = undefined;
  }
}

// An `imgcli chat` conversation on disk: `.imgcli-chat/<thread>.json` in the folder the command
// runs in, beside the images (mode 0600: it holds the prompts). It records what a later turn, a
// replay and a person need: each turn's prompt, the response ids that chain the turns, the tool
// fields sent, the files written with their sha256, the usage, and the turn's status. Never the
// images. Written atomically (a temp file, then a rename) under a lock beside it, before a turn is
// sent (status `sending`) and once it ended, so a run killed mid-turn leaves a turn that reads as
// uncertain, never one that looks unsent. `.imgcli-chat/last` names the thread last used here.
import { access, mkdir, rename, rmdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { isApiId } from '../api/ids.js';
import { UsageError } from '../errors.js';
import { FileReadError, readRegularFile } from '../image/input-file.js';
import { claimTemp, discardStaged, localError } from './disk.js';
import { LockFile } from './lock-file.js';

export const THREAD_DIR = '.imgcli-chat';
/** What `server` says for a thread held by the offline server of --mock. */
export const OFFLINE_SERVER = 'offline (--mock)';

/**
 * `sending`: written before the request goes out; a turn left so was cut off by a kill, and reads
 * as `uncertain`. `uncertain`: the request went out and no complete answer came (a timeout, a
 * broken connection, Ctrl-C): it may have been made and billed, and is never sent again by itself.
 * `failed`: the server refused or failed it; nothing was made.
 */
export type TurnStatus = 'sending' | 'ok' | 'uncertain' | 'failed';

export interface TurnFile {
  /** As written, relative to the folder of `.imgcli-chat` (or absolute), with / separators. */
  path: string;
  sha256: string;
  bytes: number;
  width?: number;
  height?: number;
  format: string;
}

export interface ThreadTurn {
  /** 1-based, in the order sent. */
  turn: number;
  status: TurnStatus;
  prompt: string;
  /** When it was sent, on the run's clock. */
  sent: string;
  /** The response this turn continued (absent for the first turn of a thread). */
  previous_response_id?: string;
  /** The response this turn made: set when ok, and for an uncertain turn whose stream said it before breaking. */
  response_id?: string;
  request_id?: string;
  mainline: string;
  model: string;
  /** The image tool's fields as sent (input images and the mask are in `inputs`). */
  params: Record<string, unknown>;
  /** Input images and the mask: local files with their sha256, references as given. */
  inputs?: Array<{ role: string; path?: string; ref?: string; sha256?: string; size?: number }>;
  files?: TurnFile[];
  revised_prompt?: string;
  usage?: { mainline?: Record<string, unknown>; image?: Record<string, unknown> };
  cost_usd?: number;
  /** Why a turn is uncertain or failed, in words. */
  error?: string;
}

export interface Thread {
  version: 1;
  tool: string;
  thread: string;
  /** The server's base URL, or OFFLINE_SERVER: response ids belong to one server (and account). */
  server: string;
  created: string;
  updated: string;
  turns: ThreadTurn[];
}

/** Thread names are file names: letters, digits, `.`, `_` and `-`, not starting with a dot. */
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

export function checkThreadName(name: string): string {
  if (!NAME.test(name))
    throw new UsageError(
      `--thread ${JSON.stringify(name)} is not a thread name: use letters, digits, ".", "_" and "-" (at most 64, not starting with ".")`,
      'e.g. --thread poster',
    );
  return name;
}

/** The thread a turn continues: the last one that came back, or none (a new thread). */
export function lastResponse(thread: Thread): ThreadTurn | undefined {
  return thread.turns.findLast((t) => t.status === 'ok' && t.response_id !== undefined);
}

/** The turns after the last good one that may have been made and billed without an answer. */
export function uncertainSince(thread: Thread): ThreadTurn[] {
  const last = lastResponse(thread)?.turn ?? 0;
  return thread.turns.filter((t) => t.turn > last && (t.status === 'uncertain' || t.status === 'sending'));
}

function checkShape(value: unknown): asserts value is Thread {
  const t = value as Thread;
  if (!t || typeof t !== 'object' || t.version !== 1 || !Array.isArray(t.turns) || typeof t.thread !== 'string')
    throw new Error('not a thread file of this imgcli');
  for (const turn of t.turns) {
    if (!turn || typeof turn !== 'object' || typeof turn.turn !== 'number' || typeof turn.prompt !== 'string')
      throw new Error('a turn without its number or prompt');
    // Response ids go back to the server in the next request: each must have an id's shape.
    for (const id of [turn.response_id, turn.previous_response_id])
      if (id !== undefined && !isApiId(id)) throw new Error(`${JSON.stringify(id)} is not a response id`);
  }
}

/** One thread's file and its lock, in `dir` (the folder the command runs in). */
export class ThreadFile {
  readonly path: string;
  thread!: Thread;
  private readonly lock: LockFile;
  /** True when open() made the .imgcli-chat folder: close() removes it again if no turn was saved in it. */
  private madeFolder = false;

  constructor(
    readonly dir: string,
    readonly name: string,
    private readonly now: () => Date,
  ) {
    this.path = join(dir, THREAD_DIR, `${name}.json`);
    this.lock = new LockFile(`${this.path}.lock`, 'the thread lock');
  }

  /**
   * Set by open({ fresh }) over an existing thread of this name: the first save() keeps the old one
   * aside (renamed, under the lock), so a turn refused before sending, or a dry run, changes nothing.
   */
  private keepAside = false;
  /** Told the name the old thread is kept under, when that happens. */
  onAside?: (aside: string) => void;

  /**
   * Takes the lock (another imgcli in the same thread is refused after a short wait), then reads the
   * file; `fresh` (--new --thread <name>) starts the thread afresh instead, the old one kept aside at the first save.
   */
  async open(signal: AbortSignal, opts: { fresh?: boolean } = {}): Promise<boolean> {
    const made = await mkdir(join(this.dir, THREAD_DIR), { recursive: true }).catch((err: unknown) => {
      throw localError(err, join(this.dir, THREAD_DIR));
    });
    this.madeFolder = made !== undefined;
    await this.lock.acquire({
      waitMs: 2000,
      signal,
      busy: (holder) =>
        new UsageError(
          `another imgcli (pid ${holder.pid ?? '?'}) is in the thread ${this.name}; two turns at once would both continue the same response`,
          `Wait for it to finish, or use another thread (--thread <name>); if it is gone, remove ${this.lock.path}.`,
        ),
    });
    if (opts.fresh && (await exists(this.path))) {
      this.keepAside = true;
      return false;
    }
    const found = await this.read();
    if (found) this.thread = found;
    return found !== undefined;
  }

  /** Reads the file without the lock, to show or replay it (writes are atomic renames): false when there is none. */
  async peek(): Promise<boolean> {
    const found = await this.read();
    if (found) this.thread = found;
    return found !== undefined;
  }

  private async read(): Promise<Thread | undefined> {
    let bytes: Buffer | undefined;
    try {
      bytes = await readRegularFile(this.path, 'state', 'the thread file', { missing: undefined });
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read the thread file ${this.path}: ${(err as FileReadError).message}`);
    }
    if (bytes === undefined) return undefined;
    try {
      const value: unknown = JSON.parse(bytes.toString('utf8'));
      checkShape(value);
      // A turn a killed run left `sending` may have been made: it reads as uncertain from now on.
      for (const turn of value.turns)
        if (turn.status === 'sending') {
          turn.status = 'uncertain';
          turn.error ??= 'the run that sent it stopped before an answer came';
        }
      return value;
    } catch (err) {
      throw new UsageError(
        `${this.path} is not a thread file imgcli can read (${(err as Error).message})`,
        'Move it aside and start afresh with --new (or another --thread); its images are untouched.',
      );
    }
  }

  /** A new, empty thread (not yet on disk). */
  start(server: string, tool: string): void {
    const at = this.now().toISOString();
    this.thread = { version: 1, tool, thread: this.name, server, created: at, updated: at, turns: [] };
  }

  /** Writes the thread atomically, and names it the last thread used here. */
  async save(): Promise<void> {
    if (this.keepAside) {
      const aside = await asideName(this.dir, this.name);
      await rename(this.path, threadPath(this.dir, aside)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw localError(err, this.path);
      });
      this.keepAside = false;
      this.onAside?.(aside);
    }
    this.thread.updated = this.now().toISOString();
    await writeAtomically(this.path, `${JSON.stringify(this.thread, null, 1)}\n`, 'the thread file');
    await writeAtomically(join(this.dir, THREAD_DIR, 'last'), `${this.name}\n`, 'the last-thread marker');
  }

  async close(): Promise<void> {
    await this.lock.release();
    // A first turn refused before anything was saved leaves no empty folder behind (rmdir removes only an empty one).
    if (this.madeFolder) await rmdir(join(this.dir, THREAD_DIR)).catch(() => {});
  }

  /**
   * The image a turn of this thread wrote (and its revised prompt), by the turn's response id, when it is still here and
   * unchanged (its sha256 as recorded): how --mock's offline server, which lives one command, takes
   * a thread's earlier responses back.
   */
  async imageOf(responseId: string): Promise<{ image: Buffer; revised?: string } | undefined> {
    const turn = this.thread?.turns.find((t) => t.status === 'ok' && t.response_id === responseId);
    const file = turn?.files?.[0];
    if (!file || file.path === '-') return undefined;
    const bytes = await readRegularFile(resolve(this.dir, file.path), 'image').catch(() => undefined);
    if (!bytes || createHash('sha256').update(bytes).digest('hex') !== file.sha256) return undefined;
    return { image: bytes, ...(turn.revised_prompt ? { revised: turn.revised_prompt } : {}) };
  }
}

async function writeAtomically(path: string, text: string, what: string): Promise<void> {
  const temp = claimTemp(join(path, '..'));
  try {
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, path);
  } catch (err) {
    throw localError(err, path, `${what} ${path}`);
  } finally {
    await discardStaged(temp);
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
const threadPath = (dir: string, name: string) => join(dir, THREAD_DIR, `${name}.json`);

/** A free name for a thread kept aside or numbered: `<name>-2`, `-3`..., shortened so it stays a thread name. */
export async function asideName(dir: string, name: string): Promise<string> {
  for (let i = 2; ; i++) {
    const suffix = `-${i}`;
    const candidate = `${name.slice(0, 64 - suffix.length)}${suffix}`;
    if (!(await exists(threadPath(dir, candidate)))) return candidate;
  }
}

/** The thread last used in `dir`, when there is one. */
export async function lastThreadName(dir: string): Promise<string | undefined> {
  // A bounded regular file, as every file imgcli reads: a FIFO or a device here is refused (exit 2), never waited on.
  const bytes = await readRegularFile(join(dir, THREAD_DIR, 'last'), 'config', 'the last-thread marker', {
    missing: undefined,
  });
  const name = bytes?.toString('utf8').trim();
  return name && NAME.test(name) ? name : undefined;
}

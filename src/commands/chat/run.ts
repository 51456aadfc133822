// `imgcli chat`, run: the thread (which one, opened under its lock, or started), then one turn
// (turn.ts), or on a terminal with no prompt a line per turn (loop.ts); --log shows the thread.
import { access } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { landingKey } from '../../output/naming.js';
import { UsageError } from '../../errors.js';
import {
  OFFLINE_SERVER,
  THREAD_DIR,
  ThreadFile,
  asideName,
  checkThreadName,
  lastResponse,
  lastThreadName,
} from '../../output/thread-file.js';
import type { ChatFlags } from '../../pipeline/chat-build.js';
import { readPrompt } from '../../terminal/input.js';
import { VERSION } from '../../version.js';
import type { Context, Handler } from '../shared/context.js';
import { threadLog } from './log.js';
import { chatLoop } from './loop.js';
import { chatTurn, type ChatSession } from './turn.js';

type Flags = ChatFlags & { thread?: string; new?: boolean; log?: boolean };

/** A name for a new thread: --thread's (an existing one is kept aside at the first save: ThreadFile), else the prompt's first words, numbered when in use. */
async function newThreadName(dir: string, flags: Flags, prompt: string | undefined): Promise<string> {
  if (flags.thread !== undefined) return checkThreadName(flags.thread);
  const { slugify } = await import('../../output/slug.js');
  const stem = prompt ? slugify(prompt, 32) : 'chat';
  const taken = await access(join(dir, THREAD_DIR, `${stem}.json`)).then(
    () => true,
    () => false,
  );
  return taken ? asideName(dir, stem) : stem;
}

/** -o never lands in .imgcli-chat: an image there would replace the thread's own files (its record, lock, last marker). */
function refuseThreadFolder(dir: string, out: string | undefined): void {
  if (out === undefined || out === '-') return;
  const folder = landingKey(join(dir, THREAD_DIR));
  const target = landingKey(out);
  if (target === folder || target.startsWith(`${folder}${sep}`))
    throw new UsageError(
      `-o ${out} is inside ${THREAD_DIR}/, where imgcli keeps the threads; nothing was sent`,
      'Write the images beside it: -o night.png, or -o renders/.',
    );
}

/** --log: the thread as text (or the file's data with --json); nothing is sent, nothing locked. */
async function showLog(ctx: Context, flags: Flags): Promise<void> {
  const dir = process.cwd();
  const name = flags.thread !== undefined ? checkThreadName(flags.thread) : await lastThreadName(dir);
  const file = name && new ThreadFile(dir, name, ctx.rt.now);
  if (!file || !(await file.peek()))
    throw new UsageError(
      name ? `there is no thread ${name} in this folder` : 'there is no thread in this folder yet',
      'Start one: imgcli chat "a lighthouse at dusk"',
    );
  ctx.rt.stdout.write(flags.json ? `${JSON.stringify(file.thread, null, 2)}\n` : threadLog(file.thread, file.path));
}

const chat: Handler = async (ctx, { args }) => {
  const flags = ctx.flags<Flags>();
  const words = args[0] as string[];
  if (flags.log) {
    if (words.length) throw new UsageError('--log shows a thread and sends nothing: give no prompt with it');
    return showLog(ctx, flags);
  }
  const say = await ctx.messenger();
  const settings = await ctx.settings();
  // No prompt on a terminal: a line per turn. Anywhere else the prompt is read now (-, @file, a pipe).
  const interactive = words.length === 0 && Boolean(ctx.rt.stdin.isTTY);
  const prompt = interactive ? undefined : await readPrompt(words, ctx.rt, 'the prompt');
  const dir = process.cwd();
  refuseThreadFolder(dir, flags.out);
  const last = flags.new || flags.thread !== undefined ? undefined : await lastThreadName(dir);
  const name = last ?? (await newThreadName(dir, flags, prompt));
  const file = new ThreadFile(dir, name, ctx.rt.now);
  const server = settings.mock ? OFFLINE_SERVER : settings.baseUrl;
  try {
    file.onAside = (aside) => say.info(`thread ${name} starts afresh; its earlier turns are kept as thread ${aside}`);
    if (!(await file.open(ctx.rt.signal, { fresh: flags.new && flags.thread !== undefined })))
      file.start(server, `imgcli ${VERSION}`);
    else if (file.thread.server !== server && lastResponse(file.thread))
      // Response ids belong to one server (and account): another would answer previous_response_not_found.
      throw new UsageError(
        `thread ${name} is held by ${file.thread.server === OFFLINE_SERVER ? 'the offline server (--mock)' : file.thread.server}, and this run talks to ${settings.mock ? 'the offline server (--mock)' : server}; nothing was sent`,
        `Continue it there, or start a thread here: imgcli chat --new "..." (or --thread <name>).`,
      );
    // The offline server lives one command: it takes this thread's earlier images back from disk.
    if (settings.mock) ctx.offlineRecall = (id) => file.imageOf(id);
    const session: ChatSession = { ctx, file, flags, settings, say };
    if (prompt === undefined) await chatLoop(session);
    else await chatTurn(session, prompt);
  } finally {
    await file.close();
  }
};

export const handlers: Record<string, Handler> = { chat };

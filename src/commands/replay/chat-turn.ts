// `imgcli replay` of an image a conversation turn wrote (imgcli chat): the turn sent again as it
// was, from the same point of its thread (the recorded previous response), with the recorded image
// model, mainline model, prompt, tool fields and inputs (checked as an edit's are). It makes another
// take of that turn beside the image; the thread itself is left as it is, so the conversation goes
// on from where it was. Never resent by itself: an answer that does not come is told as uncertain.
import { basename, dirname, extname, resolve } from 'node:path';
import { HintedError, UsageError } from '../../errors.js';
import { responsesPath } from '../../connection/route.js';
import { OFFLINE_SERVER, ThreadFile, checkThreadName } from '../../output/thread-file.js';
import { buildTurn, type ChatFlags } from '../../pipeline/chat-build.js';
import { reportTurn } from '../../pipeline/chat-report.js';
import { TurnNotAnswered, runTurn } from '../../pipeline/chat-run.js';
import type { Provenance } from '../../provenance/index.js';
import { dryRunTurn } from '../chat/turn.js';
import type { Context } from '../shared/context.js';
import { checkInputs, recordedFlags, type ReplayRequest } from './plan.js';

/** The thread's file beside the image or in this folder: the turn before is found there (and, for --mock, taken back by the offline server). */
async function threadOf(ctx: Context, image: string, name: string): Promise<ThreadFile | undefined> {
  for (const dir of [dirname(image), '.']) {
    const file = new ThreadFile(dir, checkThreadName(name), ctx.rt.now);
    if (await file.peek().catch(() => false)) return file;
  }
  return undefined;
}

export async function replayTurn(ctx: Context, req: ReplayRequest, p: Provenance): Promise<void> {
  if (p.thread === undefined || p.turn === undefined || p.mainline === undefined || p.prompt === undefined)
    throw new UsageError(
      `${req.image}'s record is of a conversation turn, but it lacks its thread, turn, mainline model or prompt`,
      `imgcli info ${req.image} shows what it holds.`,
    );
  const { inputs } = await checkInputs(req, p, 'chat');
  const { model, prompt, ...given } = req.given as ReplayRequest['given'] & { prompt?: string };
  const flags: ChatFlags = { ...recordedFlags(p, req.image), ...given, mainline: p.mainline };
  flags.image = inputs.flatMap((i) => (i.role === 'image' && i.path !== undefined ? [i.path] : []));
  flags.mask = inputs.find((i) => i.role === 'mask')?.path;
  flags.out ??= `${dirname(req.image)}/`;
  const resolved = await ctx.settings();
  const settings = {
    ...resolved,
    model: model ?? p.model,
    sources: { ...resolved.sources, model: 'flag' as const },
    defaults: {},
  };
  const say = await ctx.messenger();
  const thread = await threadOf(ctx, req.image, p.thread);
  // Response ids belong to one server (and account), as chat says: a turn that continues one goes back there only.
  const server = settings.mock ? OFFLINE_SERVER : settings.baseUrl;
  if (thread && p.previous_response_id && thread.thread.server !== server) {
    const where = (s: string) => (s === OFFLINE_SERVER ? 'the offline server (--mock)' : s);
    throw new UsageError(
      `${req.image} is turn ${p.turn} of thread ${p.thread}, held by ${where(thread.thread.server)}, and this run talks to ${where(server)}; nothing was sent`,
      thread.thread.server === OFFLINE_SERVER
        ? `Replay it offline: imgcli replay ${req.image} --mock`
        : `Replay it there: imgcli replay ${req.image} --base-url ${thread.thread.server}`,
    );
  }
  if (settings.mock) ctx.offlineRecall = async (id) => thread?.imageOf(id);
  // The image the turn edited, where the thread names it: a --mask is checked against its size.
  const before = thread?.thread.turns.find((t) => t.status === 'ok' && t.response_id === p.previous_response_id);
  const previousImage = before?.files?.[0]?.path;
  const place = {
    thread: p.thread,
    turn: p.turn,
    previousResponseId: p.previous_response_id,
    ...(thread && previousImage && previousImage !== '-' ? { previousImage: resolve(thread.dir, previousImage) } : {}),
  };
  const stem = `${basename(req.image, extname(req.image))} replay`;
  const job = await buildTurn(
    { words: [prompt ?? p.prompt], literal: prompt === undefined, flags, place, stem },
    { rt: ctx.rt, settings, say },
  );
  const path = responsesPath(settings);
  if (job.dryRun) return dryRunTurn(ctx, settings, job, say, path);
  say.info(
    `replaying ${req.image}: turn ${p.turn} of thread ${p.thread}${p.previous_response_id ? `, continuing response ${p.previous_response_id}` : ', a first turn'}; the thread itself is unchanged`,
  );
  const none = async () => {};
  try {
    const result = await runTurn(ctx.rt, settings, await ctx.connection(), job, say, path, {
      beforeSend: none,
      onCreated: none,
    });
    reportTurn(ctx.rt, job, result, { json: flags.json }, say);
  } catch (err) {
    if (!(err instanceof TurnNotAnswered)) throw err;
    if (err.status === 'failed') throw err.cause;
    const cause = err.cause instanceof Error ? err.cause : new Error(String(err.cause));
    throw new HintedError(
      cause,
      `It went out and no complete answer came: it may have been made and billed, so it was not sent again. imgcli replay ${req.image} sends it once more.`,
    );
  }
}

// One turn of a thread: built (pipeline/chat-build.ts), written to the thread as `sending` just
// before it goes out, sent and saved (pipeline/chat-run.ts), then recorded with what came back
// (ok), or as uncertain (it went out and no answer came: never sent again by itself) or failed.
import { join } from 'node:path';
import { ApiError } from '../../api/errors.js';
import { HintedError } from '../../errors.js';
import type { Settings } from '../../config/settings.js';
import { responsesPath } from '../../connection/route.js';
import { fieldByApi } from '../../models/fields.js';
import {
  OFFLINE_SERVER,
  lastResponse,
  uncertainSince,
  type ThreadFile,
  type ThreadTurn,
} from '../../output/thread-file.js';
import { buildTurn, type ChatFlags, type ChatTurnJob } from '../../pipeline/chat-build.js';
import { reportTurn } from '../../pipeline/chat-report.js';
import { TurnNotAnswered, runTurn, totalUsd, type TurnResult } from '../../pipeline/chat-run.js';
import { dryRun, estimateRequest, shellQuote } from '../../pipeline/dry-run.js';
import { fileDigest } from '../../provenance/index.js';
import type { Messenger } from '../../terminal/messenger.js';
import type { Context } from '../shared/context.js';

/** What every turn of one command shares: the run's context, the thread, the flags. */
export interface ChatSession {
  ctx: Context;
  file: ThreadFile;
  flags: ChatFlags;
  settings: Settings;
  say: Messenger;
  /** Uncertain turns are told once per command. */
  told?: boolean;
}

/**
 * How to send a turn again, for messages: the same request as a command, quoted for a shell: the
 * thread's server, the thread, the prompt, both models, the tool's fields as their flags (from the
 * field table) and the input images and mask. (The key, as always, comes from where it came.)
 */
function again(s: ChatSession, t: ThreadTurn): string {
  const q = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : shellQuote(word));
  const server = s.file.thread.server;
  const words = ['imgcli', ...(server === OFFLINE_SERVER ? ['--mock'] : ['--base-url', q(server)]), 'chat'];
  words.push('--thread', s.file.name, q(t.prompt), '-m', q(t.model), '--mainline', q(t.mainline));
  for (const [api, value] of Object.entries(t.params)) {
    const field = fieldByApi(api);
    const flag = field && /--[a-z0-9-]+/.exec(field.flags)?.[0];
    if (!flag || value === undefined || value === null || typeof value === 'object') continue;
    if (field.kind === 'switch') {
      if (value === true) words.push(flag);
    } else words.push(flag, q(String(value)));
  }
  for (const input of t.inputs ?? []) {
    const source = input.path ?? input.ref;
    if (source !== undefined) words.push(input.role === 'mask' ? '--mask' : '--image', q(source));
  }
  return words.join(' ');
}

/** A timeout's own advice, after the thread's: a turn that takes longer needs a longer --timeout. */
const slow = (err: Error) =>
  err instanceof ApiError && err.kind === 'timeout'
    ? ` (with a longer --timeout: now ${Math.round((err.afterMs ?? 0) / 1000)} s, and high-quality images can take minutes)`
    : '';

/** Turns that went out with no answer since the last good one: told before the next turn goes. */
function tellUncertain(s: ChatSession): void {
  if (s.told) return;
  s.told = true;
  const thread = s.file.thread;
  const last = lastResponse(thread);
  for (const t of uncertainSince(thread))
    s.say.warn(
      `turn ${t.turn} (${JSON.stringify(t.prompt)}) is uncertain: it went out and no answer came, so it may have been made and billed; this turn continues from ${last ? `turn ${last.turn}` : 'the start'}. To send it again: ${again(s, t)}`,
    );
}

/** The files of a turn as the thread keeps them: path, sha256, size and what they are. */
async function filesOf(result: TurnResult) {
  return Promise.all(
    result.files.map(async (f) => ({
      path: f.path,
      ...(f.path === '-'
        ? { sha256: '', bytes: f.bytes }
        : await fileDigest({ role: 'image', path: f.path }).then((d) => ({ sha256: d.sha256, bytes: d.size }))),
      ...(f.width ? { width: f.width, height: f.height } : {}),
      format: f.format,
    })),
  );
}

function record(turn: ThreadTurn, job: ChatTurnJob): void {
  const { model: _model, ...params } = job.tool;
  turn.params = params;
  if (job.record.inputs)
    turn.inputs = job.record.inputs.map((i) => {
      const digest = job.digests?.find((d) => d.role === i.role && d.path === i.path && d.path !== undefined);
      return digest?.path !== undefined ? { ...i, sha256: digest.sha256, size: digest.size } : i;
    });
}

/** --dry-run: the request and a curl command, with the image's estimate and the mainline model's share said. */
export function dryRunTurn(ctx: Context, settings: Settings, job: ChatTurnJob, say: Messenger, path: string) {
  const cost = estimateRequest(job.model, 'responses', { ...job.tool, prompt: job.prompt }, settings.mock);
  const spec = { method: 'POST' as const, path, json: job.body, accept: job.stream ? 'text/event-stream' : undefined };
  const note = cost.usd === null ? cost.note : `${cost.note}; the mainline model's tokens (${job.mainline}) on top`;
  return dryRun(ctx.rt, settings, spec, say, Boolean(job.dryRun?.json), { ...cost, note });
}

/** Runs one turn: `prompt` is its text; `out` replaces -o (the loop numbers an -o file per turn). */
export async function chatTurn(s: ChatSession, prompt: string, out?: string): Promise<void> {
  const { ctx, file, say, settings } = s;
  const thread = file.thread;
  const last = lastResponse(thread);
  const flags = out === undefined ? s.flags : { ...s.flags, out };
  const previousImage = last?.files?.[0]?.path;
  const job = await buildTurn(
    {
      words: [prompt],
      literal: true,
      flags,
      place: {
        thread: file.name,
        turn: thread.turns.length + 1,
        previousResponseId: last?.response_id,
        previousImage: previousImage && previousImage !== '-' ? join(file.dir, previousImage) : undefined,
      },
    },
    { rt: ctx.rt, settings, say },
  );
  const path = responsesPath(settings);
  if (job.dryRun) return dryRunTurn(ctx, settings, job, say, path);
  tellUncertain(s);
  const turn: ThreadTurn = {
    turn: job.place.turn,
    status: 'sending',
    prompt,
    sent: ctx.rt.now().toISOString(),
    ...(last?.response_id ? { previous_response_id: last.response_id } : {}),
    mainline: job.mainline,
    model: job.model.name,
    params: {},
  };
  let result: TurnResult;
  try {
    result = await runTurn(ctx.rt, settings, await ctx.connection(), job, say, path, {
      beforeSend: async () => {
        record(turn, job);
        thread.turns.push(turn);
        await file.save();
      },
      onCreated: async (id) => {
        turn.response_id = id;
        await file.save();
      },
    });
  } catch (err) {
    if (!(err instanceof TurnNotAnswered)) throw err;
    turn.status = err.status;
    turn.error = err.message;
    if (err.responseId) turn.response_id = err.responseId;
    await file.save();
    if (err.status === 'failed') throw err.cause;
    say.warn(
      `turn ${turn.turn} went out and no complete answer came: it may have been made and billed, so it is not sent again by itself; the thread records it as uncertain${turn.response_id ? ` (response ${turn.response_id})` : ''}.`,
    );
    const cause = err.cause instanceof Error ? err.cause : new Error(String(err.cause));
    throw new HintedError(
      cause,
      `imgcli chat --log shows the thread; the next turn continues from ${last ? `turn ${last.turn}` : 'the start'}. To send this one again (it may be billed twice): ${again(s, turn)}${slow(cause)}`,
    );
  }
  turn.status = 'ok';
  turn.response_id = result.responseId;
  if (result.requestId) turn.request_id = result.requestId;
  turn.files = await filesOf(result);
  if (result.revisedPrompt) turn.revised_prompt = result.revisedPrompt;
  turn.usage = result.usage;
  const usd = totalUsd(result.cost);
  if (usd !== undefined) turn.cost_usd = usd;
  if (result.failed.length) turn.error = result.failed[0]!.error.message;
  await file.save();
  reportTurn(ctx.rt, job, result, { json: flags.json }, say);
}

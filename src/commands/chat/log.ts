// `imgcli chat --log`: a thread as a person reads it (one block per turn: its status and prompt,
// then its file, response id, models and cost, or why it is uncertain or failed), or with --json
// the thread file's own data. Prompts and server text are made printable by the output boundary.
import type { Thread, ThreadTurn } from '../../output/thread-file.js';
import { OFFLINE_SERVER } from '../../output/thread-file.js';
import { printable } from '../../terminal/printable.js';

const STATUS: Record<string, string> = {
  ok: 'ok',
  uncertain: 'uncertain (sent, no answer: it may have been made and billed; never resent by itself)',
  failed: 'failed (nothing was made: the server refused or failed it, or it never reached the server)',
  sending: 'uncertain (the run that sent it stopped before an answer came)',
};

function turnLines(t: ThreadTurn): string[] {
  const head = `turn ${t.turn}  ${Object.hasOwn(STATUS, t.status) ? STATUS[t.status] : t.status}: ${t.prompt}`;
  const lines = [head];
  const files = (t.files ?? []).map((f) => f.path).join(', ');
  const what = [
    files || undefined,
    t.response_id && `response ${t.response_id}`,
    `${t.model} with ${t.mainline}`,
    t.cost_usd !== undefined ? (t.cost_usd === 0 ? 'no cost' : `about $${t.cost_usd.toFixed(4)}`) : undefined,
  ].filter(Boolean);
  lines.push(`        ${what.join('  ')}`);
  if (t.error) lines.push(`        ${t.error}`);
  return lines;
}

/** The thread as text: a heading, then each turn. */
export function threadLog(thread: Thread, path: string): string {
  const where = thread.server === OFFLINE_SERVER ? 'the offline server (--mock)' : thread.server;
  const count = `${thread.turns.length} turn${thread.turns.length === 1 ? '' : 's'}`;
  const lines = [`thread ${thread.thread} (${path}): ${count} on ${where}, last ${thread.updated}`];
  for (const t of thread.turns) lines.push(...turnLines(t));
  return `${lines.map((l) => printable(l)).join('\n')}\n`;
}

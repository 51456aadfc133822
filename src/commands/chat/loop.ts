// `imgcli chat` on a terminal with no prompt: a line per turn, the prompt naming the thread and the
// turn. Ctrl-D (or an empty input's end) ends it with exit 0; Ctrl-C at the prompt or during a turn
// ends it with exit 130, a turn it cut recorded as uncertain. A turn the server refuses, or one
// whose flags do not fit, is told and the loop goes on from the last good turn.
import { extname } from 'node:path';
import { ApiError } from '../../api/errors.js';
import { CliError, InterruptedError, UsageError } from '../../errors.js';
import { isDirectory } from '../../output/disk.js';
import { readLine } from '../../terminal/input.js';
import { chatTurn, type ChatSession } from './turn.js';

/** -o file.png names each turn's file after its turn (file-3.png); a folder, or no -o, needs nothing. */
async function outFor(out: string | undefined): Promise<((turn: number) => string) | undefined> {
  if (out === undefined || out.endsWith('/') || (await isDirectory(out))) return undefined;
  if (out === '-')
    throw new UsageError(
      '-o - writes one image to stdout, and a conversation writes one a turn',
      'Use -o <folder>/ or -o name.png.',
    );
  const ext = extname(out);
  const stem = out.slice(0, out.length - ext.length);
  return (turn) => `${stem}-${turn}${ext}`;
}

/** Whether a turn's failure leaves the conversation able to go on (the loop tells it and asks again). */
function survivable(err: unknown, signal: AbortSignal): err is Error {
  if (signal.aborted || err instanceof InterruptedError) return false;
  return err instanceof CliError || err instanceof ApiError;
}

export async function chatLoop(s: ChatSession): Promise<void> {
  const { ctx, file, say } = s;
  const out = await outFor(s.flags.out);
  const history = file.thread.turns.map((t) => t.prompt);
  say.info(
    `thread ${file.name}: ${file.thread.turns.length ? `${file.thread.turns.length} turns so far` : 'new'}; a line per turn, Ctrl-D to end (--log shows it)`,
  );
  for (;;) {
    const line = await readLine(ctx.rt, `${file.name} ${file.thread.turns.length + 1}> `, history);
    if (line === undefined) return;
    const prompt = line.trim();
    if (!prompt) continue;
    history.push(prompt);
    try {
      await chatTurn(s, prompt, out?.(file.thread.turns.length + 1));
    } catch (err) {
      if (!survivable(err, ctx.rt.signal)) throw err;
      const hint = err instanceof CliError && err.hint ? ` (${err.hint})` : '';
      say.warn(`this turn did not make an image: ${err.message.split('\n')[0]}${hint}`);
    }
  }
}

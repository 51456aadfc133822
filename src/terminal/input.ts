// What a command reads from the user: the prompt (words, stdin or @file) and secrets typed at a
// terminal. Ctrl-C stops every wait.
import { createInterface } from 'node:readline';
import { InterruptedError, UsageError } from '../errors.js';
import { describeFsError } from '../fs-errors.js';
import { FileReadError, readRegularFile } from '../image/input-file.js';
import type { Runtime } from '../runtime.js';
import { terminalWrite } from './boundary.js';
import { printable } from './printable.js';

/** All of stdin as text; Ctrl-C stops the wait at once, even while nothing arrives. */
export async function readStdin(stdin: NodeJS.ReadStream, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  const stop = () => stdin.destroy();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of stdin.iterator({ destroyOnReturn: false })) {
      if (signal.aborted) break;
      chunks.push(Buffer.from(chunk as Buffer));
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener('abort', stop);
  }
  if (signal.aborted) throw signal.reason;
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The prompt from positional words: joined by spaces; `-` (or no words with stdin piped) reads
 * stdin; a single `@path` reads that file. Trailing newlines from files and pipes are dropped.
 */
export async function readPrompt(
  words: string[],
  rt: Runtime,
  flagName = 'the prompt',
  opts: { stdin?: boolean } = {},
): Promise<string> {
  // A batch job's stdin is the jobs file (or nothing): a prompt cannot come from there.
  if (opts.stdin === false && (words.length === 0 || (words.length === 1 && words[0] === '-'))) {
    throw new UsageError(
      words.length ? `${flagName} cannot be read from stdin here` : `${flagName} is missing`,
      'Give the text itself, or @file to read it from a file.',
    );
  }
  if (words.length === 1 && words[0] === '-') return (await readStdin(rt.stdin, rt.signal)).replace(/\s+$/, '');
  if (words.length === 1 && words[0]!.startsWith('@') && words[0]!.length > 1) {
    const path = words[0]!.slice(1);
    try {
      return (await readRegularFile(path, 'prompt', `${flagName} file`)).toString('utf8').replace(/\s+$/, '');
    } catch (err) {
      // A regular file of at most 1 MB: a FIFO, a device or a huge file is refused with why.
      throw new UsageError(
        `cannot read ${flagName} from ${path}: ${err instanceof FileReadError ? err.reason : describeFsError(err)}`,
        'Give an existing text file after @, or the prompt itself as words.',
      );
    }
  }
  if (words.length === 0) {
    if (rt.stdin.isTTY) {
      throw new UsageError(
        'no prompt given',
        'Write the prompt after the command, e.g. imgcli gen "a lighthouse at dusk", or pipe it in.',
      );
    }
    return (await readStdin(rt.stdin, rt.signal)).replace(/\s+$/, '');
  }
  return words.join(' ');
}

/**
 * A secret typed at a terminal: a prompt on stderr, no echo, one line. Piped stdin is read whole,
 * as readPrompt does. Ctrl-C aborts the run like anywhere else.
 */
export async function readSecret(rt: Runtime, what: string): Promise<string> {
  if (!rt.stdin.isTTY) return (await readStdin(rt.stdin, rt.signal)).replace(/\s+$/, '');
  // Echo goes off before the prompt shows, so nothing typed after it can appear.
  rt.stdin.setRawMode(true);
  rt.stdin.resume();
  rt.stderr.write(`Paste ${what}, then press Enter (it is not shown): `);
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: Buffer) => {
        for (const c of chunk.toString('utf8')) {
          if (c === '\r' || c === '\n') return done(() => resolve(value));
          if (c === '\u0003') return done(() => reject(new InterruptedError('SIGINT')));
          if (c === '\u007f' || c === '\b') value = value.slice(0, -1);
          else if (c >= ' ') value += c;
        }
      };
      const done = (finish: () => void) => {
        rt.stdin.off('data', onData);
        finish();
      };
      rt.stdin.on('data', onData);
    });
  } finally {
    rt.stdin.setRawMode(false);
    rt.stdin.pause();
    rt.stderr.write('\n');
  }
}

/**
 * One line typed at a terminal (imgcli chat's loop), the prompt on stderr with the earlier lines
 * as history (up and down arrows). Undefined at the end of input (Ctrl-D); Ctrl-C throws
 * InterruptedError, as it does anywhere else. The terminal leaves raw mode as soon as the line is
 * in, so Ctrl-C while the turn runs reaches the process as SIGINT and stops the turn.
 */
export async function readLine(rt: Runtime, prompt: string, history: string[]): Promise<string | undefined> {
  const rl = createInterface({
    input: rt.stdin,
    output: lineEditorOutput(rt.stderr),
    terminal: true,
    // Earlier prompts come from the thread's file: one holding a control character is not offered again.
    history: history.filter((line) => printable(line) === line).reverse(),
    historySize: 200,
  });
  try {
    return await new Promise<string | undefined>((resolve, reject) => {
      rl.once('SIGINT', () => reject(new InterruptedError('SIGINT')));
      rl.once('close', () => resolve(undefined));
      rl.question(prompt, (line) => resolve(line));
    });
  } finally {
    rl.close();
  }
}

/**
 * stderr for readline: its cursor moves and line erases are imgcli's own terminal sequences, so
 * they pass the output boundary's door (terminalWrite) instead of being made visible; what it
 * echoes is what the user types, and the prompt is imgcli's own (a thread name and a number).
 */
function lineEditorOutput(stderr: NodeJS.WriteStream): NodeJS.WriteStream {
  return new Proxy(stderr, {
    get(target, key) {
      if (key === 'write')
        return (chunk: unknown, ...rest: unknown[]) => {
          terminalWrite(target, String(chunk));
          (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
          return true;
        };
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

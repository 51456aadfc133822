// One tool call, run as its command would run on a command line of its own: commander parses the
// arguments (commandLine() in schema.ts made them into one), with the same parsers, choices and
// refusals, and the command's handler runs with a context of its own. That context hands out the
// session's settings and connection (so --mock's offline server, its files and its batches live as
// long as the server), the call's abort signal, a stdout that is the call's result (never the
// protocol's), an empty stdin, and a messenger that keeps notices and warnings for the answer.
import { Readable, Writable } from 'node:stream';
import { CommanderError, type Command } from 'commander';
import type { Connection } from '../../api/http.js';
import type { GlobalFlags, Settings } from '../../config/settings.js';
import { UsageError } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import type { Messenger } from '../../terminal/messenger.js';
import { Context, type Handler } from '../shared/context.js';

/** What a call is told on stderr's behalf: kept for the answer, and the --verbose lines logged. */
export class CallMessenger implements Messenger {
  readonly notices: string[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly log: Messenger) {}

  info = (line: string): void => void this.notices.push(line);
  warn = (line: string): void => void this.warnings.push(line);
  verbose = (line: string): void => this.log.verbose(line);

  /** The lines for the answer: only those there are. */
  said(): { notices?: string[]; warnings?: string[] } {
    return {
      ...(this.notices.length ? { notices: [...new Set(this.notices)] } : {}),
      ...(this.warnings.length ? { warnings: [...new Set(this.warnings)] } : {}),
    };
  }
}

/** What a call runs with (made by the session for each call). */
export interface CallScope {
  rt: Runtime;
  /** The program's global flags the server was started with (--provider, --mock, ...). */
  globals: GlobalFlags;
  settings: Settings;
  say: CallMessenger;
  /** The session's connection, carrying this call's abort signal. */
  connect: () => Promise<Connection>;
  /** What the command wrote on its stdout: its --json document, or its JSON lines. */
  output(): string;
}

/** The run's Runtime for one call: its own stdout and signal, no stdin, stderr as the server's (not a terminal: no spinner). */
export function callRuntime(session: Runtime, signal: AbortSignal): { rt: Runtime; output: () => string } {
  const chunks: Buffer[] = [];
  const stdout = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  const stderr = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      session.stderr.write(chunk);
      done();
    },
  });
  const stdin = Readable.from([]);
  const rt: Runtime = {
    ...session,
    signal,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
  };
  return { rt, output: () => Buffer.concat(chunks).toString('utf8') };
}

/** The run's context for a command run by a tool call: the call's scope in place of a command line's. */
class CallContext extends Context {
  #command?: Command;

  constructor(private readonly scope: CallScope) {
    super(scope.rt);
  }

  override enter(command: Command): void {
    this.#command = command;
  }

  override flags<T extends object = Record<string, unknown>>(): GlobalFlags & T {
    if (!this.#command) throw new Error('CallContext.flags read before a command was entered');
    return { ...this.scope.globals, ...this.#command.opts<T>() };
  }

  override settings(): Promise<Settings> {
    return Promise.resolve(this.scope.settings);
  }

  override messenger(): Promise<Messenger> {
    return Promise.resolve(this.scope.say);
  }

  override connection(): Promise<Connection> {
    return this.scope.connect();
  }

  // The session's connection outlives the call: the session closes it.
  override close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Parses a command line with a command's declaration, as the CLI would (usage errors become
 * UsageErrors with commander's words), and gives the command that takes it and its operands.
 */
export async function parse(
  declare: () => Command,
  argv: readonly string[],
): Promise<{ command: Command; params: unknown[] }> {
  const root = declare();
  let found: { command: Command; params: unknown[] } | undefined;
  const attach = (node: Command) => {
    node.exitOverride();
    node.configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
    node.action((...params: unknown[]) => {
      found = { command: params.at(-1) as Command, params: params.slice(0, -2) };
    });
    for (const sub of node.commands) attach(sub);
  };
  attach(root);
  try {
    await root.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError)
      throw new UsageError(
        err.message.replace(/^error: /, ''),
        "The tool's input schema (tools/list) has every argument.",
      );
    throw err;
  }
  if (!found) throw new UsageError('nothing to run');
  return found;
}

/** The handler's path in its run module: `batch status` for batch's status subcommand. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Runs a parsed command's handler in the call's scope; its stdout is the call's output. */
export async function runHandler(
  handlers: Readonly<Record<string, Handler>>,
  parsed: { command: Command; params: unknown[] },
  scope: CallScope,
): Promise<void> {
  const path = commandPath(parsed.command);
  const handler = handlers[path];
  if (!handler) throw new Error(`no handler for imgcli ${path}`);
  const ctx = new CallContext(scope);
  ctx.enter(parsed.command);
  await handler(ctx, { args: parsed.params, command: parsed.command });
}

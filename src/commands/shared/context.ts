// src/commands/shared/: what commands share: the run's context, the image commands' flags and run,
// what info and show read.
//
// What every command's run receives: the run's context, as the GitHub CLI's Factory. cli.ts makes
// one per command line and hands it to the command that runs. The settings, the message writer and
// the connection are made on first use, at most once, and cli.ts closes the connection at the end:
// a command never resolves settings, builds a messenger or opens a connection itself.
import type { Command } from 'commander';
import type { Connection } from '../../api/http.js';
import type { GlobalFlags, Settings } from '../../config/settings.js';
import type { OpenConnection } from '../../connection/connect.js';
import type { Runtime } from '../../runtime.js';
import { createMessenger, useColor, type Messenger } from '../../terminal/messenger.js';

/** What a run handler gets besides the context: its operands and the parsed command. */
export interface Invocation {
  /** The command's arguments, as commander parsed them (a variadic one is an array). */
  args: unknown[];
  command: Command;
}

export type Handler = (ctx: Context, inv: Invocation) => Promise<void>;

/** A command's run module: one handler per runnable command path ("gen", "config set", "batch status"). */
export interface RunModule {
  handlers: Readonly<Record<string, Handler>>;
}

export class Context {
  #command?: Command;
  #settings?: Promise<Settings>;
  #say?: Promise<Messenger>;
  #connection?: Promise<OpenConnection>;

  /**
   * --mock: how the offline server (which lives as long as this run) finds a response an earlier
   * run made: imgcli chat sets it from its thread file before the connection opens.
   */
  offlineRecall?: (responseId: string) => Promise<{ image: Buffer; revised?: string } | undefined>;

  constructor(readonly rt: Runtime) {}

  /** cli.ts, before the handler runs: the command whose flags (its own and the global ones) this run reads. */
  enter(command: Command): void {
    this.#command = command;
  }

  /** The running command's flags and the global ones, as commander parsed them (T: the command's own). */
  flags<T extends object = Record<string, unknown>>(): GlobalFlags & T {
    if (!this.#command) throw new Error('Context.flags read before a command was entered');
    return this.#command.optsWithGlobals<GlobalFlags & T>();
  }

  /** Colour on stderr, by --no-color, NO_COLOR, FORCE_COLOR and the terminal. */
  get color(): boolean {
    return useColor(this.flags().color, this.rt);
  }

  /** Flags, environment, profile and config file, resolved once (see config/settings.ts). */
  settings(): Promise<Settings> {
    // Loaded here, not at the top: --version and the main help read no settings.
    this.#settings ??= import('../../config/settings.js').then(({ resolveSettings }) =>
      resolveSettings(this.flags(), this.rt),
    );
    return this.#settings;
  }

  /** Notices, warnings and --verbose lines for stderr; --quiet and --verbose as given. */
  messenger(): Promise<Messenger> {
    const { quiet, verbose } = this.flags();
    this.#say ??= createMessenger(this.rt.stderr, { quiet, verbose, color: this.color });
    return this.#say;
  }

  /** The connection to the configured server (or the offline one for --mock), opened on first use. */
  async connection(): Promise<Connection> {
    this.#connection ??= (async () => {
      // The HTTP core (undici) loads only when something is sent: an up-to-date --check never needs it.
      const { openConnection } = await import('../../connection/connect.js');
      return openConnection(this.rt, await this.settings(), await this.messenger(), { recall: this.offlineRecall });
    })();
    return (await this.#connection).conn;
  }

  /** cli.ts, once the handler is done (or failed): closes the connection, stopping the offline server. */
  async close(): Promise<void> {
    const opening = this.#connection;
    this.#connection = undefined;
    if (!opening) return;
    // A connection that failed to open has nothing to close; its error was the handler's to report.
    const opened = await opening.catch(() => undefined);
    await opened?.close();
  }
}

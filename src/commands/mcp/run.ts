// `imgcli mcp`, run: the root, the budget and the session, then the server until the client closes
// stdin. Tool calls run in the folder the root names (the process moves there), so every relative
// path a tool or a jobs file gives, and every generated file name, lands under the root.
import { chdir } from 'node:process';
import type { GlobalFlags } from '../../config/settings.js';
import { InterruptedError } from '../../errors.js';
import type { Handler } from '../shared/context.js';
import { Budget } from './budget.js';
import { Root } from './root.js';
import { serve } from './server.js';
import { Session } from './session.js';

interface McpFlags {
  root?: string;
  allowRead?: string[];
  maxCost?: number;
  heartbeat?: number;
}

const mcp: Handler = async (ctx, { command }) => {
  const flags = command.opts<McpFlags>();
  const root = await Root.open(flags.root ?? '.', flags.allowRead);
  chdir(root.dir);
  const settings = await ctx.settings();
  const log = await ctx.messenger();
  const globals = (command.parent?.opts() ?? {}) as GlobalFlags;
  const session = new Session(ctx, {
    root,
    budget: new Budget(flags.maxCost, settings.mock),
    globals,
    log,
  });
  log.verbose(`mcp: serving on stdio; root ${root.dir}${flags.maxCost ? `, --max-cost ${flags.maxCost}` : ''}`);
  await serve(session, (flags.heartbeat ?? 5) * 1000);
  // Stopped by a signal, not by the client closing stdin: the exit code says so (130, 143).
  const { signal } = ctx.rt;
  if (signal.aborted) {
    const by = signal.reason instanceof InterruptedError ? signal.reason.signal : 'SIGINT';
    throw new InterruptedError(
      by,
      `mcp server stopped (${by}); the calls under way were stopped as Ctrl-C stops them.`,
    );
  }
};

export const handlers: Record<string, Handler> = { mcp };

// `imgcli gen`, run: the shared image run (commands/shared/image-run.ts) with its prompt words.
import type { Handler } from '../shared/context.js';
import { runImageCommand } from '../shared/image-run.js';

export const handlers: Record<string, Handler> = {
  gen: (ctx, { args }) => runImageCommand(ctx, { command: 'gen', words: args[0] as string[] }),
};

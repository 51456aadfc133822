// `imgcli edit`, run: the shared image run (commands/shared/image-run.ts) with its images.
import type { Handler } from '../shared/context.js';
import { runImageCommand } from '../shared/image-run.js';

export const handlers: Record<string, Handler> = {
  edit: (ctx, { args }) => runImageCommand(ctx, { command: 'edit', images: args[0] as string[] }),
};

// `imgcli info`, run: read each image's provenance (commands/shared/image-info.ts) and print it, as
// text or one --json array.
import type { Handler } from '../shared/context.js';
import { describeEntries, readInfoEntries, skippedNote } from '../shared/image-info.js';

const info: Handler = async (ctx, { args }) => {
  const [paths] = args as [string[]];
  const skipped: string[] = [];
  const entries = await readInfoEntries(paths, 'info', skipped);
  if (skipped.length) (await ctx.messenger()).info(skippedNote(skipped));
  if (ctx.flags<{ json?: boolean }>().json) ctx.rt.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  else ctx.rt.stdout.write(describeEntries(entries));
};

export const handlers: Record<string, Handler> = { info };

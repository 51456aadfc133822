// `imgcli show`, run: draw each image inline (draw.ts) where the terminal can, else print what the
// files hold, as `imgcli info` reads it.
import type { Handler } from '../shared/context.js';
import { readInfoEntries, skippedNote } from '../shared/image-info.js';
import { showImages } from './draw.js';

const show: Handler = async (ctx, { args }) => {
  const [paths] = args as [string[]];
  const { rt } = ctx;
  const skipped: string[] = [];
  const entries = await readInfoEntries(paths, 'show', skipped);
  const say = await ctx.messenger();
  if (skipped.length) say.info(skippedNote(skipped));
  const how = await showImages(entries, rt.stdout, rt.env, say.warn);
  // On a terminal the summary is a fallback worth a word (and the fix, where there is one); in a
  // pipe it is what was asked for.
  if (how !== 'drawn' && rt.stdout.isTTY) say.info(`${how.described}; shown: what the files hold`);
};

export const handlers: Record<string, Handler> = { show };

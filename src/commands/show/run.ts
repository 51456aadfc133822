// `imgcli show`, run: draw each image inline (draw.ts) where the terminal can, else print what the
// files hold, as `imgcli info` reads it.
import type { Handler } from '../shared/context.js';
import { readInfoEntries } from '../shared/image-info.js';
import { showImages } from './draw.js';

const show: Handler = async (ctx, { args }) => {
  const [paths] = args as [string[]];
  const { rt } = ctx;
  const entries = await readInfoEntries(paths, 'show');
  const say = await ctx.messenger();
  const how = await showImages(entries, rt.stdout, rt.env, say.warn);
  // On a terminal the summary is a fallback worth a word; in a pipe it is what was asked for.
  if (how === 'described' && rt.stdout.isTTY)
    say.info('this terminal cannot draw images (kitty, Ghostty, WezTerm and iTerm2 can); shown: what the files hold');
};

export const handlers: Record<string, Handler> = { show };

// `imgcli gallery`, run: collect the images (src/gallery/collect.ts), read them into cards and write
// the page (src/gallery/build.ts), with a spinner while the thumbnails are made.
import { UsageError } from '../../errors.js';
import {
  DEFAULT_GALLERY,
  buildGallery,
  checkGalleryTarget,
  describeGallery,
  writeGallery,
} from '../../gallery/build.js';
import { collectImages } from '../../gallery/collect.js';
import { startSpinner } from '../../terminal/spinner.js';
import { VERSION } from '../../version.js';
import type { Handler } from '../shared/context.js';

interface GalleryFlags {
  out?: string;
  title?: string;
  thumbSize: number;
}

const gallery: Handler = async (ctx, { args }) => {
  const [paths] = args as [string[]];
  const { rt } = ctx;
  const flags = ctx.flags<GalleryFlags>();
  if (flags.thumbSize < 64 || flags.thumbSize > 1024)
    throw new UsageError(`--thumb-size ${flags.thumbSize} is out of range; use 64 to 1024`);
  const out = flags.out ?? DEFAULT_GALLERY;
  await checkGalleryTarget(out, flags.out !== undefined);
  const inputs = await collectImages(paths);
  const say = await ctx.messenger();
  const spinner = await startSpinner(rt, `gallery: 0/${inputs.length} images`, { quiet: flags.quiet });
  let page;
  try {
    page = await buildGallery(inputs, {
      out,
      title: flags.title ?? `imgcli gallery: ${paths.join(' ')}`,
      thumbSize: flags.thumbSize,
      now: rt.now(),
      tool: `imgcli ${VERSION}`,
      signal: rt.signal,
      onProgress: (done, total) => spinner.update(`gallery: ${done}/${total} images`),
    });
  } finally {
    spinner.stop();
  }
  for (const item of page.items) if (item.problem) say.warn(`${item.path}: ${item.problem}`);
  if (out === '-') {
    rt.stdout.write(page.html);
    say.info(`gallery: ${describeGallery(page, Buffer.byteLength(page.html))}`);
    return;
  }
  const bytes = await writeGallery(page, out, rt.signal);
  say.info(`gallery: ${describeGallery(page, bytes)}`);
  rt.stdout.write(`${out}\n`);
};

export const handlers: Record<string, Handler> = { gallery };

// `imgcli markup`, run: the plan from the flags (flags.ts), then draw the layer (src/markup/: the
// spec from flags and a JSON file, laid out and rasterised with sharp) or check one, and print the
// path, the --json document or the bytes.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { landingKey } from '../../output/naming.js';
import { defaultCacheDir } from '../../config/file.js';
import { UsageError } from '../../errors.js';
import { checkMarkup, type MarkupProblemCode } from '../../markup/check.js';
import { parseMarkupFile } from '../../markup/file.js';
import { parseDefaults, parseShapeFlag } from '../../markup/flags.js';
import { quietFontconfig } from '../../markup/fonts.js';
import { previewFormat, previewMarkup, readImageSize, renderMarkup, type ImageSize } from '../../markup/render.js';
import { MarkupError, SHAPE_TYPES, type MarkupSpec, type Size } from '../../markup/spec.js';
import { prepareDestination, writeAtomic } from '../../output/disk.js';
import { readInputFile } from '../../upload/inputs.js';
import type { Handler } from '../shared/context.js';
import { verdictDocument } from '../shared/layer-verdict.js';
import { MAX_LAYER_EDGE, planMarkup, type MarkupFlags, type MarkupPlan } from './flags.js';

const markup: Handler = async (ctx) => {
  const { rt } = ctx;
  const flags = ctx.flags<MarkupFlags>();
  const plan = planMarkup(flags);
  const say = await ctx.messenger();
  const likeBytes = flags.like === undefined ? undefined : await readInputFile(flags.like, '--like');
  const like = likeBytes && (await guard(() => readImageSize(likeBytes, `--like ${flags.like}`)));
  if (plan.mode === 'check') return check(ctx, plan.file, flags, like);

  // Before drawing: a preview named .gif is refused before any work.
  const previewAs = flags.preview === undefined ? undefined : await guard(() => previewFormat(flags.preview!));
  const spec = await specOf(plan, flags);
  const size: Size = like ?? flags.size!;
  if (size.width > MAX_LAYER_EDGE || size.height > MAX_LAYER_EDGE)
    throw new UsageError(
      `--like ${flags.like} is ${size.width}x${size.height}: imgcli draws a layer at most ${MAX_LAYER_EDGE} pixels each way`,
      'Resize the image first (an edit takes far smaller ones), then draw the layer --like the resized image.',
    );
  refuseSamePaths(plan.out, flags);
  if (like && like.orientation > 1)
    say.info(
      `${flags.like} has EXIF orientation ${like.orientation}: the layer is drawn on it as it is seen, ${like.width}x${like.height} (imgcli edit sends it upright with the markup)`,
    );
  if (spec.shapes.some((s) => s.type === 'label')) {
    // fontconfig reads the process's own environment when the first label is drawn (fonts.ts).
    const env = rt.env as Record<string, string | undefined>;
    await quietFontconfig(process.env, join(defaultCacheDir(env), 'fontconfig'), {
      platform: process.platform,
      home: env.HOME || homedir(),
      pid: process.pid,
    });
  }
  const layer = await guard(() => renderMarkup(spec, size));
  const verdict = await checkMarkup(layer.png, { like: size });
  for (const w of verdict.warnings) say.warn(`the layer: ${w}`);
  // A layer that --check (and edit --markup) would refuse is not written.
  if (!verdict.valid)
    throw new UsageError(
      `the layer drawn would not do as a markup layer: ${verdict.problems.map((p) => p.message).join('; ')}; nothing was written`,
      CHECK_HINTS[verdict.problems[0]!.code](flags.like),
    );
  const write = async (path: string, bytes: Buffer) => {
    await prepareDestination({ kind: 'files', paths: [path], noClobber: false });
    return writeAtomic(path, bytes, { replace: true, signal: rt.signal });
  };
  const path = plan.out === '-' ? '-' : await write(plan.out, layer.png);
  const preview =
    flags.preview !== undefined && likeBytes
      ? await write(flags.preview, await guard(() => previewMarkup(likeBytes, layer.png, previewAs)))
      : undefined;
  if (plan.out === '-') rt.stdout.write(layer.png);
  else if (flags.json) {
    const entry = {
      path,
      bytes: layer.png.length,
      width: layer.width,
      height: layer.height,
      format: 'png',
      shapes: spec.shapes.length,
      drawn_percent: verdict.drawnPercent,
    };
    rt.stdout.write(`${JSON.stringify({ files: [entry], preview: preview ?? null }, null, 2)}\n`);
  } else rt.stdout.write(`${path}\n${preview ? `${preview}\n` : ''}`);
  const shapes = `${spec.shapes.length} shape${spec.shapes.length === 1 ? '' : 's'}`;
  say.info(
    `markup ${layer.width}x${layer.height}, ${shapes}, ${verdict.drawnPercent}% drawn${plan.out === '-' && preview ? `; preview in ${preview}` : ''}`,
  );
};

export const handlers: Record<string, Handler> = { markup };

/** -o, --preview and --like name three different files: the layer never replaces the photo, nor the preview the layer. */
function refuseSamePaths(out: string, flags: MarkupFlags): void {
  const named = [
    ...(out === '-' ? [] : [{ flag: '-o', path: out }]),
    ...(flags.preview === undefined ? [] : [{ flag: '--preview', path: flags.preview }]),
    ...(flags.like === undefined ? [] : [{ flag: '--like', path: flags.like }]),
  ];
  for (const [i, a] of named.entries())
    for (const b of named.slice(i + 1))
      if (landingKey(a.path) === landingKey(b.path))
        throw new UsageError(
          `${a.flag} and ${b.flag} name the same file (${a.path}); nothing was written`,
          'Give each its own name, e.g. -o marks.png --preview check.png --like photo.png.',
        );
}

/** The shapes of --file (first) and of the flags (after them, in their order), with the defaults. */
async function specOf(plan: Extract<MarkupPlan, { mode: 'draw' }>, flags: MarkupFlags): Promise<MarkupSpec> {
  const file = plan.file === undefined ? undefined : (await readInputFile(plan.file, '--file')).toString('utf8');
  return guard(() => {
    const fromFile = file === undefined ? undefined : parseMarkupFile(file, plan.file);
    const before = fromFile?.shapes.length ?? 0;
    const shapes = plan.shapes.map((f, i) => parseShapeFlag(f, before + i));
    const defaults = {
      ...fromFile?.defaults,
      ...parseDefaults({ color: flags.markColor, width: flags.markWidth, size: flags.fontSize }),
    };
    return { shapes: [...(fromFile?.shapes ?? []), ...shapes], defaults };
  });
}

const FORMS = 'imgcli markup --help shows the form of each shape';
const HINTS: Record<MarkupError['code'], string> = {
  'bad-shape': FORMS,
  'bad-number': FORMS,
  'ambiguous-units': 'Write 0.1,0.2,0.4,0.5 (fractions of the image) or 100,200,400,500 (pixels).',
  'bad-color': 'Use #rrggbb, #rrggbbaa or a colour name (red, yellow...).',
  'bad-text': 'Give the label as a few words on one line.',
  'bad-file': 'Fix the file; imgcli markup --help shows its form.',
  outside: 'Use pixels inside the image (--like gives its size), or fractions from 0 to 1.',
  'no-anchor': 'Put the --label after the shape it names, or give it --at x,y.',
  'not-image': 'Give a PNG, JPEG or WebP image.',
  'size-mismatch': 'Draw the layer again with --like set to this image.',
};

/** MarkupErrors are the user's input being wrong: the flag named, what to do next. */
async function guard<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof MarkupError)) throw err;
    // `box "0.1,0.2,300,400" mixes...` is the --box flag's value.
    const flag = SHAPE_TYPES.find((t) => err.message.startsWith(`${t} "`));
    throw new UsageError(`${flag ? '--' : ''}${err.message}`, HINTS[err.code]);
  }
}

const draw = (like?: string) => `imgcli markup --like ${like ?? '<image>'} --box 0.1,0.2,0.4,0.5 -o marks.png`;
const CHECK_HINTS: Record<MarkupProblemCode, (like?: string) => string> = {
  'not-image': () => 'Check the path: a markup layer is a PNG file.',
  'not-png': (like) => `Draw it as a PNG with transparency: ${draw(like)}`,
  'no-alpha': (like) => `Draw it on a transparent layer: ${draw(like)}`,
  'size-mismatch': (like) => `Draw it again at the image's size: ${draw(like)}`,
  empty: (like) => `Mark what to change: ${draw(like)}`,
  opaque: (like) => `Draw on a transparent layer, so the photo shows through: ${draw(like)}`,
};

/** --check: the verdict on an existing layer, printed, and exit 2 when it would not do. */
async function check(
  ctx: Parameters<Handler>[0],
  file: string,
  flags: MarkupFlags,
  like: ImageSize | undefined,
): Promise<void> {
  const { rt } = ctx;
  const say = await ctx.messenger();
  const verdict = await checkMarkup(await readInputFile(file, '--check'), like ? { like } : {});
  if (flags.json)
    rt.stdout.write(
      `${JSON.stringify(verdictDocument(file, verdict, { drawn_percent: verdict.drawnPercent, opaque_percent: verdict.opaquePercent }), null, 2)}\n`,
    );
  for (const w of verdict.warnings) say.warn(`${file}: ${w}`);
  if (!verdict.valid)
    throw new UsageError(
      `${file} is not a valid markup layer: ${verdict.problems.map((p) => p.message).join('; ')}`,
      CHECK_HINTS[verdict.problems[0]!.code](flags.like),
    );
  if (!flags.json)
    rt.stdout.write(
      `${file}: valid markup layer, ${verdict.width}x${verdict.height}, ${verdict.drawnPercent}% drawn${like ? '' : ' (add --like <image> to check its size)'}\n`,
    );
}

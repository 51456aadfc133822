// `imgcli mask`, run: the plan from the flags (flags.ts), then build or check the mask with sharp
// (src/mask/) and print the path, the --json document or the bytes.
import { availableParallelism } from 'node:os';
import { sizeText } from '../../api/limits.js';
import { UsageError } from '../../errors.js';
import * as masks from '../../mask/build.js';
import { prepareDestination, writeAtomic } from '../../output/disk.js';
import type { Handler } from '../shared/context.js';
import { verdictDocument } from '../shared/layer-verdict.js';
import { planMask, readInput, type MaskFlags } from './flags.js';

const mask: Handler = async (ctx, { args }) => {
  const [input] = args as [string | undefined];
  const { rt } = ctx;
  const flags = ctx.flags<MaskFlags>();
  const plan = planMask(input, flags);
  masks.useAllCores(availableParallelism());
  const say = await ctx.messenger();
  const guard = <T>(p: Promise<T>, file: string, flag: string) => p.catch((err: unknown) => rethrow(err, file, flag));
  const likeBytes = flags.like === undefined ? undefined : await readInput(flags.like, '--like');
  const like = likeBytes && (await guard(masks.readMetadata(likeBytes), flags.like!, '--like'));
  const write = async (path: string, bytes: Buffer) => {
    await prepareDestination({ kind: 'files', paths: [path], noClobber: false });
    return writeAtomic(path, bytes, { replace: true, signal: rt.signal });
  };

  if (plan.mode === 'check') {
    const bytes = await readInput(plan.file, '--check');
    const verdict = await masks.checkMask(bytes, { like: like && { width: like.width, height: like.height } });
    if (flags.json)
      rt.stdout.write(
        `${JSON.stringify(
          verdictDocument(plan.file, verdict, {
            editable_percent: verdict.editablePercent === null ? null : round(verdict.editablePercent),
          }),
          null,
          2,
        )}\n`,
      );
    for (const w of verdict.warnings) say.warn(`${plan.file}: ${w}`);
    if (!verdict.valid) {
      const first = verdict.problems[0]!.code;
      throw new UsageError(
        `${plan.file} is not a valid mask: ${verdict.problems.map((p) => p.message).join('; ')}`,
        CHECK_HINTS[first](plan.file, flags.like),
      );
    }
    if (!flags.json)
      rt.stdout.write(
        `${plan.file}: valid mask, ${verdict.width}x${verdict.height}, ${pct(verdict.editablePercent!)} editable\n`,
      );
    if (flags.preview && likeBytes)
      say.info(
        `preview: ${await write(flags.preview, await guard(masks.previewMask(likeBytes, bytes), plan.file, '--check'))}`,
      );
    return;
  }

  const size = plan.canvas === 'like' ? { width: like!.width, height: like!.height } : flags.size;
  const [file, flag] = plan.mode === 'shapes' ? ['', ''] : [plan.file, plan.flag];
  const source =
    plan.mode === 'shapes'
      ? ({ kind: 'shapes', size: size!, rects: flags.rect ?? [], ellipses: flags.ellipse ?? [] } as const)
      : ({ kind: plan.mode, image: await readInput(file, flag) } as const);
  const options = {
    invert: flags.invert,
    threshold: flags.threshold,
    grow: flags.grow,
    shrink: flags.shrink,
    feather: flags.feather,
  };
  const resize = plan.mode !== 'shapes' && size ? { size, fit: flags.fit } : undefined;
  const result = await guard(masks.buildMask(source, { ...options, resize }), file, flag);

  if (result.flattenedTransparency)
    say.warn(
      `${file} has transparent pixels; they count as white (keep). If its transparency is the mask, use --from-alpha ${file}`,
    );
  if (result.editablePercent === 0)
    say.warn('nothing is editable: no pixel came out fully transparent (black = edit; see --invert, --threshold)');
  if (result.png.length >= masks.MAX_MASK_BYTES)
    say.warn(
      `the mask is ${sizeText(result.png.length, 'measured')}; the API takes masks under 4 MB (a hard edge compresses better: --threshold 128)`,
    );
  const path = flags.out === '-' ? '-' : await write(flags.out!, result.png);
  const preview =
    flags.preview && likeBytes ? await write(flags.preview, await masks.previewMask(likeBytes, result.png)) : undefined;
  if (flags.out === '-') rt.stdout.write(result.png);
  else if (flags.json) {
    const entry = {
      path,
      bytes: result.png.length,
      width: result.width,
      height: result.height,
      format: 'png',
      editable_percent: round(result.editablePercent),
    };
    rt.stdout.write(`${JSON.stringify({ files: [entry], preview: preview ?? null }, null, 2)}\n`);
  } else rt.stdout.write(`${path}\n${preview ? `${preview}\n` : ''}`);
  say.info(
    `mask ${result.width}x${result.height}, ${pct(result.editablePercent)} editable${flags.out === '-' && preview ? `; preview in ${preview}` : ''}`,
  );
};

export const handlers: Record<string, Handler> = { mask };

const round = (n: number) => Math.round(n * 100) / 100;
const pct = (n: number) => `${round(n)}%`;

type Verdict = Awaited<ReturnType<typeof masks.checkMask>>;

const rebuild = (file: string, like?: string) =>
  `imgcli mask --from-alpha ${file}${like ? ` --like ${like}` : ''} -o fixed.png`;
const CHECK_HINTS: Record<Verdict['problems'][number]['code'], (file: string, like?: string) => string> = {
  'not-image': () => 'Check the path: a mask is a PNG file.',
  'not-png': (file) => `Convert it: imgcli mask ${file} -o mask.png (black = edit).`,
  'no-alpha': (file) => `Make one with alpha from it: imgcli mask ${file} -o mask.png (black = edit, white = keep).`,
  'too-large': (file) => `A hard edge compresses far better: ${rebuild(file)} --threshold 128, or make it smaller.`,
  'size-mismatch': (file, like) =>
    `Resize it to the image: ${rebuild(file, like)}${like ? '' : ' (add --like <image>)'}.`,
};

/** MaskErrors are the user's inputs being wrong: name the file or flag and say what to do. */
function rethrow(err: unknown, file: string, flag: string): never {
  if (!(err instanceof masks.MaskError)) throw err;
  const subject = file ? `${flag === '<input>' ? '' : `${flag} `}${file} ` : '';
  switch (err.code) {
    case 'aspect-mismatch':
      throw new UsageError(
        `${subject}${err.message}`,
        'Add --fit stretch, contain (pad with keep) or cover (crop) to say how it should fit.',
      );
    case 'rect-outside':
      throw new UsageError(
        `--rect: ${err.message}`,
        'A rectangle is x,y,width,height in pixels and must lie inside the canvas (--size or --like).',
      );
    case 'ellipse-outside':
      throw new UsageError(
        `--ellipse: ${err.message}`,
        'An ellipse is cx,cy,rx,ry in pixels; its centre must lie on the canvas.',
      );
    case 'no-alpha':
      throw new UsageError(
        `${subject}${err.message}`,
        `Use its brightness instead (black = edit): imgcli mask ${file} -o mask.png`,
      );
    default:
      throw new UsageError(
        `${subject}${err.message}`,
        err.code === 'not-image' ? 'imgcli reads PNG, JPEG, WebP, GIF, TIFF and SVG.' : undefined,
      );
  }
}

// `imgcli mask`: build an edit mask (or check one) with sharp. Parse -> validate -> call -> print.
import { Command, Option } from 'commander';
import type { GlobalFlags } from '../../config/settings.js';
import { UsageError } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import {
  collect,
  parseEllipse,
  parseFeather,
  parseRadius,
  parseRect,
  parseSize,
  parseThreshold,
  planMask,
  readInput,
  type MaskFlags,
} from './flags.js';

const EXAMPLES = `
Examples:
  $ imgcli mask drawing.png -o mask.png                 # black = edit, white = keep
  $ imgcli mask drawing.jpg --like photo.png --threshold 128 --grow 8 -o mask.png
  $ imgcli mask --size 1024x1024 --rect 0,512,1024,512 -o mask.png   # the bottom half
  $ imgcli mask --like photo.png --ellipse 512,400,200,150 --feather 6 -o mask.png
  $ imgcli mask --from-alpha cutout.png --invert -o mask.png          # edit around the subject
  $ imgcli mask sketch.png --like photo.png --preview check.png -o mask.png
  $ imgcli mask --check mask.png --like photo.png                     # exit 0 valid, 2 not
  $ imgcli mask --check mask.png --json | jq .editable_percent

What the API reads: a PNG with alpha, the size of the image, where alpha 0 = "paint here".
imgcli writes every pixel as (L, L, L, L) from the input's luminance L (Pillow's recipe):
black becomes transparent = edit, white stays opaque = keep, greys are partly transparent.
Transparent pixels in the input count as white (keep), as the picture looks on a page; to use
an image's transparency as the mask, pass it to --from-alpha instead.

Order: size (--like/--size, --fit), --threshold, --invert, --grow/--shrink, --feather.
Pixel amounts are pixels of the output. --grow and --shrink harden the edge first (at 128
unless --threshold says otherwise) and round corners; --feather makes the edge partly
transparent, and only fully transparent pixels count as editable.
The mask goes to -o (overwritten; - for stdout) and its path to stdout; notices go to stderr.`;

export function maskCommand(rt: Runtime): Command {
  const cmd = new Command('mask')
    .description('Build an edit mask for `imgcli edit` (alpha 0 = edit), or check that a mask will be accepted.')
    .argument('[input]', 'drawing to turn into a mask (png, jpeg, webp, gif, tiff, svg): black = edit')
    .option('-o, --out <path>', 'mask file to write (PNG, overwritten), or - for stdout')
    .option('--invert', 'swap edit and keep: white = edit')
    .option('--threshold <0-255>', 'hard edge: darker than this = edit, the rest = keep', parseThreshold)
    .option('--grow <px>', 'widen the editable area by this many pixels', parseRadius('--grow'))
    .option('--shrink <px>', 'narrow the editable area by this many pixels', parseRadius('--shrink'))
    .option('--feather <px>', 'soften the edge over about this many pixels each side', parseFeather)
    .option('--like <image>', 'size the mask like this image (the one you will edit)')
    .option('-s, --size <WxH>', 'size the mask to WxH; the canvas for --rect and --ellipse', parseSize)
    .addOption(
      new Option('--fit <how>', 'fit another aspect ratio: contain pads with keep, cover crops').choices([
        'stretch',
        'contain',
        'cover',
      ]),
    )
    .option('--rect <x,y,w,h>', 'mark a rectangle editable; repeatable (needs --size or --like)', collect(parseRect))
    .option(
      '--ellipse <cx,cy,rx,ry>',
      'mark an ellipse editable; repeatable (needs --size or --like)',
      collect(parseEllipse),
    )
    .option('--from-alpha <image>', "reuse this image's transparency as the mask (transparent = edit)")
    .option('--preview <path>', 'also write the --like image with the editable area tinted (PNG)')
    .option('--check <mask>', 'check a mask against the API rules instead: PNG, alpha, under 4 MB, size')
    .option('--json', 'print a JSON document on stdout (with --check: the verdict) instead of the path')
    .addHelpText('after', EXAMPLES);
  cmd.action(async (input: string | undefined, _opts: unknown, self: Command) => {
    const flags = self.optsWithGlobals<MaskFlags & GlobalFlags>();
    const plan = planMask(input, flags);
    const [mask, { availableParallelism }, { createMessenger, useColor }, output] = await Promise.all([
      import('../../mask/build.js'),
      import('node:os'),
      import('../../terminal/messenger.js'),
      import('../../output/disk.js'),
    ]);
    mask.useAllCores(availableParallelism());
    const say = await createMessenger(rt.stderr, {
      quiet: flags.quiet,
      verbose: flags.verbose,
      color: useColor(flags.color, rt),
    });
    const guard = <T>(p: Promise<T>, file: string, flag: string) =>
      p.catch((err: unknown) => rethrow(err, mask.MaskError, file, flag));
    const likeBytes = flags.like === undefined ? undefined : await readInput(flags.like, '--like');
    const like = likeBytes && (await guard(mask.readMetadata(likeBytes), flags.like!, '--like'));
    const write = async (path: string, bytes: Buffer) => {
      await output.prepareDestination({ kind: 'files', paths: [path], noClobber: false });
      return output.writeAtomic(path, bytes, { replace: true, signal: rt.signal });
    };

    if (plan.mode === 'check') {
      const bytes = await readInput(plan.file, '--check');
      const verdict = await mask.checkMask(bytes, { like: like && { width: like.width, height: like.height } });
      if (flags.json) rt.stdout.write(`${JSON.stringify(verdictDocument(plan.file, verdict), null, 2)}\n`);
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
          `preview: ${await write(flags.preview, await guard(mask.previewMask(likeBytes, bytes), plan.file, '--check'))}`,
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
    const result = await guard(mask.buildMask(source, { ...options, resize }), file, flag);

    if (result.flattenedTransparency)
      say.warn(
        `${file} has transparent pixels; they count as white (keep). If its transparency is the mask, use --from-alpha ${file}`,
      );
    if (result.editablePercent === 0)
      say.warn('nothing is editable: no pixel came out fully transparent (black = edit; see --invert, --threshold)');
    if (result.png.length >= mask.MAX_MASK_BYTES)
      say.warn(
        `the mask is ${(result.png.length / 1048576).toFixed(1)} MB; the API takes masks under 4 MB (a hard edge compresses better: --threshold 128)`,
      );
    const path = flags.out === '-' ? '-' : await write(flags.out!, result.png);
    const preview =
      flags.preview && likeBytes
        ? await write(flags.preview, await mask.previewMask(likeBytes, result.png))
        : undefined;
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
  });
  return cmd;
}

const round = (n: number) => Math.round(n * 100) / 100;
const pct = (n: number) => `${round(n)}%`;

type Verdict = Awaited<ReturnType<typeof import('../../mask/build.js').checkMask>>;

function verdictDocument(file: string, v: Verdict) {
  const editable = v.editablePercent === null ? null : round(v.editablePercent);
  return {
    file,
    valid: v.valid,
    format: v.format,
    width: v.width,
    height: v.height,
    has_alpha: v.hasAlpha,
    bytes: v.bytes,
    editable_percent: editable,
    problems: v.problems,
    warnings: v.warnings,
  };
}

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
function rethrow(
  err: unknown,
  MaskError: typeof import('../../mask/build.js').MaskError,
  file: string,
  flag: string,
): never {
  if (!(err instanceof MaskError)) throw err;
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

// `imgcli edit`: images (and an optional mask) plus a prompt to new images. Parse -> validate ->
// call -> print; the files are checked by upload.ts, the run and its output are gen's.
import { Command, Option } from 'commander';
import type { GlobalFlags } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { readPrompt, type Runtime } from '../terminal/io.js';
import { DEFAULT_MODEL } from '../models/table.js';
import { addOptions, REUSE_OPTIONS, reuseFields, type ImageFlags, chooseFormat, fitOption, streamFields, streamOptions, type StreamFlags } from './options.js';

interface EditFlags extends GlobalFlags, StreamFlags, ImageFlags {
  prompt?: string;
  moderation?: string;
  mask?: string;
  maskFrom?: string;
  inputFidelity?: string;
  fit?: 'contain' | 'cover';
}

const EXAMPLES = `
Examples:
  $ imgcli edit photo.png -p "add a red scarf"
  $ imgcli edit room.jpg --mask-from scribble.png -p "a bookshelf here"   # black in the drawing = edit
  $ imgcli edit room.png --mask mask.png -p "a window onto the sea" -o room-2.png
  $ imgcli edit person.png shirt.png logo.png -p "the person wearing the shirt, logo on the chest"
  $ imgcli --base-url http://localhost:8080/v1 edit portrait.jpg -m gpt-image-1.5 --input-fidelity high -p "studio lighting"
  $ imgcli edit icon.jpg -m dall-e-2 --fit contain --mask-from area.png -p "a gold star" -s 512x512
  $ imgcli edit photo.png -p @brief.txt --json | jq -r '.files[].path'
  $ imgcli edit photo.png -p "a hat" --dry-run             # print the multipart request; send nothing
  $ imgcli edit photo.png -p "a red scarf" --stream --preview   # watch the partial images arrive

Files are judged by their content, not their names, before anything is sent. GPT image models
take 1 to 16 png, jpeg or webp images under 50 MB each; dall-e-2 takes one square PNG under 4 MB
(--fit contain or cover makes one), and with no mask edits where that PNG is transparent.

--mask is a PNG with transparency, the size of the first image: alpha 0 = "paint here". It is
checked like imgcli mask --check. --mask-from takes a black-and-white drawing (black = edit) and
builds that mask in memory at the first image's size. With several images the mask applies to
the first. See imgcli mask --help to build and preview masks.

The prompt comes from -p: text, - for stdin, or @file. Output naming, -o, --json, --stream,
--preview and exit codes are those of imgcli gen. Default model: ${DEFAULT_MODEL}.`;

export function editCommand(rt: Runtime): Command {
  const cmd = new Command('edit')
    .summary('edit images with a prompt, optionally inside a mask')
    .description('Edit one or more images with a text prompt (POST /images/edits, multipart upload).')
    .argument('<image...>', 'images to edit (the first is the one a mask applies to)')
    .option('-p, --prompt <text>', 'what to change; - reads stdin, @file reads a file');
  addOptions(cmd, ['model', 'count', 'size', 'quality', 'background', 'format', 'compression', 'responseFormat', 'user', 'out', 'noClobber', 'param', 'dryRun', 'json', 'stream', 'partialImages', 'noPartials', 'preview', ...REUSE_OPTIONS], {
    count: 'how many images, 1-10',
    quality: 'auto, low, medium, high (gpt-image-2.5 adds xhigh, max)',
  });
  cmd
    .addOption(fitOption())
    .option('--mask <png>', 'PNG with transparency where the first image may change (same size)')
    .option('--mask-from <image>', 'build the mask from a black-and-white drawing: black = edit')
    .option('--input-fidelity <level>', 'gpt-image-1 and gpt-image-1.5: low or high (keeps faces and details closer); gpt-image-1-mini: low; servers that still have them')
    // Not an edit parameter; registered so the model schema can say so instead of "unknown option".
    .addOption(new Option('--moderation <level>').hideHelp())
    .addHelpText('after', EXAMPLES);
  cmd.action(async (paths: string[], _opts: unknown, self: Command) => {
    const flags = self.optsWithGlobals<EditFlags>();
    const [{ resolveSettings }, { validateRequest }, { runAndReport }, output, { resolveModel, endpointRules }, { createMessenger, useColor }, upload, { withImageDefaults }, { paramsAsFormFields }, { checkCount }] = await Promise.all([
      import('../config/settings.js'),
      import('../models/schema.js'),
      import('../jobs/run.js'),
      import('../output/files.js'),
      import('../models/table.js'),
      import('../terminal/io.js'),
      import('../upload/form.js'),
      import('../jobs/defaults.js'),
      import('../jobs/params.js'),
      import('../upload/inputs.js'),
    ]);
    const settings = await resolveSettings(flags, rt);
    const say = await createMessenger(rt, { ...settings, color: useColor(flags.color, rt) });
    const model = resolveModel(settings.model);
    const rules = endpointRules(model, 'edits');
    if (!rules) throw new UsageError(`${model.name} cannot edit images`, 'Use a GPT image model (-m gpt-image-2), or dall-e-2 where a server still has it.');
    if (flags.prompt === undefined) throw new UsageError('edit needs a prompt: -p "what to change"', 'Give it with -p "...", -p - to read stdin, or -p @file.');
    if (flags.mask !== undefined && flags.maskFrom !== undefined) throw new UsageError('--mask and --mask-from are two masks; use one');
    const prompt = await readPrompt([flags.prompt], rt);
    const opts = withImageDefaults(flags, settings.defaults, model, 'edits', say);
    const body = validateRequest(model, 'edits', {
      model: model.name,
      prompt,
      n: flags.count,
      size: opts.size,
      quality: opts.quality,
      background: flags.background,
      output_format: chooseFormat(opts.format, output.formatFromOut(opts.out), opts.out, model, rules),
      output_compression: flags.compression,
      moderation: flags.moderation,
      response_format: flags.responseFormat,
      input_fidelity: flags.inputFidelity,
      user: flags.user,
      ...streamFields(flags),
    });
    const fields = { ...body, ...Object.fromEntries(paramsAsFormFields(flags.param)) };
    if (flags.json && opts.out === '-' && !flags.dryRun) throw new UsageError('--json and -o - both want stdout; pick one');
    const outIsDir = opts.out !== undefined && (await output.isDirectory(opts.out));
    const plan = await output.planOutputs({ out: opts.out, count: flags.count ?? 1, prompt, now: rt.now(), noClobber: !flags.clobber, outIsDir });
    checkCount(paths.length, rules.files, model, 'edits');
    const parts = await upload.prepareUpload({ paths, model, rules, fit: flags.fit, mask: flags.mask, maskFrom: flags.maskFrom, say });
    const dryRun = flags.dryRun ? { json: Boolean(flags.json) } : undefined;
    const inputs = [...paths.map((path) => ({ role: 'image', path })), ...(flags.mask ? [{ role: 'mask', path: flags.mask }] : []), ...(flags.maskFrom ? [{ role: 'mask-from', path: flags.maskFrom }] : [])];
    const record = { prompt, params: { ...fields, fit: flags.fit }, inputs };
    const job = { endpoint: 'edits' as const, model, form: upload.formBuilder(fields, parts), plan, dryRun, stream: streamOptions(fields, flags), preview: flags.preview, record, ...reuseFields(flags) };
    await runAndReport(rt, settings, job, { json: flags.json, summary: flags.summary }, say);
  });
  return cmd;
}

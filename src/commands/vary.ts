// `imgcli vary`: variations of one image. dall-e-2 has the variations endpoint; GPT image models
// do not, so they are asked through edits with a built-in prompt. Which one comes from the table.
import { basename, extname } from 'node:path';
import { Command } from 'commander';
import type { GlobalFlags } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { readPrompt, type Runtime } from '../terminal/io.js';
import { DEFAULT_MODEL, FAMILIES, MODELS } from '../models/table.js';
import { addOptions, REUSE_OPTIONS, reuseFields, type ImageFlags, chooseFormat, fitOption } from './options.js';

interface VaryFlags extends GlobalFlags, ImageFlags {
  prompt?: string;
  fit?: 'contain' | 'cover';
}

/** What a GPT model is asked for when it stands in for the variations endpoint. */
export const VARIATION_PROMPT =
  'Create a variation of this image. Keep the same subject, composition, framing, colour palette and style; ' +
  'vary small details, textures and lighting so it reads as another take of the same picture.';

/** The models whose family varies this way, as wrapped help lines. */
function modelsVia(via: 'variations' | 'edits' | undefined, extra = ''): string {
  const words = [...MODELS.filter((m) => FAMILIES[m.family].vary === via).map((m) => m.id), ...(extra ? [extra] : [])].map((w, i, all) => (i < all.length - 1 ? `${w},` : w));
  const lines: string[] = [];
  for (const w of words) {
    if (lines.length && `${lines.at(-1)} ${w}`.length <= 92) lines[lines.length - 1] += ` ${w}`;
    else lines.push(w);
  }
  return lines.map((l) => `  ${l}`).join('\n');
}

const EXAMPLES = `
Examples:
  $ imgcli vary photo.png                              # ${DEFAULT_MODEL}, through /images/edits
  $ imgcli vary photo.png -n 3 -o takes/
  $ imgcli vary photo.png -p "in autumn colours"        # a hint added to the built-in prompt
  $ imgcli vary logo.jpg -m dall-e-2 --fit contain -s 512x512
  $ imgcli vary photo.png --json | jq -r '.endpoint, .files[].path'
  $ imgcli vary photo.png --dry-run                    # print the request; send nothing

Which endpoint each model uses (--json records it as "endpoint"):
${modelsVia('variations')}
      POST /images/variations: no prompt; one square PNG under 4 MB (--fit contain or cover
      makes one); sizes 256x256, 512x512, 1024x1024.
${modelsVia('edits', 'and models imgcli does not know')}
      POST /images/edits, with a built-in prompt asking for a variation that keeps the
      subject and composition; -p adds your own direction to it.
${modelsVia(undefined)}
      neither: no variations and no edits.

Files are named <image>-variation-<YYYYMMDD-HHMMSS>.<ext>; -o, --json and exit codes are those
of imgcli gen.`;

export function varyCommand(rt: Runtime): Command {
  const cmd = new Command('vary')
    .summary('make variations of an image')
    .description('Make variations of one image (dall-e-2: POST /images/variations; GPT image models: POST /images/edits).')
    .argument('<image>', 'the image to vary')
    .option('-p, --prompt <hint>', 'GPT models: a hint added to the built-in variation prompt; - reads stdin, @file a file');
  addOptions(cmd, ['model', 'count', 'size', 'responseFormat', 'user', 'out', 'noClobber', 'param', 'dryRun', 'json', 'preview', ...REUSE_OPTIONS], {
    count: 'how many variations, 1-10',
    size: 'dall-e-2: 256x256, 512x512 or 1024x1024; GPT models: auto, 1024x1024, 1536x1024, 1024x1536 (gpt-image-2 and later: any WxH in multiples of 16)',
  });
  cmd.addOption(fitOption()).addHelpText('after', EXAMPLES);
  cmd.action(async (path: string, _opts: unknown, self: Command) => {
    const flags = self.optsWithGlobals<VaryFlags>();
    const [{ resolveSettings }, { validateRequest }, { runAndReport }, output, { resolveModel, endpointRules }, { createMessenger, useColor }, upload, { withImageDefaults }, { paramsAsFormFields }] = await Promise.all([
      import('../config/settings.js'),
      import('../models/schema.js'),
      import('../jobs/run.js'),
      import('../output/files.js'),
      import('../models/table.js'),
      import('../terminal/io.js'),
      import('../upload/form.js'),
      import('../jobs/defaults.js'),
      import('../jobs/params.js'),
    ]);
    const settings = await resolveSettings(flags, rt);
    const say = await createMessenger(rt, { ...settings, color: useColor(flags.color, rt) });
    const model = resolveModel(settings.model);
    const via = FAMILIES[model.family].vary;
    const rules = via && endpointRules(model, via);
    if (!via || !rules) throw new UsageError(`${model.name} has no variations or edits, so it cannot vary an image`, `Use -m ${DEFAULT_MODEL} (through /images/edits) or -m dall-e-2 (/images/variations, where a server still has it).`);
    if (via === 'variations' && flags.prompt !== undefined) {
      throw new UsageError(`${model.name} variations take no prompt, so -p has nowhere to go`, `Drop -p, or use a GPT image model (-m ${DEFAULT_MODEL}) to steer the variation.`);
    }
    say.verbose(`${model.name}: variations through POST /images/${via}`);
    const hint = flags.prompt === undefined ? undefined : await readPrompt([flags.prompt], rt, 'the hint');
    // vary has no --quality or --format flags; the config's defaults still apply where the model takes them.
    const opts = withImageDefaults(flags, settings.defaults, model, via, say);
    const body = validateRequest(model, via, {
      model: model.name,
      prompt: via === 'edits' ? (hint?.trim() ? `${VARIATION_PROMPT} Direction for this variation: ${hint.trim()}` : VARIATION_PROMPT) : undefined,
      n: flags.count,
      size: opts.size,
      quality: opts.quality,
      output_format: chooseFormat(opts.format, output.formatFromOut(opts.out), opts.out, model, rules),
      response_format: flags.responseFormat,
      user: flags.user,
    });
    const fields = { ...body, ...Object.fromEntries(paramsAsFormFields(flags.param)) };
    if (flags.json && opts.out === '-' && !flags.dryRun) throw new UsageError('--json and -o - both want stdout; pick one');
    const outIsDir = opts.out !== undefined && (await output.isDirectory(opts.out));
    const name = `${basename(path, extname(path))} variation`;
    const plan = await output.planOutputs({ out: opts.out, count: flags.count ?? 1, prompt: name, now: rt.now(), noClobber: !flags.clobber, outIsDir });
    const parts = await upload.prepareUpload({ paths: [path], model, rules, fit: flags.fit, say });
    const dryRun = flags.dryRun ? { json: Boolean(flags.json) } : undefined;
    const record = { prompt: hint, params: { ...fields, fit: flags.fit }, inputs: [{ role: 'image', path }] };
    const job = { endpoint: via, model, form: upload.formBuilder(fields, parts), plan, dryRun, preview: flags.preview, record, ...reuseFields(flags) };
    await runAndReport(rt, settings, job, { json: flags.json, summary: flags.summary }, say);
  });
  return cmd;
}

// `imgcli gen`: text to image. Parse -> validate -> call -> print.
import { Command } from 'commander';
import { MODELS, DEFAULT_MODEL } from '../models/table.js';
import type { GlobalFlags } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { readPrompt, type Runtime } from '../terminal/io.js';
import { addOptions, REUSE_OPTIONS, reuseFields, type ImageFlags, chooseFormat, streamFields, streamOptions, type StreamFlags } from './options.js';

interface GenFlags extends GlobalFlags, StreamFlags, ImageFlags {
  style?: string;
  moderation?: string;
}

const EXAMPLES = `
Examples:
  $ imgcli gen "a lighthouse at dusk"
  $ imgcli gen "a watercolor fox" --mock                 # offline, no key needed
  $ imgcli gen "app icon, flat" -s 1024x1024 -o icon.png
  $ imgcli gen "sticker of a cat" --background transparent -f webp -o cat.webp
  $ imgcli gen "a city skyline" -m gpt-image-2 -s 2048x1152 -q high
  $ imgcli gen @prompt.txt -n 4 -o renders/             # prompt from a file, 4 images in renders/
  $ echo "a red bicycle" | imgcli gen --json | jq -r '.files[].path'
  $ imgcli gen "a banner" -o - > banner.png              # image bytes on stdout
  $ imgcli gen "a fox" --dry-run                         # print the request and a curl command
  $ imgcli gen "a fox" -m my-model --param seed=42       # an extra field for a compatible server
  $ imgcli --profile azure gen "a fox"                   # settings from a config profile
  $ imgcli gen "a koi pond" --stream --preview           # partial images drawn in the terminal
  $ imgcli gen "a fox" --partial-images 3 -o fox.png     # fox.partial-0.png ... 2, then fox.png
  $ imgcli gen @icon.txt -o icon.png --if-changed        # in a Makefile: no request when nothing changed
  $ imgcli gen @icon.txt -o icon.png --check             # exit 0 up to date, 1 would be regenerated

The prompt is the words after gen, joined by spaces; - reads it from stdin (as do no words when
stdin is piped), and @path reads it from a file.

Without -o, files are named <prompt>-<YYYYMMDD-HHMMSS>.<ext> in the current folder and never
overwrite anything. -o file.png writes exactly there (overwriting, like curl -o; add
--no-clobber to refuse). Paths go to stdout, one per line; everything else goes to stderr.

--stream (GPT image models) asks for partial images while the image is drawn (2 unless
--partial-images says 0-3). Each is written as it arrives beside the final, as
<name>.partial-<n>.<ext> (--no-partials: not written); stdout lists the finals, then the
partials. --preview shows images inline in kitty, Ghostty, WezTerm and iTerm2 (in tmux with
allow-passthrough on); anywhere else it does nothing.

Unset flags take their values from the config (\`imgcli config set size 1536x1024\`; see
\`imgcli config --help\`) where the model accepts them.

Models: ${MODELS.map((m) => m.id).join(', ')}; default ${DEFAULT_MODEL}.`;

export function genCommand(rt: Runtime): Command {
  const cmd = new Command('gen')
    .summary('generate images from a text prompt')
    .description('Generate images from a text prompt (POST /images/generations).')
    .argument('[prompt...]', 'the prompt; - for stdin, @file to read it from a file');
  addOptions(cmd, ['model', 'count', 'size', 'quality', 'style', 'background', 'format', 'compression', 'moderation', 'responseFormat', 'user', 'out', 'noClobber', 'param', 'dryRun', 'json', 'stream', 'partialImages', 'noPartials', 'preview', ...REUSE_OPTIONS]);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (words: string[], _opts: unknown, self: Command) => {
    const flags = self.optsWithGlobals<GenFlags>();
    const [{ resolveSettings }, { validateRequest }, { runAndReport }, output, { resolveModel, endpointRules }, { createMessenger, useColor }, { withImageDefaults }, { applyParams }] = await Promise.all([
      import('../config/settings.js'),
      import('../models/schema.js'),
      import('../jobs/run.js'),
      import('../output/files.js'),
      import('../models/table.js'),
      import('../terminal/io.js'),
      import('../jobs/defaults.js'),
      import('../jobs/params.js'),
    ]);
    const settings = await resolveSettings(flags, rt);
    const say = await createMessenger(rt, { ...settings, color: useColor(flags.color, rt) });
    const model = resolveModel(settings.model);
    const rules = endpointRules(model, 'generations');
    const prompt = await readPrompt(words, rt);
    const count = flags.count ?? 1;
    const opts = withImageDefaults(flags, settings.defaults, model, 'generations', say);
    const body = validateRequest(model, 'generations', {
      model: model.name,
      prompt,
      n: flags.count,
      size: opts.size,
      quality: opts.quality,
      style: flags.style,
      background: flags.background,
      output_format: rules && chooseFormat(opts.format, output.formatFromOut(opts.out), opts.out, model, rules),
      output_compression: flags.compression,
      moderation: flags.moderation,
      response_format: flags.responseFormat,
      user: flags.user,
      ...streamFields(flags),
    });
    if (flags.json && opts.out === '-' && !flags.dryRun) throw new UsageError('--json and -o - both want stdout; pick one');
    const outIsDir = opts.out !== undefined && (await output.isDirectory(opts.out));
    const plan = await output.planOutputs({ out: opts.out, count, prompt, now: rt.now(), noClobber: !flags.clobber, outIsDir });
    const json = applyParams(body, flags.param);
    const dryRun = flags.dryRun ? { json: Boolean(flags.json) } : undefined;
    const job = { endpoint: 'generations' as const, model, json, plan, dryRun, stream: streamOptions(json, flags), preview: flags.preview, record: { prompt, params: json }, ...reuseFields(flags) };
    await runAndReport(rt, settings, job, { json: flags.json, summary: flags.summary }, say);
  });
  return cmd;
}

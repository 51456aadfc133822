// `imgcli gen`: text to image. Parse -> validate -> call -> print.
import { Command } from 'commander';
import { MODELS, DEFAULT_MODEL } from '../models.js';
import type { GlobalFlags } from '../config.js';
import { UsageError } from '../errors.js';
import { readPrompt, type Runtime } from '../io.js';
import { addOptions, chooseFormat, streamFields, streamOptions, type StreamFlags } from './options.js';

interface GenFlags extends GlobalFlags, StreamFlags {
  count?: number;
  size?: string;
  quality?: string;
  style?: string;
  background?: string;
  format?: string;
  compression?: number;
  moderation?: string;
  responseFormat?: string;
  user?: string;
  out?: string;
  clobber: boolean;
  json?: boolean;
  preview?: boolean;
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

The prompt is the words after gen, joined by spaces; - reads it from stdin (as do no words when
stdin is piped), and @path reads it from a file.

Without -o, files are named <prompt>-<YYYYMMDD-HHMMSS>.<ext> in the current folder and never
overwrite anything. -o file.png writes exactly there (overwriting, like curl -o; add
--no-clobber to refuse). Paths go to stdout, one per line; everything else goes to stderr.

Models: ${MODELS.map((m) => m.id).join(', ')}; default ${DEFAULT_MODEL}.`;

export function genCommand(rt: Runtime): Command {
  const cmd = new Command('gen')
    .summary('generate images from a text prompt')
    .description('Generate images from a text prompt (POST /images/generations).')
    .argument('[prompt...]', 'the prompt; - for stdin, @file to read it from a file');
  addOptions(cmd, ['model', 'count', 'size', 'quality', 'style', 'background', 'format', 'compression', 'moderation', 'responseFormat', 'user', 'out', 'noClobber', 'json', 'stream', 'partialImages', 'noPartials', 'preview']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (words: string[], _opts: unknown, self: Command) => {
    const flags = self.optsWithGlobals<GenFlags>();
    const [{ resolveSettings }, { validateRequest }, { runImages, reportRun }, output, { resolveModel, endpointRules }, { createMessenger, useColor }] = await Promise.all([
      import('../config.js'),
      import('../request-schema.js'),
      import('../run-images.js'),
      import('../output.js'),
      import('../models.js'),
      import('../io.js'),
    ]);
    const settings = resolveSettings(flags, rt);
    const say = await createMessenger(rt, { ...settings, color: useColor(flags.color, rt) });
    const model = resolveModel(settings.model);
    const rules = endpointRules(model, 'generations');
    const prompt = await readPrompt(words, rt);
    const count = flags.count ?? 1;
    const body = validateRequest(model, 'generations', {
      model: model.name,
      prompt,
      n: flags.count,
      size: flags.size,
      quality: flags.quality,
      style: flags.style,
      background: flags.background,
      output_format: rules && chooseFormat(flags.format, output.formatFromOut(flags.out), flags.out, model, rules),
      output_compression: flags.compression,
      moderation: flags.moderation,
      response_format: flags.responseFormat,
      user: flags.user,
      ...streamFields(flags),
    });
    if (flags.json && flags.out === '-') throw new UsageError('--json and -o - both want stdout; pick one');
    const outIsDir = flags.out !== undefined && (await output.isDirectory(flags.out));
    const plan = output.planOutputs({ out: flags.out, count, prompt, now: rt.now(), noClobber: !flags.clobber, outIsDir });
    const result = await runImages(rt, settings, { endpoint: 'generations', model, json: body, plan, stream: streamOptions(body, flags), preview: flags.preview }, say);
    reportRun(rt, result, { json: flags.json }, say);
  });
  return cmd;
}

// One conversation turn (imgcli chat) from typed flags: the image model and its rules for the
// Responses API's image_generation tool (models/table.ts, endpoint `responses`), the fields from
// the field table checked by the same schema as gen's, config defaults, input images and the mask
// checked as edit checks them (upload/), the output plan, and the request: the mainline model, the
// prompt (with the input images), the previous response, and the tool. Nothing is sent here.
import { UsageError } from '../errors.js';
import { DEFAULT_PARTIAL_IMAGES, IMAGE_FIELDS, endpointFor, type FieldValues } from '../models/fields.js';
import { fieldRule } from '../models/providers.js';
import {
  DEFAULT_MAINLINE,
  DEFAULT_MODEL,
  MAINLINE_MODELS,
  endpointRules,
  findMainline,
  type EndpointRules,
  type ResolvedModel,
} from '../models/table.js';
import { formatFromOut, planOutputs, type OutputPlan } from '../output/naming.js';
import { isDirectory } from '../output/disk.js';
import type { AnswerExpectation } from '../output/save.js';
import type { RequestRecord } from '../provenance/stamp.js';
import { modelSlipOf, orList } from '../suggest.js';
import { readPrompt } from '../terminal/input.js';
import { validateRequest } from '../models/schema.js';
import { inputRefs, prepareInputs } from '../upload/form.js';
import { checkCount, inspectImage } from '../upload/inputs.js';
import { dataUrlOf, type ImageRef } from '../upload/json-edit.js';
import { maskFromFile } from '../upload/mask.js';
import { adviseOnModel, checkModelName, chooseFormat, modelOf, type JobContext, type JobFlags } from './build.js';
import { withImageDefaults } from './defaults.js';
import { countedInputs, readInputs } from './edit-body.js';
import type { InputDigest } from './freshness.js';
import { applyParams, overriddenFields } from './params.js';
import { breach, checkEndpoint, checkFields, providerBody, type ProviderCheck } from './provider-rules.js';
import type { StreamOptions } from './stream.js';

/** The flags of a turn: the image tool's fields (from the field table) and how the turn runs, named as gen's. */
export interface ChatFlags
  extends FieldValues,
    Pick<
      JobFlags,
      | 'out'
      | 'clobber'
      | 'json'
      | 'dryRun'
      | 'param'
      | 'partials'
      | 'preview'
      | 'metadata'
      | 'mask'
      | 'capabilitiesFrom'
    > {
  /** --image, repeatable: input images for this turn. */
  image?: string[];
  mainline?: string;
}

/** Where the turn sits: the thread, its number, and the turn it continues (with that turn's image on disk, for --mask). */
export interface TurnPlace {
  thread: string;
  turn: number;
  previousResponseId?: string;
  previousImage?: string;
}

export interface TurnRequest {
  /** The prompt's words (`-` for stdin, @file), or the text itself with `literal`. */
  words: string[];
  literal?: boolean;
  flags: ChatFlags;
  place: TurnPlace;
  /** What generated file names start with instead of the prompt (replay). */
  stem?: string;
}

export interface ChatTurnJob {
  model: ResolvedModel;
  mainline: string;
  prompt: string;
  place: TurnPlace;
  /** The Responses request. */
  body: Record<string, unknown>;
  /** The tool's fields as sent, the mask left out (it is an input): the thread and the provenance keep them. */
  tool: Record<string, unknown>;
  plan: OutputPlan;
  stream?: StreamOptions;
  preview?: boolean;
  metadata: boolean;
  expect: AnswerExpectation;
  record: RequestRecord;
  digests?: InputDigest[];
  fingerprint?: string;
  dryRun?: { json: boolean };
}

/** The mainline model: --mainline, else the dated default; one not in the list is sent as given, a slip of one is refused. */
function mainlineOf(ctx: JobContext, flag: string | undefined): string {
  const name = flag ?? DEFAULT_MAINLINE;
  if (findMainline(name)) return name;
  const names = MAINLINE_MODELS.flatMap((m) => [m.id, ...(m.aliases ?? [])]);
  const slips = modelSlipOf(name, names);
  if (slips.length && ctx.settings.provider.id === 'openai')
    throw new UsageError(
      `--mainline ${name} is not a model that calls the image tool; did you mean ${orList(slips)}?`,
      `Name one of ${names.join(', ')} (default ${DEFAULT_MAINLINE}).`,
    );
  ctx.say.info(
    `--mainline ${name} is not in imgcli's list of models that call the image tool; sent as given${slips.length ? `. Did you mean ${orList(slips)}?` : ''}`,
  );
  return name;
}

/** The image model's rules for the tool, or why it cannot be the tool's model. */
function toolRules(model: ResolvedModel): EndpointRules {
  const endpoint = endpointFor('chat', model.family);
  const rules = endpoint && endpointRules(model, endpoint);
  if (!rules)
    throw new UsageError(
      `${model.name} cannot be the image tool's model: the Responses API's image_generation tool uses GPT image models`,
      `Use -m ${DEFAULT_MODEL} (or another GPT image model; imgcli models lists them).`,
    );
  return rules;
}

/** The turn's input images (message content) and mask (tool field), checked as edit checks them. */
async function turnInputs(req: TurnRequest, ctx: JobContext, model: ResolvedModel, rules: EndpointRules) {
  const images = req.flags.image ?? [];
  if (images.length === 0 && req.flags.mask === undefined) return undefined;
  const inputs = await readInputs(images, req.flags.mask, ctx.say);
  if (images.length) {
    checkCount(images.length, rules.files, model, 'the image tool');
    const prepared = await prepareInputs({ sources: inputs.sources, model, rules, mask: inputs.mask, say: ctx.say });
    return { refs: await inputRefs(prepared), counted: countedInputs(inputs, undefined) };
  }
  // A mask alone edits the image the conversation holds: checked against that turn's file when it is here.
  const mask = inputs.mask!;
  if (!req.place.previousResponseId)
    throw new UsageError(
      '--mask marks where to edit an image, and this turn has none: it starts a thread',
      'Give the image with --image photo.png, or use --mask on a later turn (it then edits the last image).',
    );
  let ref: ImageRef;
  if (mask.kind === 'path') {
    const first = req.place.previousImage
      ? await inspectImage(req.place.previousImage, 'the last image').catch(() => undefined)
      : undefined;
    if (!first)
      ctx.say.info(`--mask ${mask.path}: the last image is not here to compare sizes with; the server checks it`);
    const bytes = await maskFromFile(mask.path, first, ctx.say, true);
    ref = { image_url: dataUrlOf(bytes, 'image/png', mask.path) };
  } else ref = mask.kind === 'file' ? { file_id: mask.id } : { image_url: mask.url };
  return { refs: { images: [], mask: ref }, counted: countedInputs(inputs, undefined) };
}

/** Builds one turn; a UsageError (exit 2, nothing sent) for anything wrong. */
export async function buildTurn(req: TurnRequest, ctx: JobContext): Promise<ChatTurnJob> {
  const { settings, say, rt } = ctx;
  const flags = req.flags;
  const model = modelOf(settings.model, flags.capabilitiesFrom);
  const slips = flags.capabilitiesFrom ? [] : checkModelName(ctx, model);
  const rules = toolRules(model);
  const check: ProviderCheck = {
    provider: settings.provider,
    strict: settings.strict,
    warnings: settings.warnings,
    say,
  };
  checkEndpoint(check, 'responses');
  const mainline = mainlineOf(ctx, flags.mainline);
  const prompt = req.literal ? req.words.join(' ') : await readPrompt(req.words, rt, 'the prompt');
  const opts = withImageDefaults(flags, settings.defaults, model, 'responses', say);
  const format = chooseFormat(opts.format, opts.out, model, rules, 'chat');
  // --stream and --partial-images go together, as in gen: either asks for a stream, with 2 partials unless told.
  const streaming = Boolean(opts.stream) || opts.partialImages !== undefined;
  const fields: Record<string, unknown> = {};
  for (const f of IMAGE_FIELDS) fields[f.api] = opts[f.name];
  fields.output_format = format;
  fields.stream = streaming ? true : undefined;
  fields.partial_images = streaming ? (opts.partialImages ?? DEFAULT_PARTIAL_IMAGES) : undefined;
  const derived = opts.partialImages === undefined ? ['partial_images'] : [];
  const overrides = overriddenFields(flags.param);
  for (const o of overrides)
    say.info(`--param ${o.key}=${JSON.stringify(o.value)} is sent to the tool as given, unchecked`);
  const given = Object.fromEntries(overrides.map((o) => [o.key, o.value]));
  const valid = validateRequest(
    model,
    'responses',
    { model: model.name, prompt, ...fields, ...given },
    {
      derived,
      unchecked: overrides.map((o) => o.key),
      onReported: (message, source) => breach(check, source, message, 'Change the flag the message names.'),
    },
  );
  adviseOnModel(ctx, model, 'responses', valid, slips);
  checkFields(
    check,
    valid,
    new Set(Object.keys(fields).filter((k) => fields[k] !== undefined && !derived.includes(k))),
  );
  const { prompt: _prompt, stream: _stream, ...toolFields } = providerBody(settings.provider, valid);
  const tool = applyParams(toolFields, flags.param);
  const inputs = await turnInputs(req, ctx, model, rules);
  if (flags.json && opts.out === '-' && !flags.dryRun)
    throw new UsageError('--json and -o - both want stdout; pick one');
  const outIsDir = opts.out !== undefined && (await isDirectory(opts.out));
  const plan = await planOutputs({
    out: opts.out,
    count: 1,
    prompt: req.stem ?? prompt,
    now: rt.now(),
    noClobber: flags.clobber === false,
    outIsDir,
  });
  const content = inputs?.refs.images.length
    ? [
        { type: 'input_text', text: prompt },
        ...inputs.refs.images.map((r) => ({ type: 'input_image', ...r, detail: 'auto' })),
      ]
    : undefined;
  const body: Record<string, unknown> = {
    model: mainline,
    input: content ? [{ role: 'user', content }] : prompt,
    ...(req.place.previousResponseId ? { previous_response_id: req.place.previousResponseId } : {}),
    tools: [
      { type: 'image_generation', ...tool, ...(inputs?.refs.mask ? { input_image_mask: inputs.refs.mask } : {}) },
    ],
    // Every turn makes an image: the model may not answer in words alone.
    tool_choice: { type: 'image_generation' },
    ...(streaming ? { stream: true } : {}),
  };
  const named = flags.format ?? formatFromOut(opts.out);
  const size = typeof valid.size === 'string' && /^\d+x\d+$/.test(valid.size) ? valid.size : undefined;
  return {
    model,
    mainline,
    prompt,
    place: req.place,
    body,
    tool,
    plan,
    stream: streaming
      ? { partialImages: Number(tool.partial_images ?? 0), writePartials: flags.partials !== false }
      : undefined,
    preview: flags.preview,
    metadata: flags.metadata !== false,
    expect: {
      format: typeof valid.output_format === 'string' ? valid.output_format : named,
      size: fieldRule(settings.provider, 'size', valid.size)?.does === 'renames' ? undefined : size,
      convert: named !== undefined,
    },
    record: { command: 'chat', prompt, params: tool, ...(inputs ? { inputs: inputs.counted } : {}) },
    dryRun: flags.dryRun ? { json: Boolean(flags.json) } : undefined,
  };
}

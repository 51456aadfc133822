// src/pipeline/: flags to a typed ImageJob and its run: build, send, save, stream, dry run, up-to-date checks.
//
// From typed flags to an ImageJob: the one pipeline behind gen, edit, vary and every batch job.
// It picks the endpoint, reads the prompt, applies config defaults, turns the fields into the
// request body (from the field table), validates it against the model, plans the outputs and
// checks the input files. Nothing is sent here: run.ts does that.
import { basename, extname } from 'node:path';
import type { Settings } from '../config/settings.js';
import { UsageError } from '../errors.js';
import {
  DEFAULT_PARTIAL_IMAGES,
  IMAGE_FIELDS,
  endpointFor,
  modelsTaking,
  nestFields,
  takersText,
  type FieldValues,
  type ImageCommand,
} from '../models/fields.js';
import { OPENAI_HOST, experimentalSize, formatAdvice, modelAdvice } from '../models/advice.js';
import {
  DEFAULT_MODEL,
  MODELS,
  MODEL_NAMES,
  borrowRules,
  endpointRules,
  findModel,
  notAModel,
  resolveModel,
  type Endpoint,
  type EndpointRules,
  type ResolvedModel,
} from '../models/table.js';
import { formatFromOut, planOutputs } from '../output/naming.js';
import { isDirectory } from '../output/disk.js';
import type { Runtime } from '../runtime.js';
import { didYouMean, modelSlipOf, orList } from '../suggest.js';
import { readPrompt } from '../terminal/input.js';
import type { Messenger } from '../terminal/messenger.js';
import type { ImageFit } from '../upload/inputs.js';
import { withImageDefaults } from './defaults.js';
import { applyParams, overriddenFields, paramsAsFormFields, type Param } from './params.js';
import { chooseBody, countedInputs, editRequest, readInputs, type BodyForm } from './edit-body.js';
import { freshOutputs, type InputDigest } from './freshness.js';
import { fieldRule } from '../models/providers.js';
import {
  breach,
  checkEndpoint,
  checkFields,
  checkMask,
  providerBody,
  providerBodyForm,
  type ProviderCheck,
} from './provider-rules.js';
import type { ImageJob } from './run.js';

/** Every flag an image job can have, typed: the request fields plus how the job runs. */
export interface JobFlags extends FieldValues {
  out?: string;
  /** False with --no-clobber. */
  clobber?: boolean;
  json?: boolean;
  dryRun?: boolean;
  param?: Param[];
  /** False with --no-partials. */
  partials?: boolean;
  preview?: boolean;
  ifChanged?: boolean;
  check?: boolean;
  /** False with --no-metadata. */
  metadata?: boolean;
  /** --raw-svg: an SVG answer is saved as sent. */
  rawSvg?: boolean;
  summary?: boolean;
  /** edit and vary: -p (the prompt, or vary's hint). */
  prompt?: string;
  mask?: string;
  maskFrom?: string;
  /** edit: a markup layer (a transparent PNG over the first image), a path, URL or file id. */
  markup?: string;
  fit?: ImageFit;
  /** edit and vary: how the request travels; by default JSON when an input is a URL or file id. */
  body?: BodyForm;
  /** --capabilities-from: a known model whose rules an unknown model id borrows. */
  capabilitiesFrom?: string;
}

/** What to make: a command, its prompt words (gen), its input images (edit, vary) and flags. */
export interface JobRequest {
  /** An Images API command; chat builds its turns in chat-build.ts. */
  command: Exclude<ImageCommand, 'chat'>;
  words?: string[];
  images?: string[];
  flags: JobFlags;
  /** The prompt (words, or -p) is the text itself: never stdin or @file (a replayed prompt). */
  literal?: boolean;
  /** What generated file names start with, instead of the prompt (or, for vary, the image's name). */
  stem?: string;
}

export interface JobContext {
  rt: Runtime;
  settings: Settings;
  say: Messenger;
  /** False in batch: stdin is the jobs file, so `-` cannot be a prompt there. */
  stdin?: boolean;
  /** batch --remote: a JSON edit's local inputs are uploaded later, so the job keeps them (job.edit) instead of a body. */
  deferInputs?: boolean;
  /**
   * batch: the input files are another job's outputs, made later in the run. Everything but the
   * files is checked now, and the job comes back provisional (no request yet, no up-to-date
   * check): it is built again once they exist.
   */
  inputsLater?: boolean;
}

/** What a GPT model is asked for when it stands in for the variations endpoint. */
export const VARIATION_PROMPT =
  'Create a variation of this image. Keep the same subject, composition, framing, colour palette and style; ' +
  'vary small details, textures and lighting so it reads as another take of the same picture.';

/** The endpoint and its rules, or the reason the model cannot do what the command asks. */
function chooseEndpoint(command: JobRequest['command'], model: ResolvedModel) {
  const endpoint = endpointFor(command, model.family);
  const rules = endpoint && endpointRules(model, endpoint);
  if (endpoint && endpoint !== 'responses' && rules) return { endpoint, rules };
  if (command === 'edit')
    throw new UsageError(
      `${model.name} cannot edit images`,
      `Use a GPT image model (-m ${DEFAULT_MODEL}), or dall-e-2 where a server still has it.`,
    );
  if (command === 'vary') {
    throw new UsageError(
      `${model.name} has no variations or edits, so it cannot vary an image`,
      `Use -m ${DEFAULT_MODEL} (through /images/edits) or -m dall-e-2 (/images/variations, where a server still has it).`,
    );
  }
  throw new UsageError(`${model.name} does not support generations`);
}

/**
 * The output_format to request, reconciling --format with the -o extension: an explicit -o
 * extension sets the format when --format is absent; a disagreement is a usage error.
 */
export function chooseFormat(
  flag: string | undefined,
  out: string | undefined,
  model: ResolvedModel,
  rules: EndpointRules,
  command: ImageCommand,
): string | undefined {
  const outFormat = formatFromOut(out);
  if (flag && outFormat && flag !== outFormat) {
    throw new UsageError(
      `--format ${flag} conflicts with -o ${out}`,
      `Drop --format, or name the file .${flag === 'jpeg' ? 'jpg' : flag}.`,
    );
  }
  if (!flag && outFormat && rules.formats && !rules.formats.includes(outFormat)) {
    const format = IMAGE_FIELDS.find((f) => f.name === 'format')!;
    const makers = modelsTaking(format, outFormat, command);
    const takers = takersText(format, outFormat, command);
    throw new UsageError(
      `-o ${out} asks for ${outFormat}, which ${model.name} does not make (it makes ${rules.formats.join(', ')}${takers ? `; ${takers}` : ''})`,
      `Name the file .png, .jpg or .webp${makers.length ? `, or use -m ${makers[0]}` : ''}.`,
    );
  }
  if (rules.formats || model.family === 'other') return flag ?? (rules.formats ? outFormat : undefined);
  // Models without output_format (dall-e) always send PNG.
  if (!flag && outFormat && outFormat !== 'png') {
    throw new UsageError(
      `-o ${out} asks for ${outFormat}, but ${model.name} only returns png`,
      'Name the file .png, or pick a GPT image model with -m.',
    );
  }
  return flag;
}

/**
 * The request fields from the flags, by the field table; undefined ones are not sent. --stream
 * and --partial-images go together: either asks for a stream, with 2 partials unless told.
 */
function bodyFields(
  flags: JobFlags,
  format: string | undefined,
): { fields: Record<string, unknown>; derived: string[] } {
  const streaming = Boolean(flags.stream) || flags.partialImages !== undefined;
  const fields: Record<string, unknown> = {};
  for (const f of IMAGE_FIELDS) fields[f.api] = flags[f.name];
  fields.output_format = format;
  fields.stream = streaming ? true : undefined;
  fields.partial_images = streaming ? (flags.partialImages ?? DEFAULT_PARTIAL_IMAGES) : undefined;
  return { fields, derived: flags.partialImages === undefined ? ['partial_images'] : [] };
}

/** The prompt each command sends: gen's words, edit's -p, vary's built-in prompt with -p as a hint. */
async function promptFor(
  req: JobRequest,
  ctx: JobContext,
  viaVariations: boolean,
): Promise<{ prompt?: string; hint?: string }> {
  const opts = { stdin: ctx.stdin !== false };
  const read = async (words: string[], what: string) =>
    req.literal ? words.join(' ') : readPrompt(words, ctx.rt, what, opts);
  if (req.command === 'gen') return { prompt: await read(req.words ?? [], 'the prompt') };
  if (req.command === 'edit') {
    if (req.flags.prompt === undefined)
      throw new UsageError(
        'edit needs a prompt: -p "what to change"',
        'Give it with -p "...", -p - to read stdin, or -p @file.',
      );
    return { prompt: await read([req.flags.prompt], 'the prompt') };
  }
  const hint = req.flags.prompt === undefined ? undefined : await read([req.flags.prompt], 'the hint');
  if (viaVariations) return { hint };
  return {
    hint,
    prompt: hint?.trim() ? `${VARIATION_PROMPT} Direction for this variation: ${hint.trim()}` : VARIATION_PROMPT,
  };
}

/**
 * A model name that is a slip of one the table knows (`gpt-imag-2`): refused before anything is
 * sent where the table is the server's own list (api.openai.com, the offline server); elsewhere
 * (Azure deployments, gateways) a near name may be real, so it is sent, and the notice asks.
 */
export function checkModelName(ctx: JobContext, model: ResolvedModel): string[] {
  const none = model.guessed ? notAModel(model.name) : undefined;
  if (none) {
    // "did you mean gpt-image-2.6-flare or -sunburst?": the second name by what differs.
    const [first, ...rest] = none.instead;
    const stem = first!.replace(/-[a-z]+$/, '');
    const names = [first!, ...rest.map((n) => (n.startsWith(`${stem}-`) ? n.slice(stem.length) : n))];
    if (ctx.settings.provider.id === 'openai')
      throw new UsageError(
        `unknown model ${model.name}: ${none.why}; did you mean ${orList(names)}?`,
        `Run \`imgcli models\` for the models ${ctx.settings.mock ? 'the offline server (as api.openai.com)' : OPENAI_HOST} serves; for a server with its own model names, set --base-url.`,
      );
    return none.instead;
  }
  const slips = model.guessed ? modelSlipOf(model.name, MODEL_NAMES) : [];
  if (!slips.length) return [];
  // The model table is the list of what OpenAI serves: a near miss there is a typo, not a model.
  if (ctx.settings.provider.id === 'openai') {
    throw new UsageError(
      `unknown model ${model.name}; did you mean ${orList(slips)}?`,
      `Run \`imgcli models\` for the models ${ctx.settings.mock ? 'the offline server (as api.openai.com)' : OPENAI_HOST} serves; for a server with its own model names, set --base-url.`,
    );
  }
  return slips;
}

/** Refuses a model the server no longer has, warns about one retiring soon, notes an experimental size. */
export function adviseOnModel(
  ctx: JobContext,
  model: ResolvedModel,
  endpoint: Endpoint,
  body: Record<string, unknown>,
  slips: string[],
): void {
  const now = ctx.rt.now();
  const advice = modelAdvice(model, ctx.settings.provider, now);
  if (advice.refuse && ctx.settings.mock)
    throw new UsageError(
      `${advice.refuse}; with --mock too: the offline server answers as ${ctx.settings.provider.title} on ${now.toISOString().slice(0, 10)}`,
      `To rehearse a run from before the shutdown, pin the run's clock: IMGCLI_NOW=${dayBefore(model)}; against a server that still has the model, set --base-url instead of --mock.`,
    );
  if (advice.refuse)
    throw new UsageError(advice.refuse, 'Against another server that still has the model, set --base-url.');
  if (advice.warn) ctx.say.warn(advice.warn);
  // A provider's own default model (grok-imagine-image on xAI) is no surprise worth a notice.
  if (advice.notice && model.name !== ctx.settings.provider.defaultModel) {
    // --mock answers as api.openai.com, which has no such model (404): a compatible server's own
    // model is rehearsed with the offline server standing in for a compatible server.
    const rehearse =
      ctx.settings.mock && ctx.settings.provider.id === 'openai' && model.family === 'other' && !slips.length
        ? ' --mock answers as api.openai.com, which has no such model: add --provider compatible to rehearse a compatible server that serves it.'
        : '';
    ctx.say.info(slips.length ? `${advice.notice} Did you mean ${orList(slips)}?` : `${advice.notice}${rehearse}`);
  }
  const experimental = experimentalSize(model, endpoint, body.size);
  if (experimental) ctx.say.info(experimental);
  const format = formatAdvice(model, endpoint, body);
  if (format) ctx.say.warn(format);
}

/** The day before a model's shutdown, as IMGCLI_NOW takes it. */
function dayBefore(model: ResolvedModel): string {
  const shutdown = Date.parse(`${model.info?.shutdown}T00:00:00Z`);
  return Number.isFinite(shutdown) ? new Date(shutdown - 86_400_000).toISOString().slice(0, 10) : '<date>';
}

/** Where the images go: -o as given, or generated names from the prompt (vary: the image's name). */
async function outputPlan(
  req: JobRequest,
  flags: JobFlags,
  out: string | undefined,
  sent: Record<string, unknown>,
  prompt: string | undefined,
  rt: Runtime,
) {
  const images = req.images ?? [];
  const outIsDir = out !== undefined && (await isDirectory(out));
  const stem =
    req.stem ??
    (req.command === 'vary' ? `${basename(images[0] ?? 'image', extname(images[0] ?? ''))} variation` : prompt!);
  // --param n=... decides the count as much as -n does.
  const count = Number.isInteger(Number(sent.n)) && Number(sent.n) > 0 ? Number(sent.n) : 1;
  return planOutputs({ out, count, prompt: stem, now: rt.now(), noClobber: flags.clobber === false, outIsDir });
}

/**
 * --markup where it can go: on an edit of a model whose rules take it (gpt-image-2.6; a model
 * outside the table is sent as given), and never with a mask.
 */
function checkMarkupFlag(model: ResolvedModel, rules: EndpointRules, flags: JobFlags): void {
  const mask = flags.mask !== undefined ? '--mask' : flags.maskFrom !== undefined ? '--mask-from' : undefined;
  if (mask)
    throw new UsageError(
      `--markup and ${mask} are two ways to show what to change; use one (the sources that describe markup say the API takes it without a mask)`,
      'A markup layer marks what to change and the model decides the area; a mask says exactly where it may paint.',
    );
  if (rules.markup || model.family === 'other') return;
  const takers = MODELS.filter((m) => endpointRules(resolveModel(m.id), 'edits')?.markup).map((m) => m.id);
  throw new UsageError(
    `--markup is not accepted by ${model.name} for edits; it is for ${takers.join(' and ')}`,
    `Use -m ${takers[0]}, or draw the change as a mask (--mask-from) for ${model.name}.`,
  );
}

/** A mask on an edit into a format that takes none (gif: OpenAI's reference), refused before sending. */
function refuseMaskWith(format: unknown, rules: EndpointRules, flags: JobFlags): void {
  const rule = typeof format === 'string' ? rules.formatRules?.[format] : undefined;
  if (rule?.masks !== false || (flags.mask === undefined && flags.maskFrom === undefined)) return;
  const flag = flags.mask !== undefined ? '--mask' : '--mask-from';
  throw new UsageError(
    `${flag} with --format ${format}: an edit into a ${format} takes no mask (OpenAI's images reference)`,
    `Drop ${flag} and say in the prompt what to change, or edit into png or webp with the mask.`,
  );
}

/** The model to check the request by: the table's, or an unknown id with a known model's rules. */
export function modelOf(name: string, from: string | undefined): ResolvedModel {
  if (from === undefined) return resolveModel(name);
  const known = findModel(from);
  if (!known)
    throw new UsageError(
      `--capabilities-from ${from} is not a model imgcli knows${didYouMean(from, MODEL_NAMES)}`,
      'Name a model of the table (imgcli models lists them), whose rules the new one shares.',
    );
  return borrowRules(name, known);
}

/** Builds the job for one request; throws a UsageError (exit 2, nothing sent) for anything wrong. */
export async function buildJob(req: JobRequest, ctx: JobContext): Promise<ImageJob> {
  const { settings, say, rt } = ctx;
  const flags = req.flags;
  const model = modelOf(settings.model, flags.capabilitiesFrom);
  const slips = flags.capabilitiesFrom ? [] : checkModelName(ctx, model);
  const { endpoint, rules } = chooseEndpoint(req.command, model);
  const check: ProviderCheck = {
    provider: settings.provider,
    strict: settings.strict,
    warnings: settings.warnings,
    say,
  };
  checkEndpoint(check, endpoint);
  const images = req.images ?? [];
  if (req.command === 'vary' && endpoint === 'variations' && flags.prompt !== undefined) {
    throw new UsageError(
      `${model.name} variations take no prompt, so -p has nowhere to go`,
      `Drop -p, or use a GPT image model (-m ${DEFAULT_MODEL}) to steer the variation.`,
    );
  }
  if (flags.mask !== undefined && flags.maskFrom !== undefined)
    throw new UsageError('--mask and --mask-from are two masks; use one');
  if (flags.markup !== undefined) checkMarkupFlag(model, rules, flags);
  if (req.command === 'vary') say.verbose(`${model.name}: variations through POST /images/${endpoint}`);
  if (req.command === 'gen' && flags.body !== undefined)
    throw new UsageError('--body is for edit and vary: gen always sends JSON');
  const inputs = req.command === 'gen' ? undefined : await readInputs(images, flags.mask, say, flags.markup);
  const form = inputs
    ? providerBodyForm(check, chooseBody(flags.body, inputs, model, rules, endpoint), flags.body)
    : 'json';
  checkMask(check, flags.mask !== undefined || flags.maskFrom !== undefined);
  const { prompt, hint } = await promptFor(req, ctx, endpoint === 'variations');
  const opts = withImageDefaults(flags, settings.defaults, model, endpoint, say);
  const { fields, derived } = bodyFields(opts, chooseFormat(opts.format, opts.out, model, rules, req.command));
  refuseMaskWith(fields.output_format, rules, flags);
  const overrides = overriddenFields(flags.param);
  for (const o of overrides) {
    const replaced =
      fields[o.key] === undefined ? `(${o.flag} would be checked)` : `in place of ${o.flag} ${String(fields[o.key])}`;
    say.info(`--param ${o.key}=${JSON.stringify(o.value)} is sent as given, unchecked, ${replaced}`);
  }
  const given = Object.fromEntries(overrides.map((o) => [o.key, o.value]));
  const asked = { model: model.name, prompt, ...fields, ...given };
  // --if-changed and --check: outputs that carry this very request's fingerprint were made from
  // it, so it was accepted and answered before: the answer comes without the schema (zod is the
  // largest part of a no-op check's start-up) or reading the inputs more than once for the hash.
  let digests: InputDigest[] | undefined;
  if ((flags.check || flags.ifChanged) && !flags.dryRun && !ctx.inputsLater) {
    const defined = providerBody(
      settings.provider,
      Object.fromEntries(Object.entries(asked).filter(([, v]) => v !== undefined)),
    );
    const candidate =
      form === 'json'
        ? nestFields(applyParams(defined, flags.param))
        : { ...defined, ...Object.fromEntries(paramsAsFormFields(flags.param)) };
    const record = {
      command: req.command,
      prompt: req.command === 'vary' ? hint : prompt,
      params: inputs ? { ...candidate, fit: flags.fit } : candidate,
      ...(inputs ? { inputs: countedInputs(inputs, flags.maskFrom) } : {}),
    };
    const plan = await outputPlan(req, flags, opts.out, candidate, prompt, rt);
    const fresh =
      plan.kind === 'files' ? await freshOutputs(endpoint, model.name, record, plan, settings.mock) : undefined;
    if (fresh?.files)
      return {
        endpoint,
        model,
        plan,
        record,
        metadata: flags.metadata !== false,
        rawSvg: flags.rawSvg === true,
        freshness: flags.check ? 'check' : 'if-changed',
        fingerprint: fresh.fingerprint,
        digests: fresh.digests,
        fresh: fresh.files,
        offline: settings.mock,
      };
    // Stale: the inputs were hashed for nothing else, so the job keeps their digests.
    digests = fresh?.digests;
  }
  // zod (the schema) loads after the up-to-date check: a fresh output is answered without it.
  const { validateRequest } = await import('../models/schema.js');
  const valid = validateRequest(model, endpoint, asked, {
    derived,
    unchecked: overrides.map((o) => o.key),
    form,
    // A rule of the table only secondary sources report (the GIF frame sheet, GIF edits): warned about, or refused with --strict.
    onReported: (message, source, hint) => breach(check, source, message, hint ?? 'See imgcli models.'),
  });
  adviseOnModel(ctx, model, endpoint, valid, slips);
  // What the user set (a flag, -o's extension, a config default) faces the provider's rules.
  checkFields(
    check,
    valid,
    new Set(Object.keys(fields).filter((k) => fields[k] !== undefined && !derived.includes(k))),
  );
  const body = providerBody(settings.provider, valid);
  // What the answer is checked against: the format asked (converted to when the user named it by
  // -f or -o, even where the model takes no output_format), and the size where the server takes one.
  const named = flags.format ?? formatFromOut(opts.out);
  const askedFormat = typeof valid.output_format === 'string' ? valid.output_format : named;
  const exactSize = fieldRule(settings.provider, 'size', valid.size)?.does !== 'renames';
  const expect = {
    format: askedFormat,
    size: exactSize && typeof valid.size === 'string' && /^\d+x\d+$/.test(valid.size) ? valid.size : undefined,
    convert: named !== undefined,
  };
  // The fields sent, --param included: JSON values as they are, or as form text.
  // A field judged by its path (svg.model) goes out nested ({"svg": {"model": ...}}), --param's too.
  const sent =
    form === 'json'
      ? nestFields(applyParams(body, flags.param))
      : { ...body, ...Object.fromEntries(paramsAsFormFields(flags.param)) };
  if (flags.json && opts.out === '-' && !flags.dryRun)
    throw new UsageError('--json and -o - both want stdout; pick one');
  const plan = await outputPlan(req, flags, opts.out, sent, prompt, rt);
  const stream =
    sent.stream === true || sent.stream === 'true'
      ? { partialImages: Number(sent.partial_images ?? 0), writePartials: flags.partials !== false }
      : undefined;
  const common = {
    endpoint,
    model,
    plan,
    dryRun: flags.dryRun ? { json: Boolean(flags.json) } : undefined,
    stream,
    preview: flags.preview,
    metadata: flags.metadata !== false,
    rawSvg: flags.rawSvg === true,
    freshness: flags.check ? ('check' as const) : flags.ifChanged ? ('if-changed' as const) : undefined,
    digests,
    offline: settings.mock,
    expect,
  };
  if (!inputs) return { ...common, json: sent, record: { command: req.command, prompt, params: sent } };
  if (ctx.inputsLater) {
    const params = { ...sent, fit: flags.fit };
    const record = { command: req.command, prompt: req.command === 'vary' ? hint : prompt, params };
    return { ...common, record: { ...record, inputs: countedInputs(inputs, flags.maskFrom) }, provisional: true };
  }
  if (req.command === 'edit') {
    // The input sniffers load only for edits that are to be sent.
    const { checkCount } = await import('../upload/inputs.js');
    checkCount(images.length, rules.files, model, 'edits');
  }
  const request = await editRequest(form, sent, inputs, {
    model,
    rules,
    fit: flags.fit,
    maskFrom: flags.maskFrom,
    say,
    deferRefs: ctx.deferInputs && form === 'json',
  });
  const record = {
    command: req.command,
    prompt: req.command === 'vary' ? hint : prompt,
    params: { ...sent, fit: flags.fit },
    inputs: request.inputs,
  };
  const edit = request.prepared && { fields: sent, prepared: request.prepared };
  return { ...common, json: request.json, form: request.form, edit, record };
}

// From typed flags to an ImageJob: the one pipeline behind gen, edit, vary and every batch job.
// It picks the endpoint, reads the prompt, applies config defaults, turns the fields into the
// request body (from the field table), validates it against the model, plans the outputs and
// checks the input files. Nothing is sent here: jobs/run.ts does that.
import { basename, extname } from 'node:path';
import type { Settings } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { DEFAULT_PARTIAL_IMAGES, IMAGE_FIELDS, endpointFor, type FieldValues, type ImageCommand } from '../models/fields.js';
import { OPENAI_HOST, experimentalSize, modelAdvice } from '../models/advice.js';
import { validateRequest } from '../models/schema.js';
import { DEFAULT_MODEL, MODEL_NAMES, endpointRules, resolveModel, type Endpoint, type EndpointRules, type ResolvedModel } from '../models/table.js';
import { formatFromOut, planOutputs } from '../output/naming.js';
import { isDirectory } from '../output/files.js';
import type { Runtime } from '../runtime.js';
import { modelSlipOf, orList } from '../suggest.js';
import { readPrompt } from '../terminal/input.js';
import type { Messenger } from '../terminal/messenger.js';
import type { ImageFit } from '../upload/inputs.js';
import { withImageDefaults } from './defaults.js';
import { applyParams, paramsAsFormFields, type Param } from './params.js';
import type { ImagesJob } from './run.js';

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
  summary?: boolean;
  /** edit and vary: -p (the prompt, or vary's hint). */
  prompt?: string;
  mask?: string;
  maskFrom?: string;
  fit?: ImageFit;
}

/** What to make: a command, its prompt words (gen), its input images (edit, vary) and flags. */
export interface JobRequest {
  command: ImageCommand;
  words?: string[];
  images?: string[];
  flags: JobFlags;
}

export interface JobContext {
  rt: Runtime;
  settings: Settings;
  say: Messenger;
  /** False in batch: stdin is the jobs file, so `-` cannot be a prompt there. */
  stdin?: boolean;
}

/** What a GPT model is asked for when it stands in for the variations endpoint. */
export const VARIATION_PROMPT =
  'Create a variation of this image. Keep the same subject, composition, framing, colour palette and style; ' +
  'vary small details, textures and lighting so it reads as another take of the same picture.';

/** The endpoint and its rules, or the reason the model cannot do what the command asks. */
function chooseEndpoint(command: ImageCommand, model: ResolvedModel) {
  const endpoint = endpointFor(command, model.family);
  const rules = endpoint && endpointRules(model, endpoint);
  if (endpoint && rules) return { endpoint, rules };
  if (command === 'edit') throw new UsageError(`${model.name} cannot edit images`, `Use a GPT image model (-m ${DEFAULT_MODEL}), or dall-e-2 where a server still has it.`);
  if (command === 'vary') {
    throw new UsageError(`${model.name} has no variations or edits, so it cannot vary an image`, `Use -m ${DEFAULT_MODEL} (through /images/edits) or -m dall-e-2 (/images/variations, where a server still has it).`);
  }
  throw new UsageError(`${model.name} does not support generations`);
}

/**
 * The output_format to request, reconciling --format with the -o extension: an explicit -o
 * extension sets the format when --format is absent; a disagreement is a usage error.
 */
export function chooseFormat(flag: string | undefined, out: string | undefined, model: ResolvedModel, rules: EndpointRules): string | undefined {
  const outFormat = formatFromOut(out);
  if (flag && outFormat && flag !== outFormat) {
    throw new UsageError(`--format ${flag} conflicts with -o ${out}`, `Drop --format, or name the file .${flag === 'jpeg' ? 'jpg' : flag}.`);
  }
  if (rules.formats || model.family === 'other') return flag ?? (rules.formats ? outFormat : undefined);
  // Models without output_format (dall-e) always send PNG.
  if (!flag && outFormat && outFormat !== 'png') {
    throw new UsageError(`-o ${out} asks for ${outFormat}, but ${model.name} only returns png`, 'Name the file .png, or pick a GPT image model with -m.');
  }
  return flag;
}

/**
 * The request fields from the flags, by the field table; undefined ones are not sent. --stream
 * and --partial-images go together: either asks for a stream, with 2 partials unless told.
 */
function bodyFields(flags: JobFlags, format: string | undefined): { fields: Record<string, unknown>; derived: string[] } {
  const streaming = Boolean(flags.stream) || flags.partialImages !== undefined;
  const fields: Record<string, unknown> = {};
  for (const f of IMAGE_FIELDS) fields[f.api] = flags[f.name];
  fields.output_format = format;
  fields.stream = streaming ? true : undefined;
  fields.partial_images = streaming ? (flags.partialImages ?? DEFAULT_PARTIAL_IMAGES) : undefined;
  return { fields, derived: flags.partialImages === undefined ? ['partial_images'] : [] };
}

/** The prompt each command sends: gen's words, edit's -p, vary's built-in prompt with -p as a hint. */
async function promptFor(req: JobRequest, ctx: JobContext, viaVariations: boolean): Promise<{ prompt?: string; hint?: string }> {
  const opts = { stdin: ctx.stdin !== false };
  if (req.command === 'gen') return { prompt: await readPrompt(req.words ?? [], ctx.rt, 'the prompt', opts) };
  if (req.command === 'edit') {
    if (req.flags.prompt === undefined) throw new UsageError('edit needs a prompt: -p "what to change"', 'Give it with -p "...", -p - to read stdin, or -p @file.');
    return { prompt: await readPrompt([req.flags.prompt], ctx.rt, 'the prompt', opts) };
  }
  const hint = req.flags.prompt === undefined ? undefined : await readPrompt([req.flags.prompt], ctx.rt, 'the hint', opts);
  if (viaVariations) return { hint };
  return { hint, prompt: hint?.trim() ? `${VARIATION_PROMPT} Direction for this variation: ${hint.trim()}` : VARIATION_PROMPT };
}

/**
 * A model name that is a slip of one the table knows (`gpt-imag-2`): refused before anything is
 * sent where the table is the server's own list (api.openai.com, the offline server); elsewhere
 * (Azure deployments, gateways) a near name may be real, so it is sent, and the notice asks.
 */
function checkModelName(ctx: JobContext, model: ResolvedModel): string[] {
  const slips = model.guessed ? modelSlipOf(model.name, MODEL_NAMES) : [];
  if (!slips.length) return [];
  const official = ctx.settings.mock || URL.canParse(ctx.settings.baseUrl) && new URL(ctx.settings.baseUrl).hostname === OPENAI_HOST;
  if (official) {
    throw new UsageError(`unknown model ${model.name}; did you mean ${orList(slips)}?`, `Run \`imgcli models\` for the models ${ctx.settings.mock ? 'the offline server' : OPENAI_HOST} serves; for a server with its own model names, set --base-url.`);
  }
  return slips;
}

/** Refuses a model the server no longer has, warns about one retiring soon, notes an experimental size. */
function adviseOnModel(ctx: JobContext, model: ResolvedModel, endpoint: Endpoint, size: unknown, slips: string[]): void {
  const advice = modelAdvice(model, ctx.settings.mock ? 'http://127.0.0.1' : ctx.settings.baseUrl, ctx.rt.now());
  if (advice.refuse) throw new UsageError(advice.refuse, 'Against another server that still has the model, set --base-url.');
  if (advice.warn) ctx.say.warn(advice.warn);
  if (advice.notice) ctx.say.info(slips.length ? `${advice.notice} Did you mean ${orList(slips)}?` : advice.notice);
  const experimental = experimentalSize(model, endpoint, size);
  if (experimental) ctx.say.info(experimental);
}

/** Builds the job for one request; throws a UsageError (exit 2, nothing sent) for anything wrong. */
export async function buildJob(req: JobRequest, ctx: JobContext): Promise<ImagesJob> {
  const { settings, say, rt } = ctx;
  const flags = req.flags;
  const model = resolveModel(settings.model);
  const slips = checkModelName(ctx, model);
  const { endpoint, rules } = chooseEndpoint(req.command, model);
  const images = req.images ?? [];
  if (req.command === 'vary' && endpoint === 'variations' && flags.prompt !== undefined) {
    throw new UsageError(`${model.name} variations take no prompt, so -p has nowhere to go`, `Drop -p, or use a GPT image model (-m ${DEFAULT_MODEL}) to steer the variation.`);
  }
  if (flags.mask !== undefined && flags.maskFrom !== undefined) throw new UsageError('--mask and --mask-from are two masks; use one');
  if (req.command === 'vary') say.verbose(`${model.name}: variations through POST /images/${endpoint}`);
  const { prompt, hint } = await promptFor(req, ctx, endpoint === 'variations');
  const opts = withImageDefaults(flags, settings.defaults, model, endpoint, say);
  const { fields, derived } = bodyFields(opts, chooseFormat(opts.format, opts.out, model, rules));
  const body = validateRequest(model, endpoint, { model: model.name, prompt, ...fields }, derived);
  adviseOnModel(ctx, model, endpoint, body.size, slips);
  const json = endpoint === 'generations' ? applyParams(body, flags.param) : undefined;
  const form = json ? undefined : { ...body, ...Object.fromEntries(paramsAsFormFields(flags.param)) };
  const sent = (json ?? form)!;
  if (flags.json && opts.out === '-' && !flags.dryRun) throw new UsageError('--json and -o - both want stdout; pick one');
  const outIsDir = opts.out !== undefined && (await isDirectory(opts.out));
  const stem = req.command === 'vary' ? `${basename(images[0] ?? 'image', extname(images[0] ?? ''))} variation` : prompt!;
  const plan = await planOutputs({ out: opts.out, count: flags.count ?? 1, prompt: stem, now: rt.now(), noClobber: flags.clobber === false, outIsDir });
  const stream = sent.stream === true || sent.stream === 'true' ? { partialImages: Number(sent.partial_images ?? 0), writePartials: flags.partials !== false } : undefined;
  const common = {
    endpoint,
    model,
    plan,
    dryRun: flags.dryRun ? { json: Boolean(flags.json) } : undefined,
    stream,
    preview: flags.preview,
    metadata: flags.metadata !== false,
    freshness: flags.check ? ('check' as const) : flags.ifChanged ? ('if-changed' as const) : undefined,
  };
  if (json) return { ...common, json, record: { prompt, params: json } };
  const upload = await import('../upload/form.js');
  if (req.command === 'edit') {
    const { checkCount } = await import('../upload/inputs.js');
    checkCount(images.length, rules.files, model, 'edits');
  }
  const parts = await upload.prepareUpload({ paths: images, model, rules, fit: flags.fit, mask: flags.mask, maskFrom: flags.maskFrom, say });
  const inputs = [
    ...images.map((path) => ({ role: 'image', path })),
    ...(flags.mask ? [{ role: 'mask', path: flags.mask }] : []),
    ...(flags.maskFrom ? [{ role: 'mask-from', path: flags.maskFrom }] : []),
  ];
  const record = { prompt: req.command === 'vary' ? hint : prompt, params: { ...form, fit: flags.fit }, inputs };
  return { ...common, form: upload.formBuilder(form!, parts), record };
}

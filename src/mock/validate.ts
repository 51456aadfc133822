// How api.openai.com judges a request body, answered in its own error shape. The parameters and
// the rule each is judged by come from the same field and model tables as the CLI's; the wording
// of the answers is the API's own (pinned by fixtures/api-errors in the tests).
import { own } from '../own.js';
import { IMAGE_FIELDS, fieldByApi, flattenFields, intRange, type ImageField } from '../models/fields.js';
import { fits } from '../models/frame-sheet.js';
import { customSizeProblem } from '../models/sizes.js';
import {
  endpointRules,
  findModel,
  modelStatus,
  resolveModel,
  type Endpoint,
  type EndpointRules,
  type ResolvedModel,
} from '../models/table.js';
import { shutdownOn, type ProviderInfo } from '../models/providers.js';

export interface ApiErrorBody {
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

const invalid = (param: string | null, code: string, message: string, status = 400): ApiErrorBody => ({
  status,
  message,
  type: 'invalid_request_error',
  param,
  code,
});

// Message text only. The API lists sizes smallest first and 'auto' last, and joins the values
// as "'a', 'b', and 'c'".
const dims = (v: string) => v.split('x').map(Number);
const apiOrder = (values: readonly string[]) => {
  const sizes = values.every((v) => v === 'auto' || /^\d+x\d+$/.test(v));
  const rest = values.filter((v) => v !== 'auto');
  if (sizes) rest.sort((a, b) => dims(a)[0]! - dims(b)[0]! || dims(a)[1]! - dims(b)[1]!);
  return values.includes('auto') ? [...rest, 'auto'] : rest;
};
export const quoteList = (values: readonly string[]) => {
  const quoted = apiOrder(values).map((v) => `'${v}'`);
  return quoted.length < 3 ? quoted.join(' and ') : `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}`;
};
const typeName = (v: unknown) =>
  typeof v === 'string'
    ? 'a string'
    : typeof v === 'number'
      ? 'a decimal number'
      : Array.isArray(v)
        ? 'an array'
        : v === null
          ? 'null'
          : `a ${typeof v}`;
const bound = (param: string, v: number, min: number, max: number) =>
  v > max
    ? `Invalid '${param}': integer above maximum value. Expected a value <= ${max}, but got ${v} instead.`
    : `Invalid '${param}': integer below minimum value. Expected a value >= ${min}, but got ${v} instead.`;
const boundCode = (v: number, max: number) => (v > max ? 'integer_above_max_value' : 'integer_below_min_value');
/** The API's sentence for a custom size it refuses; the first problem only. */
const sizeSentence = (size: string, problem: string) => {
  const first = problem.split(', and ')[0]!;
  if (first.startsWith('sizes are written'))
    return `Invalid size '${size}'. Expected WIDTHxHEIGHT, for example '1824x1024'.`;
  const multiple = /multiples of (\d+)/.exec(first);
  if (multiple) return `Invalid size '${size}'. Width and height must both be divisible by ${multiple[1]}.`;
  return `Invalid size '${size}'. The ${first.replace(/^the /, '')}.`;
};

/** Whether a body key is a parameter the model's rules admit; anything else is an unknown parameter. */
function admits(key: string, r: EndpointRules): boolean {
  if (key === 'model') return true;
  if (key === 'prompt') return Boolean(r.prompt);
  const field = fieldByApi(key);
  if (!field) return false;
  if (!field.rule) return true;
  return field.kind === 'size' ? r.sizes.length > 0 : r[field.rule] !== undefined;
}

/** The whole-number fields besides n, whose bounds come from fields.ts intRange. */
const INTS = IMAGE_FIELDS.filter((f) => f.kind === 'int');

/** The fields whose values come from a list in the rules, with that list. */
const LISTS = IMAGE_FIELDS.filter((f) => f.kind === 'list').map(
  (f) => [f.api, (r: EndpointRules) => r[f.rule] as readonly string[] | undefined] as const,
);

export interface Judged {
  model: ResolvedModel;
  rules?: EndpointRules;
  /** A model from `extraModels`: the server takes whatever it is sent. */
  open: boolean;
}

/**
 * Finds the model a request names, or the error the API would give. With `asOf`, the server stands
 * in for a provider on that date (--mock, `imgcli mock-server`: the run's date): a model that
 * provider has shut down by then (by its own dates, or OpenAI's where they hold) is answered as it
 * answers a name it does not have.
 */
export function judgeModel(
  body: Record<string, unknown>,
  endpoint: Endpoint,
  extraModels: readonly string[],
  /** A server with its own model names (not api.openai.com's): a name the table lacks is served, unchecked. */
  anyModel = false,
  /** The server stood in for, on a date (the run's): a model it has shut down by then does not exist. */
  asOf?: { provider: ProviderInfo; now: () => Date },
): Judged | ApiErrorBody {
  const name = body.model;
  if (typeof name !== 'string' || !name) {
    return invalid(
      'model',
      'missing_required_parameter',
      "Missing required parameter: 'model'. (This server has no default model; send one explicitly.)",
    );
  }
  if (extraModels.includes(name) || (anyModel && !findModel(name))) return { model: resolveModel(name), open: true };
  const known = findModel(name);
  const shutdown = known && asOf && shutdownOn(asOf.provider, known, name)?.shutdown;
  if (!known || (shutdown && modelStatus({ ...known, shutdown }, asOf!.now()).state === 'retired')) {
    return invalid(
      null,
      'model_not_found',
      `The model \`${name}\` does not exist or you do not have access to it.`,
      404,
    );
  }
  const model = resolveModel(name);
  const rules = endpointRules(model, endpoint);
  if (!rules)
    return invalid('model', 'invalid_value', `Invalid value: '${name}'. This model does not support ${endpoint}.`);
  return { model, rules, open: false };
}

/** The date-bound stand-in judgeModel checks retirements by, when the server was given one (retiredAsOf). */
export function standIn(ctx: {
  provider: ProviderInfo;
  retiredAsOf?: () => Date;
}): { provider: ProviderInfo; now: () => Date } | undefined {
  return ctx.retiredAsOf && { provider: ctx.provider, now: ctx.retiredAsOf };
}

/** Checks the parameters against the model's rules, as the real API does; undefined when fine. */
export function validateParams(sent: Record<string, unknown>, rules: EndpointRules): ApiErrorBody | undefined {
  // Nested objects (svg: {model, reasoning: {effort}}) are judged by their paths (svg.model).
  const body = flattenFields(sent);
  for (const key of Object.keys(body)) {
    if (!admits(key, rules)) return invalid(key, 'unknown_parameter', `Unknown parameter: '${key}'.`);
  }
  if (rules.prompt) {
    const prompt = body.prompt;
    if (typeof prompt !== 'string' || !prompt.trim())
      return invalid('prompt', 'missing_required_parameter', "Missing required parameter: 'prompt'.");
    if ([...prompt].length > rules.prompt.max) {
      return invalid(
        'prompt',
        'string_above_max_length',
        `Invalid 'prompt': string too long. Expected a string with maximum length ${rules.prompt.max}, but got a string with length ${[...prompt].length} instead.`,
      );
    }
  }
  if (body.n !== undefined) {
    const n = Number(body.n);
    if (!Number.isInteger(n))
      return invalid(
        'n',
        'invalid_type',
        `Invalid type for 'n': expected an integer, but got ${typeName(body.n)} instead.`,
      );
    if (n < rules.n.min)
      return invalid(
        'n',
        'integer_below_min_value',
        `Invalid 'n': integer below minimum value. Expected a value >= ${rules.n.min}, but got ${n} instead.`,
      );
    if (n > rules.n.max)
      return invalid(
        'n',
        'integer_above_max_value',
        `Invalid 'n': integer above maximum value. Expected a value <= ${rules.n.max}, but got ${n} instead.`,
      );
  }
  for (const [key, list] of LISTS) {
    const allowed = list(rules);
    if (body[key] !== undefined && allowed && !allowed.includes(String(body[key]))) {
      return invalid(
        key,
        'invalid_value',
        `Invalid value: '${String(body[key])}'. Supported values are: ${quoteList(allowed)}.`,
      );
    }
  }
  if (body.size !== undefined && !rules.sizes.includes(String(body.size))) {
    const problem = rules.customSize ? customSizeProblem(String(body.size), rules.customSize) : 'not a supported size';
    if (problem)
      return invalid(
        'size',
        'invalid_value',
        rules.customSize
          ? sizeSentence(String(body.size), problem)
          : `Invalid value: '${String(body.size)}'. Supported values are: ${quoteList(rules.sizes)}.`,
      );
  }
  const format = body.output_format ?? 'png';
  const maxCount = own(rules.formatRules, String(format))?.maxCount;
  if (maxCount !== undefined && Number(body.n ?? 1) > maxCount) {
    return invalid(
      'n',
      'integer_above_max_value',
      `Invalid 'n': output_format '${String(format)}' returns at most ${maxCount} image per request. Expected a value <= ${maxCount}, but got ${Number(body.n)} instead.`,
    );
  }
  if (body.background === 'transparent' && format === 'jpeg') {
    return invalid(
      'background',
      'invalid_value',
      'Transparent background is not supported with output_format jpeg; use png or webp.',
    );
  }
  if (body.output_compression !== undefined && format !== 'jpeg' && format !== 'webp') {
    return invalid(
      'output_compression',
      'invalid_value',
      'output_compression is only supported for jpeg and webp output formats.',
    );
  }
  const rule = own(rules.formatRules, String(format));
  for (const f of IMAGE_FIELDS as readonly ImageField[]) {
    if (!f.needs || body[f.api] === undefined || rule?.[f.needs]) continue;
    const formats = Object.entries(rules.formatRules ?? {})
      .filter(([, r]) => r?.[f.needs!])
      .map(([name]) => name);
    return invalid(f.api, 'invalid_value', `${f.api} is only supported for ${formats.join(' and ')} output.`);
  }
  if (
    rule?.streams === false &&
    (body.stream === true || body.stream === 'true' || body.partial_images !== undefined)
  ) {
    return invalid(
      'stream',
      'invalid_value',
      `Streaming is not supported for output_format '${String(format)}'; omit stream and partial_images.`,
    );
  }
  for (const f of INTS) {
    const range = body[f.api] === undefined ? undefined : intRange(f, rules);
    if (range) {
      const problem = intProblem(f.api, body[f.api], range);
      if (problem) return problem;
    }
  }
  const sheet = own(rules.formatRules, String(format))?.sheet;
  const frames = Number(body.frame_count ?? rules.frameCount?.default);
  const dims = /^(\d+)x(\d+)$/.exec(String(body.size ?? ''));
  if (sheet && dims && Number.isInteger(frames) && !fits(Number(dims[1]), Number(dims[2]), frames, sheet)) {
    return invalid(
      'frame_count',
      'invalid_value',
      `Invalid 'frame_count': ${frames} frames of ${String(body.size)} do not fit in one frame sheet (at most ${sheet.maxEdge} pixels long and ${sheet.maxPixels} pixels in all).`,
    );
  }
  return undefined;
}

/** A whole number out of its range, in the API's words; the step's wording is the offline server's own. */
function intProblem(
  param: string,
  value: unknown,
  range: { min: number; max: number; step?: number },
): ApiErrorBody | undefined {
  const v = Number(value);
  if (!Number.isInteger(v))
    return invalid(
      param,
      'invalid_type',
      `Invalid type for '${param}': expected an integer, but got ${typeName(value)} instead.`,
    );
  if (v < range.min || v > range.max)
    return invalid(param, boundCode(v, range.max), bound(param, v, range.min, range.max));
  if (range.step && (v - range.min) % range.step !== 0)
    return invalid(
      param,
      'invalid_value',
      `Invalid '${param}': expected a multiple of ${range.step}, but got ${v} instead.`,
    );
  return undefined;
}

/** The safety system stand-in: prompts with the word "forbidden" are refused. */
export function moderate(prompt: unknown, model: ResolvedModel): ApiErrorBody | undefined {
  if (typeof prompt !== 'string' || !/\bforbidden\b/i.test(prompt)) return undefined;
  if (model.family.startsWith('dall-e')) {
    return invalid(
      null,
      'content_policy_violation',
      'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
    );
  }
  return {
    status: 400,
    message: 'Your request was rejected by the safety system.',
    type: 'image_generation_user_error',
    param: null,
    code: 'moderation_blocked',
  };
}

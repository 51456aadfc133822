// One zod schema per model per endpoint, derived from the field table (fields.ts) and the model
// table (table.ts). It accepts or rejects a whole request body before any file is read or any
// byte is sent, and every message names the flag, the bad value and what is allowed.
// zod's v3 API (`zod/v3`, shipped and kept by zod 4) because it loads in a quarter of the time
// (test/dependency-rules.mjs has the figures). The refusals are worded here; zod's own texts are
// left only for values of the wrong type, which the flag and job readers refuse before this.
import { z } from 'zod/v3';
import { UsageError } from '../errors.js';
import { customSizeProblem } from './sizes.js';
import {
  IMAGE_FIELDS,
  NEED_WORDS,
  flagForApi as flag,
  intRange,
  takersText,
  type ImageCommand,
  type ImageField,
} from './fields.js';
import { sheetProblem } from './frame-sheet.js';
import type { Sourced } from './providers.js';
import { RULE_SOURCES } from './rule-sources.js';
import {
  FAMILIES,
  MODELS,
  endpointRules,
  ownRule,
  type Endpoint,
  type EndpointRules,
  type Family,
  type ResolvedModel,
} from './table.js';

/** A request body in the API's own field names; undefined means "not set by the user". */
export type RequestFields = Record<string, unknown>;

/** What the API says when a model refuses this rule's parameter, as " (...)"; empty when the table has no note. */
function noteFor(model: ResolvedModel, rulesKey: keyof EndpointRules): string {
  const note = model.info?.notes?.[rulesKey];
  return note ? ` (${note})` : '';
}

function oneOf(field: string, values: readonly string[], model: string, note: (value: string) => string = () => '') {
  return z.string().refine(
    (v) => values.includes(v),
    (v) => ({
      message: `${flag(field)} ${v} is not valid for ${model}; use one of ${values.join(', ')}${note(v)}`,
    }),
  );
}

const COMMAND: Record<Endpoint, ImageCommand> = {
  generations: 'gen',
  edits: 'edit',
  variations: 'vary',
  responses: 'chat',
};

/** How an endpoint is named in a refusal: the Images API's by name, the Responses API's tool by what it is. */
const ENDPOINT_WORDS: Record<Endpoint, string> = {
  generations: 'generations',
  edits: 'edits',
  variations: 'variations',
  responses: 'the image tool of imgcli chat',
};

/**
 * Where a refused value would be taken, as " (...)": the model's own note, the endpoint of this
 * model that takes it ("svg is for generations only"), or the models that take it.
 */
function whereTaken(f: ImageField, model: ResolvedModel, endpoint: Endpoint) {
  return (value: string): string => {
    const note = model.info?.notes?.[f.rule!];
    const others = (['generations', 'edits'] as const).filter(
      (e) => e !== endpoint && (endpointRules(model, e)?.[f.rule!] as readonly string[] | undefined)?.includes(value),
    );
    const where = others.length
      ? `${value} is for ${others.join(' and ')} only`
      : takersText(f, value, COMMAND[endpoint]);
    const parts = [note, where].filter(Boolean);
    return parts.length ? ` (${parts.join('; ')})` : '';
  };
}

/**
 * Which families take a field on an endpoint, for "it is for dall-e-3" hints; plus the models
 * that take it through their own overrides (input_fidelity: gpt-image-1 and gpt-image-1.5).
 */
function familiesTaking(field: keyof EndpointRules, endpoint: Endpoint): string[] {
  const families = (Object.keys(FAMILIES) as Family[]).filter(
    (f) => f !== 'other' && FAMILIES[f].endpoints[endpoint]?.[field] !== undefined,
  );
  const models = MODELS.filter((m) => m.overrides?.[endpoint]?.[field] !== undefined).map((m) => m.id);
  return [...families, ...models];
}

function notAccepted(
  field: string,
  rulesKey: keyof EndpointRules,
  resolved: ResolvedModel,
  endpoint: Endpoint,
  rules: EndpointRules,
) {
  const model = resolved.name;
  const takers = familiesTaking(rulesKey, endpoint);
  // Taken nowhere on this endpoint: say where it belongs instead (--moderation: generations).
  // An Images API refusal points within the Images API; the image tool's points anywhere.
  const endpoints = [
    'generations',
    'edits',
    'variations',
    ...(endpoint === 'responses' ? (['responses'] as const) : []),
  ] as const;
  const elsewhere = endpoints
    .filter((e) => e !== endpoint && familiesTaking(rulesKey, e).length)
    .map((e) => ENDPOINT_WORDS[e]);
  const json =
    rules.jsonBody?.adds?.[rulesKey] !== undefined
      ? ` and ${endpoint} sent as JSON (an image URL or file id, or --body json)`
      : '';
  const where = takers.length
    ? `; it is for ${takers.join(', ')}`
    : elsewhere.length
      ? `; it is for ${elsewhere.join(' and ')}${json || ' only'}`
      : '';
  const why = field === 'response_format' ? ' (GPT image models always return base64)' : noteFor(resolved, rulesKey);
  return z
    .never({ message: `${flag(field)} is not accepted by ${model} for ${ENDPOINT_WORDS[endpoint]}${why}${where}` })
    .optional();
}

/** A field the endpoint never takes, whatever the model (--count for the image tool, which makes one image a turn). */
function notSentTo(f: ImageField, endpoint: Endpoint) {
  const why = f.api === 'n' ? ': it makes one image a turn' : '';
  const where = (f.endpoints ?? []).map((e) => ENDPOINT_WORDS[e]).join(', ');
  return z
    .never({ message: `${flag(f.api)} is not taken by ${ENDPOINT_WORDS[endpoint]}${why} (it is for ${where})` })
    .optional();
}

function sizeSchema(rules: EndpointRules, model: string) {
  const { customSize } = rules;
  if (!customSize) return oneOf('size', rules.sizes, model);
  return z.string().superRefine((v, ctx) => {
    if (rules.sizes.includes(v)) return;
    const problem = customSizeProblem(v, customSize);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        message: `--size ${v} is not valid for ${model}: ${problem}; or use one of ${rules.sizes.join(', ')}`,
      });
  });
}

function countSchema(rules: EndpointRules, model: string) {
  const { min, max } = rules.n;
  const allowed = min === max ? `it takes ${min} only` : `use ${min} to ${max}`;
  return z.number({ message: `--count must be a whole number; ${allowed}` }).refine(
    (n) => Number.isInteger(n) && n >= min && n <= max,
    (n) => ({
      message: `--count ${n} is not valid for ${model}; ${allowed}`,
    }),
  );
}

function promptSchema(rules: EndpointRules, model: string) {
  const max = rules.prompt?.max ?? Infinity;
  return z.string().superRefine((v, ctx) => {
    if (!v.trim())
      ctx.addIssue({ code: 'custom', message: 'the prompt is empty; give it as words, `-` to read stdin, or @file' });
    const length = [...v].length;
    if (length > max)
      ctx.addIssue({ code: 'custom', message: `the prompt is ${length} characters; ${model} takes at most ${max}` });
  });
}

/** A whole number within the field's range for the model (fields.ts intRange), in its steps. */
function intSchema(f: ImageField, rules: EndpointRules, model: string) {
  const { min, max, step, perModel } = intRange(f, rules)!;
  const steps = step ? ` in steps of ${step}` : '';
  // Bounds that differ between models name the model, as --count does.
  const message = (v: number) =>
    perModel
      ? `${flag(f.api)} ${v} is not valid for ${model}; use ${min} to ${max}${steps}`
      : `${flag(f.api)} takes ${min} to ${max}`;
  return z.number().refine(
    (v) => Number.isInteger(v) && v >= min && v <= max && (!step || (v - min) % step === 0),
    (v) => ({ message: message(v) }),
  );
}

/** The schema of one field for a model whose rules take it. */
function acceptedSchema(f: ImageField, rules: EndpointRules, model: ResolvedModel, endpoint: Endpoint): z.ZodType {
  const name = model.name;
  switch (f.kind) {
    case 'count':
      return countSchema(rules, name);
    case 'size':
      return sizeSchema(rules, name);
    case 'switch':
      return z.boolean();
    case 'text':
      return z.string();
    case 'int':
      return intSchema(f, rules, name);
    case 'list':
      return oneOf(f.api, rules[f.rule!] as readonly string[], name, whereTaken(f, model, endpoint));
  }
}

/** Builds the schema for one model and endpoint (and body form). `other` models only get the basic checks. */
export function requestSchema(model: ResolvedModel, endpoint: Endpoint, form: 'json' | 'multipart' = 'multipart') {
  const rules = endpointRules(model, endpoint, form);
  if (!rules) throw new UsageError(`${model.name} does not support ${endpoint}`);
  const open = model.family === 'other';
  const takes = (f: ImageField) =>
    !f.rule || (rules[f.rule] !== undefined && !(f.kind === 'size' && rules.sizes.length === 0));
  const fields = Object.fromEntries(
    IMAGE_FIELDS.map((f: ImageField) => [
      f.api,
      f.endpoints && !f.endpoints.includes(endpoint)
        ? notSentTo(f, endpoint)
        : takes(f)
          ? acceptedSchema(f, rules, model, endpoint).optional()
          : open
            ? z.unknown().optional()
            : notAccepted(f.api, f.rule!, model, endpoint, rules),
    ]),
  );
  const promptField = rules.prompt
    ? promptSchema(rules, model.name)
    : notAccepted('prompt', 'prompt', model, endpoint, rules);
  const shape = {
    model: z
      .string()
      .min(1, { message: '--model is empty; name a model, e.g. gpt-image-2 (`imgcli models` lists them)' }),
    prompt: rules.prompt?.required ? promptField : promptField.optional(),
    ...fields,
  };
  return z
    .object(shape)
    .passthrough()
    .superRefine((body, ctx) => {
      const format = body.output_format ?? (rules.formats ? 'png' : undefined);
      if (body.background === 'transparent' && format === 'jpeg') {
        // The formats of this model that keep alpha (gif's is 1-bit: warned about, not listed).
        const alpha = (rules.formats ?? []).filter((f) => ['png', 'webp', 'svg'].includes(f));
        const list = alpha.length > 1 ? `${alpha.slice(0, -1).join(', ')} or ${alpha.at(-1)}` : 'png';
        ctx.addIssue({
          code: 'custom',
          path: ['background'],
          message: `--background transparent needs --format ${list} (jpeg has no alpha channel)`,
          params: { fields: ['output_format'] },
        });
      }
      // output_compression is a level of jpeg and webp alone; png and gif are lossless, svg is text.
      if (body.output_compression !== undefined && rules.compression && format !== 'jpeg' && format !== 'webp') {
        ctx.addIssue({
          code: 'custom',
          path: ['output_compression'],
          message: `--compression works only with --format jpeg or webp; ${String(format)} ${format === 'svg' ? 'is text' : 'is lossless'}`,
          params: { fields: ['output_format'] },
        });
      }
      const rule = typeof format === 'string' ? ownRule(rules.formatRules, format) : undefined;
      for (const f of IMAGE_FIELDS as readonly ImageField[]) {
        if (!f.needs || body[f.api] === undefined) continue;
        const formats = Object.entries(rules.formatRules ?? {})
          .filter(([, r]) => r?.[f.needs!])
          .map(([name]) => name);
        if (formats.length && !rule?.[f.needs]) {
          ctx.addIssue({
            code: 'custom',
            path: [f.api],
            message: `${flag(f.api)} works only with --format ${formats.join(' or ')} (${NEED_WORDS[f.needs]}), not ${String(format)}`,
            params: { fields: ['output_format'] },
          });
        }
      }
      if (rule?.streams === false && (body.stream === true || body.partial_images !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['stream'],
          message: `--stream and --partial-images do not work with --format ${String(format)}: ${model.name} sends a ${String(format)} whole, with no partial images`,
          params: { fields: ['output_format', 'partial_images'] },
        });
      }
      if (rule?.sheet && rules.frameCount) {
        const given = typeof body.frame_count === 'number' ? body.frame_count : undefined;
        const problem = sheetProblem(
          body.size,
          given ?? rules.frameCount.default ?? rules.frameCount.min,
          given === undefined,
          rule.sheet,
          rules,
          model.name,
        );
        // How frames share the sheet is not documented by OpenAI: a reported rule, warned about (--strict refuses).
        if (problem)
          ctx.addIssue({
            code: 'custom',
            path: ['frame_count'],
            message: problem,
            params: {
              fields: ['size', 'output_format'],
              reported: RULE_SOURCES.frameSheet,
              hint: 'Choose a size and frame count that fit; the message names some.',
            },
          });
      }
      // GIF edits: OpenAI's edit reference lists frame_count, one relay says generations only.
      if (rule?.animated && endpoint === 'edits') {
        ctx.addIssue({
          code: 'custom',
          path: ['output_format'],
          message: `an edit into a ${String(format)} may be refused: one relay says ${model.name} makes ${String(format)} for generations only`,
          params: {
            fields: [],
            reported: RULE_SOURCES.gifEdits,
            hint: `Use imgcli gen for an animation, or edit into png or webp.`,
          },
        });
      }
      const n = typeof body.n === 'number' ? body.n : 1;
      if (rule?.maxCount !== undefined && n > rule.maxCount) {
        const one = rule.maxCount === 1 ? 'one image' : `${rule.maxCount} images`;
        ctx.addIssue({
          code: 'custom',
          path: ['n'],
          message: `--count ${n} with --format ${format}: ${model.name} makes ${one} per request in ${format}; use -n ${rule.maxCount} (imgcli batch runs several requests)`,
          params: { fields: ['output_format'] },
        });
      }
    });
}

export interface ValidateOptions {
  /** Fields imgcli filled in itself (partial_images from --stream): left out when the user's own flags explain the refusal. */
  derived?: readonly string[];
  /** Fields sent as given (--param): no problem that involves them is raised. */
  unchecked?: readonly string[];
  /** The body form: JSON edits take a few more fields. */
  form?: 'json' | 'multipart';
  /**
   * Where a problem with a rule only secondary sources report goes (with its source): a warning or,
   * under --strict, a refusal is the caller's to decide. Without it, such problems refuse too.
   */
  onReported?: (message: string, source: Sourced, hint?: string) => void;
}

/** Validates a request body; throws one UsageError naming every problem found. */
export function validateRequest(
  model: ResolvedModel,
  endpoint: Endpoint,
  body: RequestFields,
  opts: ValidateOptions = {},
): RequestFields {
  const { derived = [], unchecked = [] } = opts;
  const defined = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
  const result = requestSchema(model, endpoint, opts.form).safeParse(defined);
  if (result.success) return result.data;
  // Fields sent unchecked (--param) take every problem that involves them out of the judgement.
  const involved = (i: z.ZodIssue) => [
    String(i.path[0] ?? ''),
    ...((i as { params?: { fields?: string[] } }).params?.fields ?? []),
  ];
  const judged = result.error.issues.filter((i) => !involved(i).some((f) => unchecked.includes(f)));
  if (judged.length === 0) return defined;
  const paramsOf = (i: z.ZodIssue) => (i as { params?: { reported?: Sourced; hint?: string } }).params;
  const reportedOf = (i: z.ZodIssue) => paramsOf(i)?.reported;
  const certain = opts.onReported ? judged.filter((i) => !reportedOf(i)) : judged;
  for (const i of judged)
    if (opts.onReported && reportedOf(i)) opts.onReported(describeIssue(i), reportedOf(i)!, paramsOf(i)?.hint);
  if (certain.length === 0) return defined;
  const own = certain.filter((i) => !derived.includes(String(i.path[0] ?? '')));
  const issues = own.length ? own : certain;
  const messages = [...new Set(issues.map((i) => describeIssue(i)))];
  throw new UsageError(messages[0]!, undefined, messages.slice(1));
}

function describeIssue(issue: z.ZodIssue): string {
  const key = String(issue.path[0] ?? '');
  // zod's own messages (e.g. "Too big") get the flag in front of them.
  if (issue.code === 'custom' || issue.message.startsWith('--') || issue.message.startsWith('the '))
    return issue.message;
  return `${flag(key)}: ${issue.message}`;
}

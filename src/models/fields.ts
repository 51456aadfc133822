// The request parameters imgcli sends, one entry each: the flag that sets it, the API field it
// fills, the model rule it is checked against, how a typed value is read, and its help. Everything
// that lists parameters derives from IMAGE_FIELDS: the commander options (commands/shared/image-options.ts),
// the request body (pipeline/build.ts), the zod schema (schema.ts), the flag names in errors, batch job
// keys and defaults, the config defaults, and the offline server's checks (mock/validate.ts).
// Adding a parameter is one entry here plus its rule data in table.ts.
import {
  FAMILIES,
  MODELS,
  endpointRules,
  resolveModel,
  type Endpoint,
  type EndpointRules,
  type Family,
  type IntRange,
} from './table.js';

export type { IntRange };

/** A flag value that cannot be read (a word where a number goes); the message is a whole sentence naming the flag. */
export class FlagValueError extends Error {
  override name = 'FlagValueError';
}

/** How a value is read and checked: a word from a list, a size, a whole number, an on/off flag, free text. */
export type FieldKind = 'list' | 'size' | 'count' | 'int' | 'switch' | 'text';

/** The image commands; each asks its models' endpoints (vary: the family's way of varying; chat: the Responses API's image tool). */
export type ImageCommand = 'gen' | 'edit' | 'vary' | 'chat';

export interface ImageField {
  /** The flag's camelCase name: commander's attribute, the batch job key, the typed flag. */
  readonly name: string;
  /** The commander flags, e.g. '-q, --quality <q>'. */
  readonly flags: string;
  /** The field in the request body. */
  readonly api: string;
  readonly kind: FieldKind;
  /** The rule of EndpointRules that says whether (and with which values) a model takes it; none: every model. */
  readonly rule?: keyof EndpointRules;
  /** The config key that gives it a default where the model takes it. */
  readonly config?: string;
  /** What it does; the allowed values are added from the model table. */
  readonly purpose: string;
  /** Extra words after the allowed values. */
  readonly note?: string;
  /** It changes how the answer travels, not the image: a file made without it is not stale. */
  readonly transportOnly?: true;
  /** A whole number's bounds when they are the same for every model (else its rule gives them). */
  readonly range?: IntRange;
  /**
   * Taken only with an output format whose rule says so: `animated` (gif: --frames) or `authored`
   * (svg, written by a text model: --svg-model).
   */
  readonly needs?: FormatNeed;
  /** Sent only to these endpoints (absent: wherever the rule allows): the image tool makes one image and has no user field. */
  readonly endpoints?: readonly Endpoint[];
}

/** What a field needs of the output format, by the format rule's own word. */
export type FormatNeed = 'animated' | 'authored';

/** How a format need is told in messages. */
export const NEED_WORDS: Record<FormatNeed, string> = {
  animated: 'an animation',
  authored: 'a document written by a text model',
};

const IMAGES_API: readonly Endpoint[] = ['generations', 'edits', 'variations'];

/** How many partial images --stream asks for when --partial-images is not given. */
export const DEFAULT_PARTIAL_IMAGES = 2;

export const IMAGE_FIELDS = [
  {
    name: 'count',
    flags: '-n, --count <n>',
    api: 'n',
    kind: 'count',
    rule: 'n',
    purpose: 'how many images',
    endpoints: IMAGES_API,
  },
  {
    name: 'size',
    flags: '-s, --size <WxH>',
    api: 'size',
    kind: 'size',
    rule: 'sizes',
    config: 'size',
    purpose: 'image size',
  },
  {
    name: 'quality',
    flags: '-q, --quality <q>',
    api: 'quality',
    kind: 'list',
    rule: 'qualities',
    config: 'quality',
    purpose: 'image quality',
  },
  { name: 'style', flags: '--style <style>', api: 'style', kind: 'list', rule: 'styles', purpose: 'style' },
  {
    name: 'background',
    flags: '--background <bg>',
    api: 'background',
    kind: 'list',
    rule: 'backgrounds',
    purpose: 'background',
    note: 'transparent needs png, webp or svg (gif: 1-bit)',
  },
  {
    name: 'format',
    flags: '-f, --format <fmt>',
    api: 'output_format',
    kind: 'list',
    rule: 'formats',
    config: 'format',
    purpose: 'output format',
    note: 'default: from -o, else png',
  },
  {
    name: 'compression',
    flags: '--compression <0-100>',
    api: 'output_compression',
    kind: 'int',
    rule: 'compression',
    range: { min: 0, max: 100 },
    purpose: 'jpeg/webp compression level, 0-100',
  },
  {
    name: 'moderation',
    flags: '--moderation <level>',
    api: 'moderation',
    kind: 'list',
    rule: 'moderation',
    purpose: 'content filtering',
  },
  {
    name: 'responseFormat',
    flags: '--response-format <fmt>',
    api: 'response_format',
    kind: 'list',
    rule: 'responseFormats',
    purpose: 'how the image travels',
    note: 'imgcli saves the image either way',
    transportOnly: true,
  },
  {
    name: 'frames',
    flags: '--frames <n>',
    api: 'frame_count',
    kind: 'int',
    rule: 'frameCount',
    needs: 'animated',
    purpose: 'frames in the animation',
    note: 'with -f gif',
  },
  {
    name: 'frameDuration',
    flags: '--frame-duration <ms>',
    api: 'frame_duration_ms',
    kind: 'int',
    rule: 'frameDurationMs',
    needs: 'animated',
    purpose: 'how long each frame shows, in milliseconds',
    note: 'with -f gif',
  },
  {
    name: 'complexity',
    flags: '--complexity <level>',
    api: 'complexity',
    kind: 'list',
    rule: 'complexities',
    purpose: 'how much detail and how many elements the picture holds',
    note: 'default high',
  },
  {
    name: 'svgModel',
    flags: '--svg-model <model>',
    api: 'svg.model',
    kind: 'text',
    rule: 'svgAuthor',
    config: 'svg-model',
    needs: 'authored',
    purpose: 'the text model that writes the SVG (svg.model)',
    note: 'with -f svg; its tokens are billed at its own rates',
  },
  {
    name: 'svgEffort',
    flags: '--svg-effort <level>',
    api: 'svg.reasoning.effort',
    kind: 'list',
    rule: 'svgEfforts',
    config: 'svg-effort',
    needs: 'authored',
    purpose: 'how hard the SVG author reasons (svg.reasoning.effort)',
    note: 'with -f svg',
  },
  {
    name: 'inputFidelity',
    flags: '--input-fidelity <level>',
    api: 'input_fidelity',
    kind: 'list',
    rule: 'inputFidelity',
    purpose: 'how closely faces and details of the inputs are kept',
    note: 'on servers that still have these models',
  },
  {
    name: 'stream',
    flags: '--stream',
    api: 'stream',
    kind: 'switch',
    rule: 'stream',
    purpose: 'stream the answer: partial images arrive (and are written) while the image is drawn',
    transportOnly: true,
  },
  {
    name: 'partialImages',
    flags: '--partial-images <n>',
    api: 'partial_images',
    kind: 'int',
    rule: 'stream',
    purpose: `partial images to stream per image (default ${DEFAULT_PARTIAL_IMAGES}; implies --stream)`,
    transportOnly: true,
  },
  {
    name: 'action',
    flags: '--action <action>',
    api: 'action',
    kind: 'list',
    rule: 'actions',
    purpose: 'whether the image tool makes a new image or edits the one in the conversation',
    note: 'default auto: the model chooses',
  },
  {
    name: 'user',
    flags: '--user <id>',
    api: 'user',
    kind: 'text',
    purpose: 'an end-user id passed to the API for abuse monitoring',
    transportOnly: true,
    endpoints: IMAGES_API,
  },
  {
    name: 'safetyIdentifier',
    flags: '--safety-identifier <id>',
    api: 'safety_identifier',
    kind: 'text',
    rule: 'safetyIdentifier',
    purpose: 'a stable id of your end user for abuse monitoring (reported as the successor of --user)',
    transportOnly: true,
  },
] as const satisfies readonly ImageField[];

type KindValue = { list: string; size: string; count: number; int: number; switch: boolean; text: string };
type Fields = (typeof IMAGE_FIELDS)[number];

/** The typed values of the image fields, by flag name: what commander and batch jobs hand over. */
export type FieldValues = { -readonly [F in Fields as F['name']]?: KindValue[F['kind']] };
export type FieldName = Fields['name'];

/** The fields a config key gives a default (size, quality, format), each key named as its field. */
export type ConfigField = Extract<Fields, { config: string }>['config'];
export const CONFIG_FIELDS = IMAGE_FIELDS.filter((f): f is Extract<Fields, { config: string }> => 'config' in f);

const BY_API = new Map<string, ImageField>(IMAGE_FIELDS.map((f) => [f.api, f]));
const BY_NAME = new Map<string, ImageField>(IMAGE_FIELDS.map((f) => [f.name, f]));

export const fieldByApi = (api: string): ImageField | undefined => BY_API.get(api);
export const fieldByName = (name: string): ImageField | undefined => BY_NAME.get(name);

// A field whose API name is a path (svg.model, svg.reasoning.effort) is judged flat, under that
// name, and sent nested as the API takes it ({"svg": {"model": ...}}).
const NESTED_ROOTS = new Set(IMAGE_FIELDS.filter((f) => f.api.includes('.')).map((f) => f.api.split('.')[0]!));
const isNestedKey = (key: string) => key.includes('.') && NESTED_ROOTS.has(key.split('.')[0]!);
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A flat body's dotted fields as the nested objects the API takes: svg.model -> {svg: {model}}. */
export function nestFields(body: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(body).some(isNestedKey)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!isNestedKey(key)) out[key] = value;
  for (const [key, value] of Object.entries(body)) {
    if (!isNestedKey(key) || value === undefined) continue;
    const path = key.split('.');
    let node = out;
    for (const step of path.slice(0, -1)) {
      // An object given whole (--param svg={...}) is added to, never changed in place.
      node[step] = isPlainObject(node[step]) ? { ...(node[step] as Record<string, unknown>) } : {};
      node = node[step] as Record<string, unknown>;
    }
    node[path.at(-1)!] = value;
  }
  return out;
}

/** A body as sent, its nested fields made flat again (svg.model): how a record or a server judges them. */
export function flattenFields(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (prefix: string, value: unknown) => {
    if (isPlainObject(value) && Object.keys(value).length)
      for (const [k, v] of Object.entries(value)) walk(`${prefix}.${k}`, v);
    else out[prefix] = value;
  };
  for (const [key, value] of Object.entries(body)) {
    if (NESTED_ROOTS.has(key) && isPlainObject(value)) walk(key, value);
    else out[key] = value;
  }
  return out;
}

/** The long flag of a field ('--quality'); for error messages. */
export const longFlag = (f: ImageField): string => /--[a-z-]+/.exec(f.flags)![0];

/** The flag that sets a body field, for error messages: '--quality', 'the prompt', or the field's own name as a flag. */
export function flagForApi(api: string): string {
  if (api === 'prompt') return 'the prompt';
  const field = BY_API.get(api);
  return field ? longFlag(field) : `--${api.replaceAll('_', '-')}`;
}

/** Reads a whole number the way every number flag does (commander strings and batch JSON alike). */
export function readWhole(flag: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  throw new FlagValueError(`${flag} takes a whole number, not "${String(value)}".`);
}

/**
 * A field's typed value from a command-line string or a batch job's JSON value; throws a
 * ValueError that names the flag. `jpg` and `JPEG` both mean jpeg.
 */
export function readField(field: ImageField, value: unknown): string | number | boolean {
  const flag = longFlag(field);
  if (field.kind === 'count' || field.kind === 'int') return readWhole(flag, value);
  if (field.kind === 'switch') {
    if (typeof value === 'boolean') return value;
    throw new FlagValueError(`${flag} is on or off: true or false, not ${JSON.stringify(value)}.`);
  }
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new FlagValueError(`${flag} takes a word, not ${JSON.stringify(value)}.`);
  const text = String(value);
  if (field.name === 'format') {
    const lower = text.toLowerCase();
    return lower === 'jpg' ? 'jpeg' : lower;
  }
  return text;
}

const isRange = (rule: unknown): rule is IntRange =>
  typeof rule === 'object' && rule !== null && 'min' in rule && 'max' in rule;

/**
 * The bounds of a whole-number field for a model's rules; undefined when the model does not take
 * it. `perModel` is true when the rule itself holds them (they differ between models).
 */
export function intRange(field: ImageField, rules: EndpointRules): (IntRange & { perModel: boolean }) | undefined {
  const rule = field.rule ? rules[field.rule] : true;
  if (rule === undefined) return undefined;
  if (isRange(rule)) return { ...rule, perModel: true };
  // --partial-images: the stream rule says how many partial images a model sends at most.
  if (field.rule === 'stream')
    return { min: rules.stream!.minPartialImages ?? 0, max: rules.stream!.maxPartialImages, perModel: false };
  return field.range && { ...field.range, perModel: false };
}

/** Every value some model of the table lists for a field (sizes, qualities, formats...), in table order. */
export function tableValues(field: ImageField): string[] {
  return commandValues(field, ['gen', 'edit', 'vary']);
}

/**
 * The values the models of the table list for a field through any of these commands, in table
 * order; with `model` (an id or alias), that model's own. Empty for a field without a list.
 */
export function commandValues(field: ImageField, commands: readonly ImageCommand[], model?: string): string[] {
  const id = model === undefined ? undefined : MODELS.find((m) => m.id === model || m.aliases?.includes(model))?.id;
  const all = new Set<string>();
  if (!field.rule) return [];
  for (const command of commands)
    for (const m of commandRules(command)) {
      if (model !== undefined && m.id !== id) continue;
      const rule = m.rules[field.rule];
      if (Array.isArray(rule)) for (const v of rule as readonly string[]) all.add(v);
    }
  return [...all];
}

/** The endpoint a command sends to for a family; undefined when the family cannot do it. */
export function endpointFor(command: ImageCommand, family: Family): Endpoint | undefined {
  if (command === 'gen') return FAMILIES[family].endpoints.generations ? 'generations' : undefined;
  if (command === 'edit') return FAMILIES[family].endpoints.edits ? 'edits' : undefined;
  if (command === 'chat') return FAMILIES[family].endpoints.responses ? 'responses' : undefined;
  return FAMILIES[family].vary;
}

/** Whether a field goes to an endpoint whose rules these are: its endpoints and its rule both allow it. */
export function fieldTaken(field: ImageField, rules: EndpointRules, endpoint: Endpoint): boolean {
  if (field.endpoints && !field.endpoints.includes(endpoint)) return false;
  return !field.rule || rules[field.rule] !== undefined;
}

/**
 * The models of the table with the rules each has for a command's endpoint; by default those of
 * the JSON form where there is one (JSON edits take a few more fields than multipart ones).
 */
function commandRules(
  command: ImageCommand,
  form: 'json' | 'multipart' = 'json',
): Array<{ id: string; family: Family; rules: EndpointRules; endpoint: Endpoint }> {
  // Asked for every flag of every command while the program is built: made once per pair.
  const key = `${command} ${form}`;
  let rules = RULES_BY_COMMAND.get(key);
  if (!rules) {
    rules = MODELS.flatMap((m) => {
      const endpoint = endpointFor(command, m.family);
      const found = endpoint && endpointRules(resolveModel(m.id), endpoint, form);
      return found ? [{ id: m.id, family: m.family, rules: found, endpoint }] : [];
    });
    RULES_BY_COMMAND.set(key, rules);
  }
  return rules;
}

const RULES_BY_COMMAND = new Map<
  string,
  Array<{ id: string; family: Family; rules: EndpointRules; endpoint: Endpoint }>
>();

/** Whether some model of the table takes the field through this command (else its flag is hidden). */
export function offeredBy(field: ImageField, command: ImageCommand, form: 'json' | 'multipart' = 'json'): boolean {
  return commandRules(command, form).some((m) => fieldTaken(field, m.rules, m.endpoint));
}

const GPT = (Object.keys(FAMILIES) as Family[]).filter((f) => f.startsWith('gpt-image'));

/** "gpt-image-2.5 and gpt-image-2.6", "GPT image models", or model ids when a family is split. */
function label(ids: string[], all: ReturnType<typeof commandRules>): string {
  const families = [...new Set(all.filter((m) => ids.includes(m.id)).map((m) => m.family))];
  const whole = families.filter((f) => all.filter((m) => m.family === f).every((m) => ids.includes(m.id)));
  const loose = ids.filter((id) => !whole.includes(all.find((m) => m.id === id)!.family));
  const names = GPT.every((f) => whole.includes(f))
    ? ['GPT image models', ...whole.filter((f) => !GPT.includes(f))]
    : whole;
  const list = [...names, ...loose];
  return list.length > 1 ? `${list.slice(0, -1).join(', ')} and ${list.at(-1)}` : (list[0] ?? '');
}

/** The models of the table whose rules for a command take `value` for a list field, in table order. */
export function modelsTaking(field: ImageField, value: string, command: ImageCommand): string[] {
  return commandRules(command)
    .filter((m) => ((field.rule ? m.rules[field.rule] : undefined) as readonly string[] | undefined)?.includes?.(value))
    .map((m) => m.id);
}

/**
 * Who takes a value of a list field through a command, for a menu: "gpt-image-2.6", "dall-e-3";
 * empty when every model that takes the field takes the value (or none does).
 */
export function takersLabel(field: ImageField, value: string, command: ImageCommand): string {
  const ids = modelsTaking(field, value, command);
  const all = commandRules(command).filter((m) => field.rule && m.rules[field.rule] !== undefined);
  return ids.length && ids.length < all.length ? label(ids, commandRules(command)) : '';
}

/** "gpt-image-2.6 takes gif", "GPT image models take low"; empty when no model of the command takes it. */
export function takersText(field: ImageField, value: string, command: ImageCommand): string {
  const ids = modelsTaking(field, value, command);
  if (!ids.length) return '';
  const who = label(ids, commandRules(command));
  return `${who} ${/ and |models$/.test(who) ? 'take' : 'takes'} ${value}`;
}

function valueList(field: ImageField, rules: EndpointRules): string[] | undefined {
  const rule = field.rule ? rules[field.rule] : undefined;
  if (rule === undefined) return undefined;
  if (field.kind === 'count') return [rules.n.min === rules.n.max ? `${rules.n.min}` : `${rules.n.min}-${rules.n.max}`];
  if (field.kind === 'int') {
    const range = intRange(field, rules);
    if (!range?.perModel) return field.rule === 'stream' ? [`${range!.min}-${range!.max}`] : [];
    return [
      `${range.min}-${range.max}${range.step ? ` in steps of ${range.step}` : ''}${range.default !== undefined ? `, default ${range.default}` : ''}`,
    ];
  }
  if (Array.isArray(rule)) return [...(rule as readonly string[])];
  return [];
}

/**
 * The allowed values as the table has them for a command's models: the most common list, then
 * how the others differ ("gpt-image-2.5 and gpt-image-2.6 add xhigh, max; dall-e-3: standard, hd").
 */
export function allowedText(field: ImageField, command: ImageCommand): string {
  const models = commandRules(command);
  const groups = new Map<string, { values: string[]; ids: string[] }>();
  for (const m of models) {
    const values = valueList(field, m.rules);
    if (!values) continue;
    const key = values.join(',');
    const group = groups.get(key) ?? { values, ids: [] };
    group.ids.push(m.id);
    groups.set(key, group);
  }
  const sorted = [...groups.values()].sort((a, b) => b.ids.length - a.ids.length);
  const base = sorted[0];
  if (!base || base.values.length === 0) {
    return base && base.ids.length < models.length ? `(${label(base.ids, models)} only)` : '';
  }
  const taken = sorted.flatMap((g) => g.ids);
  // When some models do not take the field at all, say who takes the first list.
  const partial = taken.length < models.length;
  const only = partial && sorted.length === 1 ? ` (${label(base.ids, models)} only)` : '';
  const others = sorted.slice(1).map((g) => {
    const extra = g.values.filter((v) => !base.values.includes(v));
    const superset = base.values.every((v) => g.values.includes(v));
    return superset && extra.length
      ? `${label(g.ids, models)} add ${extra.join(', ')}`
      : `${label(g.ids, models)}: ${g.values.join(', ')}`;
  });
  const custom = field.kind === 'size' ? models.filter((m) => m.rules.customSize) : [];
  if (custom.length)
    others.push(
      `${label(
        custom.map((m) => m.id),
        models,
      )} also any WxH in multiples of ${custom[0]!.rules.customSize!.multiple}`,
    );
  if (partial && others.length) others.unshift(label(base.ids, models));
  return `${base.values.join(', ')}${only}${others.length ? ` (${others.join('; ')})` : ''}`;
}

/** The help line of a field's flag for a command, with its values read from the table. */
export function fieldHelp(field: ImageField, command: ImageCommand): string {
  const values = field.rule ? allowedText(field, command) : '';
  // "(GPT image models only)" follows the purpose; a list of values follows a colon.
  const text = values ? `${field.purpose}${values.startsWith('(') ? ' ' : ': '}${values}` : field.purpose;
  // Taken only by the JSON form (--moderation on edit): say when that is.
  const json =
    offeredBy(field, command) && !offeredBy(field, command, 'multipart')
      ? ' (sent as JSON only: an input given as a URL or file id, or --body json)'
      : '';
  return `${text}${json}${field.note ? ` (${field.note})` : ''}`;
}

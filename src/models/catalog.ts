// What `imgcli models` shows: the model table as rows, optionally merged with a server's
// GET /models answer, differences flagged. Pure: the command does the fetching and printing.
import { IMAGE_FIELDS, intRange, longFlag, type ImageCommand, type ImageField } from './fields.js';
import { BATCH_PRICE, PRICES_CHECKED, RATES, type TokenRates } from './prices.js';
import type { ProviderInfo } from './providers.js';
import {
  DEFAULT_MODEL,
  FAMILIES,
  MODELS,
  endpointRules,
  endpointsOf,
  findModel,
  modelStatus,
  resolveModel,
  type CustomSizeRule,
  type Endpoint,
  type EndpointRules,
  type FileRule,
  type ModelInfo,
} from './table.js';

export interface CatalogRow {
  name: string;
  aliases: string[];
  family: string;
  /** The default model here: what gen, edit and vary use without -m (the config's, IMGCLI_MODEL, or imgcli's). */
  default: boolean;
  endpoints: Endpoint[];
  status: 'current' | 'retiring' | 'retired' | 'unknown';
  shutdown_date?: string;
  days_left?: number;
  replacement?: string;
  sizes: string[];
  custom_sizes?: string;
  qualities: string[];
  limits: string[];
  note?: string;
  released?: string;
  /** The day the row was last checked against OpenAI's notices. */
  checked?: string;
  in_table: boolean;
  remote?: { listed: boolean; shutdown_date?: string; differences: string[] };
}

function limitsOf(info: ModelInfo): { limits: string[]; custom?: string } {
  const model = resolveModel(info.id);
  const gen = endpointRules(model, 'generations');
  const edit = endpointRules(model, 'edits');
  const limits: string[] = [];
  if (gen?.prompt) limits.push(`prompt up to ${gen.prompt.max} characters`);
  if (gen) limits.push(gen.n.min === gen.n.max ? `n = ${gen.n.max}` : `n ${gen.n.min}-${gen.n.max}`);
  if (edit?.files)
    limits.push(
      `edit: ${edit.files.maxImages === 1 ? '1 image' : `up to ${edit.files.maxImages} images`} (${edit.files.formats.join('/')}, under ${edit.files.maxBytes / 1024 / 1024} MB${edit.files.square ? ', square' : ''})`,
    );
  if (gen?.backgrounds) {
    const alpha = (gen.formats ?? ['png']).filter((f) => ['png', 'webp', 'svg'].includes(f));
    limits.push(
      `transparent background needs ${alpha.slice(0, -1).join(', ')}${alpha.length > 2 ? ',' : ''} or ${alpha.at(-1)}`,
    );
  }
  if (gen?.responseFormats) limits.push('may answer with URLs (valid 60 minutes)');
  if (edit?.inputFidelity) limits.push('edit takes --input-fidelity');
  const extra = gen?.formats?.filter((f) => !['png', 'jpeg', 'webp'].includes(f)) ?? [];
  if (extra.length)
    limits.push(
      `also writes ${extra.join(' and ')} (${extra.map((f) => `${f}: ${edit?.formats?.includes(f) ? 'gen and edit' : 'gen only'}`).join(', ')})`,
    );
  if (gen?.complexities) limits.push('takes --complexity');
  if (gen?.svgAuthor) limits.push('svg written by a text model: --svg-model, --svg-effort');
  if (edit?.markup) limits.push('edit takes --markup (reported)');
  const c = gen?.customSize;
  const custom = c
    ? `any WxH: edges multiples of ${c.multiple}, long edge up to ${c.maxEdge}, ratio 1:${c.maxAspect} to ${c.maxAspect}:1, ${c.minPixels.toLocaleString('en')} to ${c.maxPixels.toLocaleString('en')} pixels`
    : undefined;
  return { limits, custom };
}

/**
 * The table as rows: each model's status by OpenAI's dates, or by the provider's own where it has
 * one (Azure's gpt-image-1.5).
 */
export function catalogRows(now: Date, provider?: ProviderInfo, defaultModel = DEFAULT_MODEL): CatalogRow[] {
  // The model gen uses without -m (the config's, IMGCLI_MODEL, the provider's or imgcli's), by its id.
  const defaultId = findModel(defaultModel)?.id ?? defaultModel;
  return MODELS.map((info) => {
    const model = resolveModel(info.id);
    const gen = endpointRules(model, 'generations');
    const own =
      provider?.modelDates && Object.hasOwn(provider.modelDates, info.id) ? provider.modelDates[info.id] : undefined;
    const status = modelStatus({ ...info, shutdown: own?.shutdown ?? info.shutdown }, now);
    const { limits, custom } = limitsOf(info);
    const row: CatalogRow = {
      name: info.id,
      aliases: [...(info.aliases ?? [])],
      family: info.family,
      default: info.id === defaultId,
      endpoints: endpointsOf(model),
      status: status.state,
      sizes: [...(gen?.sizes ?? [])],
      qualities: [...(gen?.qualities ?? [])],
      limits,
      in_table: true,
    };
    if (custom) row.custom_sizes = custom;
    if (status.state !== 'current') row.shutdown_date = status.shutdown;
    if (status.state === 'retiring') row.days_left = status.daysLeft;
    if (info.replacement && status.state !== 'current') row.replacement = info.replacement;
    if (info.note) row.note = info.note;
    if (info.released) row.released = info.released;
    row.checked = info.checked;
    return row;
  });
}

/** Names a GPT or dall-e image model would have; other remote models (chat, audio) are left out. */
export function looksLikeImageModel(id: string): boolean {
  return /^(gpt-image-|chatgpt-image-|dall-e-)/.test(id) || /image/i.test(id);
}

/** A model as a server's GET /models lists it (api/models.ts reads the answer into this shape). */
export interface ListedModel {
  id: string;
  shutdownDate?: string;
}

/**
 * Merges a server's model list into the rows; a model the table lacks is shown with the endpoints
 * its name's family has, less those the provider lacks (Gemini's layer makes no edits or variations).
 */
export function mergeRemote(
  rows: CatalogRow[],
  remote: ListedModel[],
  provider?: ProviderInfo,
): { rows: CatalogRow[]; others: string[] } {
  const byId = new Map(remote.map((m) => [m.id, m]));
  const seen = new Set<string>();
  const merged = rows.map((row) => {
    const hit = [row.name, ...row.aliases].map((n) => byId.get(n)).find(Boolean);
    for (const n of [row.name, ...row.aliases]) seen.add(n);
    const differences: string[] = [];
    if (!hit) {
      if (row.status !== 'retired') differences.push('not listed by the server');
    } else {
      if (row.status === 'retired')
        differences.push(`listed by the server, though the table says it shut down on ${row.shutdown_date}`);
      if (hit.shutdownDate && hit.shutdownDate !== row.shutdown_date) {
        differences.push(`server shutdown date ${hit.shutdownDate}; the table says ${row.shutdown_date ?? 'none'}`);
      }
    }
    return {
      ...row,
      remote: { listed: Boolean(hit), ...(hit?.shutdownDate ? { shutdown_date: hit.shutdownDate } : {}), differences },
    };
  });
  const others: string[] = [];
  for (const m of remote) {
    if (seen.has(m.id)) continue;
    if (!looksLikeImageModel(m.id)) {
      others.push(m.id);
      continue;
    }
    const guess = resolveModel(m.id);
    merged.push({
      name: m.id,
      aliases: [],
      family: guess.family,
      default: false,
      endpoints: endpointsOf(guess).filter((e) => !provider?.lacks?.[e]),
      status: 'unknown',
      sizes: [],
      qualities: [],
      limits: [],
      in_table: false,
      remote: {
        listed: true,
        ...(m.shutdownDate ? { shutdown_date: m.shutdownDate } : {}),
        differences: ["not in imgcli's table; flags are checked by its name's family, if any"],
      },
    });
  }
  return { rows: merged, others };
}

export function statusText(row: CatalogRow): string {
  if (row.status === 'retiring') return `retiring ${row.shutdown_date} (${row.days_left} d)`;
  if (row.status === 'retired') return `retired ${row.shutdown_date}`;
  return row.status;
}

/** The status cell of the README table: what a reader on `date` needs to know. */
function statusSentence(r: CatalogRow): string {
  const parts: string[] = [];
  if (r.status === 'retiring') parts.push(`shuts down ${r.shutdown_date} (in ${r.days_left} d)`);
  else if (r.status === 'retired') parts.push(`shut down ${r.shutdown_date}`);
  else parts.push(r.released ? `current, released ${r.released}` : 'current');
  if (r.replacement) parts.push(`use ${r.replacement}`);
  if (r.note && r.status === 'current') parts.push(r.note);
  if (r.name === DEFAULT_MODEL) parts.push("**imgcli's default**");
  return parts.join('; ');
}

/** The model table as markdown, for the README (`imgcli models --markdown`): status as of `date`. */
export function formatMarkdown(rows: CatalogRow[], date: string): string {
  const yes = (r: CatalogRow, e: Endpoint) => (r.endpoints.includes(e) ? 'yes' : 'no');
  const lines = [
    `| model | family | gen | edit | vary | status on api.openai.com as of ${date} |`,
    '|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const name = `\`${r.name}\`${r.aliases.length ? ` (${r.aliases.map((a) => `\`${a}\``).join(', ')})` : ''}`;
      return `| ${name} | ${r.family} | ${yes(r, 'generations')} | ${yes(r, 'edits')} | ${yes(r, 'variations')} | ${statusSentence(r)} |`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

/** What a flag takes on one endpoint of a model: a list, whole numbers in a range, or any text. */
export type FlagRule = { flag: string; short?: string } & (
  | { values: string[]; custom_sizes?: CustomSizeRule }
  | { min: number; max: number; step?: number; default?: number }
  | { any: true }
  | { switch: true }
);

/** One command of a model, as `imgcli models <name>` shows it. */
export interface EndpointDetail {
  command: ImageCommand;
  /** The API path it sends to. */
  path: string;
  /** vary through edits: the built-in variation prompt goes with it. */
  via_edits?: boolean;
  prompt?: { max: number; required: boolean };
  files?: FileRule;
  mask?: { formats: readonly string[]; max_bytes: number };
  flags: FlagRule[];
  /** Flags taken only when the request goes as JSON (an input given as a URL or file id, or --body json). */
  json_only_flags?: string[];
}

/** One model whole: status and dates, every rule per command, prices. */
export interface ModelDetail extends CatalogRow {
  commands: EndpointDetail[];
  /** US dollars per million tokens, when imgcli knows the rates; a remote batch costs `batch_factor` of them. */
  prices?: TokenRates & { checked: string; batch_factor: number };
  /** What the API answers when this model refuses a parameter. */
  refusals?: Record<string, string>;
}

/** What one field takes on an endpoint's rules; undefined when the model does not take it there. */
function flagRule(field: ImageField, rules: EndpointRules, endpoint?: Endpoint): FlagRule | undefined {
  if (endpoint && field.endpoints && !field.endpoints.includes(endpoint)) return undefined;
  const short = /^-[a-z](?=,)/.exec(field.flags)?.[0];
  const flag = longFlag(field);
  const named = short ? { flag, short } : { flag };
  const rule = ruleOf(field, rules);
  return rule && { ...named, ...rule };
}

type RuleOnly<T> = T extends unknown ? Omit<T, 'flag' | 'short'> : never;

function ruleOf(field: ImageField, rules: EndpointRules): RuleOnly<FlagRule> | undefined {
  if (field.kind === 'text') return { any: true };
  const rule = field.rule ? rules[field.rule] : true;
  if (rule === undefined) return undefined;
  if (field.kind === 'switch') return { switch: true };
  if (field.kind === 'count') return { min: rules.n.min, max: rules.n.max };
  if (field.kind === 'int') {
    const range = intRange(field, rules);
    if (!range) return undefined;
    const { perModel: _, ...bounds } = range;
    return bounds;
  }
  const values = [...((Array.isArray(rule) ? rule : []) as readonly string[])];
  return field.kind === 'size' && rules.customSize ? { values, custom_sizes: rules.customSize } : { values };
}

const PATHS: Record<Endpoint, string> = {
  generations: 'POST /images/generations',
  edits: 'POST /images/edits',
  variations: 'POST /images/variations',
  responses: 'POST /responses (the image_generation tool)',
};

/** A model of the table (by id or alias) whole, or undefined when the table does not have it. */
export function modelDetail(
  name: string,
  now: Date,
  provider?: ProviderInfo,
  defaultModel = DEFAULT_MODEL,
): ModelDetail | undefined {
  const info = findModel(name);
  if (!info) return undefined;
  const row = catalogRows(now, provider, defaultModel).find((r) => r.name === info.id)!;
  const model = resolveModel(info.id);
  const commands: EndpointDetail[] = [];
  const vary = FAMILIES[info.family].vary;
  for (const [command, endpoint] of [
    ['gen', 'generations'],
    ['edit', 'edits'],
    ['vary', vary],
    ['chat', 'responses'],
  ] as const) {
    const rules = endpoint && endpointRules(model, endpoint);
    if (!endpoint || !rules) continue;
    const json = endpointRules(model, endpoint, 'json')!;
    const flags = IMAGE_FIELDS.map((f) => flagRule(f, rules, endpoint)).filter((r): r is FlagRule => r !== undefined);
    const jsonOnly = IMAGE_FIELDS.filter((f) => !flagRule(f, rules, endpoint) && flagRule(f, json, endpoint)).map(
      longFlag,
    );
    commands.push({
      command,
      path: PATHS[endpoint],
      ...(command === 'vary' && endpoint === 'edits' ? { via_edits: true } : {}),
      ...(rules.prompt && !(command === 'vary' && endpoint === 'edits') ? { prompt: { ...rules.prompt } } : {}),
      ...(rules.files ? { files: rules.files } : {}),
      ...(rules.mask ? { mask: { formats: rules.mask.formats, max_bytes: rules.mask.maxBytes } } : {}),
      flags:
        command === 'gen' || command === 'chat' || !json.jsonBody ? flags : [...flags, ...flagsOnlyIn(json, rules)],
      ...(jsonOnly.length ? { json_only_flags: jsonOnly } : {}),
    });
  }
  const rates = RATES[info.family];
  return {
    ...row,
    commands,
    ...(rates ? { prices: { ...rates, checked: PRICES_CHECKED, batch_factor: BATCH_PRICE.factor } } : {}),
    ...(info.notes ? { refusals: refusalsOf(info) } : {}),
  };
}

/** The flags the JSON form of an endpoint takes beyond the multipart form's. */
function flagsOnlyIn(json: EndpointRules, multipart: EndpointRules): FlagRule[] {
  return IMAGE_FIELDS.filter((f) => !flagRule(f, multipart))
    .map((f) => flagRule(f, json))
    .filter((r): r is FlagRule => r !== undefined);
}

/** What the API answers when the model refuses a flag, by the flag (the table keeps them by rule). */
function refusalsOf(info: ModelInfo): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rule, said] of Object.entries(info.notes ?? {})) {
    const field = IMAGE_FIELDS.find((f) => 'rule' in f && f.rule === rule);
    out[field ? longFlag(field) : rule] = said as string;
  }
  return out;
}

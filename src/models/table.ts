// The model registry as data. Adding a model is one entry in MODELS; a new family is one entry
// in FAMILIES. Help text, `imgcli models`, validation and the offline server all read this file.
// Facts from ../shared/reference/openai-images-api.md, checked on FACTS_CHECKED.

export const FACTS_CHECKED = '2026-12-01';
export const DEFAULT_MODEL = 'gpt-image-2';

/** The Images API's endpoints, and the Responses API's image_generation tool (`imgcli chat`). */
export type Endpoint = 'generations' | 'edits' | 'variations' | 'responses';
export type Family =
  | 'gpt-image-2.6'
  | 'gpt-image-2.5'
  | 'gpt-image-2'
  | 'gpt-image-1'
  | 'dall-e-3'
  | 'dall-e-2'
  | 'other';

/** Free-form WIDTHxHEIGHT sizes (gpt-image-2 and later). */
export interface CustomSizeRule {
  multiple: number;
  maxEdge: number;
  maxAspect: number;
  minPixels: number;
  maxPixels: number;
  /** Sizes above this many pixels work but are marked experimental. */
  experimentalAbove: number;
}

/** The files an endpoint takes (edits and variations). */
export interface FileRule {
  minImages: number;
  maxImages: number;
  formats: readonly string[];
  maxBytes: number;
  square: boolean;
  /** With no mask, the image's own transparency is the mask (dall-e-2 edits), so it must have some. */
  alphaWithoutMask?: boolean;
}

/** What an output format brings beyond the common rules (gpt-image-2.6's gif and svg). */
export interface FormatRule {
  /** At most this many images per request in this format. */
  maxCount?: number;
  /** An animation: it takes the animation fields (--frames). */
  animated?: boolean;
  /** All frames of one image are drawn on one sheet within this budget (frame-sheet.ts). */
  sheet?: SheetRule;
  /** Each pixel is either opaque or fully transparent: --background transparent gets a warning. */
  binaryAlpha?: boolean;
  /** False: the answer comes whole, never streamed (no --stream, no --partial-images). */
  streams?: false;
  /** False: an edit into this format takes no mask. */
  masks?: false;
  /** Written by a text model (the SVG author): it takes the svg fields (--svg-model, --svg-effort). */
  authored?: boolean;
}

/** The size budget of one frame sheet. */
export interface SheetRule {
  maxEdge: number;
  maxPixels: number;
}

/** The values a whole-number parameter takes: min to max, in steps when set; the API's default. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
  readonly step?: number;
  readonly default?: number;
}

/** An endpoint's JSON form, with images as references (URLs, data URLs, file ids): edits for GPT models. */
export interface JsonBodyRule {
  /** Parameters the JSON form takes beyond the multipart form's. */
  adds?: Partial<EndpointRules>;
}

/** What one endpoint of one model accepts. An absent list means the parameter is not accepted. */
export interface EndpointRules {
  prompt?: { max: number; required: boolean };
  n: { min: number; max: number };
  sizes: readonly string[];
  customSize?: CustomSizeRule;
  qualities?: readonly string[];
  styles?: readonly string[];
  backgrounds?: readonly string[];
  formats?: readonly string[];
  /** Rules of particular output formats, by format. */
  formatRules?: Readonly<Partial<Record<string, FormatRule>>>;
  compression?: boolean;
  moderation?: readonly string[];
  responseFormats?: readonly string[];
  inputFidelity?: readonly string[];
  complexities?: readonly string[];
  /** frame_count and frame_duration_ms of an animated format. */
  frameCount?: IntRange;
  frameDurationMs?: IntRange;
  /** Streaming: at most this many partial images; at least `minPartialImages` when a stream is asked for. */
  stream?: { maxPartialImages: number; minPartialImages?: number };
  /** The image_generation tool's `action`: generate a new image, edit one in context, or let the model choose. */
  actions?: readonly string[];
  /** svg.model: the text model that writes an SVG (any name the server knows). */
  svgAuthor?: true;
  /** svg.reasoning.effort: how hard the SVG author reasons. */
  svgEfforts?: readonly string[];
  /** safety_identifier: the end user's id for abuse monitoring (the successor of user). */
  safetyIdentifier?: true;
  files?: FileRule;
  mask?: { formats: readonly string[]; maxBytes: number };
  /** A markup layer (edits): a transparent PNG the size of the first image, drawn to show what to change. */
  markup?: { formats: readonly string[]; maxBytes: number };
  /** Taken as JSON too (reference section 4); absent: multipart only. */
  jsonBody?: JsonBodyRule;
}

export interface FamilyInfo {
  /** What each endpoint accepts; an endpoint the family lacks is absent. */
  endpoints: Partial<Record<Endpoint, EndpointRules>>;
  defaultFormat: string;
  /**
   * How `imgcli vary` makes variations: the variations endpoint itself, or edits with a built-in
   * prompt (GPT models have no variations endpoint). Absent: the family cannot make variations.
   */
  vary?: 'variations' | 'edits';
}

export interface ModelInfo {
  id: string;
  aliases?: readonly string[];
  family: Exclude<Family, 'other'>;
  /** Last day the model is served on api.openai.com is the day before this date. */
  shutdown?: string;
  replacement?: string;
  released?: string;
  note?: string;
  /** Per-model changes to the family rules, e.g. which models take input_fidelity. */
  overrides?: Partial<Record<Endpoint, Partial<EndpointRules>>>;
  /** What the API says when this model refuses a parameter, added to imgcli's own refusal. */
  notes?: Partial<Record<keyof EndpointRules, string>>;
  /** The day this row was last checked against OpenAI's notices. */
  checked: string;
}

const MB = 1024 * 1024;

const GPT_SIZES = ['auto', '1024x1024', '1536x1024', '1024x1536'] as const;
const GPT_QUALITIES = ['auto', 'low', 'medium', 'high'] as const;
const GPT_BACKGROUNDS = ['auto', 'opaque', 'transparent'] as const;
const GPT_FORMATS = ['png', 'jpeg', 'webp'] as const;
const CUSTOM_SIZE: CustomSizeRule = {
  multiple: 16,
  maxEdge: 3840,
  maxAspect: 3,
  minPixels: 655_360,
  maxPixels: 8_294_400,
  experimentalAbove: 2560 * 1440,
};
const GPT_FILES: FileRule = { minImages: 1, maxImages: 16, formats: GPT_FORMATS, maxBytes: 50 * MB, square: false };
const DALLE2_FILES: FileRule = { minImages: 1, maxImages: 1, formats: ['png'], maxBytes: 4 * MB, square: true };
const MASK = { formats: ['png'], maxBytes: 4 * MB } as const;

const GPT_GENERATIONS: EndpointRules = {
  prompt: { max: 32_000, required: true },
  n: { min: 1, max: 10 },
  sizes: GPT_SIZES,
  qualities: GPT_QUALITIES,
  backgrounds: GPT_BACKGROUNDS,
  formats: GPT_FORMATS,
  compression: true,
  moderation: ['auto', 'low'],
  stream: { maxPartialImages: 3 },
  // Reported (two MCP schemas) as the successor of user on image requests: rule-sources.ts.
  safetyIdentifier: true,
};
const { moderation: _generationsOnly, ...GPT_SHARED } = GPT_GENERATIONS;
// JSON edits (spec EditImageBodyJsonParam) also take moderation, which the multipart form lacks.
const GPT_EDITS: EndpointRules = {
  ...GPT_SHARED,
  files: GPT_FILES,
  mask: MASK,
  jsonBody: { adds: { moderation: GPT_GENERATIONS.moderation } },
};

/**
 * The Responses API's image_generation tool (reference section 11; spec ImageGenTool): one image a
 * call, png, jpeg or webp, the GPT sizes, quality, background, compression, moderation, `action`,
 * input images in the message and `input_image_mask`; a stream must ask for at least one partial
 * image. The tool's spec lists no 2.6 field (complexity, frames, gif, svg), so none is offered here.
 */
const { safetyIdentifier: _noUserField, ...GPT_TOOL_FIELDS } = GPT_GENERATIONS;
const GPT_RESPONSES: EndpointRules = {
  ...GPT_TOOL_FIELDS,
  n: { min: 1, max: 1 },
  stream: { ...GPT_GENERATIONS.stream!, minPartialImages: 1 },
  actions: ['generate', 'edit', 'auto'],
  files: GPT_FILES,
  mask: MASK,
};

function gptFamily(
  extra: Partial<EndpointRules>,
  only: { generations?: Partial<EndpointRules>; edits?: Partial<EndpointRules> } = {},
): FamilyInfo {
  // The tool takes the family's sizes and qualities, none of its extra outputs or fields.
  const tool: Partial<EndpointRules> = {
    ...(extra.customSize ? { customSize: extra.customSize } : {}),
    ...(extra.qualities ? { qualities: extra.qualities } : {}),
  };
  return {
    endpoints: {
      generations: { ...GPT_GENERATIONS, ...extra, ...only.generations },
      edits: { ...GPT_EDITS, ...extra, ...only.edits },
      responses: { ...GPT_RESPONSES, ...tool },
    },
    defaultFormat: 'png',
    vary: 'edits',
  };
}

const DALLE2_SIZES = ['256x256', '512x512', '1024x1024'] as const;
const URL_OR_B64 = ['url', 'b64_json'] as const;

const GPT_2_5_RULES: Partial<EndpointRules> = {
  customSize: CUSTOM_SIZE,
  qualities: [...GPT_QUALITIES, 'xhigh', 'max'],
};
// gpt-image-2.6's own parameters come from third-party guides written from OpenAI's docs, not
// from the published spec (reference section 3): data to correct here when the spec says otherwise.
const GPT_2_6_RULES: Partial<EndpointRules> = {
  ...GPT_2_5_RULES,
  complexities: ['low', 'medium', 'high'],
  frameCount: { min: 2, max: 16, default: 9 },
  // At least 20 ms; any other whole number is taken and rounded by the encoder to the nearest 10 ms
  // (confirmed), so no step is enforced. OpenAI states no maximum: 655,350 ms is the longest delay a
  // GIF can hold (a 16-bit count of hundredths of a second).
  frameDurationMs: { min: 20, max: 655_350 },
};
// gif (animated) for generations and edits; svg for generations only, one image per request,
// written by a text model the svg object names. The frames of one GIF share a sheet within the
// size budget of one image (3840 edge, 8,294,400 pixels: reported). A GIF is never streamed and an
// edit into one takes no mask (confirmed: OpenAI's reference); GIF edits are reported
// (rule-sources.ts: one relay says GIF is for generations only).
const GIF: FormatRule = {
  animated: true,
  sheet: { maxEdge: CUSTOM_SIZE.maxEdge, maxPixels: CUSTOM_SIZE.maxPixels },
  binaryAlpha: true,
  streams: false,
  masks: false,
};
const SVG: FormatRule = { maxCount: 1, authored: true };
export const SVG_EFFORTS = ['none', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
// The markup layer of an edit: a PNG (reported: four consistent secondary sources, rule-sources.ts).
const MARKUP = { formats: ['png'], maxBytes: 50 * MB } as const;
const GPT_2_6_OUTPUTS = {
  generations: {
    formats: [...GPT_FORMATS, 'gif', 'svg'],
    formatRules: { gif: GIF, svg: SVG },
    svgAuthor: true,
    svgEfforts: SVG_EFFORTS,
  },
  edits: { formats: [...GPT_FORMATS, 'gif'], formatRules: { gif: GIF }, markup: MARKUP },
} as const;

export const FAMILIES: Record<Family, FamilyInfo> = {
  'gpt-image-2.6': gptFamily(GPT_2_6_RULES, GPT_2_6_OUTPUTS),
  'gpt-image-2.5': gptFamily(GPT_2_5_RULES),
  'gpt-image-2': gptFamily({ customSize: CUSTOM_SIZE }),
  'gpt-image-1': gptFamily({}),
  'dall-e-3': {
    endpoints: {
      generations: {
        prompt: { max: 4000, required: true },
        n: { min: 1, max: 1 },
        sizes: ['1024x1024', '1792x1024', '1024x1792'],
        qualities: ['standard', 'hd'],
        styles: ['vivid', 'natural'],
        responseFormats: URL_OR_B64,
      },
    },
    defaultFormat: 'png',
  },
  'dall-e-2': {
    endpoints: {
      // The spec: "standard is the only option for dall-e-2".
      generations: {
        prompt: { max: 1000, required: true },
        n: { min: 1, max: 10 },
        sizes: DALLE2_SIZES,
        qualities: ['standard'],
        responseFormats: URL_OR_B64,
      },
      edits: {
        prompt: { max: 1000, required: true },
        n: { min: 1, max: 10 },
        sizes: DALLE2_SIZES,
        responseFormats: URL_OR_B64,
        files: { ...DALLE2_FILES, alphaWithoutMask: true },
        mask: MASK,
      },
      variations: { n: { min: 1, max: 10 }, sizes: DALLE2_SIZES, responseFormats: URL_OR_B64, files: DALLE2_FILES },
    },
    defaultFormat: 'png',
    vary: 'variations',
  },
  // A compatible server's own model: we know nothing, so flags are sent as given.
  other: {
    endpoints: {
      generations: { prompt: { max: Infinity, required: true }, n: { min: 1, max: 10 }, sizes: [] },
      edits: { prompt: { max: Infinity, required: true }, n: { min: 1, max: 10 }, sizes: [], jsonBody: {} },
      variations: { n: { min: 1, max: 10 }, sizes: [] },
      responses: { prompt: { max: Infinity, required: true }, n: { min: 1, max: 1 }, sizes: [] },
    },
    defaultFormat: 'png',
    // Compatible servers copy today's API, where edits is the endpoint that is still served.
    vary: 'edits',
  },
};

// input_fidelity is an edits (and image tool) parameter of the gpt-image-1 family only; gpt-image-1-mini takes low alone.
const INPUT_FIDELITY = {
  edits: { inputFidelity: ['low', 'high'] },
  responses: { inputFidelity: ['low', 'high'] },
} as const;
const LOW_FIDELITY_ONLY = { edits: { inputFidelity: ['low'] }, responses: { inputFidelity: ['low'] } } as const;
// The date the 2026-12-01 notices were read (reference section 2).
const DEC_1 = '2026-12-01';

export const MODELS: readonly ModelInfo[] = [
  {
    id: 'gpt-image-2.6-flare',
    family: 'gpt-image-2.6',
    released: '2026-11-04',
    note: "named by OpenAI's deprecations page as the replacement for the models shut down on 2026-12-01",
    checked: DEC_1,
  },
  {
    id: 'gpt-image-2.6-sunburst',
    family: 'gpt-image-2.6',
    released: '2026-11-04',
    note: 'quality-optimised, slower',
    checked: DEC_1,
  },
  {
    id: 'gpt-image-2.5-flare',
    aliases: ['gpt-image-2.5-flare-2026-09-08', 'gpt-image-2.5'],
    family: 'gpt-image-2.5',
    released: '2026-09-08',
    checked: DEC_1,
  },
  {
    id: 'gpt-image-2.5-sunburst',
    aliases: ['gpt-image-2.5-sunburst-2026-09-08'],
    family: 'gpt-image-2.5',
    released: '2026-09-08',
    note: 'quality-optimised, slower',
    checked: DEC_1,
  },
  {
    id: 'gpt-image-2',
    aliases: ['gpt-image-2-2026-04-21'],
    family: 'gpt-image-2',
    notes: { inputFidelity: 'gpt-image-2 answers 400 invalid_input_fidelity_model' },
    checked: DEC_1,
  },
  {
    id: 'gpt-image-1.5',
    aliases: ['gpt-image-1.5-2025-12-16'],
    family: 'gpt-image-1',
    shutdown: '2026-12-01',
    replacement: 'gpt-image-2.6-flare',
    overrides: INPUT_FIDELITY,
    checked: DEC_1,
  },
  {
    id: 'gpt-image-1-mini',
    family: 'gpt-image-1',
    shutdown: '2026-12-01',
    replacement: 'gpt-image-2.6-flare',
    overrides: LOW_FIDELITY_ONLY,
    notes: { inputFidelity: 'gpt-image-1-mini refuses high' },
    checked: DEC_1,
  },
  {
    id: 'chatgpt-image-latest',
    family: 'gpt-image-1',
    shutdown: '2026-12-01',
    replacement: 'gpt-image-2.6-flare',
    checked: DEC_1,
  },
  {
    id: 'gpt-image-1',
    family: 'gpt-image-1',
    shutdown: '2026-10-23',
    replacement: 'gpt-image-2',
    overrides: INPUT_FIDELITY,
    checked: DEC_1,
  },
  { id: 'dall-e-3', family: 'dall-e-3', shutdown: '2026-05-12', replacement: 'gpt-image-2', checked: DEC_1 },
  { id: 'dall-e-2', family: 'dall-e-2', shutdown: '2026-05-12', replacement: 'gpt-image-2', checked: DEC_1 },
];

/**
 * The Responses models that hold an `imgcli chat` conversation (--mainline): the model that reads
 * the turns and calls the image_generation tool (reference section 11). Which models may call the
 * tool comes from OpenAI's image generation tool guide as quoted in public threads (not from the
 * spec, which lists the Responses models without saying which take the tool): a model outside this
 * list is sent as given, with a notice. The default is a dated snapshot, so a script's conversations
 * keep their model when the alias moves.
 */
export interface MainlineModel {
  id: string;
  aliases?: readonly string[];
  /** The day the row was last checked. */
  checked: string;
}

export const MAINLINE_CHECKED = '2026-12-06';
export const DEFAULT_MAINLINE = 'gpt-5.4-mini-2026-03-17';
/** Where the list of models that call the tool comes from, and how sure it is (a secondary quote of OpenAI's guide). */
export const MAINLINE_SOURCE =
  "OpenAI's image generation tool guide (developers.openai.com/api/docs/guides/tools-image-generation), as quoted in public threads";

export const MAINLINE_MODELS: readonly MainlineModel[] = [
  { id: 'gpt-5.4-mini', aliases: ['gpt-5.4-mini-2026-03-17'], checked: MAINLINE_CHECKED },
  { id: 'gpt-5.4-nano', aliases: ['gpt-5.4-nano-2026-03-17'], checked: MAINLINE_CHECKED },
  { id: 'gpt-5.4', checked: MAINLINE_CHECKED },
  { id: 'gpt-5.5', aliases: ['gpt-5.5-2026-04-23'], checked: MAINLINE_CHECKED },
  { id: 'gpt-5.2', aliases: ['gpt-5.2-2025-12-11'], checked: MAINLINE_CHECKED },
  { id: 'gpt-5', checked: MAINLINE_CHECKED },
  { id: 'gpt-5-nano', checked: MAINLINE_CHECKED },
  { id: 'gpt-4.1', checked: MAINLINE_CHECKED },
  { id: 'gpt-4.1-mini', checked: MAINLINE_CHECKED },
  { id: 'gpt-4.1-nano', checked: MAINLINE_CHECKED },
  { id: 'gpt-4o', checked: MAINLINE_CHECKED },
  { id: 'gpt-4o-mini', checked: MAINLINE_CHECKED },
  { id: 'o3', checked: MAINLINE_CHECKED },
];

/** A mainline model of the table by id or alias. */
export function findMainline(name: string): MainlineModel | undefined {
  return MAINLINE_MODELS.find((m) => m.id === name || m.aliases?.includes(name));
}

/** Every name the table knows: ids and aliases, for suggestions. */
export const MODEL_NAMES: readonly string[] = MODELS.flatMap((m) => [m.id, ...(m.aliases ?? [])]);

/** How a model name resolved: a table entry, a family guessed from the name, or nothing known. */
export interface ResolvedModel {
  name: string;
  family: Family;
  info?: ModelInfo;
  /** True when the name is not in the table and the rules come from its name alone. */
  guessed: boolean;
}

// Unknown names borrow the rules of the newest family their prefix suggests.
const NAME_RULES: ReadonlyArray<{ test: RegExp; family: Family }> = [
  { test: /^(gpt-image-|chatgpt-image-)/, family: 'gpt-image-2.6' },
  { test: /^dall-e-3/, family: 'dall-e-3' },
  { test: /^dall-e-/, family: 'dall-e-2' },
];

/** A format's rules, looked up by a name the user gave (own entries only: src/own.ts says why; models/ stays pure). */
export function ownRule(rules: EndpointRules['formatRules'], format: string): FormatRule | undefined {
  return rules !== undefined && Object.hasOwn(rules, format) ? rules[format] : undefined;
}

/**
 * Names that look like models of the table but name none OpenAI serves, with what to use instead:
 * gpt-image-2.6 has no bare alias and no dated snapshot (rule-sources.ts: models26).
 */
export const NOT_MODELS: ReadonlyArray<{ test: RegExp; why: string; instead: (m: RegExpExecArray) => string[] }> = [
  {
    test: /^gpt-image-2\.6$/,
    why: 'OpenAI has no bare gpt-image-2.6 alias',
    instead: () => ['gpt-image-2.6-flare', 'gpt-image-2.6-sunburst'],
  },
  {
    test: /^(gpt-image-2\.6(?:-flare|-sunburst)?)-\d{4}-\d{2}-\d{2}$/,
    why: 'no dated gpt-image-2.6 snapshot exists',
    instead: (m) => (m[1] === 'gpt-image-2.6' ? ['gpt-image-2.6-flare', 'gpt-image-2.6-sunburst'] : [m[1]!]),
  },
];

/** Why a name is not a model OpenAI serves, and what to use, when NOT_MODELS says so. */
export function notAModel(name: string): { why: string; instead: string[] } | undefined {
  for (const rule of NOT_MODELS) {
    const m = rule.test.exec(name);
    if (m) return { why: rule.why, instead: rule.instead(m) };
  }
  return undefined;
}

export function findModel(name: string): ModelInfo | undefined {
  return MODELS.find((m) => m.id === name || m.aliases?.includes(name));
}

/**
 * A model id no table knows (a gateway's alias, a model released yesterday) with the rules of a
 * known one (--capabilities-from): its family and per-model overrides, not its dates or names.
 */
export function borrowRules(name: string, from: ModelInfo): ResolvedModel {
  const { shutdown: _shutdown, replacement: _replacement, aliases: _aliases, ...rules } = from;
  return {
    name,
    family: from.family,
    info: { ...rules, id: name, note: `rules borrowed from ${from.id}` },
    guessed: false,
  };
}

export function resolveModel(name: string): ResolvedModel {
  const info = findModel(name);
  if (info) return { name, family: info.family, info, guessed: false };
  const family = NAME_RULES.find((r) => r.test.test(name))?.family ?? 'other';
  return { name, family, guessed: true };
}

/**
 * The rules for one endpoint of a model, or undefined when the model does not offer it; with
 * `json`, those of its JSON form (what it adds), when it has one.
 */
export function endpointRules(
  model: ResolvedModel,
  endpoint: Endpoint,
  form: 'json' | 'multipart' = 'multipart',
): EndpointRules | undefined {
  const base = FAMILIES[model.family].endpoints[endpoint];
  if (!base) return undefined;
  const rules = { ...base, ...model.info?.overrides?.[endpoint] };
  return form === 'json' && rules.jsonBody?.adds ? { ...rules, ...rules.jsonBody.adds } : rules;
}

export function endpointsOf(model: ResolvedModel): Endpoint[] {
  return (Object.keys(FAMILIES[model.family].endpoints) as Endpoint[]).filter((e) => endpointRules(model, e));
}

export type ModelStatus =
  | { state: 'current' }
  | { state: 'retiring'; shutdown: string; daysLeft: number }
  | { state: 'retired'; shutdown: string };

const DAY_MS = 86_400_000;

export function modelStatus(info: ModelInfo | undefined, now: Date): ModelStatus {
  if (!info?.shutdown) return { state: 'current' };
  const shutdownMs = Date.parse(`${info.shutdown}T00:00:00Z`);
  if (now.getTime() >= shutdownMs) return { state: 'retired', shutdown: info.shutdown };
  return { state: 'retiring', shutdown: info.shutdown, daysLeft: Math.ceil((shutdownMs - now.getTime()) / DAY_MS) };
}

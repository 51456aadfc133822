// The servers imgcli talks to, as data beside the model table: one row per kind of server, with how
// it is recognised, how it wants the key, which model it falls back to, which request fields it
// takes, ignores, refuses or renames, how it takes edits, what its answers look like, and its own
// model dates. Every rule carries its source and how sure we are of it: a request that breaks a
// confirmed rule is refused before sending; one that breaks only a reported rule is sent with a
// warning (--strict refuses those too). Facts from ../shared/reference/openai-images-api.md,
// section 12 (servers other than OpenAI), as stored on 2026-12-06. A new provider is one row here
// (and, for `--mock --provider <id>`, its quirks in the offline server).

export const PROVIDERS_CHECKED = '2026-12-06';

/** How sure a rule is: the server's own docs or spec (or an error body we hold), or secondary sources. */
export type Confidence = 'confirmed' | 'reported';

/** Where a rule comes from, and how sure it is. */
export interface Sourced {
  confidence: Confidence;
  source: string;
  /** The day the source was read. */
  checked: string;
}

/** What a provider does with one request field (by its API name); with `values`, only for those values. */
export type FieldRule = Sourced & { values?: readonly string[] } & (
    | { does: 'refuses'; why: string }
    | { does: 'ignores'; why: string }
    /** Sent under another name, its value turned into what the server takes (xAI's size -> aspect_ratio). */
    | { does: 'renames'; to: string; why: string }
  );

export type ProviderId = 'openai' | 'azure' | 'xai' | 'gemini' | 'vllm-omni' | 'litellm' | 'new-api' | 'compatible';

export interface ProviderInfo {
  id: ProviderId;
  title: string;
  /** Hosts that mean this provider when --base-url points at them. */
  hosts?: RegExp;
  /** Where its API lives, for `--provider x` without --base-url (and the README). */
  baseUrl?: string;
  /** The header the key goes in. */
  auth: 'bearer' | 'api-key';
  /** False: the server is normally run without a key (a key is sent when one is set). */
  keyRequired: boolean;
  /**
   * The model sent without -m: a name, or 'listed' for a server that serves one model (the one
   * its GET /models lists). Absent: imgcli's default model.
   */
  defaultModel?: string | 'listed';
  /** Its own dates for models of the table (a shutdown later or earlier than OpenAI's). */
  modelDates?: Readonly<Record<string, { shutdown: string } & Sourced>>;
  /** Whether the model table's dates (OpenAI's) hold here: retired models are refused by them. */
  openaiDates: boolean;
  /** Request fields, by API name, that this server refuses, ignores or renames. */
  fields?: Readonly<Record<string, FieldRule>>;
  /** Fields outside the OpenAI schema it takes (sent with --param). */
  extraFields?: readonly string[];
  /** How edits travel: multipart uploads, JSON references, or either. */
  editBody: 'multipart' | 'json' | 'either';
  editBodyRule?: Sourced;
  /** Endpoints it does not serve. */
  lacks?: Readonly<Partial<Record<'generations' | 'edits' | 'variations' | 'responses' | 'batches', Sourced>>>;
  /** Masks on edits: taken, or not (refused or dropped). */
  masks?: Sourced & { taken: boolean; why: string };
  /** What its answers look like, beyond OpenAI's shape. */
  answers?: {
    /** The image format it makes whatever was asked (xAI: jpeg). */
    format?: string;
    /** response_format when none is sent: url for relays and xAI (imgcli then asks for b64_json where taken). */
    defaultResponse?: 'url' | 'b64_json';
    /** Usage without output_tokens_details: every output token is an image token. */
    usageWithoutDetails?: boolean;
    /** No usage at all: no dollar figure. */
    noUsage?: boolean;
    /** Its answers carry no `created` time. */
    noCreated?: boolean;
    /** GET /models answers something other than OpenAI's list. */
    modelsNotOpenai?: boolean;
    sources: string;
  };
  /** The largest request body it (or the gateway in front) takes, when known. */
  bodyLimitBytes?: number;
  /** A flat price per image, in US dollars, where the server bills so (relays): set by config. */
  notes?: string;
}

const DEC_6 = PROVIDERS_CHECKED;
const REFERENCE = 'reference section 12';

const confirmed = (source: string): Sourced => ({ confidence: 'confirmed', source, checked: DEC_6 });
const reported = (source: string): Sourced => ({ confidence: 'reported', source, checked: DEC_6 });

const XAI_DOCS = 'docs.x.ai, model-capabilities/images/generation';
const GEMINI_SOURCES = 'public test code using the endpoint; lelandg/ImageAI#17; discuss.ai.google.dev thread 180711';
const AZURE_DOCS = 'MicrosoftDocs/azure-ai-docs PR #833 and how-to/dall-e.md';
/** No image_generation tool behind a Responses API: reported only (the servers' docs list image paths alone). */
const GEMINI_RESPONSES =
  "Google's OpenAI-compatibility docs list chat completions, embeddings and images, no Responses API or image_generation tool";
const VLLM_RESPONSES =
  'vllm-omni docs/serving/image_generation_api.md: image models are served at /v1/images/* only, with no image_generation tool';

/** Fields Google's compatibility layer is reported to take: everything else is not. */
const GEMINI_TAKES = new Set(['model', 'prompt', 'n', 'size', 'response_format']);
const GEMINI_OTHERS = ['quality', 'style', 'background', 'output_compression', 'moderation', 'user', 'stream'];

export const PROVIDERS: readonly ProviderInfo[] = [
  {
    id: 'openai',
    title: 'OpenAI',
    hosts: /^api\.openai\.com$/i,
    baseUrl: 'https://api.openai.com/v1',
    auth: 'bearer',
    keyRequired: true,
    openaiDates: true,
    editBody: 'either',
  },
  {
    id: 'azure',
    title: 'Azure OpenAI (Foundry)',
    hosts: /\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/i,
    auth: 'api-key',
    keyRequired: true,
    openaiDates: false,
    modelDates: {
      'gpt-image-1.5': { shutdown: '2026-12-16', ...confirmed(AZURE_DOCS) },
      'gpt-image-1.5-2025-12-16': { shutdown: '2026-12-16', ...confirmed(AZURE_DOCS) },
    },
    fields: {
      output_format: {
        does: 'refuses',
        values: ['webp', 'gif', 'svg'],
        why: 'Azure makes PNG or JPEG only ("WEBP images aren\'t supported")',
        ...confirmed(AZURE_DOCS),
      },
    },
    editBody: 'multipart',
    editBodyRule: confirmed(AZURE_DOCS),
    lacks: { variations: confirmed(AZURE_DOCS) },
    notes: 'edits on the dated API need api-version 2025-04-01-preview or later (older: 404, reported)',
  },
  {
    id: 'xai',
    title: 'xAI',
    hosts: /^api\.x\.ai$/i,
    baseUrl: 'https://api.x.ai/v1',
    auth: 'bearer',
    keyRequired: true,
    defaultModel: 'grok-imagine-image',
    openaiDates: false,
    fields: {
      size: {
        does: 'renames',
        to: 'aspect_ratio',
        why: 'xAI takes aspect_ratio instead of size',
        ...confirmed(XAI_DOCS),
      },
      quality: { does: 'refuses', why: 'xAI takes no quality ("Argument not supported")', ...confirmed(XAI_DOCS) },
      style: { does: 'refuses', why: 'xAI takes no style', ...confirmed(XAI_DOCS) },
      background: { does: 'refuses', why: 'xAI takes no background', ...reported(XAI_DOCS) },
      output_compression: { does: 'refuses', why: 'xAI makes JPEG at its own compression', ...reported(XAI_DOCS) },
      moderation: { does: 'refuses', why: 'xAI takes no moderation', ...reported(XAI_DOCS) },
      output_format: { does: 'ignores', why: 'xAI makes JPEG whatever is asked', ...confirmed(XAI_DOCS) },
    },
    extraFields: ['aspect_ratio', 'resolution'],
    editBody: 'json',
    editBodyRule: confirmed(`${XAI_DOCS} ("the xAI API requires application/json")`),
    masks: { taken: false, why: 'xAI edits take no mask', ...confirmed(XAI_DOCS) },
    lacks: { variations: confirmed(XAI_DOCS), batches: reported(REFERENCE), responses: reported(REFERENCE) },
    answers: {
      format: 'jpeg',
      defaultResponse: 'url',
      noUsage: true,
      noCreated: true,
      sources: `${XAI_DOCS}; imagine/files/outputs; vercel/ai#12828 (b64_json with a data: prefix)`,
    },
  },
  {
    id: 'gemini',
    title: 'Google Gemini (OpenAI compatibility)',
    hosts: /^generativelanguage\.googleapis\.com$/i,
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
    auth: 'bearer',
    keyRequired: true,
    // Reported to answer at this path where newer image models answer 404 (discuss.ai.google.dev, thread 180711).
    defaultModel: 'gemini-2.5-flash-image',
    openaiDates: false,
    fields: {
      output_format: {
        does: 'ignores',
        why: "Gemini's compatibility layer answers png or webp whatever output_format asks",
        ...reported(GEMINI_SOURCES),
      },
      ...Object.fromEntries(
        GEMINI_OTHERS.filter((f) => !GEMINI_TAKES.has(f)).map((f) => [
          f,
          {
            does: 'ignores',
            why: 'the compatibility layer takes only model, prompt, n, size and response_format',
            ...reported(GEMINI_SOURCES),
          },
        ]),
      ),
    },
    editBody: 'json',
    lacks: {
      edits: reported(GEMINI_SOURCES),
      variations: reported(GEMINI_SOURCES),
      batches: reported(REFERENCE),
      responses: reported(GEMINI_RESPONSES),
    },
    answers: { noUsage: true, sources: GEMINI_SOURCES },
  },
  {
    id: 'vllm-omni',
    title: 'vLLM-Omni (local)',
    auth: 'bearer',
    keyRequired: false,
    defaultModel: 'listed',
    openaiDates: false,
    extraFields: ['seed', 'num_inference_steps', 'guidance_scale', 'negative_prompt'],
    editBody: 'multipart',
    editBodyRule: confirmed('vllm-project/vllm-omni docs/serving/image_generation_api.md'),
    lacks: {
      variations: confirmed('vllm-omni protocol/images.py'),
      batches: reported(REFERENCE),
      responses: reported(VLLM_RESPONSES),
    },
    answers: {
      format: 'png',
      noUsage: true,
      sources: 'vllm-omni docs/serving/image_generation_api.md, protocol/images.py (2025-12-28)',
    },
  },
  {
    id: 'litellm',
    title: 'LiteLLM proxy',
    auth: 'bearer',
    keyRequired: true,
    openaiDates: true,
    editBody: 'either',
    answers: {
      usageWithoutDetails: true,
      sources: 'BerriAI/litellm issues #31142 (usage without output_tokens_details), #26863 (cost 0)',
    },
  },
  {
    id: 'new-api',
    title: 'new-api / one-api relay',
    auth: 'bearer',
    keyRequired: true,
    openaiDates: false,
    editBody: 'either',
    answers: {
      defaultResponse: 'url',
      usageWithoutDetails: true,
      sources: "new-api's image-endpoint page; docs.apiyi.com notes (2026-11, 2026-12-02); new-api#4607",
    },
    notes: 'some relays downscale silently, drop masks, or put an nginx 413 page in front of large bodies',
  },
  {
    id: 'compatible',
    title: 'an OpenAI-compatible server',
    auth: 'bearer',
    keyRequired: false,
    openaiDates: false,
    editBody: 'either',
  },
];

export const PROVIDER_IDS = PROVIDERS.map((p) => p.id);

const BY_ID = new Map<string, ProviderInfo>(PROVIDERS.map((p) => [p.id, p]));

/** The provider of an id (own entries only: `toString` is not a provider). */
export function providerById(id: string): ProviderInfo | undefined {
  return BY_ID.get(id);
}

/** The provider a base URL's host names, or `compatible` when none does. */
export function providerForHost(hostname: string): ProviderInfo {
  return PROVIDERS.find((p) => p.hosts?.test(hostname)) ?? BY_ID.get('compatible')!;
}

/** What a provider does with a field (and this value of it), if anything beyond taking it. */
export function fieldRule(provider: ProviderInfo, api: string, value?: unknown): FieldRule | undefined {
  const rule = provider.fields && Object.hasOwn(provider.fields, api) ? provider.fields[api] : undefined;
  return rule && (!rule.values || rule.values.includes(String(value))) ? rule : undefined;
}

/** A model's shutdown date on this provider: its own where it has one, OpenAI's where those hold. */
export function shutdownOn(
  provider: ProviderInfo,
  model: { id: string; aliases?: readonly string[]; shutdown?: string },
  name: string,
): (Partial<Sourced> & { shutdown: string }) | undefined {
  const own = provider.modelDates;
  for (const id of [name, model.id, ...(model.aliases ?? [])]) if (own && Object.hasOwn(own, id)) return own[id];
  return provider.openaiDates && model.shutdown ? { shutdown: model.shutdown } : undefined;
}

/** `confirmed, docs.x.ai (2026-12-06)`: how a rule's origin is told in warnings and `imgcli models`. */
export const sourceText = (s: Sourced): string => `${s.confidence}: ${s.source}, read ${s.checked}`;

/**
 * xAI's aspect ratios: a WIDTHxHEIGHT is sent as the listed ratio nearest to it (xAI's 13 values
 * and auto), and its resolution as 1k or 2k by the long edge.
 */
export const XAI_ASPECT_RATIOS = [
  '1:1',
  '3:4',
  '4:3',
  '9:16',
  '16:9',
  '2:3',
  '3:2',
  '9:19.5',
  '19.5:9',
  '9:20',
  '20:9',
  '1:2',
  '2:1',
] as const;

export function aspectRatioOf(size: string): { aspect_ratio: string; resolution?: string } {
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (!m) return { aspect_ratio: 'auto' };
  const [w, h] = [Number(m[1]), Number(m[2])];
  const ratio = (r: string) => {
    const [a, b] = r.split(':').map(Number) as [number, number];
    return a / b;
  };
  const nearest = XAI_ASPECT_RATIOS.reduce((best, r) =>
    Math.abs(Math.log(ratio(r) / (w / h))) < Math.abs(Math.log(ratio(best) / (w / h))) ? r : best,
  );
  return { aspect_ratio: nearest, resolution: Math.max(w, h) > 1536 ? '2k' : '1k' };
}

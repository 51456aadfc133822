// Token prices as dated data beside the model table (reference section 10). Estimates only:
// prices change, and models without a rate here report no cost rather than a guess.
import type { Sourced } from './providers.js';
import { findMainline, type Family, type ResolvedModel } from './table.js';

export const PRICES_CHECKED = '2026-12-01';

/** US dollars per million tokens. */
export interface TokenRates {
  textInput: number;
  cachedTextInput: number;
  imageInput: number;
  cachedImageInput: number;
  imageOutput: number;
}

const GPT_IMAGE_2_RATES: TokenRates = {
  textInput: 5,
  cachedTextInput: 1.25,
  imageInput: 8,
  cachedImageInput: 2,
  imageOutput: 30,
};

// gpt-image-2.6 is billed at the 2.5 token rates (reference section 10).
export const RATES: Partial<Record<Family, TokenRates>> = {
  'gpt-image-2': GPT_IMAGE_2_RATES,
  'gpt-image-2.5': GPT_IMAGE_2_RATES,
  'gpt-image-2.6': GPT_IMAGE_2_RATES,
};

/**
 * What the Batch API bills against a direct call (reference section 9, checked on the date
 * given): half, for the same tokens. Estimates of a remote batch are the direct ones times this.
 */
export const BATCH_PRICE = { factor: 0.5, checked: '2026-12-01' } as const;

/** A direct cost (estimate or figure) at the batch price, rounded as estimateCost rounds. */
export const atBatchPrice = (usd: number) => Math.round(usd * BATCH_PRICE.factor * 1e6) / 1e6;

/**
 * The SVG author (svg.model) is a text model billed at its own rates (reported), per 1M tokens:
 * OpenAI's published prices of the gpt-5 text models as secondary sources quote them (figures of
 * 2025-08, recorded on AUTHOR_RATES_CHECKED; rule-sources.ts: svgAuthorRates). A model not
 * listed here is not priced: the estimate then says it covers the image tokens only.
 */
export const AUTHOR_RATES_CHECKED = '2026-12-06';
export const AUTHOR_RATES: Readonly<Record<string, { input: number; output: number }>> = {
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
};

/** The SVG author of a request body as sent ({"output_format": "svg", "svg": {"model": ...}}); null: svg with none named. */
export function svgAuthorOf(body: Record<string, unknown> | undefined): string | null | undefined {
  if (body?.output_format !== 'svg') return undefined;
  const svg = body.svg as Record<string, unknown> | undefined;
  const model = svg && typeof svg === 'object' ? svg.model : body['svg.model'];
  return typeof model === 'string' && model ? model : null;
}

const authorRate = (author: string | null) =>
  author !== null && Object.hasOwn(AUTHOR_RATES, author) ? AUTHOR_RATES[author] : undefined;

/** Says what an SVG's figure leaves out: the author's tokens, unless the answer gave them and they are priced. */
function authorBasis(author: string | null, tokens: number): { usd: number; basis?: string } {
  const who = author === null ? 'the SVG author' : `the SVG author (${author})`;
  if (!tokens)
    return {
      usd: 0,
      basis: `image tokens only: ${who} is billed at its own rates, and the answer's usage does not give its tokens`,
    };
  const rate = authorRate(author);
  if (!rate)
    return {
      usd: 0,
      basis: `image tokens only: ${tokens} tokens of ${who} are billed at its own rates, which imgcli does not have`,
    };
  return {
    usd: (tokens * rate.output) / 1_000_000,
    basis: `with ${tokens} tokens of ${who} at its own rate of $${rate.output} per 1M (reported, recorded ${AUTHOR_RATES_CHECKED})`,
  };
}

/** The families with a known rate, for messages that suggest one. */
export const PRICED_FAMILIES = Object.keys(RATES) as Family[];

export interface CostEstimate {
  usd: number;
  /** The date the rate table was checked, so a reader knows how old the figure's basis is. */
  rates_checked: string;
  /**
   * Set for answers of the offline server: nothing was billed, so `usd` is 0. `at_rates_usd` is
   * what the same usage would cost (where the model has a rate), so --max-cost can be rehearsed.
   */
  offline?: { at_rates_usd?: number };
  /** How the figure was made when not from a full usage breakdown (said on stderr and in --json). */
  basis?: string;
}

/** What a cost without output_tokens_details counts (LiteLLM and relays answer so). */
export const NO_BREAKDOWN = 'no output_tokens_details in the answer: every output token counted as an image token';

/** What an offline run says instead of a dollar figure. */
export const OFFLINE_COST = 'offline: no cost';

/** The cost of an offline server's answer: nothing, with what the real rates would make of it kept aside. */
export function offlineCost(estimate: CostEstimate | undefined): CostEstimate {
  return { usd: 0, rates_checked: PRICES_CHECKED, offline: estimate ? { at_rates_usd: estimate.usd } : {} };
}

/**
 * An answer's token usage in one line, as every command prints it: "5 input + 1056 output = 1061
 * tokens"; undefined when it has no counts.
 */
export function usageText(usage: Record<string, unknown> | undefined): string | undefined {
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const [input, output, total] = [count(usage?.input_tokens), count(usage?.output_tokens), count(usage?.total_tokens)];
  if (input === undefined && output === undefined && total === undefined) return undefined;
  return `${input ?? 0} input + ${output ?? 0} output = ${total ?? (input ?? 0) + (output ?? 0)} tokens`;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * Turns an answer's `usage` into dollars, or undefined when the model or the usage is unknown.
 * `request` (the body as sent) tells an SVG, whose output text tokens are its author's.
 */
export function estimateCost(
  model: ResolvedModel,
  usage: Record<string, unknown> | undefined,
  request?: Record<string, unknown>,
): CostEstimate | undefined {
  const rates = model.guessed ? undefined : RATES[model.family];
  if (!rates || !usage) return undefined;
  const input = (usage.input_tokens_details ?? {}) as Record<string, unknown>;
  const output = (usage.output_tokens_details ?? {}) as Record<string, unknown>;
  const inputTotal = num(usage.input_tokens);
  // Without a breakdown, all input is billed as text and all output as image tokens.
  const imageIn = num(input.image_tokens);
  const textIn = input.text_tokens !== undefined ? num(input.text_tokens) : Math.max(0, inputTotal - imageIn);
  const cached = num(input.cached_tokens);
  const outputImage = output.image_tokens !== undefined ? num(output.image_tokens) : num(usage.output_tokens);
  const outputText = num(output.text_tokens);
  const cachedText = Math.min(cached, textIn);
  // An SVG's text is written by its author model, billed at that model's rates.
  const author = svgAuthorOf(request);
  const svg = author === undefined ? undefined : authorBasis(author, outputText);
  const usd =
    ((textIn - cachedText) * rates.textInput +
      cachedText * rates.cachedTextInput +
      imageIn * rates.imageInput +
      outputImage * rates.imageOutput +
      (svg ? 0 : outputText * rates.textInput)) /
      1_000_000 +
    (svg?.usd ?? 0);
  const noBreakdown = usage.output_tokens_details === undefined && num(usage.output_tokens) ? NO_BREAKDOWN : undefined;
  const basis = [noBreakdown, svg?.basis].filter(Boolean).join('; ');
  return { usd: Math.round(usd * 1e6) / 1e6, rates_checked: PRICES_CHECKED, ...(basis ? { basis } : {}) };
}

/** A relay's flat price (config price-per-image), for the images that came. */
export function flatCost(pricePerImage: number, images: number, checked: string): CostEstimate {
  return {
    usd: Math.round(pricePerImage * images * 1e6) / 1e6,
    rates_checked: checked,
    basis: `${images} image${images === 1 ? '' : 's'} at the configured price of $${pricePerImage} per image`,
  };
}

/**
 * Image output tokens per 1024x1024 image by quality (OpenAI's published counts for GPT image
 * models); the estimate before sending and the offline server's usage both read it.
 */
const OUTPUT_TOKENS_1M: Record<string, number> = {
  low: 272,
  medium: 1056,
  auto: 1056,
  high: 4160,
  xhigh: 4160,
  max: 4160,
};

/** Image output tokens for one image of this size and quality (area-scaled from the 1024x1024 count). */
export function imageOutputTokens(width: number, height: number, quality: unknown): number {
  const base = (Object.hasOwn(OUTPUT_TOKENS_1M, String(quality)) && OUTPUT_TOKENS_1M[String(quality)]) || 1056;
  return (base * width * height) / (1024 * 1024);
}

/** A cost estimate before sending, from size, quality and count; undefined without a known rate. */
export function estimateRequestCost(
  model: ResolvedModel,
  req: { size?: unknown; quality?: unknown; n?: unknown; prompt?: unknown },
): number | undefined {
  const rates = model.guessed ? undefined : RATES[model.family];
  if (!rates) return undefined;
  const m = /^(\d+)x(\d+)$/.exec(String(req.size ?? ''));
  const perImage = m
    ? imageOutputTokens(Number(m[1]), Number(m[2]), req.quality ?? 'auto')
    : imageOutputTokens(1024, 1024, req.quality ?? 'auto');
  const n = typeof req.n === 'number' ? req.n : 1;
  const text = typeof req.prompt === 'string' ? Math.ceil(req.prompt.length / 4) : 0;
  return (perImage * n * rates.imageOutput + text * rates.textInput) / 1_000_000;
}

/**
 * A Responses (mainline) model's text token rates, US dollars per million tokens: what `imgcli chat`
 * pays besides the image, for reading the conversation and calling the tool. Reasoning tokens are
 * billed as output. Secondary sources quoting OpenAI's pricing page: reported, so a figure made
 * from them says so.
 */
export interface MainlineRates extends Sourced {
  input: number;
  cachedInput: number;
  output: number;
}

const MAINLINE_SOURCE =
  "OpenAI's API pricing page as quoted by tokenmix.ai (2026-04-30) and verdent.ai (June 2026); not read at OpenAI";
const reportedRates = (input: number, cachedInput: number, output: number): MainlineRates => ({
  input,
  cachedInput,
  output,
  confidence: 'reported',
  source: MAINLINE_SOURCE,
  checked: '2026-12-06',
});

/** By the mainline table's id (its aliases and dated snapshots share the rates). */
export const MAINLINE_RATES: Readonly<Record<string, MainlineRates>> = {
  'gpt-5.4-mini': reportedRates(0.75, 0.075, 4.5),
  'gpt-5.4': reportedRates(2.5, 0.25, 15),
  'gpt-5.5': reportedRates(5, 0.5, 30),
};

/** The rates of a mainline model (an id, an alias or a dated snapshot of the table); undefined when unknown. */
export function mainlineRates(name: string): MainlineRates | undefined {
  const id = findMainline(name)?.id;
  return id !== undefined && Object.hasOwn(MAINLINE_RATES, id) ? MAINLINE_RATES[id] : undefined;
}

/** The mainline model's share of a conversation turn, from the Responses answer's `usage`; undefined without a rate or usage. */
export function estimateMainlineCost(
  name: string,
  usage: Record<string, unknown> | undefined,
): CostEstimate | undefined {
  const rates = mainlineRates(name);
  if (!rates || !usage) return undefined;
  const details = (usage.input_tokens_details ?? {}) as Record<string, unknown>;
  const input = num(usage.input_tokens);
  const cached = Math.min(num(details.cached_tokens), input);
  const usd =
    ((input - cached) * rates.input + cached * rates.cachedInput + num(usage.output_tokens) * rates.output) / 1e6;
  return {
    usd: Math.round(usd * 1e6) / 1e6,
    rates_checked: rates.checked,
    basis: `${name} at rates ${rates.confidence} by ${rates.source}`,
  };
}

// src/models/: the model, field and price tables as dated data, and the rules and schema read from them; pure.
//
// What to tell the user about a model before anything is sent: not in the table, retiring soon,
// retired on the provider in use (by its own dates: Azure's are not OpenAI's), or a size the model
// marks experimental. Pure: the date and the provider come in.
import { shutdownOn, type ProviderInfo } from './providers.js';
import { endpointRules, modelStatus, ownRule, type Endpoint, type ResolvedModel } from './table.js';

export const OPENAI_HOST = 'api.openai.com';

export interface ModelAdvice {
  /** Refuse before sending: the model is gone from the server being used. */
  refuse?: string;
  warn?: string;
  notice?: string;
}

/** What to tell the user about a model before sending: unknown, retiring soon, or retired. */
export function modelAdvice(model: ResolvedModel, provider: ProviderInfo, now: Date): ModelAdvice {
  if (model.guessed) {
    const how = model.family === 'other' ? 'sending the flags as given' : `checking flags by the ${model.family} rules`;
    return { notice: `${model.name} is not in imgcli's model table; ${how}.` };
  }
  const dates = model.info && shutdownOn(provider, model.info, model.name);
  if (!dates) return {};
  const status = modelStatus({ ...model.info!, shutdown: dates.shutdown }, now);
  const instead = model.info?.replacement
    ? `; use ${model.info.replacement} instead (-m ${model.info.replacement})`
    : '';
  if (status.state === 'retired') {
    return {
      refuse: `${model.name} was shut down on ${status.shutdown} and is no longer served by ${provider.title}${instead}`,
    };
  }
  if (status.state === 'retiring' && status.daysLeft <= 30) {
    const days = status.daysLeft === 1 ? '1 day' : `${status.daysLeft} days`;
    return { warn: `${model.name} shuts down on ${status.shutdown} (in ${days})${instead}.` };
  }
  return {};
}

/** A notice for custom sizes the reference marks experimental (above 2560x1440), else undefined. */
export function experimentalSize(model: ResolvedModel, endpoint: Endpoint, size: unknown): string | undefined {
  const rule = endpointRules(model, endpoint)?.customSize;
  const m = typeof size === 'string' ? /^(\d+)x(\d+)$/.exec(size) : null;
  if (!rule || !m || Number(m[1]) * Number(m[2]) <= rule.experimentalAbove) return undefined;
  return `${size} is above 2560x1440, which ${model.name} marks experimental: results may vary.`;
}

/** A warning for what a format will do to the request: transparency that is all or nothing (gif). */
export function formatAdvice(
  model: ResolvedModel,
  endpoint: Endpoint,
  body: Record<string, unknown>,
): string | undefined {
  const format = typeof body.output_format === 'string' ? body.output_format : undefined;
  const rule = format ? ownRule(endpointRules(model, endpoint)?.formatRules, format) : undefined;
  if (!rule?.binaryAlpha || body.background !== 'transparent') return undefined;
  return `${format} transparency is 1-bit: each pixel is opaque or fully clear, so soft edges and shadows come out hard (png or webp keep them smooth).`;
}

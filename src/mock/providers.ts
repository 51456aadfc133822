// The offline server as another provider (`--mock --provider xai`, `imgcli mock-server --provider
// azure`): driven by the same rows as the client (models/providers.ts), it refuses what the
// provider refuses in the provider's own error shape, leaves out what it ignores, makes the format
// it makes, answers URLs where it does by default, and shapes usage and models as it does. Canned
// error bodies, with their sources, are in fixtures/providers/.
import { fieldRule, providerById, type ProviderInfo } from '../models/providers.js';
import { randomBytes } from 'node:crypto';
import type { RecordedRequest, RouteAnswer, RouteContext } from './route.js';

export const DEFAULT_PROVIDER = providerById('openai')!;

/** The one model a vLLM-Omni server serves here (its GET /models lists only this). */
export const VLLM_MODEL = 'Qwen/Qwen-Image';

/** Providers whose model names are the model table's: requests to other names are answered 404. */
export const judgesModels = (p: ProviderInfo): boolean => p.id === 'openai' || p.id === 'litellm';

/** Models the provider serves besides the table's (its default, its listed one). */
export function providerModels(p: ProviderInfo): string[] {
  if (p.id === 'vllm-omni') return [VLLM_MODEL];
  return p.defaultModel && p.defaultModel !== 'listed' ? [p.defaultModel] : [];
}

/** An error answer in the provider's own shape. */
function refusal(p: ProviderInfo, status: number, message: string, param?: string): RouteAnswer {
  if (p.id === 'xai') return { status, json: { code: 'Client specified an invalid argument', error: message } };
  if (p.id === 'vllm-omni') return { status, json: { detail: message } };
  return {
    status,
    json: { error: { message, type: 'invalid_request_error', param: param ?? null, code: 'invalid_value' } },
  };
}

/**
 * What the provider refuses outright in a request (its rules, confirmed and reported alike: this is
 * the server, not the client's caution), or undefined.
 */
export function providerRefusal(p: ProviderInfo, req: RecordedRequest): RouteAnswer | undefined {
  const body = req.json;
  if (p.id === 'openai') return undefined;
  if (/\/responses$/.test(req.path) && p.lacks?.responses) return refusal(p, 404, `${p.title} has no /responses.`);
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    const endpoint = /\/images\/edits$/.test(req.path);
    return endpoint && p.editBody === 'json'
      ? refusal(
          p,
          415,
          `${p.title} takes edits as JSON only (the body was ${req.headers['content-type'] ?? 'not JSON'}).`,
        )
      : undefined;
  }
  const fields = body as Record<string, unknown>;
  const endpoint = /\/images\/(generations|edits|variations)$/.exec(req.path)?.[1] as
    | 'generations'
    | 'edits'
    | 'variations'
    | undefined;
  if (endpoint && p.lacks?.[endpoint]) return refusal(p, 404, `${p.title} has no /images/${endpoint}.`);
  if (endpoint === 'edits' && p.masks && !p.masks.taken && fields.mask !== undefined)
    return refusal(p, 400, 'Argument not supported: mask', 'mask');
  for (const key of Object.keys(fields)) {
    const rule = fieldRule(p, key, fields[key]);
    if (rule?.does === 'refuses' || rule?.does === 'renames') {
      const message =
        p.id === 'azure'
          ? `Invalid value for ${key}: '${String(fields[key])}'. ${rule.why}.`
          : `Argument not supported: ${key}`;
      return refusal(p, 400, message, key);
    }
  }
  return undefined;
}

/** The long edge xAI's resolution stands for. */
const RESOLUTION_EDGE: Record<string, number> = { '1k': 1024, '2k': 2048 };

/**
 * The request as the picture maker reads it: the provider's own format (xAI makes JPEG, Gemini and
 * vLLM-Omni PNG), xAI's aspect ratio as a size.
 */
export function providerRequest(p: ProviderInfo, fields: Record<string, unknown>): Record<string, unknown> {
  const out = { ...fields };
  for (const key of Object.keys(out)) if (fieldRule(p, key, out[key])?.does === 'ignores') delete out[key];
  if (p.answers?.format) out.output_format = p.answers.format;
  const ratio =
    typeof out.aspect_ratio === 'string' ? /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(out.aspect_ratio) : null;
  if (ratio) {
    const edge = RESOLUTION_EDGE[String(out.resolution ?? '1k')] ?? 1024;
    const [w, h] = [Number(ratio[1]), Number(ratio[2])];
    const scale = edge / Math.max(w, h);
    const even = (n: number) => Math.max(16, Math.round((n * scale) / 16) * 16);
    out.size = `${even(w)}x${even(h)}`;
  }
  delete out.aspect_ratio;
  delete out.resolution;
  return out;
}

/**
 * The answer as the provider words it: URLs by default where it answers so (unless b64_json was
 * asked for), usage without details or none, b64 as data URLs, no `created`.
 */
export async function providerAnswer(
  p: ProviderInfo,
  json: Record<string, unknown>,
  request: { format: string; responseFormat?: unknown; size?: unknown },
  ctx: RouteContext,
): Promise<Record<string, unknown>> {
  const out = { ...json };
  const { format } = request;
  // A relay's silent downscale: past 2560x1440 the long edge is cut to 1672 (a 3840x2160 request came back 1672x941).
  const m = p.id === 'new-api' && typeof request.size === 'string' ? /^(\d+)x(\d+)$/.exec(request.size) : null;
  if (m && Number(m[1]) * Number(m[2]) > 2560 * 1440) {
    const { default: sharp } = await import('sharp');
    const width = Math.round((Number(m[1]) * 1672) / Math.max(Number(m[1]), Number(m[2])));
    const height = Math.round((Number(m[2]) * 1672) / Math.max(Number(m[1]), Number(m[2])));
    out.data = await Promise.all(
      (out.data as Array<Record<string, unknown>>).map(async (item) =>
        typeof item.b64_json === 'string'
          ? {
              ...item,
              b64_json: (await sharp(Buffer.from(item.b64_json, 'base64')).resize(width, height).toBuffer()).toString(
                'base64',
              ),
            }
          : item,
      ),
    );
  }
  if (p.answers?.defaultResponse === 'url' && request.responseFormat !== 'b64_json')
    out.data = (out.data as Array<Record<string, unknown>>).map((item) => {
      if (typeof item.b64_json !== 'string') return item;
      const { b64_json, ...rest } = item;
      const id = randomBytes(8).toString('hex');
      ctx.files.set(id, {
        bytes: Buffer.from(b64_json, 'base64'),
        contentType: `image/${format}`,
        expiresAt: ctx.nowMs() + ctx.urlTtlMs,
      });
      return { ...rest, url: `${ctx.origin}/files/${id}.${format === 'jpeg' ? 'jpg' : format}` };
    });
  if (p.answers?.noUsage) delete out.usage;
  else if (p.answers?.usageWithoutDetails && out.usage && typeof out.usage === 'object') {
    const { output_tokens_details: _details, ...usage } = out.usage as Record<string, unknown>;
    out.usage = usage;
  }
  if (p.id === 'xai') {
    delete out.created;
    out.data = (out.data as Array<Record<string, unknown>>).map((item) =>
      typeof item.b64_json === 'string' ? { ...item, b64_json: `data:image/${format};base64,${item.b64_json}` } : item,
    );
  }
  return out;
}

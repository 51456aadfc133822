// Settings from flags and the environment, with one precedence rule:
// flag > environment > built-in default. The environment is read once, through zod.
import { z } from 'zod';
import { UsageError } from './errors.js';
import { DEFAULT_MODEL } from './models.js';
import type { Runtime } from './io.js';

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_TIMEOUT_S = 600;
export const DEFAULT_MAX_RETRIES = 2;

/** Global flags as commander hands them over (`optsWithGlobals()`). */
export interface GlobalFlags {
  baseUrl?: string;
  apiKey?: string;
  org?: string;
  project?: string;
  timeout?: number;
  maxRetries?: number;
  mock?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  model?: string;
}

export interface Settings {
  baseUrl: string;
  apiKey?: string;
  org?: string;
  project?: string;
  timeoutMs: number;
  maxRetries: number;
  model: string;
  mock: boolean;
  quiet: boolean;
  verbose: boolean;
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().optional());
const truthy = z.preprocess(
  blankToUndefined,
  z
    .enum(['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'], { error: 'use 1 or 0' })
    .optional()
    .transform((v) => (v === undefined ? undefined : ['1', 'true', 'yes', 'on'].includes(v))),
);

const Env = z.object({
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  OPENAI_ORG_ID: optionalString,
  OPENAI_PROJECT_ID: optionalString,
  IMGCLI_MODEL: optionalString,
  IMGCLI_MOCK: truthy,
});

export type EnvSettings = z.infer<typeof Env>;

export function readEnv(env: Runtime['env']): EnvSettings {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`environment variable ${issue.path.join('.')}=${env[String(issue.path[0])]} is not valid: ${issue.message}`);
  }
  return parsed.data;
}

function checkBaseUrl(url: string, source: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${source} ${url} is not a URL`, 'Use a full URL such as https://api.openai.com/v1.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`${source} ${url} must start with http:// or https://`);
  }
  return url.replace(/\/+$/, '');
}

export function resolveSettings(flags: GlobalFlags, rt: Pick<Runtime, 'env'>): Settings {
  const env = readEnv(rt.env);
  const baseUrl = flags.baseUrl
    ? checkBaseUrl(flags.baseUrl, '--base-url')
    : env.OPENAI_BASE_URL
      ? checkBaseUrl(env.OPENAI_BASE_URL, 'OPENAI_BASE_URL')
      : DEFAULT_BASE_URL;
  return {
    baseUrl,
    apiKey: flags.apiKey ?? env.OPENAI_API_KEY,
    org: flags.org ?? env.OPENAI_ORG_ID,
    project: flags.project ?? env.OPENAI_PROJECT_ID,
    timeoutMs: Math.round((flags.timeout ?? DEFAULT_TIMEOUT_S) * 1000),
    maxRetries: flags.maxRetries ?? DEFAULT_MAX_RETRIES,
    model: flags.model ?? env.IMGCLI_MODEL ?? DEFAULT_MODEL,
    mock: flags.mock ?? env.IMGCLI_MOCK ?? false,
    quiet: Boolean(flags.quiet),
    verbose: Boolean(flags.verbose),
  };
}

/** `sk-proj-abcdef...wxyz` -> `sk-...wxyz`: enough to tell keys apart, never enough to use one. */
export function redactKey(key: string | undefined): string {
  if (!key) return '(none)';
  const prefix = key.startsWith('sk-') ? 'sk-' : '';
  return key.length <= 8 ? `${prefix}...` : `${prefix}...${key.slice(-4)}`;
}

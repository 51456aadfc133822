// The settings `imgcli config` stores, each with the rule its value must follow. The same rules
// check `config set`, the config file when it is read, and (timeout, max-retries) the flags.
// Light at import time: cli.ts uses the number rules for its argParsers.
import { shownHeaderValue } from '../api/redact.js';
import {
  CONFIG_FIELDS,
  longFlag,
  readField,
  tableValues,
  type ConfigField,
  type ImageField,
} from '../models/fields.js';
import { FAMILIES } from '../models/table.js';
import { PROVIDER_IDS, providerById } from '../models/providers.js';
import { customSizeProblem } from '../models/sizes.js';

export type ConfigValue = string | number;

export interface KeySpec {
  summary: string;
  /** Shown redacted by `config get` and `config list`. */
  secret?: boolean;
  /** Returns the value to store, or throws an Error whose message says what the value must be. */
  parse(value: string): ConfigValue | Promise<ConfigValue>;
  /** How `config get` and `list` show a stored value, when not as it is (secrets are redacted). */
  display?(value: string): string;
}

/** A rule a value broke; the message completes "<key> <value> is not valid: ..." (say what to use). */
export class ValueError extends Error {
  override name = 'ValueError';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function nonEmpty(what: string) {
  return (value: string): string => {
    const v = value.trim();
    if (!v) throw new ValueError(`${what} cannot be empty`);
    return v;
  };
}

export function parseTimeoutSeconds(value: string): number {
  const n = Number(value);
  if (!value.trim() || !Number.isFinite(n) || n <= 0) throw new ValueError('use a number of seconds greater than 0');
  return n;
}

export function parseMaxRetries(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 10) throw new ValueError('use a whole number from 0 to 10');
  return n;
}

export function parseBaseUrl(value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ValueError('use a full URL such as https://api.openai.com/v1');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ValueError('must start with http:// or https://');
  return value.replace(/\/+$/, '');
}

export const AUTH_HEADERS = ['bearer', 'api-key'] as const;
export type AuthHeader = (typeof AUTH_HEADERS)[number];

export function parseAuthHeader(value: string): AuthHeader {
  const v = value.trim().toLowerCase();
  if (!(AUTH_HEADERS as readonly string[]).includes(v)) throw new ValueError(`use one of ${AUTH_HEADERS.join(', ')}`);
  return v as AuthHeader;
}

/** Azure deployment names and api-versions go into a URL path and query as they are. */
function urlToken(what: string) {
  return (value: string): string => {
    const v = value.trim();
    if (!NAME.test(v)) throw new ValueError(`${what} takes letters, digits, dots, dashes and underscores only`);
    return v;
  };
}

/**
 * The config default of a field (size, quality, format): the field's own reader, and a value at
 * least one model in the table takes; gen, edit and vary apply it where the model takes it.
 */
function fieldDefault(field: ImageField): KeySpec {
  if (field.kind === 'text')
    return {
      summary: `default ${longFlag(field)}, used where the model takes it`,
      parse: nonEmpty(`the ${longFlag(field).slice(2).replaceAll('-', ' ')}`),
    };
  return {
    summary: `default ${longFlag(field)}, used where the model takes it`,
    parse: async (value: string) => {
      const v = String(readField(field, value.trim().toLowerCase()));
      const listed = tableValues(field);
      if (listed.includes(v)) return v;
      const custom =
        field.kind === 'size'
          ? Object.values(FAMILIES)
              .flatMap((f) => Object.values(f.endpoints))
              .find((r) => r.customSize)?.customSize
          : undefined;
      if (!custom) throw new ValueError(`use one of ${listed.join(', ')}`);
      const problem = customSizeProblem(v, custom);
      if (problem) throw new ValueError(`${problem}; or use one of ${listed.join(', ')}`);
      return v;
    },
  };
}

/** An extra request header, lowercased name first; what --header and the `headers` key both take. */
export type Header = readonly [name: string, value: string];

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers imgcli writes from the request itself: replacing them would break it. */
const OWN_HEADERS = ['host', 'content-type', 'content-length', 'transfer-encoding', 'connection'];

/** `Name: value` -> ['name', 'value']; a ValueError says what is wrong. */
export function parseHeader(text: string): Header {
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (colon < 0 || !name) throw new ValueError(`write it as "Name: value", e.g. "X-Gateway-Team: images"`);
  if (!HEADER_NAME.test(name))
    throw new ValueError(`"${name}" is not a header name (letters, digits and - only, no spaces)`);
  const value = text.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value)) throw new ValueError('a header value is one line');
  if (OWN_HEADERS.includes(name.toLowerCase())) throw new ValueError(`imgcli sets ${name} itself, from the request`);
  return [name.toLowerCase(), value];
}

/** The `headers` key: one `Name: value` per line (`config set headers -` reads several from stdin). */
export function parseHeaderLines(text: string): Header[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim())
    .map(parseHeader);
}

/** The Files API's bounds for expires_after.seconds (one hour to 30 days). */
export const EXPIRY_RANGE = { min: 3600, max: 2_592_000 } as const;

/**
 * What an upload is for, and how long the server keeps it unless the config says otherwise: the
 * files imgcli uploads set expires_after (config/uploads.ts), so they do not pile up.
 */
export const UPLOAD_KINDS = {
  /** Edit inputs: `imgcli files upload`, and a remote batch's input images (purpose vision). */
  inputs: { key: 'files-expire-after', defaultSeconds: 7 * 86_400 },
  /** A remote batch's request files (purpose batch). */
  batch: { key: 'batch-files-expire-after', defaultSeconds: 30 * 86_400 },
} as const;
export type UploadKind = keyof typeof UPLOAD_KINDS;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `7d`, `36h`, `90m`, `3600s` (or a bare number of seconds) -> seconds; `never` -> null (kept until deleted). */
export function parseExpiry(value: string): number | null {
  const v = value.trim().toLowerCase();
  if (v === 'never' || v === 'off') return null;
  const m = /^(\d+)\s*([smhd]?)$/.exec(v);
  const seconds = m ? Number(m[1]) * UNITS[m[2] || 's']! : Number.NaN;
  if (!(seconds >= EXPIRY_RANGE.min && seconds <= EXPIRY_RANGE.max))
    throw new ValueError('give a time from 1h to 30d (e.g. 7d, 36h, 3600s), or never');
  return seconds;
}

/** `7d`, `36h`, `3600s`: how an expiry is told (and stored). */
export function expiryText(seconds: number | null): string {
  if (seconds === null) return 'never';
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const)
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

/** on/off switches, kept as `on` or `off`: on, true, yes, 1 or off, false, no, 0. */
function onOff(value: string): 'on' | 'off' {
  const v = value.trim().toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(v)) return 'on';
  if (['off', 'false', 'no', '0'].includes(v)) return 'off';
  throw new ValueError('use on or off');
}

const SPECS = {
  'api-key': {
    summary: 'API key (prefer this to --api-key, whose value lands in shell history)',
    secret: true,
    parse: (value: string) => {
      const v = value.trim();
      if (!v || /\s/.test(v)) throw new ValueError('give the key itself, without spaces');
      return v;
    },
  },
  'base-url': { summary: 'API base URL, e.g. https://<resource>.openai.azure.com/openai/v1', parse: parseBaseUrl },
  org: { summary: 'OpenAI organization id (OpenAI-Organization header)', parse: nonEmpty('the organization id') },
  project: { summary: 'OpenAI project id (OpenAI-Project header)', parse: nonEmpty('the project id') },
  auth: { summary: 'how the key is sent: bearer (Authorization header) or api-key (Azure)', parse: parseAuthHeader },
  'azure-deployment': { summary: 'Azure dated API: the deployment name', parse: urlToken('the deployment name') },
  'azure-api-version': {
    summary: 'Azure dated API: the api-version, e.g. 2025-04-01-preview',
    parse: urlToken('the api-version'),
  },
  provider: {
    summary: `the kind of server: ${PROVIDER_IDS.join(', ')} (default: from the base URL's host)`,
    parse: (value: string) => {
      const v = value.trim().toLowerCase();
      if (!providerById(v)) throw new ValueError(`use one of ${PROVIDER_IDS.join(', ')}`);
      return v;
    },
  },
  model: { summary: 'default model for gen and edit', parse: nonEmpty('the model name') },
  'price-per-image': {
    summary: "a server's flat price per image in US dollars (a relay's), for cost figures instead of token rates",
    parse: (value: string) => {
      const n = Number(value.trim());
      if (!Number.isFinite(n) || n < 0) throw new ValueError('give an amount in US dollars, e.g. 0.04');
      return n;
    },
  },
  // size, quality and format: one key per field of the field table that takes a config default.
  ...(Object.fromEntries(CONFIG_FIELDS.map((f) => [f.config, fieldDefault(f)])) as Record<ConfigField, KeySpec>),
  'out-dir': { summary: 'folder for generated file names when -o is not given', parse: nonEmpty('the folder') },
  timeout: { summary: 'seconds before a request is given up (default 600)', parse: parseTimeoutSeconds },
  'max-retries': {
    summary: 'retries for rate limits, server errors, dropped connections (default 2)',
    parse: parseMaxRetries,
  },
  'files-expire-after': {
    summary: `how long the server keeps images imgcli uploads for edits (files upload, batch --remote inputs): 1h to 30d, or never (default ${expiryText(UPLOAD_KINDS.inputs.defaultSeconds)})`,
    parse: (value: string) => expiryText(parseExpiry(value)),
  },
  'batch-files-expire-after': {
    summary: `how long the server keeps batch --remote's request files: 1h to 30d, or never (default ${expiryText(UPLOAD_KINDS.batch.defaultSeconds)})`,
    parse: (value: string) => expiryText(parseExpiry(value)),
  },
  strict: {
    summary: 'on: refuse requests that break a reported rule too (as --strict)',
    parse: (value: string) => onOff(value),
  },
  warnings: {
    summary: 'off: no warnings about reported rules (as --no-warnings)',
    parse: (value: string) => onOff(value),
  },
  headers: {
    summary: 'extra request headers, one "Name: value" per line (as --header)',
    parse: (value: string) => {
      const headers = parseHeaderLines(value);
      if (!headers.length) throw new ValueError('give at least one "Name: value"');
      return headers.map(([name, v]) => `${name}: ${v}`).join('\n');
    },
    display: (value: string) =>
      parseHeaderLines(value)
        .map(([name, v]) => `${name}: ${shownHeaderValue(name, v)}`)
        .join('; '),
  },
} satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof SPECS;
export const CONFIG_KEYS: Record<ConfigKey, KeySpec> = SPECS;
export type ConfigValues = Partial<Record<ConfigKey, ConfigValue>>;

export const KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[];

export function isConfigKey(key: string): key is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, key);
}

export function isProfileName(name: string): boolean {
  return NAME.test(name) && name.length <= 64;
}

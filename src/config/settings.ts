// Settings from flags, the environment and the config file, with one precedence rule:
// flag > environment > active profile > config defaults > built-in default.
// The environment is read once (by hand: see readEnv); the config file as plain JSON.
import {
  UPLOAD_KINDS,
  parseBaseUrl,
  parseExpiry,
  parseHeaderLines,
  ValueError,
  type UploadKind,
  type AuthHeader,
  type ConfigKey,
  type ConfigValue,
  type ConfigValues,
  type Header,
} from './keys.js';
import { defaultConfigDir, profileOf, readConfigFile } from './file.js';
import { UsageError } from '../errors.js';
import { own } from '../own.js';
import { CONFIG_FIELDS, type ConfigField } from '../models/fields.js';
import { DEFAULT_MODEL } from '../models/table.js';
import { PROVIDER_IDS, providerById, providerForHost, type ProviderInfo } from '../models/providers.js';
import { didYouMean } from '../suggest.js';
import type { Runtime } from '../runtime.js';

export { redactKey } from '../api/redact.js';

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
  profile?: string;
  authHeader?: AuthHeader;
  azureDeployment?: string;
  azureApiVersion?: string;
  mock?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  model?: string;
  provider?: string;
  /** --strict: refuse what breaks a reported rule too. */
  strict?: boolean;
  /** False with --no-warnings: reported rules are not warned about. */
  warnings?: boolean;
  /** --header, repeatable: [lowercased name, value] pairs. */
  header?: Header[];
}

/** Proxy settings from HTTPS_PROXY, HTTP_PROXY and NO_PROXY (lowercase wins, as in curl). */
export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

/** Config-file defaults for the image flags (one per CONFIG_FIELDS entry); pipeline/defaults.ts applies them where the model takes them. */
export type ImageDefaults = Partial<Record<ConfigField, string>> & { outDir?: string };

/** Where a setting came from, for --verbose and for error hints. */
export type Source = 'flag' | 'env' | 'profile' | 'config' | 'default';

/** Where the provider came from: a setting, the base URL's host, or the default (OpenAI). */
export type ProviderSource = Source | 'host';

export interface Settings {
  baseUrl: string;
  /** The kind of server (models/providers.ts): chosen, or detected from the base URL's host. */
  provider: ProviderInfo;
  providerFrom: ProviderSource;
  /** Reported rules refused too (--strict). */
  strict: boolean;
  /** A flat price per image (config price-per-image): costs are images times it, not token rates. */
  pricePerImage?: number;
  /** Reported rules warned about (false with --no-warnings or `config set warnings off`). */
  warnings: boolean;
  apiKey?: string;
  org?: string;
  project?: string;
  authHeader: AuthHeader;
  /** Azure's dated API: requests go to /deployments/<name>/images/... */
  azureDeployment?: string;
  /** Sent as ?api-version= on every request. */
  azureApiVersion?: string;
  timeoutMs: number;
  maxRetries: number;
  model: string;
  defaults: ImageDefaults;
  proxy?: ProxySettings;
  profile?: string;
  configPath?: string;
  sources: Partial<Record<'baseUrl' | 'apiKey' | 'model' | 'authHeader', Source>>;
  mock: boolean;
  quiet: boolean;
  verbose: boolean;
  /** False with --no-color; the rest of the colour rule (NO_COLOR, TTY) is terminal/'s. */
  color?: boolean;
  /** Seconds until the server deletes what imgcli uploads, by kind (config files-expire-after...); null: never. */
  uploadExpiry: Record<UploadKind, number | null>;
  /** Extra request headers: the config's, then the profile's, then --header's, a later one replacing an earlier of the same name. */
  headers: Header[];
  /** Where each extra header came from, by name: "--header", "the profile azure", "the config". */
  headerSources: Record<string, string>;
}

// The environment variables imgcli reads: text, blank meaning unset. Read by hand rather than
// through zod: settings are resolved on every run, the up-to-date --check included, and zod
// costs more to load than such a run costs in all.
const TEXT_VARIABLES = [
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OPENAI_ORG_ID',
  'OPENAI_PROJECT_ID',
  'IMGCLI_MODEL',
  'IMGCLI_PROVIDER',
  'IMGCLI_PROFILE',
  'IMGCLI_CONFIG_DIR',
  // Where the platform keeps config folders (conf's env-paths reads the same).
  'XDG_CONFIG_HOME',
  'APPDATA',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
] as const;

/** On/off variables: 1, true, yes, on or 0, false, no, off; blank is unset. */
const SWITCH_VARIABLES = ['IMGCLI_MOCK'] as const;
const ON = ['1', 'true', 'yes', 'on'];
const OFF = ['0', 'false', 'no', 'off'];

export type EnvSettings = { [K in (typeof TEXT_VARIABLES)[number]]?: string } & {
  [K in (typeof SWITCH_VARIABLES)[number]]?: boolean;
};

export function readEnv(env: Runtime['env']): EnvSettings {
  const out: Record<string, string | boolean> = {};
  for (const name of TEXT_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') out[name] = value;
  }
  for (const name of SWITCH_VARIABLES) {
    const value = env[name];
    if (value === undefined || value.trim() === '') continue;
    if (ON.includes(value)) out[name] = true;
    else if (OFF.includes(value)) out[name] = false;
    else throw new UsageError(`environment variable ${name}=${value} is not valid: use 1 or 0`);
  }
  return out as EnvSettings;
}

function checkBaseUrl(url: string, source: string): string {
  try {
    return parseBaseUrl(url);
  } catch (err) {
    if (err instanceof ValueError) throw new UsageError(`${source} ${url} is not valid: ${err.message}`);
    throw err;
  }
}

function proxyFrom(env: EnvSettings): ProxySettings | undefined {
  const proxy = {
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY,
    httpProxy: env.http_proxy ?? env.HTTP_PROXY,
    noProxy: env.no_proxy ?? env.NO_PROXY,
  };
  if (!proxy.httpsProxy && !proxy.httpProxy) return undefined;
  for (const [name, url] of [
    ['HTTPS_PROXY', proxy.httpsProxy],
    ['HTTP_PROXY', proxy.httpProxy],
  ] as const) {
    if (url && !URL.canParse(url))
      throw new UsageError(`${name} is not a URL`, 'Use a proxy URL such as http://proxy.example:3128, or unset it.');
  }
  return proxy;
}

/** The config folder: IMGCLI_CONFIG_DIR, else the platform's (~/.config/imgcli on Linux). */
export function configDir(env: EnvSettings): string {
  return env.IMGCLI_CONFIG_DIR ?? defaultConfigDir(env);
}

function checkProvider(name: string, source: string): string {
  if (providerById(name)) return name;
  throw new UsageError(
    `${source}=${name} is not a provider${didYouMean(name, PROVIDER_IDS)}`,
    `Providers: ${PROVIDER_IDS.join(', ')} (see \`imgcli models --help\`).`,
  );
}

/**
 * The provider in effect and the base URL: a provider chosen by a setting keeps the base URL given
 * (or takes its own, where it has one); otherwise the base URL's host names it, and compatible
 * is what no host names.
 */
function providerOf(
  chosen: ProviderInfo | undefined,
  chosenFrom: Source,
  baseUrl: string | undefined,
  mock: boolean,
): { provider: ProviderInfo; providerFrom: ProviderSource; url: string } {
  if (chosen) {
    // The offline server stands in for any provider: it needs no address of theirs.
    const url = baseUrl ?? chosen.baseUrl ?? (mock ? DEFAULT_BASE_URL : undefined);
    if (!url)
      throw new UsageError(
        `the provider ${chosen.id} has no address of its own: give its base URL`,
        `Set --base-url (or OPENAI_BASE_URL, or \`imgcli config set base-url ...\`), e.g. http://localhost:8000/v1.`,
      );
    return { provider: chosen, providerFrom: chosenFrom, url };
  }
  const url = baseUrl ?? DEFAULT_BASE_URL;
  const host = URL.canParse(url) ? new URL(url).hostname : '';
  return { provider: providerForHost(host), providerFrom: baseUrl === undefined ? 'default' : 'host', url };
}

export async function resolveSettings(flags: GlobalFlags, rt: Pick<Runtime, 'env' | 'secrets'>): Promise<Settings> {
  const env = readEnv(rt.env);
  const file = await readConfigFile(configDir(env));
  // Every key the file holds is hidden from the output, whichever one this run uses.
  for (const values of [file.values, ...Object.values(file.profiles)])
    rt.secrets?.add(values['api-key'] as string | undefined);
  const profileName = flags.profile ?? env.IMGCLI_PROFILE;
  const profile: ConfigValues =
    profileName === undefined
      ? {}
      : profileOf(file, profileName, flags.profile !== undefined ? '--profile' : 'IMGCLI_PROFILE');
  /** The first value set, in precedence order, and where it came from. */
  function pick<T extends ConfigValue>(
    flag: T | undefined,
    envValue: T | undefined,
    key: ConfigKey,
  ): [T | undefined, Source] {
    if (flag !== undefined) return [flag, 'flag'];
    if (envValue !== undefined) return [envValue, 'env'];
    if (profile[key] !== undefined) return [profile[key] as T, 'profile'];
    if (file.values[key] !== undefined) return [file.values[key] as T, 'config'];
    return [undefined, 'default'];
  }
  const [baseUrl, baseUrlFrom] = pick(
    flags.baseUrl ? checkBaseUrl(flags.baseUrl, '--base-url') : undefined,
    env.OPENAI_BASE_URL ? checkBaseUrl(env.OPENAI_BASE_URL, 'OPENAI_BASE_URL') : undefined,
    'base-url',
  );
  const [apiKey, apiKeyFrom] = pick(flags.apiKey, env.OPENAI_API_KEY, 'api-key');
  const [providerName, providerNameFrom] = pick(
    flags.provider ?? undefined,
    env.IMGCLI_PROVIDER ? checkProvider(env.IMGCLI_PROVIDER, 'IMGCLI_PROVIDER') : undefined,
    'provider',
  );
  const chosen = providerName === undefined ? undefined : providerById(String(providerName));
  const mock = flags.mock ?? env.IMGCLI_MOCK ?? false;
  const { provider, providerFrom, url } = providerOf(chosen, providerNameFrom, baseUrl, mock);
  const [model, modelFrom] = pick(flags.model, env.IMGCLI_MODEL, 'model');
  const [azureDeployment] = pick(flags.azureDeployment, undefined, 'azure-deployment');
  const [azureApiVersion] = pick(flags.azureApiVersion, undefined, 'azure-api-version');
  const [auth, authFrom] = pick(flags.authHeader, undefined, 'auth');
  if (azureDeployment && !azureApiVersion) {
    throw new UsageError(
      '--azure-deployment needs --azure-api-version',
      "Azure's dated API takes both, e.g. --azure-api-version 2025-04-01-preview (or `imgcli config set azure-api-version ...`).",
    );
  }
  const sourced: Array<[Header[], string]> = [
    [parseHeaderLines(String(file.values.headers ?? '')), 'the config (headers)'],
    [parseHeaderLines(String(profile.headers ?? '')), `the profile ${profileName} (headers)`],
    [flags.header ?? [], '--header'],
  ];
  const headers = new Map<string, { value: string; from: string }>();
  for (const [list, from] of sourced) for (const [name, value] of list) headers.set(name, { value, from });
  const timeout = pick(flags.timeout, undefined, 'timeout')[0] as number | undefined;
  const maxRetries = pick(flags.maxRetries, undefined, 'max-retries')[0] as number | undefined;
  const defaults = (key: ConfigKey) => pick(undefined, undefined, key)[0] as string | undefined;
  const settings: Settings = {
    baseUrl: url,
    provider,
    providerFrom,
    strict: flags.strict ?? pick(undefined, undefined, 'strict')[0] === 'on',
    pricePerImage: pick(undefined, undefined, 'price-per-image')[0] as number | undefined,
    warnings: flags.warnings !== false && pick(undefined, undefined, 'warnings')[0] !== 'off',
    apiKey,
    org: pick(flags.org, env.OPENAI_ORG_ID, 'org')[0],
    project: pick(flags.project, env.OPENAI_PROJECT_ID, 'project')[0],
    // Azure's dated API takes the key in an api-key header; Bearer stays available for Entra tokens.
    authHeader: (auth as AuthHeader | undefined) ?? (azureDeployment ? 'api-key' : provider.auth),
    azureDeployment,
    azureApiVersion,
    timeoutMs: Math.round((timeout ?? DEFAULT_TIMEOUT_S) * 1000),
    maxRetries: maxRetries ?? DEFAULT_MAX_RETRIES,
    model:
      model ?? (provider.defaultModel && provider.defaultModel !== 'listed' ? provider.defaultModel : DEFAULT_MODEL),
    defaults: {
      ...Object.fromEntries(CONFIG_FIELDS.map((f) => [f.config, defaults(f.config)])),
      outDir: defaults('out-dir'),
    },
    proxy: proxyFrom(env),
    profile: profileName,
    configPath: file.path,
    sources: { baseUrl: baseUrlFrom, apiKey: apiKeyFrom, model: modelFrom, authHeader: authFrom },
    mock,
    quiet: Boolean(flags.quiet),
    verbose: Boolean(flags.verbose),
    color: flags.color,
    uploadExpiry: Object.fromEntries(
      Object.entries(UPLOAD_KINDS).map(([kind, k]) => {
        const set = defaults(k.key);
        return [kind, set === undefined ? k.defaultSeconds : parseExpiry(String(set))];
      }),
    ) as Record<UploadKind, number | null>,
    headers: [...headers].map(([name, h]) => [name, h.value] as const),
    headerSources: Object.fromEntries([...headers].map(([name, h]) => [name, h.from])),
  };
  checkHeaders(settings, apiKeyFrom);
  return settings;
}

const FROM: Record<Source, string> = {
  flag: '--api-key',
  env: 'OPENAI_API_KEY',
  profile: 'the profile',
  config: 'the config',
  default: 'the default',
};

/**
 * An extra header never replaces by surprise what imgcli sends from a setting: the key's header
 * while a key is set, the organization and project while they are. With no key, an Authorization
 * header of one's own is how a gateway's token is sent.
 */
function checkHeaders(settings: Settings, apiKeyFrom: Source): void {
  const keyHeader = settings.authHeader === 'api-key' ? 'api-key' : 'authorization';
  const taken: Record<string, [boolean, string, string]> = {
    [keyHeader]: [
      settings.apiKey !== undefined,
      `the API key (from ${FROM[apiKeyFrom]})`,
      'Drop the header, or unset the key to send this header as the credential; --auth-header api-key sends the key in an api-key header instead.',
    ],
    'openai-organization': [
      settings.org !== undefined,
      'the organization (--org, OPENAI_ORG_ID or org)',
      'Set the organization with --org alone.',
    ],
    'openai-project': [
      settings.project !== undefined,
      'the project (--project, OPENAI_PROJECT_ID or project)',
      'Set the project with --project alone.',
    ],
  };
  for (const [name] of settings.headers) {
    const [set, what, hint] = own(taken, name) ?? [false, '', ''];
    if (set)
      throw new UsageError(
        `${settings.headerSources[name]} sets ${name}, which imgcli already sends for ${what}; it would be replaced`,
        hint,
      );
  }
}

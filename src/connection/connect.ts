// src/connection/: settings to an API connection: auth, headers, proxy, Azure paths, the offline server for --mock.
//
// Connecting to the API: the Connection for the configured server (auth header, Azure query,
// proxy, timeouts, retries), and the offline server for --mock.
import { closeDispatchers, dispatcherFor, keepWasmBaseline, type Connection } from '../api/http.js';
import { proxyFor } from '../api/proxy.js';
import type { Settings } from '../config/settings.js';
import { MissingKeyError } from '../errors.js';
import type { Messenger } from '../terminal/messenger.js';
import type { Runtime } from '../runtime.js';
import { redactKey, redactUrlCredentials, shownHeaderValue } from '../api/redact.js';
import { isAzure, queryFor } from './route.js';
import { configExposure } from '../config/file.js';
import { USER_AGENT } from '../version.js';

export interface OpenConnection {
  conn: Connection;
  close: () => Promise<void>;
}

/** The Connection for a target, with every setting that shapes the request (shared with --dry-run). */
export function connectionFor(
  rt: Runtime,
  settings: Settings,
  say: Messenger,
  target: { baseUrl: string; apiKey?: string },
): Connection {
  const proxy = settings.mock ? undefined : settings.proxy;
  const via = proxyFor(target.baseUrl, proxy);
  return {
    ...target,
    authHeader: settings.mock ? 'bearer' : settings.authHeader,
    offline: settings.mock || undefined,
    headers: settings.headers,
    noCreated: settings.provider.answers?.noCreated,
    proxy: via && redactUrlCredentials(via),
    query: queryFor(settings),
    org: settings.org,
    project: settings.project,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    userAgent: USER_AGENT,
    signal: rt.signal,
    // One dispatcher for API calls and URL downloads, so both honour the proxy settings.
    dispatcher: dispatcherFor(settings.timeoutMs, proxy),
    log: settings.verbose ? say.verbose : undefined,
    onRetry: ({
      attempt,
      maxAttempts,
      delayMs,
      reason,
    }: {
      attempt: number;
      maxAttempts: number;
      delayMs: number;
      reason: string;
    }) => say.info(`${reason}: retrying in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt} of ${maxAttempts})`),
  };
}

/** --verbose: where each connection setting came from, and whether a proxy is in the way. */
export function logSettings(settings: Settings, say: Messenger, baseUrl: string): void {
  if (!settings.verbose) return;
  const from = (key: keyof Settings['sources']) => settings.sources[key] ?? 'default';
  if (settings.profile) say.verbose(`profile ${settings.profile} (config file ${settings.configPath})`);
  say.verbose(`base URL ${baseUrl} (from ${settings.mock ? '--mock' : from('baseUrl')})`);
  if (settings.apiKey)
    say.verbose(
      `API key ${redactKey(settings.apiKey)} for ${baseUrl} (from ${from('apiKey')}), sent as ${settings.authHeader === 'api-key' ? 'an api-key header' : 'Authorization: Bearer'}`,
    );
  else if (!settings.mock) say.verbose('no API key: none is sent');
  for (const [name, value] of settings.headers)
    say.verbose(`header ${name}: ${shownHeaderValue(name, value)} (from ${settings.headerSources[name]})`);
  if (settings.mock) return;
  const proxy = proxyFor(baseUrl, settings.proxy);
  if (proxy)
    say.verbose(
      `proxy: requests to ${new URL(baseUrl).host} and image downloads go through ${redactUrlCredentials(proxy)}`,
    );
  else if (settings.proxy)
    say.verbose(`proxy: none for ${new URL(baseUrl).host} (NO_PROXY); image downloads may still use one`);
}

/** Connects to the configured server, or starts the offline one in-process for --mock. */
export async function openConnection(
  rt: Runtime,
  settings: Settings,
  say: Messenger,
  offline: { recall?: (responseId: string) => Promise<{ image: Buffer; revised?: string } | undefined> } = {},
): Promise<OpenConnection> {
  keepWasmBaseline();
  if (settings.mock) {
    // The offline server (and the picture code under it) loads only for --mock.
    const { startMockServer } = await import('../mock/server.js');
    // The offline server stands in for the provider in effect (api.openai.com unless told otherwise),
    // as of the run's date: a model it has shut down by then is refused. A conversation's earlier
    // responses are recalled from the client's thread (imgcli chat).
    const server = await startMockServer({
      now: rt.now,
      provider: settings.provider.id,
      retiredAsOf: rt.now,
      recall: offline.recall,
    });
    say.verbose(`offline server listening at ${server.url}`);
    logSettings(settings, say, server.url);
    const close = async () => {
      await closeDispatchers();
      await server.close();
    };
    return {
      conn: connectionFor(rt, settings, say, { baseUrl: server.url, apiKey: settings.apiKey ?? 'sk-imgcli-mock' }),
      close,
    };
  }
  if (!settings.apiKey) {
    if (needsKey(settings)) throw new MissingKeyError();
    if (!ownCredential(settings))
      say.info(
        `no API key: sending to ${new URL(settings.baseUrl).host} without one (a server that needs none; set OPENAI_API_KEY if it does)`,
      );
  }
  warnKeyElsewhere(settings, say);
  warnKeyExposed(settings, say);
  logSettings(settings, say, settings.baseUrl);
  return {
    conn: connectionFor(rt, settings, say, { baseUrl: settings.baseUrl, apiKey: settings.apiKey }),
    close: closeDispatchers,
  };
}

/** 127.0.0.0/8, ::1 and localhost: a plain http:// key sent there never leaves the machine. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  // An IPv4-mapped IPv6 address (::ffff:7f00:1, as URL writes ::ffff:127.0.0.1) is loopback too.
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host);
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127(?:\.\d{1,3}){3}$/.test(host) ||
    /^::ffff:127\./.test(host) ||
    (mapped !== null && parseInt(mapped[1]!, 16) >> 8 === 127)
  );
}

/** Warnings for a key that may be seen: sent in the clear (plain http:// off this machine), or kept in a config file others can read. */
function warnKeyExposed(settings: Settings, say: Messenger): void {
  const url = new URL(settings.baseUrl);
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    say.warn(
      `the API key is sent unencrypted to ${url.host} (the base URL is plain http://); use https:// unless this network is yours.`,
    );
  }
  if (settings.configPath) for (const line of configExposure(settings.configPath)) say.warn(line);
}

/** An Authorization (or api-key) header of the user's own: a gateway token standing in for the key. */
function ownCredential(settings: Settings): boolean {
  return settings.headers.some(([name]) => name === 'authorization' || name === 'api-key');
}

/**
 * Whether the server cannot be used without a key: OpenAI and Azure always want one, unless the
 * user sends a credential header of their own. A local or compatible server may need none.
 */
export function needsKey(settings: Settings): boolean {
  if (settings.mock || ownCredential(settings)) return false;
  return settings.provider.keyRequired || isAzure(settings);
}

/**
 * OPENAI_API_KEY wins over a profile's key (flag > env > profile), so it can reach a server the
 * profile chose. Say so when that server is not OpenAI: a key should not travel by surprise.
 */
function warnKeyElsewhere(settings: Settings, say: Messenger): void {
  const { apiKey, baseUrl } = settings.sources;
  if (apiKey !== 'env' || (baseUrl !== 'profile' && baseUrl !== 'config')) return;
  if (new URL(settings.baseUrl).hostname === 'api.openai.com') return;
  say.warn(
    `the API key from OPENAI_API_KEY is sent to ${new URL(settings.baseUrl).host} (the base URL of your ${baseUrl === 'profile' ? `profile ${settings.profile}` : 'config'}); unset OPENAI_API_KEY to use the key stored there.`,
  );
}

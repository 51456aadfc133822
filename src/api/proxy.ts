// Forward proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) through undici's EnvHttpProxyAgent.
// The values arrive as arguments: this layer never reads process.env.
import { Agent, EnvHttpProxyAgent, type Dispatcher } from './undici.js';

export interface ProxyOptions {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

export interface TimeoutOptions {
  headersTimeout: number;
  bodyTimeout: number;
  connectTimeout: number;
}

/**
 * An Agent, or with a proxy configured an EnvHttpProxyAgent. Empty strings (not undefined) are
 * passed for unset values because undici falls back to process.env for undefined ones.
 */
export function makeDispatcher(timeouts: TimeoutOptions, proxy?: ProxyOptions): Dispatcher {
  if (!proxy?.httpProxy && !proxy?.httpsProxy) return new Agent(timeouts);
  return new EnvHttpProxyAgent({
    ...timeouts,
    httpProxy: proxy.httpProxy ?? '',
    httpsProxy: proxy.httpsProxy ?? '',
    noProxy: proxy.noProxy ?? '',
    // Plain http:// targets go to the proxy as absolute-URI requests, as curl does; https:// uses CONNECT.
    proxyTunnel: false,
  });
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * The proxy a request to `url` goes through, or undefined when it goes direct. Mirrors
 * EnvHttpProxyAgent's choice (NO_PROXY entries match the host and its subdomains, optionally
 * with a port; `*` matches everything) so a verbose log can say what will happen.
 */
export function proxyFor(url: string, proxy: ProxyOptions | undefined): string | undefined {
  if (!proxy) return undefined;
  const target = new URL(url);
  const chosen = target.protocol === 'https:' ? proxy.httpsProxy || proxy.httpProxy : proxy.httpProxy;
  if (!chosen) return undefined;
  const noProxy = (proxy.noProxy ?? '').trim();
  if (noProxy === '*') return undefined;
  const host = target.host.replace(/:\d*$/, '').toLowerCase();
  const port =
    Number.parseInt(target.port, 10) ||
    (Object.hasOwn(DEFAULT_PORTS, target.protocol) ? DEFAULT_PORTS[target.protocol] : 0) ||
    0;
  for (const raw of noProxy.split(/[,\s]/)) {
    if (!raw) continue;
    const m = /^(.+):(\d+)$/.exec(raw);
    const entryHost = (m ? m[1]! : raw).replace(/^\*?\./, '').toLowerCase();
    const entryPort = m ? Number(m[2]) : 0;
    if (entryPort && entryPort !== port) continue;
    if (host === entryHost || host.endsWith(`.${entryHost}`)) return undefined;
  }
  return chosen;
}

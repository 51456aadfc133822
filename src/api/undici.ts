// The three pieces of undici imgcli sends with, each loaded from its own module. undici's index
// loads all of undici (fetch, WebSocket, cookies, caches, HTTP/2, mocks, SOCKS), which costs about
// 45 ms of CPU on every run that sends a request (`node -e "require('undici')"`: 65 ms on Node 20;
// these three files: 22 ms). undici has no "exports" map, so these paths are reachable;
// test/undici-parts.test.ts checks they are the very classes and function the index exports.
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import EnvHttpProxyAgentClass from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import requestOnDispatcher from 'undici/lib/api/api-request.js';

export type { Dispatcher };
export const Agent = AgentClass as typeof Undici.Agent;
export const EnvHttpProxyAgent = EnvHttpProxyAgentClass as typeof Undici.EnvHttpProxyAgent;

type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & { dispatcher: Dispatcher };

/** undici's `request(url, options)`, always through the dispatcher given (never the global one). */
export function request(url: string | URL, options: RequestOptions): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  const target = new URL(url);
  return (requestOnDispatcher as (this: Dispatcher, opts: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>).call(dispatcher, {
    ...rest,
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    method: options.method ?? 'GET',
  });
}

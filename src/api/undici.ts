// The pieces of undici imgcli sends with, each loaded from its own module. undici's index loads
// all of undici (fetch, WebSocket, cookies, caches, HTTP/2, mocks, SOCKS), which costs about 45 ms
// of CPU on every run that sends a request (`node -e "require('undici')"`: 65 ms on Node 20; these
// files: 22 ms). undici has no "exports" map, so these paths are reachable.
//
// Like undici's index, this installs the request API (request, stream, pipeline, upgrade,
// connect) on Dispatcher.prototype: a ProxyAgent opens its CONNECT tunnel to an https:// server
// with `client.connect()`, which exists only once that is done. test/undici-parts.test.ts checks,
// in a process that never loads the index, that these are the index's own classes and methods.
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgentClass from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import api from 'undici/lib/api/index.js';

Object.assign((DispatcherClass as typeof Undici.Dispatcher).prototype, api);

export type { Dispatcher };
export const Agent = AgentClass as typeof Undici.Agent;
export const EnvHttpProxyAgent = EnvHttpProxyAgentClass as typeof Undici.EnvHttpProxyAgent;

type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method: Dispatcher.HttpMethod;
  dispatcher: Dispatcher;
};

/** undici's `request(url, options)`, always through the dispatcher given (never the global one). */
export function request(url: string | URL, options: RequestOptions): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  const target = new URL(url);
  return dispatcher.request({ ...rest, origin: target.origin, path: `${target.pathname}${target.search}` });
}

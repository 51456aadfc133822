// Proxies: a small local forward proxy (node:http; http:// targets need no CONNECT) between the
// CLI and the offline server. API requests and URL downloads go through it; NO_PROXY bypasses it.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { proxyFor } from '../src/api/proxy.js';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { cleanupTemps, imgcli } from './helpers/cli.js';

interface Seen {
  method: string;
  url: string;
  proxyAuthorization?: string;
}

/** Forwards absolute-URI requests to their target and records what passed. */
async function startProxy(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', proxyAuthorization: req.headers['proxy-authorization'] });
    const { 'proxy-authorization': _auth, 'proxy-connection': _pc, ...headers } = req.headers;
    const upstream = request(req.url!, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let mock: MockServer;
let proxy: Awaited<ReturnType<typeof startProxy>>;
beforeAll(async () => {
  mock = await startMockServer();
  proxy = await startProxy();
});
afterAll(async () => {
  await Promise.all([mock.close(), proxy.close()]);
  cleanupTemps();
});
afterEach(() => {
  mock.requests.length = 0;
  proxy.seen.length = 0;
});

const gen = (env: Record<string, string>, extra: string[] = []) =>
  imgcli(['--base-url', mock.url, '--verbose', 'gen', 'a fox', '-o', 'f.png', ...extra], { env });

describe('HTTP_PROXY', () => {
  it('sends API requests through the proxy and says so under --verbose', async () => {
    const r = await gen({ HTTP_PROXY: proxy.url });
    expect(r.exitCode).toBe(0);
    expect(proxy.seen).toEqual([
      { method: 'POST', url: `${mock.url}/images/generations`, proxyAuthorization: undefined },
    ]);
    expect(mock.apiRequests()).toHaveLength(1);
    expect(r.stderr).toContain(`proxy: requests to 127.0.0.1:${mock.port} and image downloads go through ${proxy.url}`);
  });

  it('honours the lowercase name, and downloads image URLs through the proxy too', async () => {
    const r = await gen({ http_proxy: proxy.url }, ['-m', 'dall-e-3']);
    expect(r.exitCode).toBe(0);
    expect(proxy.seen.map((s) => s.method)).toEqual(['POST', 'GET']);
    expect(proxy.seen[1]!.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${mock.port}/files/`));
    expect(mock.requests.map((q) => q.method)).toEqual(['POST', 'GET']);
  });

  it('bypasses the proxy for NO_PROXY hosts', async () => {
    const r = await gen({ HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' });
    expect(r.exitCode).toBe(0);
    expect(proxy.seen).toEqual([]);
    expect(mock.apiRequests()).toHaveLength(1);
    expect(r.stderr).toContain(`proxy: none for 127.0.0.1:${mock.port} (NO_PROXY)`);
  });

  it('passes proxy credentials to the proxy and keeps them out of --verbose', async () => {
    const withAuth = proxy.url.replace('http://', 'http://user:pr0xy-pass@');
    const r = await gen({ HTTP_PROXY: withAuth });
    expect(r.exitCode).toBe(0);
    expect(proxy.seen[0]!.proxyAuthorization).toBe(`Basic ${Buffer.from('user:pr0xy-pass').toString('base64')}`);
    expect(r.stderr).toContain(`go through http://***@127.0.0.1:${proxy.url.split(':').pop()}`);
    expect(r.stderr).not.toContain('pr0xy-pass');
  });

  it('does not use the proxy for the in-process offline server (--mock)', async () => {
    const r = await imgcli(['--mock', 'gen', 'x', '-o', 'x.png'], {
      env: { HTTP_PROXY: proxy.url, OPENAI_API_KEY: undefined },
    });
    expect(r.exitCode).toBe(0);
    expect(proxy.seen).toEqual([]);
  });

  it('fails with exit 6 and a proxy hint when the proxy is down', async () => {
    const r = await gen({ HTTP_PROXY: 'http://127.0.0.1:9' }, ['--max-retries', '0']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/through the proxy http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/);
    expect(r.stderr).toMatch(/hint: Check the proxy \(HTTPS_PROXY, HTTP_PROXY\)/);
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('refuses a proxy value that is not a URL', async () => {
    const r = await gen({ HTTPS_PROXY: 'not a url' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/HTTPS_PROXY is not a URL/);
  });
});

describe("proxyFor (what --verbose reports) follows undici's NO_PROXY rules", () => {
  const p = { httpProxy: 'http://h:1', httpsProxy: 'http://s:2' };
  it.each([
    ['https://api.openai.com/v1', {}, 'http://s:2'],
    ['http://gw.local/v1', {}, 'http://h:1'],
    ['https://api.openai.com/v1', { httpsProxy: undefined }, 'http://h:1'],
    ['https://api.openai.com/v1', { noProxy: 'openai.com' }, undefined],
    ['https://api.openai.com/v1', { noProxy: '.openai.com' }, undefined],
    ['https://api.openai.com/v1', { noProxy: '*.openai.com' }, undefined],
    ['https://api.openai.com/v1', { noProxy: 'api.openai.com:8443' }, 'http://s:2'],
    ['https://api.openai.com/v1', { noProxy: 'api.openai.com:443' }, undefined],
    ['https://notopenai.com/v1', { noProxy: 'openai.com' }, 'http://s:2'],
    ['http://127.0.0.1:8080/v1', { noProxy: '*' }, undefined],
  ])('%s with %j -> %s', (url, extra, expected) => {
    expect(proxyFor(url, { ...p, ...extra })).toBe(expected);
  });
});

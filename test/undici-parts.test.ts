// src/api/undici.ts loads a few of undici's own modules instead of its index (which loads all of
// undici). In a process that never loads the index, these must be the very classes the index
// exports, with the request API (request, connect, ...) installed on Dispatcher.prototype as the
// index installs it: a ProxyAgent tunnels to https:// servers with `connect`. And request() must
// send what undici's request(url, options) sends, through the dispatcher given.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Agent, request } from '../src/api/undici.js';
import { ROOT } from './helpers/cli.js';

describe('the undici pieces imgcli loads', () => {
  it("are the index's own classes and prototype methods, in a process that never loads the index", () => {
    const script = `
      import { createRequire } from 'node:module';
      const { Agent, EnvHttpProxyAgent } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/api/undici.js')).href)});
      const require = createRequire(${JSON.stringify(pathToFileURL(join(ROOT, 'package.json')).href)});
      const indexLoaded = () => Object.keys(require.cache).some((p) => p.endsWith('/undici/index.js'));
      const before = indexLoaded();
      const Dispatcher = require('undici/lib/dispatcher/dispatcher.js');
      const methods = ['request', 'stream', 'pipeline', 'upgrade', 'connect'].map((m) => [m, typeof Dispatcher.prototype[m]]);
      const ours = Object.fromEntries(['request', 'stream', 'pipeline', 'upgrade', 'connect'].map((m) => [m, Dispatcher.prototype[m]]));
      const undici = require('undici');
      console.log(JSON.stringify({
        before,
        methods: Object.fromEntries(methods),
        sameClasses: Agent === undici.Agent && EnvHttpProxyAgent === undici.EnvHttpProxyAgent && Dispatcher === undici.Dispatcher,
        sameMethods: Object.entries(ours).every(([m, f]) => undici.Dispatcher.prototype[m] === f),
      }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
    ) as Record<string, unknown>;
    expect(out).toEqual({
      before: false,
      methods: {
        request: 'function',
        stream: 'function',
        pipeline: 'function',
        upgrade: 'function',
        connect: 'function',
      },
      sameClasses: true,
      sameMethods: true,
    });
  });

  it('request() sends the method, path, query, headers and body through the dispatcher given', async () => {
    const seen: { method?: string; url?: string; header?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, header: req.headers['x-test'] as string, body });
        res.setHeader('x-answer', 'yes');
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dispatcher = new Agent();
    try {
      let dispatched = 0;
      const counting = dispatcher.compose((dispatch) => (opts, handler) => (dispatched++, dispatch(opts, handler)));
      const res = await request(`${base}/v1/images/generations?api-version=2025-04-01`, {
        method: 'POST',
        headers: { 'x-test': 'a' },
        body: '{"p":1}',
        dispatcher: counting,
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-answer']).toBe('yes');
      expect(await res.body.json()).toEqual({ ok: true });
      const get = await request(new URL(`${base}/v1/models`), { method: 'GET', dispatcher });
      await get.body.text();
      expect(seen).toEqual([
        { method: 'POST', url: '/v1/images/generations?api-version=2025-04-01', header: 'a', body: '{"p":1}' },
        { method: 'GET', url: '/v1/models', header: undefined, body: '' },
      ]);
      expect(dispatched).toBe(1);
    } finally {
      await dispatcher.close();
      server.close();
    }
  });
});

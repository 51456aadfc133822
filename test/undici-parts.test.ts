// src/api/undici.ts loads three of undici's own modules instead of its index (which loads all of
// undici). These must be the very pieces the index exports, and request() must send what undici's
// request(url, options) sends: the path and query of the URL, through the dispatcher given.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as undici from 'undici';
import { describe, expect, it } from 'vitest';
import { Agent, EnvHttpProxyAgent, request } from '../src/api/undici.js';

describe('the undici pieces imgcli loads', () => {
  it('are the classes undici exports', () => {
    expect(Agent).toBe(undici.Agent);
    expect(EnvHttpProxyAgent).toBe(undici.EnvHttpProxyAgent);
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
      const res = await request(`${base}/v1/images/generations?api-version=2025-04-01`, { method: 'POST', headers: { 'x-test': 'a' }, body: '{"p":1}', dispatcher: counting });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-answer']).toBe('yes');
      expect(await res.body.json()).toEqual({ ok: true });
      const get = await request(new URL(`${base}/v1/models`), { dispatcher });
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

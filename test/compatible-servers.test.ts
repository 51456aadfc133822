// Compatible servers and networks: a local server that needs no key gets none (one notice), while
// OpenAI and Azure still require one; --header (and the `headers` config key) adds request headers,
// never replaces the key's header by surprise, and is shown redacted when its name looks secret;
// a connection that fails through a proxy names the proxy; and the destination is proven writable
// before anything is sent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { imgcli, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();
const SECRET = 'tok-secret-value-5678';

let keyless: MockServer;
beforeAll(async () => {
  keyless = await startMockServer({ keyless: true });
});
afterAll(() => keyless.close());

const noKey = { OPENAI_API_KEY: undefined };

describe('a server that needs no key', () => {
  it('gets no Authorization header and one notice line, instead of exit 4', async () => {
    keyless.requests.length = 0;
    const r = await imgcliInProcess(['--base-url', keyless.url, 'gen', 'a fox', '-o', 'fox.png'], { env: noKey });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('fox.png');
    const host = new URL(keyless.url).host;
    expect(r.stderr.split('\n')[0]).toBe(
      `no API key: sending to ${host} without one (a server that needs none; set OPENAI_API_KEY if it does)`,
    );
    expect(r.stderr.match(/no API key/g)).toHaveLength(1);
    expect(keyless.requests).toHaveLength(1);
    expect(keyless.requests[0]!.headers.authorization).toBeUndefined();
    expect(keyless.requests[0]!.headers['api-key']).toBeUndefined();
  });

  it('--dry-run shows no key header and a curl command that needs no key', async () => {
    const r = await imgcliInProcess(['--base-url', keyless.url, 'gen', 'a fox', '--dry-run', '--json'], { env: noKey });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as { headers: Record<string, string>; curl: string };
    expect(doc.headers).not.toHaveProperty('authorization');
    expect(doc.curl).not.toContain('OPENAI_API_KEY');
  });

  it('OpenAI and Azure still need a key: exit 4 before anything is sent', async () => {
    for (const base of [[], ['--base-url', 'https://myres.openai.azure.com/openai/v1']]) {
      const r = await imgcliInProcess([...base, 'gen', 'a fox'], { env: noKey });
      expect(r.exitCode, base.join(' ')).toBe(4);
      expect(r.stderr).toMatch(/^error: No API key: OPENAI_API_KEY is not set\./);
    }
  });
});

describe('--header', () => {
  it('adds headers to every request, shown redacted in --verbose when the name looks secret', async () => {
    const r = await imgcliInProcess(
      [
        '--header',
        'X-Gateway-Team: images',
        '--header',
        `X-Api-Token: ${SECRET}`,
        '--verbose',
        'gen',
        'a fox',
        '-o',
        'a.png',
      ],
      { env: { OPENAI_BASE_URL: mock.url } },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const seen = mock.apiRequests()[0]!.headers;
    expect(seen['x-gateway-team']).toBe('images');
    expect(seen['x-api-token']).toBe(SECRET);
    expect(seen.authorization).toMatch(/^Bearer sk-test-/);
    expect(r.stderr).toContain('[imgcli] header x-gateway-team: images (from --header)');
    expect(r.stderr).toContain('[imgcli] header x-api-token: ...5678 (from --header)');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('--dry-run shows them, secret ones redacted, in the headers and the curl command', async () => {
    const text = await imgcliInProcess(
      ['--header', 'X-Gateway-Team: images', '--header', `X-Api-Token: ${SECRET}`, 'gen', 'a fox', '--dry-run'],
      { env: { OPENAI_BASE_URL: mock.url } },
    );
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('\nx-gateway-team: images\nx-api-token: ...5678\n');
    expect(text.stdout).toContain("-H 'x-gateway-team: images'");
    expect(text.stdout).toContain("-H 'x-api-token: ...5678'");
    expect(text.stdout).toContain('x-api-token shown redacted: put the value in');
    const json = await imgcliInProcess(['--header', `X-Api-Token: ${SECRET}`, 'gen', 'a fox', '--dry-run', '--json'], {
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect((JSON.parse(json.stdout) as { headers: Record<string, string> }).headers['x-api-token']).toBe('...5678');
    expect(text.stdout + text.stderr + json.stdout + json.stderr).not.toContain(SECRET);
    expect(mock.requests).toHaveLength(0);
  });

  it("never replaces the key's header (or --org's) by surprise: exit 2, nothing sent", async () => {
    const auth = await imgcliInProcess(['--header', 'Authorization: Bearer gateway-token', 'gen', 'a fox'], {
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect(auth.exitCode).toBe(2);
    expect(auth.stderr).toMatch(
      /^error: --header sets authorization, which imgcli already sends for the API key \(from OPENAI_API_KEY\); it would be replaced\nhint: Drop the header, or unset the key/,
    );
    const azure = await imgcliInProcess(['--auth-header', 'api-key', '--header', 'api-key: other', 'gen', 'a fox'], {
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect(azure.exitCode).toBe(2);
    expect(azure.stderr).toContain('--header sets api-key, which imgcli already sends for the API key');
    const org = await imgcliInProcess(['--org', 'org-1', '--header', 'OpenAI-Organization: org-2', 'gen', 'a fox'], {
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect(org.exitCode).toBe(2);
    expect(org.stderr).toMatch(/openai-organization, which imgcli already sends for the organization/);
    expect(mock.requests).toHaveLength(0);
  });

  it("with no key, an Authorization header of one's own is the credential (no notice, no exit 4)", async () => {
    const r = await imgcliInProcess(
      ['--header', 'Authorization: Bearer gateway-token-1', 'gen', 'a fox', '-o', 'a.png'],
      { env: { ...noKey, OPENAI_BASE_URL: mock.url } },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(mock.apiRequests()[0]!.headers.authorization).toBe('Bearer gateway-token-1');
    expect(r.stderr).not.toMatch(/no API key/);
    const openai = await imgcliInProcess(
      ['--header', 'Authorization: Bearer gateway-token-1', 'gen', 'a fox', '--dry-run', '--json'],
      { env: noKey },
    );
    expect(openai.exitCode).toBe(0);
    expect((JSON.parse(openai.stdout) as { headers: Record<string, string> }).headers.authorization).toBe('...en-1');
  });

  it('refuses what is not a header, and headers imgcli writes itself', async () => {
    for (const [value, why] of [
      ['no colon here', /write it as "Name: value"/],
      ['Bad Name: x', /"Bad Name" is not a header name/],
      ['Content-Type: text/plain', /imgcli sets Content-Type itself/],
    ] as const) {
      const r = await imgcliInProcess(['--header', value, 'gen', 'a fox'], { env: { OPENAI_BASE_URL: mock.url } });
      expect(r.exitCode, value).toBe(2);
      expect(r.stderr).toMatch(why);
    }
    expect(mock.requests).toHaveLength(0);
  });

  it('is a profile setting too (headers, one per line); --header wins for the same name; get shows secrets redacted', async () => {
    const dir = tempDir();
    const set = await imgcliInProcess(['config', 'set', '--profile', 'gw', 'headers', '-'], {
      cwd: dir,
      input: `X-Gateway-Team: images\nX-Api-Token: ${SECRET}\n`,
    });
    expect(set.exitCode, set.stderr).toBe(0);
    expect(set.stderr + set.stdout).not.toContain(SECRET);
    const get = await imgcliInProcess(['--profile', 'gw', 'config', 'get', 'headers'], { cwd: dir });
    expect(get.stdout).toBe('x-gateway-team: images; x-api-token: ...5678');
    const r = await imgcliInProcess(
      ['--profile', 'gw', '--header', 'X-Gateway-Team: video', 'gen', 'a fox', '-o', 'a.png'],
      { cwd: dir, env: { OPENAI_BASE_URL: mock.url } },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const seen = mock.apiRequests()[0]!.headers;
    expect(seen['x-gateway-team']).toBe('video');
    expect(seen['x-api-token']).toBe(SECRET);
    const bad = await imgcliInProcess(['config', 'set', 'headers', 'nonsense'], { cwd: dir });
    expect(bad.exitCode).toBe(2);
  });
});

describe('proxies', () => {
  let refusing: Server;
  let refusingUrl: string;
  const tunnels: string[] = [];
  beforeAll(async () => {
    // A proxy that refuses every tunnel: CONNECT gets 407.
    refusing = createServer((_req, res) => res.writeHead(502).end());
    refusing.on('connect', (req, socket) => {
      tunnels.push(req.url ?? '');
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    refusingUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => refusing.close(() => resolve())));

  /** A port nothing listens on: one the OS gave and took back. */
  async function closedPort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    return port;
  }

  it('names the proxy (credentials hidden) when it cannot be reached, and says how to go direct', async () => {
    const port = await closedPort();
    const r = await imgcliInProcess(['--max-retries', '0', 'gen', 'a fox'], {
      env: { OPENAI_BASE_URL: mock.url, HTTP_PROXY: `http://user:hunter2@127.0.0.1:${port}` },
    });
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toContain(
      `error: Could not reach ${new URL(mock.url).host} through the proxy http://***@127.0.0.1:${port}:`,
    );
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(r.stderr).toMatch(
      /hint: Check the proxy \(HTTPS_PROXY, HTTP_PROXY\): is http:\/\/\*\*\*@127\.0\.0\.1:\d+ running, and does it let this host through\? To go direct, add the host to NO_PROXY\./,
    );
    expect(r.stderr).not.toContain('hunter2');
    expect(mock.requests).toHaveLength(0);
  });

  it('names the proxy when it refuses the tunnel, and does not call it a request that may have been billed', async () => {
    // A spawned run: in this process the offline server has loaded undici's index, which would
    // hide a client that cannot open a tunnel on its own (src/api/undici.ts).
    tunnels.length = 0;
    const r = await imgcli(['--base-url', 'https://api.example.test/v1', 'gen', 'a fox'], {
      env: { HTTPS_PROXY: refusingUrl },
    });
    expect(tunnels).toEqual(['api.example.test:443']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toContain(
      `error: The proxy ${refusingUrl} would not connect to api.example.test: it answered 407 (it wants credentials)`,
    );
    expect(r.stderr).not.toMatch(/billed/);
  });

  it('a connection without a proxy reads as before', async () => {
    const port = await closedPort();
    const r = await imgcliInProcess([
      '--max-retries',
      '0',
      '--base-url',
      `http://127.0.0.1:${port}/v1`,
      'gen',
      'a fox',
    ]);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(new RegExp(`^error: Could not reach 127\\.0\\.0\\.1:${port}: `));
    expect(r.stderr).not.toContain('through the proxy');
  });
});

describe('the destination', () => {
  it('is proven writable before the paid request: -o /proc/x.png is refused, nothing sent', async () => {
    const r = await imgcliInProcess(['gen', 'a fox', '-o', '/proc/x.png'], { env: { OPENAI_BASE_URL: mock.url } });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error: output folder \/proc (does not take new files|is not writable); nothing was sent\nhint: Choose another place with -o\.$/,
    );
    expect(mock.requests).toHaveLength(0);
  });
});

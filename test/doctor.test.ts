// `imgcli doctor`: one screen (or --json) answering "why doesn't it work?", exit 1 when a check
// fails. The server checks ask the offline server's GET /v1/models; api.openai.com is only ever
// reached through a local proxy that refuses the tunnel, so nothing leaves the machine.
import { chmodSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_NODE, VERIFY_URL } from '../src/commands/doctor/checks.js';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { FAKE_KEY, ROOT, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({ extraModels: ['local-image-model', 'whisper-local'] });

interface Doc {
  ok: boolean;
  version: string;
  checks: Array<{ name: string; status: string; detail: string; hint?: string }>;
  models?: Array<{ id: string; status: string; shutdown_date?: string }>;
}

const check = (doc: Doc, name: string) => doc.checks.find((c) => c.name === name);

let strict: MockServer;
let keyless: MockServer;
let refusing: Server;
let refusingUrl: string;
beforeAll(async () => {
  strict = await startMockServer({ apiKey: 'sk-the-right-key-0000' });
  keyless = await startMockServer({ keyless: true });
  // Stands between the CLI and api.openai.com: every tunnel is refused, so no request leaves.
  refusing = createServer((_req, res) => res.writeHead(502).end());
  refusing.on('connect', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  refusingUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all([strict.close(), keyless.close(), new Promise<void>((resolve) => refusing.close(() => resolve()))]);
});

describe('imgcli doctor', () => {
  it('all good: one screen of checks, the key redacted, the models the server lists, exit 0', async () => {
    const r = await imgcliInProcess(['doctor'], { env: { OPENAI_BASE_URL: mock.url } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(
      'imgcli 0.1.0 doctor, 2026-12-01'.replace(
        '0.1.0',
        JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
      ),
    );
    expect(lines.length).toBeLessThanOrEqual(24);
    const row = (name: string) => lines.find((l) => new RegExp(`^  \\S+\\s+${name} `).test(l));
    expect(row('node')).toMatch(
      new RegExp(`^  ok    node\\s+${process.version.replaceAll('.', '\\.')} \\(imgcli needs ${MIN_NODE} or later\\)$`),
    );
    expect(row('sharp')).toMatch(/^  ok\s+sharp\s+\d+\.\d+\.\d+ \(libvips /);
    expect(row('config')).toMatch(/^  ok\s+config\s+.*config\.json \(none yet/);
    expect(row('key')).toMatch(/^  ok\s+key\s+sk-\.\.\.1234 from OPENAI_API_KEY, sent as Authorization: Bearer$/);
    expect(row('base URL')).toContain(`${mock.url} (from OPENAI_BASE_URL)`);
    expect(row('proxy')).toMatch(/^  ok\s+proxy\s+none$/);
    expect(row('server')).toMatch(/^  ok\s+server\s+answered GET \/models in \d+ ms$/);
    expect(row('key valid')).toMatch(/^  ok\s+key valid\s+accepted$/);
    expect(row('models')).toMatch(/image models: gpt-image-2\.6-flare, /);
    // Not api.openai.com: no word about OpenAI's organization verification.
    expect(r.stdout).not.toContain(VERIFY_URL);
    expect(r.stdout).not.toContain(FAKE_KEY);
    expect(mock.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /v1/models']);
  });

  it('--json: ok, every check, and the image models with their status', async () => {
    const r = await imgcliInProcess(['doctor', '--json'], { env: { OPENAI_BASE_URL: mock.url } });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.ok).toBe(true);
    expect(doc.checks.map((c) => c.name)).toEqual([
      'node',
      'sharp',
      'config',
      'provider',
      'key',
      'base URL',
      'proxy',
      'server',
      'key valid',
      'models',
    ]);
    expect(doc.models).toEqual(
      expect.arrayContaining([
        { id: 'gpt-image-2', status: 'current' },
        { id: 'dall-e-3', status: 'retired', shutdown_date: '2026-05-12' },
        { id: 'local-image-model', status: 'unknown' },
      ]),
    );
    // Image models only: the server's other models are not the question here.
    expect(doc.models!.map((m) => m.id)).not.toContain('whisper-local');
    expect(r.stdout).not.toContain(FAKE_KEY);
  });

  it('a key the server refuses: FAIL key valid, exit 1, the count on stderr', async () => {
    const r = await imgcliInProcess(['doctor'], { env: { OPENAI_BASE_URL: strict.url } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(
      /^  FAIL\s+key valid\s+The API answered 401 \(invalid_api_key\): Incorrect API key provided/m,
    );
    // Not api.openai.com: OpenAI's key page is not where this server's key comes from.
    expect(r.stdout).toMatch(/^\s+-> Check the key: this server refused the one sent/m);
    expect(r.stdout).not.toContain('platform.openai.com/api-keys');
    expect(r.stderr).toBe('doctor: 1 problem found (key valid); see above.');
    expect(r.stdout + r.stderr).not.toContain(FAKE_KEY);
  });

  it('a local server that wants a key, asked without one: says so, and how to give one', async () => {
    const r = await imgcliInProcess(['doctor'], { env: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: strict.url } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(
      /^ {2}FAIL\s+key valid\s+this server wants a key \(it answered 401 to a request without one\)\n\s+-> Give it the server's key: OPENAI_API_KEY=<key>, or `imgcli config set api-key -`/m,
    );
    expect(r.stdout).not.toContain('platform.openai.com');
    expect(r.stderr).toBe('doctor: 1 problem found (key valid); see above.');
  });

  it('a base URL without /v1: the 404 gets the hint gen gives, and the URL to try', async () => {
    const origin = mock.url.replace(/\/v1$/, '');
    const r = await imgcliInProcess(['doctor', '--json'], { env: { OPENAI_BASE_URL: origin } });
    expect(r.exitCode).toBe(1);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(check(doc, 'server')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^The API answered 404/),
      hint: `Nothing at that address: check --base-url (it usually ends in /v1) (try ${origin}/v1).`,
    });
    const gen = await imgcliInProcess(['gen', 'x', '-o', 'x.png'], { env: { OPENAI_BASE_URL: origin } });
    expect(gen.stderr).toContain('hint: Nothing at that address: check --base-url (it usually ends in /v1).');
  });

  it('a server that does not answer: FAIL server, the key not checked, exit 1', async () => {
    const down = await startMockServer();
    const url = down.url;
    await down.close();
    const r = await imgcliInProcess(['doctor', '--json'], { env: { OPENAI_BASE_URL: url } });
    expect(r.exitCode).toBe(1);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.ok).toBe(false);
    expect(check(doc, 'server')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^Could not reach 127\.0\.0\.1:\d+: .*ECONNREFUSED/),
    });
    expect(check(doc, 'key valid')).toMatchObject({ status: 'skip' });
  });

  it('api.openai.com with no key: FAIL key; the proxy in effect named; the verification note and its link', async () => {
    const r = await imgcliInProcess(['doctor'], { env: { OPENAI_API_KEY: undefined, HTTPS_PROXY: refusingUrl } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(
      /^  FAIL\s+key\s+none: api\.openai\.com needs one, sent as Authorization: Bearer\n\s+-> Set OPENAI_API_KEY/m,
    );
    expect(r.stdout).toMatch(
      new RegExp(`^  ok\\s+proxy\\s+${refusingUrl.replaceAll('.', '\\.')} for api\\.openai\\.com`, 'm'),
    );
    expect(r.stdout).toMatch(
      new RegExp(
        `^  FAIL\\s+server\\s+The proxy ${refusingUrl.replaceAll('.', '\\.')} would not connect to api\\.openai\\.com: it answered 403`,
        'm',
      ),
    );
    expect(r.stdout).toMatch(
      new RegExp(`^  note\\s+verified\\s+GPT image models need a verified organization .*: ${VERIFY_URL}$`, 'm'),
    );
    expect(r.stderr).toBe('doctor: 2 problems found (key, server); see above.');
  });

  it('a server that needs no key, asked without one', async () => {
    const r = await imgcliInProcess(['doctor', '--json'], {
      env: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: keyless.url },
    });
    expect(r.exitCode, r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(check(doc, 'key')!.detail).toMatch(
      /^none \(127\.0\.0\.1 is not OpenAI or Azure: requests go without one\)$/,
    );
    expect(check(doc, 'key valid')!.detail).toBe('the server took a request without one');
  });

  it('warns about a config file others can read while it holds a key, and names a retiring model', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'config'));
    const file = join(dir, 'config', 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ 'api-key': 'sk-stored-key-abcdefgh', profiles: { azure: { model: 'gpt-image-2' } } }),
    );
    chmodSync(file, 0o644);
    const r = await imgcliInProcess(['doctor', '--json'], {
      cwd: dir,
      env: { OPENAI_BASE_URL: mock.url, IMGCLI_NOW: '2026-11-20T12:00:00Z' },
    });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(check(doc, 'config')).toEqual({
      name: 'config',
      status: 'warn',
      detail: `${file} holds an API key and is readable by others (mode 644)`,
      hint: `chmod 600 "${file}"`,
    });
    expect(check(doc, 'models')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/retiring: gpt-image-1\.5 \(shuts down 2026-12-01\)/),
    });
    expect(r.stdout).not.toContain('sk-stored-key-abcdefgh');
  });

  it('a broken config file or an unknown profile is a failed check, not a crash', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'config.json'), '{ not json');
    const broken = await imgcliInProcess(['doctor'], { cwd: dir, env: { OPENAI_BASE_URL: mock.url } });
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toMatch(/^  FAIL\s+settings\s+the config file .*config\.json is not valid JSON/m);
    expect(broken.stdout).toMatch(/-> Fix it by hand, or move it away/);
    const profile = await imgcliInProcess(['--profile', 'nosuch', 'doctor'], { env: { OPENAI_BASE_URL: mock.url } });
    expect(profile.exitCode).toBe(1);
    expect(profile.stdout).toMatch(/FAIL\s+settings\s+--profile nosuch: no such profile/);
  });

  it('knows the same oldest Node as package.json', () => {
    const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } })
      .engines.node;
    expect(engines).toBe(`>=${MIN_NODE}`);
  });
});

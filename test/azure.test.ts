// Azure OpenAI and compatible servers against the offline server: URL and header shapes of the
// v1 and dated APIs (from flags and from a profile), the variations refusal, and --param.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { imagesPath, isAzure, queryFor } from '../src/connection/route.js';
import { providerForHost } from '../src/models/providers.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const AZURE_KEY = 'azure-key-0123456789abcdef';

const mock = useMockServer({ extraModels: ['my-local-model'] });
let origin: string;
beforeAll(async () => {
  origin = mock.url.replace(/\/v1$/, '');
});

/** A home whose config file holds `data`, with no OPENAI_API_KEY in the environment. */
function withConfig(data: unknown) {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'config'));
  writeFileSync(join(cwd, 'config', 'config.json'), JSON.stringify(data));
  return (args: string[]) => imgcliInProcess(args, { cwd, env: { OPENAI_API_KEY: undefined } });
}

const only = () => {
  expect(mock.apiRequests()).toHaveLength(1);
  return mock.apiRequests()[0]!;
};

describe('Azure v1 API', () => {
  it('sends the OpenAI shape under /openai/v1 with the key in an api-key header (profile auth: api-key)', async () => {
    const run = withConfig({
      profiles: {
        azure: { 'base-url': `${origin}/openai/v1`, auth: 'api-key', 'api-key': AZURE_KEY, model: 'gpt-image-1.5' },
      },
    });
    const r = await run(['--profile', 'azure', 'gen', 'a fox', '-o', 'fox.png']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('fox.png');
    const req = only();
    expect(req.path).toBe('/openai/v1/images/generations');
    expect(req.query).toEqual({});
    expect(req.headers['api-key']).toBe(AZURE_KEY);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.json).toEqual({ model: 'gpt-image-1.5', prompt: 'a fox', output_format: 'png' });
  });

  it('takes --auth-header api-key on the command line too', async () => {
    const r = await imgcliInProcess([
      '--base-url',
      `${origin}/openai/v1`,
      '--auth-header',
      'api-key',
      'gen',
      'x',
      '-o',
      'x.png',
    ]);
    expect(r.exitCode).toBe(0);
    expect(only().headers['api-key']).toMatch(/^sk-test-/);
    expect(only().headers.authorization).toBeUndefined();
  });

  it('refuses an unknown --auth-header', async () => {
    const r = await imgcliInProcess(['--auth-header', 'basic', 'gen', 'x', '--dry-run']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are bearer, api-key/);
  });
});

describe('Azure dated API', () => {
  it('sends to <base-url>/deployments/<name>/images/generations?api-version=<v> with an api-key header', async () => {
    const r = await imgcliInProcess(
      [
        '--base-url',
        `${origin}/openai`,
        '--azure-deployment',
        'img-deploy',
        '--azure-api-version',
        '2025-04-01-preview',
        'gen',
        'a fox',
        '-o',
        'f.png',
      ],
      {
        env: { OPENAI_API_KEY: AZURE_KEY },
      },
    );
    expect(r.exitCode).toBe(0);
    const req = only();
    expect(req.path).toBe('/openai/deployments/img-deploy/images/generations');
    expect(req.query).toEqual({ 'api-version': '2025-04-01-preview' });
    expect(req.headers['api-key']).toBe(AZURE_KEY);
    expect(req.headers.authorization).toBeUndefined();
  });

  it('reads the deployment and api-version from a profile, and sends Bearer when the profile says so (Entra tokens)', async () => {
    const profile = {
      'base-url': `${origin}/openai`,
      'azure-deployment': 'dep-2',
      'azure-api-version': '2024-10-21',
      'api-key': 'entra-token-abcdefgh',
      auth: 'bearer',
    };
    const run = withConfig({ profiles: { 'azure-dated': profile } });
    const r = await run(['--profile', 'azure-dated', 'gen', 'x', '-o', 'x.png']);
    expect(r.exitCode).toBe(0);
    const req = only();
    expect(`${req.path}?api-version=${req.query['api-version']}`).toBe(
      '/openai/deployments/dep-2/images/generations?api-version=2024-10-21',
    );
    expect(req.headers.authorization).toBe('Bearer entra-token-abcdefgh');
    expect(req.headers['api-key']).toBeUndefined();
  });

  it('needs --azure-api-version with --azure-deployment, before sending', async () => {
    const r = await imgcliInProcess(['--base-url', `${origin}/openai`, '--azure-deployment', 'd', 'gen', 'x']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--azure-deployment needs --azure-api-version/);
    expect(mock.requests).toHaveLength(0);
  });

  it('the offline server answers a dated path without api-version the way Azure does', async () => {
    const r = await imgcliInProcess(['--base-url', `${origin}/openai/deployments/d`, 'gen', 'x', '-o', 'x.png']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/404.*Resource not found/);
  });
});

describe('variations on Azure', () => {
  const base = { mock: false, azureDeployment: undefined as string | undefined };
  // The provider as settings detect it from the base URL's host (models/providers.ts).
  const at = <T extends { baseUrl: string }>(s: T) => ({
    ...s,
    provider: providerForHost(new URL(s.baseUrl).hostname),
  });
  it.each([
    ['the dated API', { ...base, baseUrl: 'https://res.openai.azure.com/openai', azureDeployment: 'd' }],
    ['the v1 API', { ...base, baseUrl: 'https://res.openai.azure.com/openai/v1' }],
    ['an AI Foundry host', { ...base, baseUrl: 'https://x.services.ai.azure.com/openai/v1' }],
  ])('are refused with a clear message on %s', (_name, given) => {
    const settings = at(given);
    expect(isAzure(settings)).toBe(true);
    expect(() => imagesPath(settings, 'variations')).toThrow(
      /Azure OpenAI has no image variations endpoint; nothing was sent/,
    );
    expect(imagesPath(settings, 'edits')).toMatch(/\/images\/edits$/);
  });

  it('are sent elsewhere, and --mock ignores Azure settings', () => {
    expect(imagesPath(at({ ...base, baseUrl: 'https://api.openai.com/v1' }), 'variations')).toBe('/images/variations');
    expect(
      imagesPath(
        at({ baseUrl: 'https://res.openai.azure.com/openai', azureDeployment: 'd', mock: true }),
        'variations',
      ),
    ).toBe('/images/variations');
    expect(
      imagesPath(at({ ...base, baseUrl: 'https://r.openai.azure.com/openai', azureDeployment: 'a b' }), 'edits'),
    ).toBe('/deployments/a%20b/images/edits');
    expect(queryFor({ azureApiVersion: 'v', mock: false })).toEqual({ 'api-version': 'v' });
    expect(queryFor({ azureApiVersion: 'v', mock: true })).toBeUndefined();
  });
});

describe('compatible servers and --param', () => {
  it("sends a server's own model with extra fields, JSON values parsed", async () => {
    const r = await imgcliInProcess([
      '--base-url',
      mock.url,
      'gen',
      'a fox',
      '-m',
      'my-local-model',
      '--param',
      'seed=42',
      '--param',
      'extra={"steps":20,"cfg":7.5}',
      '--param',
      'preset=anime',
      '--param',
      'hd=true',
      '-o',
      'f.png',
    ]);
    expect(r.exitCode).toBe(0);
    expect(only().json).toEqual({
      model: 'my-local-model',
      prompt: 'a fox',
      seed: 42,
      extra: { steps: 20, cfg: 7.5 },
      preset: 'anime',
      hd: true,
    });
  });

  it.each([
    [
      ['--param', 'model=x'],
      /^error: --param model=\.\.\. would replace the command's own input; use -m\/--model \(any model name is taken\) instead$/m,
    ],
    [['--param', 'prompt=x'], /use the prompt instead/],
    [['--param', 'novalue'], /--param takes key=value/],
    [['--param', '=1'], /--param takes key=value/],
  ])('refuses %j before sending', async (args, message) => {
    const r = await imgcliInProcess(['--base-url', mock.url, 'gen', 'x', ...args]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(mock.requests).toHaveLength(0);
  });

  it('overrides a field the table checks: sent as given, its checks (and the checks that involve it) stepping aside, with a notice', async () => {
    const r = await imgcliInProcess([
      '--base-url',
      mock.url,
      'gen',
      'x',
      '-m',
      'gpt-image-2.6-flare',
      '-f',
      'gif',
      '-s',
      '1024x1024',
      '--frames',
      '3',
      '--param',
      'frame_count=20',
      '--param',
      'size=256x256',
      '--dry-run',
      '--json',
    ]);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).body).toEqual({
      model: 'gpt-image-2.6-flare',
      prompt: 'x',
      size: '256x256',
      output_format: 'gif',
      frame_count: 20,
    });
    expect(r.stderr).toContain('--param frame_count=20 is sent as given, unchecked, in place of --frames 3');
    expect(r.stderr).toContain('--param size="256x256" is sent as given, unchecked, in place of --size 1024x1024');
    // A field with no flag value: the notice says what would have been checked; -n's own check still holds.
    const q = await imgcliInProcess([
      '--base-url',
      mock.url,
      'gen',
      'x',
      '--param',
      'quality=ultra',
      '-n',
      '11',
      '--dry-run',
    ]);
    expect(q.exitCode).toBe(2);
    expect(q.stderr).toMatch(
      /^--param quality="ultra" is sent as given, unchecked, \(--quality would be checked\)\nerror: --count 11 is not valid for gpt-image-2; use 1 to 10$/,
    );
    // Sent for real: the server has the last word, and -o plans for the count --param n asks.
    const n = await imgcliInProcess([
      '--base-url',
      mock.url,
      'gen',
      'x',
      '-m',
      'dall-e-3',
      '--param',
      'n=2',
      '-o',
      join(tempDir(), 'two.png'),
    ]);
    expect(n.stderr).toMatch(/Invalid 'n': integer above maximum value\. Expected a value <= 1, but got 2 instead\./);
    expect(only().json).toMatchObject({ model: 'dall-e-3', n: 2 });
  });

  it('lets the server judge a param for a known model (the API refuses unknown parameters)', async () => {
    const r = await imgcliInProcess(['--base-url', mock.url, 'gen', 'x', '--param', 'seed=1', '-o', 'x.png']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/unknown_parameter/);
    expect(only().json).toMatchObject({ seed: 1 });
  });
});

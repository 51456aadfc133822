// One precedence rule: flag > environment > active profile > config defaults > built-in.
// Proven as a table through `gen --dry-run --json` (what would be sent), then the image
// defaults from the config against the offline server (what is sent and written).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { cleanupTemps, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';

afterAll(cleanupTemps);

type Level = 'flag' | 'env' | 'profile' | 'config' | 'default';

// Each level's value for every setting; keys end in distinct digits so the redacted form tells them apart.
const VALUES = {
  flag: {
    baseUrl: 'http://flag.example/v1',
    key: 'sk-flag-0000000000001111',
    model: 'gpt-image-2.5-flare',
    org: 'org-flag',
  },
  env: {
    baseUrl: 'http://env.example/v1',
    key: 'sk-env-00000000000002222',
    model: 'gpt-image-2.5-sunburst',
    org: 'org-env',
  },
  profile: {
    baseUrl: 'http://profile.example/v1',
    key: 'sk-prof-0000000000003333',
    model: 'gpt-image-2.5',
    org: 'org-profile',
  },
  config: {
    baseUrl: 'http://config.example/v1',
    key: 'sk-conf-0000000000004444',
    model: 'gpt-image-2-2026-04-21',
    org: 'org-config',
  },
} as const;

const EXPECTED: Record<Level, { url: string; key: string; model: string; org?: string }> = {
  flag: { url: 'http://flag.example/v1', key: 'sk-...1111', model: 'gpt-image-2.5-flare', org: 'org-flag' },
  env: { url: 'http://env.example/v1', key: 'sk-...2222', model: 'gpt-image-2.5-sunburst', org: 'org-env' },
  profile: { url: 'http://profile.example/v1', key: 'sk-...3333', model: 'gpt-image-2.5', org: 'org-profile' },
  config: { url: 'http://config.example/v1', key: 'sk-...4444', model: 'gpt-image-2-2026-04-21', org: 'org-config' },
  default: { url: 'https://api.openai.com/v1', key: '(none)', model: 'gpt-image-2' },
};

const LEVELS: Level[] = ['flag', 'env', 'profile', 'config', 'default'];

/** Sets every level from `top` down, so `top` is the highest one present. */
async function dryRunWithLevelsFrom(top: Level) {
  const present = LEVELS.slice(LEVELS.indexOf(top));
  const cwd = tempDir();
  const section = (v: (typeof VALUES)['profile' | 'config']) => ({
    'base-url': v.baseUrl,
    'api-key': v.key,
    model: v.model,
    org: v.org,
  });
  const file: Record<string, unknown> = {};
  if (present.includes('config')) Object.assign(file, section(VALUES.config));
  if (present.includes('profile')) file.profiles = { work: section(VALUES.profile) };
  mkdirSync(join(cwd, 'config'));
  writeFileSync(join(cwd, 'config', 'config.json'), JSON.stringify(file));
  const env: Record<string, string | undefined> = { OPENAI_API_KEY: undefined };
  if (present.includes('env'))
    Object.assign(env, {
      OPENAI_BASE_URL: VALUES.env.baseUrl,
      OPENAI_API_KEY: VALUES.env.key,
      IMGCLI_MODEL: VALUES.env.model,
      OPENAI_ORG_ID: VALUES.env.org,
    });
  const args: string[] = [];
  if (present.includes('profile')) args.push('--profile', 'work');
  if (present.includes('flag'))
    args.push('--base-url', VALUES.flag.baseUrl, '--api-key', VALUES.flag.key, '--org', VALUES.flag.org);
  args.push('gen', 'x', '--dry-run', '--json');
  if (present.includes('flag')) args.push('-m', VALUES.flag.model);
  const r = await imgcliInProcess(args, { cwd, env });
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { url: string; headers: Record<string, string>; body: { model: string } };
}

describe('precedence: flag > env > profile > config > built-in', () => {
  it.each(LEVELS)('with %s as the highest level set, its values win', async (top) => {
    const doc = await dryRunWithLevelsFrom(top);
    const want = EXPECTED[top];
    expect(doc.url).toBe(`${want.url}/images/generations`);
    expect(doc.headers.authorization).toBe(`Bearer ${want.key}`);
    expect(doc.body.model).toBe(want.model);
    expect(doc.headers['openai-organization']).toBe(want.org);
  });

  it('IMGCLI_PROFILE selects a profile, and --profile beats it', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'config'));
    const profiles = { a: { model: 'gpt-image-1-mini' }, b: { model: 'gpt-image-1.5' } };
    writeFileSync(join(cwd, 'config', 'config.json'), JSON.stringify({ profiles }));
    const byEnv = await imgcliInProcess(['--base-url', 'http://x.example/v1', 'gen', 'x', '--dry-run', '--json'], {
      cwd,
      env: { IMGCLI_PROFILE: 'a' },
    });
    expect(JSON.parse(byEnv.stdout).body.model).toBe('gpt-image-1-mini');
    const byFlag = await imgcliInProcess(
      ['--base-url', 'http://x.example/v1', '--profile', 'b', 'gen', 'x', '--dry-run', '--json'],
      { cwd, env: { IMGCLI_PROFILE: 'a' } },
    );
    expect(JSON.parse(byFlag.stdout).body.model).toBe('gpt-image-1.5');
  });

  it('says where each setting came from under --verbose', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'config'));
    writeFileSync(
      join(cwd, 'config', 'config.json'),
      JSON.stringify({ 'api-key': VALUES.config.key, profiles: { work: { 'base-url': VALUES.profile.baseUrl } } }),
    );
    const r = await imgcliInProcess(['--profile', 'work', '--verbose', 'gen', 'x', '--dry-run'], {
      cwd,
      env: { OPENAI_API_KEY: undefined },
    });
    expect(r.stderr).toContain(`profile work (config file ${join(cwd, 'config', 'config.json')})`);
    expect(r.stderr).toContain(`base URL ${VALUES.profile.baseUrl} (from profile)`);
    expect(r.stderr).toContain(
      `API key sk-...4444 for ${VALUES.profile.baseUrl} (from config), sent as Authorization: Bearer`,
    );
  });
});

describe('config defaults for image flags apply to gen', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockServer();
  });
  afterAll(() => mock.close());
  afterEach(() => {
    mock.requests.length = 0;
  });

  function home(config: unknown) {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'config'));
    writeFileSync(join(cwd, 'config', 'config.json'), JSON.stringify(config));
    const run = (args: string[]) => imgcliInProcess(['--base-url', mock.url, ...args], { cwd });
    return Object.assign(run, { cwd });
  }
  const body = () => mock.apiRequests().at(-1)!.json;

  it('sends the default size, quality and format, and writes into out-dir', async () => {
    const run = home({ size: '1536x1024', quality: 'low', format: 'webp', 'out-dir': 'renders', timeout: 30 });
    const r = await run(['gen', 'a fox']);
    expect(r.exitCode).toBe(0);
    expect(body()).toEqual({
      model: 'gpt-image-2',
      prompt: 'a fox',
      size: '1536x1024',
      quality: 'low',
      output_format: 'webp',
    });
    expect(r.stdout).toMatch(/^renders\/a-fox-\d{8}-\d{6}\.webp$/);
    const meta = await sharp(join(run.cwd, r.stdout.trim())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 1536, 1024]);
  });

  it('lets flags and an -o extension win over the defaults', async () => {
    const run = home({ size: '1536x1024', quality: 'low', format: 'webp', 'out-dir': 'renders' });
    const r = await run(['gen', 'a fox', '-s', '1024x1024', '-q', 'high', '-o', 'fox.jpg']);
    expect(r.exitCode).toBe(0);
    expect(body()).toEqual({
      model: 'gpt-image-2',
      prompt: 'a fox',
      size: '1024x1024',
      quality: 'high',
      output_format: 'jpeg',
    });
    expect(r.stdout.trim()).toBe('fox.jpg');
  });

  it('leaves out a default the chosen model does not take, saying so under --verbose', async () => {
    const run = home({ size: '2048x1152', quality: 'high', format: 'webp', profiles: { hd: { quality: 'hd' } } });
    const r = await run(['--verbose', 'gen', 'a fox', '-m', 'dall-e-3', '-o', 'f.png']);
    expect(r.exitCode).toBe(0);
    expect(body()).toEqual({ model: 'dall-e-3', prompt: 'a fox' });
    expect(r.stderr).toContain('config size 2048x1152 does not suit dall-e-3 for generations; not sent');
    const hd = await run(['--profile', 'hd', 'gen', 'a fox', '-m', 'dall-e-3', '-o', 'g.png']);
    expect(hd.exitCode).toBe(0);
    expect(body()).toEqual({ model: 'dall-e-3', prompt: 'a fox', quality: 'hd' });
  });

  it('takes timeout and max-retries from the config', async () => {
    const run = home({ 'max-retries': 0 });
    mock.enqueueFault({
      status: 500,
      body: { error: { message: 'boom', type: 'server_error', param: null, code: null } },
    });
    const r = await run(['gen', 'x', '-o', 'x.png']);
    expect(r.exitCode).toBe(6);
    expect(mock.apiRequests()).toHaveLength(1);
    const slow = home({ timeout: 1, 'max-retries': 0 });
    mock.setLatency(600_000);
    try {
      const t = await slow(['gen', 'x', '-o', 'x.png']);
      expect(t.exitCode).toBe(6);
      expect(t.stderr).toMatch(/within 1 s\.[\s\S]*Raise --timeout \(now 1 s;/);
    } finally {
      mock.setLatency(0);
    }
  });
});

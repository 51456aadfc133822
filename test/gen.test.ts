// `imgcli gen` end to end against the offline server on a free port: in-process (helpers/in-process.ts),
// with -o -, help and version through the built binary.
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FAKE_KEY, imgcli, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';
import { PINNED, at, daysBefore, modelWhere } from './helpers/clock.js';
import { PRICES_CHECKED } from '../src/models/prices.js';

const mock = useMockServer();

const run = (args: string[], opts: Parameters<typeof imgcli>[1] = {}) =>
  imgcliInProcess(['--base-url', mock.url, ...args], opts);
const lastBody = () => mock.apiRequests().at(-1)?.json as Record<string, unknown>;
// The pinned clock (in UTC, the run's time zone) names the file.
const STAMP = PINNED.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const NAME = new RegExp(`^a-watercolor-fox-${STAMP}\\.png$`);

describe('imgcli gen', () => {
  it('writes a generated name in the current folder and prints its path', async () => {
    const cwd = tempDir();
    const r = await run(['gen', 'a', 'watercolor', 'fox'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(NAME);
    const file = join(cwd, r.stdout.trim());
    const meta = await sharp(file).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height]).toEqual([1024, 1024]);
    expect(readdirSync(cwd).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // the request: model always sent, response_format never sent to a GPT model
    expect(mock.apiRequests()).toHaveLength(1);
    expect(lastBody()).toEqual({ model: 'gpt-image-2', prompt: 'a watercolor fox' });
    const headers = mock.apiRequests()[0]!.headers;
    expect(headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
    expect(headers['user-agent']).toMatch(/^imgcli\/\d+\.\d+\.\d+/);
    expect(r.stderr).not.toContain(FAKE_KEY);
  });

  it('sends org and project headers when set', async () => {
    const r = await run(['gen', 'x', '-o', 'x.png'], { env: { OPENAI_ORG_ID: 'org-1', OPENAI_PROJECT_ID: 'proj-2' } });
    expect(r.exitCode).toBe(0);
    const headers = mock.apiRequests()[0]!.headers;
    expect(headers['openai-organization']).toBe('org-1');
    expect(headers['openai-project']).toBe('proj-2');
  });

  it('writes exactly to -o with the requested size, creating folders', async () => {
    const cwd = tempDir();
    const r = await run(['gen', 'a wide view', '-s', '1536x1024', '-q', 'low', '-o', 'deep/er/wide.png'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('deep/er/wide.png');
    const meta = await sharp(join(cwd, 'deep/er/wide.png')).metadata();
    expect([meta.width, meta.height]).toEqual([1536, 1024]);
    expect(lastBody()).toMatchObject({ size: '1536x1024', quality: 'low' });
  });

  it('takes the format from the -o extension', async () => {
    const cwd = tempDir();
    const r = await run(['gen', 'fox', '-o', 'fox.jpg', '--compression', '60'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(lastBody()).toMatchObject({ output_format: 'jpeg', output_compression: 60 });
    expect((await sharp(join(cwd, 'fox.jpg')).metadata()).format).toBe('jpeg');
  });

  it('refuses --format that conflicts with -o, before sending', async () => {
    const r = await run(['gen', 'fox', '-f', 'png', '-o', 'fox.jpg']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--format png conflicts with -o fox\.jpg/);
    expect(r.stdout).toBe('');
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('numbers files with --count and a file name, and uses generated names in a folder', async () => {
    const cwd = tempDir();
    const a = await run(['gen', 'a watercolor fox', '-n', '2', '-o', 'set.webp'], { cwd });
    expect(a.exitCode).toBe(0);
    expect(a.stdout).toBe('set-1.webp\nset-2.webp');
    expect(lastBody()).toMatchObject({ n: 2, output_format: 'webp' });
    const b = await run(['gen', 'a watercolor fox', '-n', '3', '-o', 'out/'], { cwd });
    expect(b.exitCode).toBe(0);
    const paths = b.stdout.trim().split('\n');
    expect(paths).toHaveLength(3);
    paths.forEach((p, i) => expect(p).toMatch(new RegExp(`^out/a-watercolor-fox-\\d{8}-\\d{6}-${i + 1}\\.png$`)));
    for (const p of paths) expect(existsSync(join(cwd, p))).toBe(true);
    // distinct images
    expect(readFileSync(join(cwd, paths[0]!)).equals(readFileSync(join(cwd, paths[1]!)))).toBe(false);
  });

  it('treats an existing folder as -o dir', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'shots'));
    const r = await run(['gen', 'a watercolor fox', '-o', 'shots'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^shots\/a-watercolor-fox-\d{8}-\d{6}\.png$/);
  });

  it('writes image bytes to stdout with -o -, and refuses it with --count > 1', async () => {
    const r = await imgcli(['--base-url', mock.url, 'gen', 'fox', '-o', '-'], { binary: true });
    expect(r.exitCode).toBe(0);
    const bytes = r.stdout as unknown as Uint8Array;
    expect(Buffer.from(bytes).subarray(1, 4).toString()).toBe('PNG');
    expect((await sharp(bytes).metadata()).width).toBe(1024);
    const many = await run(['gen', 'fox', '-o', '-', '-n', '2']);
    expect(many.exitCode).toBe(2);
    expect(many.stderr).toMatch(/-o - writes one image/);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('overwrites an explicit -o, and --no-clobber refuses before the request', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'keep.png'), 'old');
    const refused = await run(['gen', 'fox', '-o', 'keep.png', '--no-clobber'], { cwd });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/keep\.png already exists and --no-clobber is set; nothing was sent/);
    expect(readFileSync(join(cwd, 'keep.png'), 'utf8')).toBe('old');
    expect(mock.apiRequests()).toHaveLength(0);
    const replaced = await run(['gen', 'fox', '-o', 'keep.png'], { cwd });
    expect(replaced.exitCode).toBe(0);
    expect(readFileSync(join(cwd, 'keep.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('prints one JSON document with --json', async () => {
    const cwd = tempDir();
    const r = await run(['gen', 'a watercolor fox', '--json', '-o', 'f.png'], { cwd });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      model: 'gpt-image-2',
      endpoint: 'generations',
      files: [{ path: 'f.png', format: 'png', width: 1024, height: 1024 }],
    });
    expect(doc.request_id).toMatch(/^req_/);
    expect(typeof doc.created).toBe('number');
    expect(doc.files[0].bytes).toBe(readFileSync(join(cwd, 'f.png')).length);
    expect(doc.usage.total_tokens).toBeGreaterThan(0);
    expect(doc.cost_usd).toBeGreaterThan(0);
    expect(doc.cost_rates_checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(r.stderr).toMatch(
      new RegExp(
        `usage: \\d+ input \\+ \\d+ output = \\d+ tokens, about \\$0\\.\\d{4} \\(rates of ${PRICES_CHECKED}\\)`,
      ),
    );
  });

  it('reads the prompt from stdin and from @file', async () => {
    const cwd = tempDir();
    const piped = await run(['gen', '-o', 'a.png'], { cwd, input: 'a red bicycle\n' });
    expect(piped.exitCode).toBe(0);
    expect(lastBody().prompt).toBe('a red bicycle');
    const dash = await run(['gen', '-', '-o', 'b.png'], { cwd, input: 'from dash' });
    expect(dash.exitCode).toBe(0);
    expect(lastBody().prompt).toBe('from dash');
    writeFileSync(join(cwd, 'prompt.txt'), 'a prompt\nover two lines\n');
    const file = await run(['gen', '@prompt.txt', '-o', 'c.png'], { cwd });
    expect(file.exitCode).toBe(0);
    expect(lastBody().prompt).toBe('a prompt\nover two lines');
    const missing = await run(['gen', '@nope.txt'], { cwd });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the prompt from nope\.txt: no such file/);
  });

  it('downloads dall-e URLs at once and reports the revised prompt', async () => {
    const cwd = tempDir();
    const r = await run(['gen', 'a lighthouse', '-m', 'dall-e-3', '--json', '-o', 'l.png'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(lastBody()).toEqual({ model: 'dall-e-3', prompt: 'a lighthouse' });
    expect(mock.requests.some((q) => q.path.startsWith('/files/'))).toBe(true);
    const doc = JSON.parse(r.stdout);
    expect(doc.revised_prompt).toEqual(expect.any(String));
    expect(r.stderr).toContain(`revised prompt: ${doc.revised_prompt}`);
    expect((await sharp(join(cwd, 'l.png')).metadata()).format).toBe('png');
    const b64 = await run(
      ['gen', 'a lighthouse', '-m', 'dall-e-2', '--response-format', 'b64_json', '-s', '256x256', '-o', 's.png'],
      { cwd },
    );
    expect(b64.exitCode).toBe(0);
    expect(lastBody()).toMatchObject({ response_format: 'b64_json', size: '256x256' });
    expect((await sharp(join(cwd, 's.png')).metadata()).width).toBe(256);
  });

  it('refuses a non-png -o for dall-e models', async () => {
    const r = await run(['gen', 'x', '-m', 'dall-e-3', '-o', 'x.jpg']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/dall-e-3 only returns png/);
  });
});

describe('keys, models and the API refusing', () => {
  it('exits 4 without a key for api.openai.com, naming OPENAI_API_KEY and --mock', async () => {
    // A compatible server may need no key (compatible-servers.test.ts); OpenAI always does.
    const r = await imgcliInProcess(['gen', 'fox'], { env: { OPENAI_API_KEY: undefined } });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/OPENAI_API_KEY/);
    expect(r.stderr).toMatch(/--mock/);
    expect(r.stdout).toBe('');
    expect(mock.requests).toHaveLength(0);
  });

  it('works offline with --mock and no key', async () => {
    const cwd = tempDir();
    const r = await imgcliInProcess(['gen', 'a watercolor fox', '--mock'], { cwd, env: { OPENAI_API_KEY: undefined } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(NAME);
    expect((await sharp(join(cwd, r.stdout.trim())).metadata()).format).toBe('png');
    const env = await imgcliInProcess(['gen', 'fox', '-o', 'f.png'], {
      cwd,
      env: { OPENAI_API_KEY: undefined, IMGCLI_MOCK: '1' },
    });
    expect(env.exitCode).toBe(0);
  });

  it('refuses a retired model against api.openai.com before sending, and warns about a retiring one', async () => {
    const openai = ['--base-url', 'https://api.openai.com/v1'];
    const r = await imgcliInProcess(['gen', 'fox', '-m', 'dall-e-3', ...openai]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/dall-e-3 was shut down on 2026-05-12.*gpt-image-2/);
    // Other servers still serve retired models: sent as usual.
    const against = await run(['gen', 'fox', '-m', 'gpt-image-1', '-o', 'f.png']);
    expect(against.exitCode).toBe(0);
    expect(against.stderr).not.toMatch(/shut down|shuts down/);
    // Ten days before a shutdown: a warning naming the date, the days left and the replacement; --dry-run sends nothing.
    const model = modelWhere((m) => m.id === 'gpt-image-1.5');
    const soon = await imgcliInProcess(['gen', 'fox', '-m', model.id, ...openai, '--dry-run'], {
      env: at(daysBefore(model, 10).toISOString()),
    });
    expect(soon.exitCode).toBe(0);
    expect(soon.stderr).toContain(
      `warning: ${model.id} shuts down on ${model.shutdown} (in 10 days); use ${model.replacement} instead (-m ${model.replacement}).`,
    );
    // On the day itself: refused, nothing sent.
    const gone = await imgcliInProcess(['gen', 'fox', '-m', model.id, ...openai], {
      env: at(`${model.shutdown}T00:00:00Z`),
    });
    expect(gone.exitCode).toBe(2);
    expect(gone.stderr).toContain(`${model.id} was shut down on ${model.shutdown}`);
    // More than 30 days before: no warning.
    const early = await imgcliInProcess(['gen', 'fox', '-m', model.id, ...openai, '--dry-run'], {
      env: at(daysBefore(model, 31).toISOString()),
    });
    expect(early.stderr).not.toMatch(/shuts down/);
  });

  it('sends an unknown model as given, with a notice, and explains a 404', async () => {
    const r = await run(['gen', 'fox', '-m', 'my-local-model', '-s', '999x999']);
    expect(r.stderr).toMatch(/my-local-model is not in imgcli's model table/);
    expect(lastBody()).toEqual({ model: 'my-local-model', prompt: 'fox', size: '999x999' });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/imgcli models/);
    expect(r.stderr).toMatch(/request id: req_/);
  });

  it.each([
    [
      {
        status: 401,
        body: {
          error: {
            message: 'Incorrect API key provided',
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        },
      },
      4,
      /Check the API key/,
    ],
    [
      {
        status: 403,
        body: {
          error: {
            message: 'Your organization must be verified to use the model `gpt-image-2`.',
            type: 'invalid_request_error',
            param: null,
            code: null,
          },
        },
      },
      4,
      /organization must be verified.*settings\/organization/s,
    ],
    [
      {
        status: 400,
        body: {
          error: {
            message: 'Your request was rejected by the safety system.',
            type: 'image_generation_user_error',
            param: null,
            code: 'moderation_blocked',
          },
        },
      },
      3,
      /refused by the safety system/,
    ],
    [
      {
        status: 429,
        body: {
          error: {
            message: 'You exceeded your current quota',
            type: 'insufficient_quota',
            param: null,
            code: 'insufficient_quota',
          },
        },
      },
      5,
      /out of credits/,
    ],
    [
      {
        status: 400,
        body: {
          error: {
            message: 'Billing hard limit has been reached',
            type: 'invalid_request_error',
            param: null,
            code: 'billing_hard_limit_reached',
          },
        },
      },
      5,
      /out of credits/,
    ],
  ])('maps %j to exit %i', async (fault, code, hint) => {
    mock.enqueueFault(fault);
    const r = await run(['gen', 'fox', '-o', 'f.png']);
    expect(r.exitCode).toBe(code);
    expect(r.stderr).toMatch(hint);
    expect(r.stderr).toMatch(/request id: req_/);
    expect(r.stdout).toBe('');
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('exits 6 on a server error that persists, and 5 on a rate limit that persists', async () => {
    mock.enqueueFault(
      {
        status: 500,
        body: { error: { message: 'boom', type: 'server_error', param: null, code: null } },
        headers: { 'retry-after-ms': '5' },
      },
      3,
    );
    const r = await run(['gen', 'fox', '-o', 'f.png']);
    expect(r.exitCode).toBe(6);
    expect(mock.apiRequests()).toHaveLength(3);
    mock.requests.length = 0;
    mock.enqueueFault(
      {
        status: 429,
        body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
        headers: { 'retry-after-ms': '5' },
      },
      3,
    );
    const limited = await run(['gen', 'fox', '-o', 'f.png']);
    expect(limited.exitCode).toBe(5);
  });
});

describe('help and version', () => {
  it('prints the version and help with examples and exit codes', async () => {
    const v = await imgcli(['--version']);
    expect(v.exitCode).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
    const h = await imgcli(['--help']);
    expect(h.exitCode).toBe(0);
    expect(h.stdout).toMatch(/Examples:/);
    expect(h.stdout).toMatch(/Exit codes:/);
    const g = await imgcli(['help', 'gen']);
    expect(g.exitCode).toBe(0);
    expect(g.stdout).toMatch(/imgcli gen "a lighthouse at dusk"/);
  });

  it('treats an unknown command or option as a usage error', async () => {
    const r = await imgcli(['gen', 'x', '--sise', '1024x1024']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--sise'/);
    expect(r.stderr).toMatch(/--size/);
    const c = await imgcli(['generate']);
    expect(c.exitCode).toBe(2);
  });
});

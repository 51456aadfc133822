// Every server as data: the provider in effect (chosen by --provider, IMGCLI_PROVIDER or the config,
// or named by the base URL's host), each provider's refusals before sending (confirmed: exit 2,
// nothing sent; reported: a warning, or exit 2 with --strict), the request it gets (xAI's
// aspect_ratio, JSON edits), its own model dates, and answers checked against the request
// (format, size, count as server_notes). The offline server stands in for each provider; the
// bodies it is held to are in fixtures/providers/.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS, aspectRatioOf, providerForHost } from '../src/models/providers.js';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(ROOT, 'fixtures', 'providers', name), 'utf8')) as { status?: number; body?: unknown };

const servers = new Map<string, MockServer>();
beforeAll(async () => {
  for (const id of ['xai', 'gemini', 'vllm-omni', 'litellm', 'new-api', 'azure'] as const)
    servers.set(id, await startMockServer({ provider: id, labels: false }));
});
afterAll(async () => {
  for (const s of servers.values()) await s.close();
});

/** Runs imgcli against the offline server standing in for `id`, at its address, as that provider. */
function against(id: string, args: string[], env: Record<string, string | undefined> = {}) {
  const server = servers.get(id)!;
  server.requests.length = 0;
  const cwd = tempDir();
  return { cwd, server, run: imgcliInProcess(['--base-url', server.url, '--provider', id, ...args], { cwd, env }) };
}

describe('which provider', () => {
  it('is named by the base URL host, else compatible; OpenAI by default', () => {
    expect(providerForHost('api.openai.com').id).toBe('openai');
    expect(providerForHost('res.openai.azure.com').id).toBe('azure');
    expect(providerForHost('x.services.ai.azure.com').id).toBe('azure');
    expect(providerForHost('r.cognitiveservices.azure.com').id).toBe('azure');
    expect(providerForHost('api.x.ai').id).toBe('xai');
    expect(providerForHost('generativelanguage.googleapis.com').id).toBe('gemini');
    expect(providerForHost('localhost').id).toBe('compatible');
  });

  it('every rule of every provider says where it comes from and how sure it is', () => {
    for (const p of PROVIDERS) {
      for (const [field, rule] of Object.entries(p.fields ?? {})) {
        expect(['confirmed', 'reported'], `${p.id} ${field}`).toContain(rule.confidence);
        expect(rule.source.length, `${p.id} ${field}`).toBeGreaterThan(5);
        expect(rule.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }
  });

  it('--provider, IMGCLI_PROVIDER and the config choose it, and --verbose says which and why', async () => {
    const byFlag = await imgcliInProcess(['--provider', 'xai', 'gen', 'a fox', '--dry-run', '--json']);
    expect(byFlag.exitCode, byFlag.stderr).toBe(0);
    expect(JSON.parse(byFlag.stdout).url).toBe('https://api.x.ai/v1/images/generations');
    const byEnv = await imgcliInProcess(['gen', 'a fox', '--dry-run', '--json'], { env: { IMGCLI_PROVIDER: 'xai' } });
    expect(JSON.parse(byEnv.stdout).body.model).toBe('grok-imagine-image');
    const bad = await imgcliInProcess(['gen', 'a fox'], { env: { IMGCLI_PROVIDER: 'xia' } });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^error: IMGCLI_PROVIDER=xia is not a provider; did you mean xai\?/m);
    const noUrl = await imgcliInProcess(['--provider', 'vllm-omni', 'gen', 'a fox']);
    expect(noUrl.exitCode).toBe(2);
    expect(noUrl.stderr).toMatch(/the provider vllm-omni has no address of its own: give its base URL/);
  });
});

describe('xAI', () => {
  it('gets aspect_ratio and resolution for -s, its own default model, and a JPEG answer converted to the -o name', async () => {
    const { cwd, server, run } = against('xai', ['gen', 'a fox', '-s', '1536x1024', '-o', 'fox.png', '--json']);
    const r = await run;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requests[0]!.json).toEqual({
      model: 'grok-imagine-image',
      prompt: 'a fox',
      aspect_ratio: aspectRatioOf('1536x1024').aspect_ratio,
      resolution: '1k',
    });
    expect(r.stderr).toContain('--size 1536x1024 is sent as aspect_ratio 3:2, resolution 1k');
    const doc = JSON.parse(r.stdout);
    expect(doc.server_notes).toEqual([{ kind: 'format', image: 1, asked: 'png', got: 'jpeg', converted: true }]);
    expect((await sharp(join(cwd, 'fox.png')).metadata()).format).toBe('png');
    // A data: prefix on b64_json and no `created` are taken as xAI sends them, without a warning.
    expect(r.stderr).not.toMatch(/created|base64/);
  });

  it('refuses what xAI confirms it does not take, with nothing sent; the server itself answers as the fixture', async () => {
    const { server, run } = against('xai', ['gen', 'a fox', '-q', 'high']);
    const r = await run;
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --quality high is not taken by xAI: xAI takes no quality .*\(confirmed: docs\.x\.ai/m,
    );
    expect(r.stderr).toMatch(/nothing was sent/);
    expect(server.requests).toHaveLength(0);
    // What the real server answers a size with, and the offline one too.
    const res = await fetch(`${server.url}/images/generations`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'grok-imagine-image', prompt: 'x', size: '1024x1024' }),
    });
    const expected = fixture('xai-400-size.json');
    expect(res.status).toBe(expected.status);
    expect(await res.json()).toEqual(expected.body);
  });

  it('warns on a rule only reported, sends it; --strict refuses it; --no-warnings is quiet', async () => {
    const warned = against('xai', ['gen', 'a fox', '--background', 'opaque', '-o', 'a.png']);
    const r = await warned.run;
    // The server refuses it (the report was right): what matters is that it was sent, with a warning first.
    expect(r.stderr).toMatch(/warning: --background opaque is not taken by xAI: .*\(reported: .*\); sent anyway/);
    expect(warned.server.requests).toHaveLength(1);
    const strict = against('xai', ['--strict', 'gen', 'a fox', '--background', 'opaque']);
    const s = await strict.run;
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toMatch(/refused because of --strict\); nothing was sent/);
    expect(strict.server.requests).toHaveLength(0);
    const quiet = against('xai', ['--no-warnings', 'gen', 'a fox', '--background', 'opaque', '-o', 'b.png']);
    expect((await quiet.run).stderr).not.toContain('warning: --background');
  });

  it('edits go as JSON; a mask is refused before sending', async () => {
    const photo = join(tempDir(), 'photo.png');
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3366aa' } })
      .png()
      .toFile(photo);
    const { server, run } = against('xai', ['edit', photo, '-p', 'a hat', '-o', 'e.png']);
    const r = await run;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requests[0]!.headers['content-type']).toMatch(/application\/json/);
    const masked = against('xai', ['edit', photo, '--mask', photo, '-p', 'a hat']);
    const m = await masked.run;
    expect(m.exitCode).toBe(2);
    expect(m.stderr).toMatch(/xAI edits take no mask \(confirmed/);
    expect(masked.server.requests).toHaveLength(0);
  });
});

describe('Azure', () => {
  it("keeps gpt-image-1.5 until Azure's own date (2026-12-16), where api.openai.com has retired it", async () => {
    const azure = await imgcliInProcess([
      '--base-url',
      'https://res.openai.azure.com/openai/v1',
      'gen',
      'a fox',
      '-m',
      'gpt-image-1.5',
      '--dry-run',
    ]);
    expect(azure.exitCode, azure.stderr).toBe(0);
    expect(azure.stderr).toMatch(/gpt-image-1\.5 shuts down on 2026-12-16 \(in 15 days\)/);
    const openai = await imgcliInProcess(['gen', 'a fox', '-m', 'gpt-image-1.5', '--dry-run']);
    expect(openai.exitCode).toBe(2);
    expect(openai.stderr).toMatch(/gpt-image-1\.5 was shut down on 2026-12-01 and is no longer served by OpenAI/);
    const later = await imgcliInProcess(
      ['--base-url', 'https://res.openai.azure.com/openai/v1', 'gen', 'a fox', '-m', 'gpt-image-1.5', '--dry-run'],
      { env: { IMGCLI_NOW: '2026-12-17' } },
    );
    expect(later.exitCode).toBe(2);
    expect(later.stderr).toMatch(/no longer served by Azure OpenAI/);
  });

  it('sends the key as api-key and refuses webp (confirmed) before sending', async () => {
    const ok = against('azure', ['gen', 'a fox', '-o', 'a.png']);
    expect((await ok.run).exitCode).toBe(0);
    expect(ok.server.requests[0]!.headers['api-key']).toBeDefined();
    expect(ok.server.requests[0]!.headers.authorization).toBeUndefined();
    const webp = against('azure', ['gen', 'a fox', '-o', 'a.webp']);
    const w = await webp.run;
    expect(w.exitCode).toBe(2);
    expect(w.stderr).toMatch(/--format webp is not taken by Azure OpenAI .*Azure makes PNG or JPEG only/);
    expect(webp.server.requests).toHaveLength(0);
  });
});

describe('local servers and relays', () => {
  it('vLLM-Omni: keyless, and the model it lists is sent when none is named', async () => {
    const { server, run } = against('vllm-omni', ['gen', 'a fox', '-o', 'v.png'], { OPENAI_API_KEY: undefined });
    const r = await run;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requests.map((q) => q.path)).toEqual(['/v1/models', '/v1/images/generations']);
    expect(server.requests[1]!.json).toMatchObject({ model: 'Qwen/Qwen-Image' });
    expect(server.requests[1]!.headers.authorization).toBeUndefined();
  });

  it('Gemini: output_format is ignored (reported, warned); the png that comes is converted to the webp named', async () => {
    const { cwd, run } = against('gemini', ['gen', 'a fox', '-f', 'webp', '-o', 'g.webp', '--json']);
    const r = await run;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: --format webp has no effect on Google Gemini/);
    expect(JSON.parse(r.stdout).server_notes).toEqual([
      { kind: 'format', image: 1, asked: 'webp', got: 'png', converted: true },
    ]);
    expect((await sharp(join(cwd, 'g.webp')).metadata()).format).toBe('webp');
  });

  it('a relay that downscales silently: the size that came is told on stderr, in --json and in the provenance', async () => {
    const { cwd, run } = against('new-api', ['gen', 'a fox', '-s', '3840x2160', '-o', 'n.png', '--json']);
    const r = await run;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/image 1 is 1672x941, not the 3840x2160 asked for/);
    const note = { kind: 'size', image: 1, asked: '3840x2160', got: '1672x941' };
    expect(JSON.parse(r.stdout).server_notes).toEqual([note]);
    const info = await imgcliInProcess(['info', 'n.png', '--json'], { cwd });
    expect(JSON.parse(info.stdout)[0].provenance.server_notes).toEqual([note]);
  });

  it('LiteLLM: usage without output_tokens_details, as its answers come', async () => {
    const { run } = against('litellm', ['gen', 'a fox', '-o', 'l.png', '--json']);
    const r = await run;
    expect(r.exitCode, r.stderr).toBe(0);
    const usage = JSON.parse(r.stdout).usage;
    expect(usage).not.toHaveProperty('output_tokens_details');
    expect(Object.keys(usage).sort()).toEqual(Object.keys(fixture('litellm-usage.json').usage as object).sort());
  });
});

describe('a body too large for the server or its gateway', () => {
  let plain: MockServer;
  let big: string;
  beforeAll(async () => {
    plain = await startMockServer({ labels: false });
    big = join(tempDir(), 'big.png');
    // Noise does not compress: about 3 MB of PNG, over a gateway's 1-2 MB limit.
    const noise = Buffer.alloc(1024 * 1024 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    await sharp(noise, { raw: { width: 1024, height: 1024, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toFile(big);
  });
  afterAll(() => plain.close());

  it('a 413 is explained as a body limit, with the size sent and what to do', async () => {
    plain.enqueueFault({ status: 413, body: '<html><body><h1>413 Request Entity Too Large</h1></body></html>' });
    const r = await imgcliInProcess(['--base-url', plain.url, 'edit', big, '-p', 'a hat', '-o', 'e.png']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/hint: The server \(or a gateway in front of it\) takes no request body of 3\.\d MB\./);
    expect(r.stderr).toMatch(/file id \(imgcli files upload\)/);
  });

  it('a 404 to a large body, where the same address answers a small one, is a body limit too; a real 404 is not', async () => {
    plain.requests.length = 0;
    plain.enqueueFault({ status: 404, body: { error: { message: 'Not Found' } } }, 1, /images\/edits/);
    const r = await imgcliInProcess(['--base-url', plain.url, 'edit', big, '-p', 'a hat', '-o', 'e.png']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/this 404 to a body of 3\.\d MB is most likely a body limit/);
    // The probe: an empty JSON body to the same path, which the server refuses without billing.
    expect(plain.requests.map((q) => [q.path, q.rawBodyBytes < 10])).toEqual([
      ['/v1/images/edits', false],
      ['/v1/images/edits', true],
    ]);
    const wrong = await imgcliInProcess(['--base-url', `${plain.url}/nope`, 'edit', big, '-p', 'a hat', '-o', 'e.png']);
    expect(wrong.exitCode).toBe(3);
    expect(wrong.stderr).not.toMatch(/body limit/);
  });
});

describe('--capabilities-from', () => {
  it("checks a model id no table knows by a known model's rules, not by its dates", async () => {
    const refused = await imgcliInProcess(
      ['gen', 'a fox', '-m', 'my-alias', '--capabilities-from', 'gpt-image-2', '-s', '999x999', '--dry-run'],
      { env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } },
    );
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(
      /^error: --size 999x999 is not valid for my-alias: both edges must be multiples of 16/m,
    );
    const borrowed = await imgcliInProcess(
      [
        'gen',
        'a fox',
        '-m',
        'gateway-img',
        '--capabilities-from',
        'gpt-image-1.5',
        '-s',
        '1536x1024',
        '--dry-run',
        '--json',
      ],
      { env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } },
    );
    // gpt-image-1.5 is retired on api.openai.com; a model borrowing its rules is not.
    expect(borrowed.exitCode, borrowed.stderr).toBe(0);
    expect(JSON.parse(borrowed.stdout).body).toMatchObject({ model: 'gateway-img', size: '1536x1024' });
    const unknown = await imgcliInProcess(['gen', 'a fox', '-m', 'x', '--capabilities-from', 'gpt-imag-2']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(
      /--capabilities-from gpt-imag-2 is not a model imgcli knows; did you mean gpt-image-2\?/,
    );
  });
});

describe('doctor', () => {
  it('names the provider and why, and takes a model list of its own shape as an answer', async () => {
    const sglang = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ model_path: 'Qwen/Qwen-Image', task_type: 'text_to_image' }));
    });
    await new Promise<void>((resolve) => sglang.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(sglang.address() as AddressInfo).port}/v1`;
    try {
      const r = await imgcliInProcess(['--base-url', url, 'doctor', '--json'], { env: { OPENAI_API_KEY: undefined } });
      const checks = JSON.parse(r.stdout).checks as Array<{ name: string; status: string; detail: string }>;
      const by = (name: string) => checks.find((c) => c.name === name)!;
      expect(by('provider').detail).toMatch(
        /^compatible \(an OpenAI-compatible server\), from the base URL's host, 127\.0\.0\.1/,
      );
      expect(by('server')).toMatchObject({ status: 'ok' });
      expect(by('server').detail).toMatch(/in a shape of its own \(not OpenAI's model list\)/);
      expect(r.exitCode, r.stderr).toBe(0);
    } finally {
      sglang.close();
    }
    const xai = await imgcliInProcess(['--provider', 'xai', 'doctor', '--json'], {
      env: { OPENAI_API_KEY: undefined },
    });
    const checks = JSON.parse(xai.stdout).checks as Array<{ name: string; status: string; detail: string }>;
    expect(checks.find((c) => c.name === 'provider')!.detail).toBe('xai (xAI), from --provider');
    expect(checks.find((c) => c.name === 'key')).toMatchObject({
      status: 'fail',
      detail: 'none: xAI needs one, sent as Authorization: Bearer',
    });
    expect(xai.exitCode).toBe(1);
  });
});

describe('imgcli models --provider', () => {
  it("shows each model's status by the provider's own dates where it has them", async () => {
    const status = async (args: string[]) => {
      const r = await imgcliInProcess([...args, 'models', '--json']);
      const doc = JSON.parse(r.stdout) as {
        provider?: string;
        models: Array<{ name: string; status: string; shutdown_date?: string }>;
      };
      return [doc.provider, doc.models.find((m) => m.name === 'gpt-image-1.5')];
    };
    expect(await status(['--provider', 'azure'])).toEqual([
      'azure',
      expect.objectContaining({ status: 'retiring', shutdown_date: '2026-12-16' }),
    ]);
    expect(await status([])).toEqual([
      'openai',
      expect.objectContaining({ status: 'retired', shutdown_date: '2026-12-01' }),
    ]);
  });
});

describe('models --remote on a provider that makes no edits', () => {
  it('shows a listed image model the table lacks with only the endpoints the provider has', async () => {
    const gemini = await startMockServer({ provider: 'gemini', labels: false });
    try {
      const r = await imgcliInProcess([
        '--base-url',
        gemini.url,
        '--provider',
        'gemini',
        'models',
        '--remote',
        '--json',
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      const row = (JSON.parse(r.stdout).models as Array<{ name: string; endpoints: string[] }>).find(
        (m) => m.name === 'gemini-2.5-flash-image',
      );
      expect(row?.endpoints).toEqual(['generations']);
    } finally {
      await gemini.close();
    }
  });
});

// --dry-run: validates, prints the request (method, URL, headers with the key redacted, body)
// and a curl command, exits 0, and sends nothing. The printed curl really is the same request.
import { multipartBody } from '../src/api/multipart.js';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../src/api/http.js';
import { parseFlags } from '../src/markup/flags.js';
import { renderMarkup } from '../src/markup/render.js';
import { curlFileArg, formatPreview, previewRequest, shellQuote } from '../src/pipeline/dry-run.js';
import { FAKE_KEY, imgcli, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

const run = (args: string[], opts: Parameters<typeof imgcli>[1] = {}) =>
  imgcliInProcess(['--base-url', mock.url, ...args], opts);

describe('gen --dry-run', () => {
  it('prints the request and a curl command, sends nothing, writes nothing', async () => {
    const cwd = tempDir();
    const r = await run(['--org', 'org-7', 'gen', 'a fox', '-s', '1536x1024', '-o', 'out/fox.webp', '--dry-run'], {
      cwd,
    });
    expect(r.exitCode).toBe(0);
    expect(mock.requests).toHaveLength(0);
    expect(existsSync(join(cwd, 'out'))).toBe(false);
    const [head, body, curl] = r.stdout.split('\n\n');
    expect(head!.split('\n')).toEqual([
      `POST ${mock.url}/images/generations`,
      expect.stringMatching(/^user-agent: imgcli\//),
      'accept: application/json',
      'authorization: Bearer sk-...1234',
      'openai-organization: org-7',
      'content-type: application/json',
    ]);
    expect(JSON.parse(body!)).toEqual({
      model: 'gpt-image-2',
      prompt: 'a fox',
      size: '1536x1024',
      output_format: 'webp',
    });
    expect(curl).toContain(`curl -sS -X POST '${mock.url}/images/generations'`);
    expect(curl).toContain('-H "Authorization: Bearer $OPENAI_API_KEY"');
    expect(curl).toContain(`-d '{"model":"gpt-image-2","prompt":"a fox","size":"1536x1024","output_format":"webp"}'`);
    expect(r.stdout + r.stderr).not.toContain(FAKE_KEY);
  });

  it('prints the same as one JSON document with --json', async () => {
    const r = await run(['gen', "it's a fox", '--dry-run', '--json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      dry_run: true,
      method: 'POST',
      url: `${mock.url}/images/generations`,
      headers: { authorization: 'Bearer sk-...1234', 'content-type': 'application/json' },
      body: { model: 'gpt-image-2', prompt: "it's a fox" },
    });
    expect(doc.curl).toContain(`'{"model":"gpt-image-2","prompt":"it'\\''s a fox"}'`);
    expect(r.stdout).not.toContain(FAKE_KEY);
    expect(mock.requests).toHaveLength(0);
  });

  it('still validates everything first (exit 2, nothing sent)', async () => {
    const bad = await run(['gen', 'x', '-s', '999x999', '--dry-run']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout).toBe('');
    const retired = await imgcliInProcess(['gen', 'x', '-m', 'dall-e-3', '--dry-run']);
    expect(retired.exitCode).toBe(2);
    expect(mock.requests).toHaveLength(0);
  });

  it('works without a key (warning that a real run would stop) and with --mock (starting no server)', async () => {
    // api.openai.com needs a key; a compatible server may not (compatible-servers.test.ts).
    const nokey = await imgcliInProcess(['gen', 'x', '--dry-run'], { env: { OPENAI_API_KEY: undefined } });
    expect(nokey.exitCode).toBe(0);
    expect(nokey.stdout).toContain('authorization: Bearer (none)');
    expect(nokey.stderr).toMatch(/no API key is set/);
    const offline = await imgcliInProcess(['--mock', 'gen', 'x', '--dry-run']);
    expect(offline.exitCode).toBe(0);
    expect(offline.stdout).toMatch(/^POST http:\/\/127\.0\.0\.1:8080\/v1\/images\/generations$/m);
  });

  it('shows Azure dated URLs and the api-key header redacted', async () => {
    const r = await imgcliInProcess([
      '--base-url',
      'https://res.openai.azure.com/openai',
      '--azure-deployment',
      'dep',
      '--azure-api-version',
      '2025-04-01-preview',
      'gen',
      'x',
      '--dry-run',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(
      'POST https://res.openai.azure.com/openai/deployments/dep/images/generations?api-version=2025-04-01-preview\n',
    );
    expect(r.stdout).toContain('\napi-key: sk-...1234\n');
    expect(r.stdout).toContain('-H "api-key: $OPENAI_API_KEY"');
    expect(r.stdout).not.toContain('authorization');
  });

  it('the printed curl command sends the same request', async () => {
    const r = await run(['--project', 'proj-1', 'gen', "a fox's den", '-q', 'low', '--dry-run', '--json']);
    const { curl } = JSON.parse(r.stdout) as { curl: string };
    const cwd = tempDir();
    const sent = await execa('sh', ['-c', `${curl} -o answer.json`], {
      cwd,
      env: { OPENAI_API_KEY: FAKE_KEY },
      reject: false,
    });
    expect(sent.exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(1);
    const req = mock.apiRequests()[0]!;
    expect(req.json).toEqual({ model: 'gpt-image-2', prompt: "a fox's den", quality: 'low' });
    expect(req.headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
    expect(req.headers['openai-project']).toBe('proj-1');
  });

  it("the printed curl command uploads the files themselves, from their folders, names with ; , and ' too", async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'in'));
    await sharp({ create: { width: 256, height: 256, channels: 3, background: '#4080c0' } })
      .png()
      .toFile(join(cwd, 'in', 'photo.png'));
    const markup = "q';x,y.png";
    const layer = await renderMarkup(parseFlags([{ type: 'box', value: '20,20,60,60' }]), { width: 256, height: 256 });
    writeFileSync(join(cwd, markup), layer.png);
    const args = ['edit', 'in/photo.png', '--markup', markup, '-m', 'gpt-image-2.6-flare', '-p', 'x', '--dry-run'];
    const r = await run([...args, '--json'], { cwd });
    expect(r.exitCode).toBe(0);
    const { curl } = JSON.parse(r.stdout) as { curl: string };
    expect(curl).toContain("-F 'image=@in/photo.png;type=image/png'");
    expect(curl).toContain(`-F 'markup=@"q'\\'';x,y.png";type=image/png'`);
    const sent = await execa('sh', ['-c', `${curl} -o answer.json`], {
      cwd,
      env: { OPENAI_API_KEY: FAKE_KEY },
      reject: false,
    });
    expect(sent.stderr).toBe('');
    expect(sent.exitCode).toBe(0);
    const parts = mock.apiRequests()[0]!.parts!.filter((p) => p.filename !== undefined);
    expect(parts.map((p) => [p.name, p.filename, p.bytes])).toEqual([
      ['image', 'photo.png', statSync(join(cwd, 'in', 'photo.png')).size],
      ['markup', markup, layer.png.length],
    ]);
  });
});

describe('models --remote --dry-run', () => {
  it('prints the GET and sends nothing', async () => {
    const r = await run(['models', '--remote', '--dry-run']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`GET ${mock.url}/models`);
    expect(r.stdout).toContain(`curl -sS -X GET '${mock.url}/models'`);
    expect(mock.requests).toHaveLength(0);
  });
});

describe('previewRequest (in-process): multipart bodies for edit and vary', () => {
  it('lists fields and files with names, types and sizes, and builds curl -F', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.png'), Buffer.alloc(10));
    const conn: Connection = {
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-proj-secretsecret9999',
      timeoutMs: 1000,
      maxRetries: 0,
      userAgent: 'imgcli/test',
      signal: new AbortController().signal,
    };
    const form = () =>
      multipartBody([
        { name: 'model', value: 'gpt-image-2' },
        { name: 'prompt', value: '@not-a-file' },
        { name: 'image[]', filename: 'cat.png', contentType: 'image/png', bytes: new Uint8Array(10) },
        { name: 'image[]', filename: 'dog.webp', contentType: 'image/webp', path: join(dir, 'x.png'), size: 20 },
      ]);
    writeFileSync(join(dir, 'x.png'), Buffer.alloc(20));
    const p = await previewRequest(conn, { method: 'POST', path: '/images/edits', form });
    expect(p.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(p.multipart).toEqual([
      { name: 'model', value: 'gpt-image-2' },
      { name: 'prompt', value: '@not-a-file' },
      { name: 'image[]', file: { name: 'cat.png', type: 'image/png', size: 10 } },
      { name: 'image[]', file: { name: 'dog.webp', type: 'image/webp', size: 20 } },
    ]);
    expect(p.curl).toContain("--form-string 'prompt=@not-a-file'");
    expect(p.curl).toContain("-F 'image[]=@cat.png;type=image/png'");
    expect(p.curl).not.toMatch(/content-type/i);
    expect(p.curl).toContain(`-F 'image[]=@${join(dir, 'x.png')};filename=dog.webp;type=image/webp'`);
    const text = formatPreview(p);
    expect(text).toContain('image[]: file dog.webp (image/webp, 20 bytes)');
    expect(text + JSON.stringify(p)).not.toContain('secretsecret');
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});

describe('previewRequest (in-process): parts imgcli makes itself', () => {
  it('names under the curl command the file curl sends as stored, its name made visible, on one line', async () => {
    const conn: Connection = {
      baseUrl: 'http://127.0.0.1:9/v1',
      apiKey: FAKE_KEY,
      timeoutMs: 1000,
      maxRetries: 0,
      userAgent: 'imgcli/test',
      signal: new AbortController().signal,
    };
    const form = () =>
      multipartBody([
        { name: 'prompt', value: 'x' },
        {
          name: 'mask',
          filename: 'mask.png',
          contentType: 'image/png',
          bytes: new Uint8Array(10),
          origin: { path: 'draw\nrm -rf x.png', made: 'turned into a mask (black = edit)' },
        },
        {
          name: 'markup',
          filename: 'm.png',
          contentType: 'image/png',
          bytes: new Uint8Array(4),
          origin: { path: 'in/m.png' },
        },
      ]);
    const p = await previewRequest(conn, { method: 'POST', path: '/images/edits', form });
    const lines = p.curl.split('\n');
    expect(lines.at(-2)).toBe("  -F 'markup=@in/m.png;type=image/png'");
    expect(lines.at(-1)).toBe(
      '# mask: curl sends draw\\u000arm -rf x.png as stored; imgcli sends it turned into a mask (black = edit), 10 bytes',
    );
    expect(p.curl).toContain("-F 'mask=@draw\nrm -rf x.png;filename=mask.png;type=image/png'");
  });
});

describe('curlFileArg: a file as curl -F reads it', () => {
  it.each([
    ['photo.png', 'photo.png', 'image=@photo.png;type=image/png'],
    ['in/photo.png', 'photo.png', 'image=@in/photo.png;type=image/png'],
    ["q';x,y.png", "q';x,y.png", `image=@"q';x,y.png";type=image/png`],
    ['a "b"\\c.png', 'a "b"\\c.png', `image=@"a \\"b\\"\\\\c.png";type=image/png`],
    [' lead.png', ' lead.png', `image=@" lead.png";type=image/png`],
    ['in/x.png', 'y;z.png', `image=@in/x.png;filename="y;z.png";type=image/png`],
  ])('%j sent as %j: %s', (path, filename, arg) => {
    expect(curlFileArg('image', path, filename, 'image/png')).toBe(arg);
  });
});

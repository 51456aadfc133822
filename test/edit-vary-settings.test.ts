// edit and vary share gen's settings machinery: config defaults, --param (as form fields),
// --dry-run (multipart preview, zero requests) and the Azure routes (no variations on Azure).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEY, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';
import { fileParts, makeFixtures, textFields } from './helpers/uploads.js';

const mock = useMockServer({ extraModels: ['my-local-model'] });
let dir: string;
let origin: string;
let fx: Awaited<ReturnType<typeof makeFixtures>>;
beforeAll(async () => {
  origin = mock.url.replace(/\/v1$/, '');
  dir = tempDir();
  fx = await makeFixtures(dir);
});

const last = () => mock.apiRequests().at(-1);

/** Runs in the fixtures folder with a config file holding `config`. */
function withConfig(config: unknown) {
  const home = tempDir();
  mkdirSync(join(home, 'config'));
  writeFileSync(join(home, 'config', 'config.json'), JSON.stringify(config));
  return (args: string[]) =>
    imgcliInProcess(['--base-url', mock.url, ...args], { cwd: dir, env: { IMGCLI_CONFIG_DIR: join(home, 'config') } });
}

describe('--dry-run on edit and vary', () => {
  it('edit: lists the multipart fields and files, sends nothing', async () => {
    const r = await imgcliInProcess(
      ['--base-url', mock.url, 'edit', fx.photo, fx.photoJpg, '-p', 'a red scarf', '--mask', fx.mask, '--dry-run'],
      { cwd: dir },
    );
    expect(r.exitCode).toBe(0);
    expect(mock.requests).toHaveLength(0);
    expect(r.stdout).toContain(`POST ${mock.url}/images/edits\n`);
    expect(r.stdout).toMatch(/^content-type: multipart\/form-data/m);
    expect(r.stdout).toContain('prompt: a red scarf\n');
    expect(r.stdout).toContain(`image[]: file ${fx.photo} (image/png, ${fx.size(fx.photo)} bytes)`);
    expect(r.stdout).toContain(`image[]: file ${fx.photoJpg} (image/jpeg, ${fx.size(fx.photoJpg)} bytes)`);
    expect(r.stdout).toMatch(/^mask: file .* \(image\/png, \d+ bytes\)$/m);
    expect(r.stdout).toContain(`-F 'image[]=@${fx.photo};type=image/png'`);
    expect(r.stdout).not.toContain(FAKE_KEY);
  });

  it('vary --json: the same as a document, still judging the file first', async () => {
    const r = await imgcliInProcess(
      ['--base-url', mock.url, 'vary', fx.square, '-m', 'dall-e-2', '--dry-run', '--json'],
      { cwd: dir },
    );
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ dry_run: true, method: 'POST', url: `${mock.url}/images/variations` });
    expect(doc.multipart).toEqual([
      { name: 'model', value: 'dall-e-2' },
      { name: 'image', file: { name: fx.square, type: 'image/png', size: fx.size(fx.square) } },
    ]);
    const refused = await imgcliInProcess(['--base-url', mock.url, 'vary', fx.notes, '--dry-run'], { cwd: dir });
    expect(refused.exitCode).toBe(2);
    expect(mock.requests).toHaveLength(0);
  });
});

describe('config defaults on edit and vary', () => {
  it('edit takes size, quality, format and out-dir from the config', async () => {
    const run = withConfig({ size: '1536x1024', quality: 'low', format: 'webp', 'out-dir': 'edited' });
    const r = await run(['edit', fx.photo, '-p', 'a hat']);
    expect(r.exitCode).toBe(0);
    expect(textFields(last())).toEqual({
      model: 'gpt-image-2',
      prompt: 'a hat',
      size: '1536x1024',
      quality: 'low',
      output_format: 'webp',
    });
    expect(r.stdout).toMatch(/^edited\/a-hat-\d{8}-\d{6}\.webp$/);
  });

  it('vary applies the defaults its model takes and leaves out the rest', async () => {
    const run = withConfig({ model: 'dall-e-2', quality: 'high', size: '512x512', format: 'webp' });
    const r = await run(['vary', fx.square, '-o', join(tempDir(), 'v.png')]);
    expect(r.exitCode).toBe(0);
    expect(last()!.path).toBe('/v1/images/variations');
    expect(textFields(last())).toEqual({ model: 'dall-e-2', size: '512x512' });
  });
});

describe('--param on edit and vary', () => {
  it('adds text fields to the form, JSON values as JSON text', async () => {
    const r = await imgcliInProcess(
      [
        '--base-url',
        mock.url,
        'edit',
        fx.photo,
        '-p',
        'x',
        '-m',
        'my-local-model',
        '--param',
        'seed=42',
        '--param',
        'extra={"a":1}',
        '--param',
        'mode=fast',
        '-o',
        join(tempDir(), 'e.png'),
      ],
      { cwd: dir },
    );
    expect(r.exitCode).toBe(0);
    expect(textFields(last())).toEqual({
      model: 'my-local-model',
      prompt: 'x',
      seed: '42',
      extra: '{"a":1}',
      mode: 'fast',
    });
    const refused = await imgcliInProcess(['--base-url', mock.url, 'vary', fx.photo, '--param', 'image=x.png'], {
      cwd: dir,
    });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(
      /--param image=\.\.\. would replace the command's own input; use the command's image arguments instead/,
    );
  });
});

describe('edit and vary on Azure', () => {
  const az = () => [
    '--base-url',
    `${origin}/openai`,
    '--azure-deployment',
    'img',
    '--azure-api-version',
    '2025-04-01-preview',
  ];

  it('edit goes to /deployments/<name>/images/edits with the api-key header', async () => {
    const r = await imgcliInProcess([...az(), 'edit', fx.photo, '-p', 'x', '-o', join(tempDir(), 'e.png')], {
      cwd: dir,
    });
    expect(r.exitCode).toBe(0);
    const req = last()!;
    expect([req.path, req.query['api-version'], req.headers['api-key'], req.headers.authorization]).toEqual([
      '/openai/deployments/img/images/edits',
      '2025-04-01-preview',
      FAKE_KEY,
      undefined,
    ]);
    expect(fileParts(req)).toHaveLength(1);
  });

  it('vary with dall-e-2 is refused before anything is sent; GPT models vary through edits', async () => {
    const refused = await imgcliInProcess([...az(), 'vary', fx.square, '-m', 'dall-e-2'], { cwd: dir });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/Azure OpenAI has no image variations endpoint; nothing was sent/);
    expect(refused.stderr).toMatch(/imgcli edit/);
    expect(mock.requests).toHaveLength(0);
    const gpt = await imgcliInProcess([...az(), 'vary', fx.photo, '-o', join(tempDir(), 'v.png')], { cwd: dir });
    expect(gpt.exitCode).toBe(0);
    expect(last()!.path).toBe('/openai/deployments/img/images/edits');
  });
});

// `imgcli vary` end to end: dall-e-2 through /images/variations, GPT models through /images/edits
// with the built-in prompt; the parts the server received, the files written, the --json record.
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { VARIATION_PROMPT } from '../src/pipeline/build.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';
import { fileParts, makeFixtures, textFields } from './helpers/uploads.js';

const mock = useMockServer();
let dir: string;
let fx: Awaited<ReturnType<typeof makeFixtures>>;
beforeAll(async () => {
  dir = tempDir();
  fx = await makeFixtures(dir);
});

const vary = (args: string[], cwd = dir) => imgcliInProcess(['--base-url', mock.url, 'vary', ...args], { cwd });
const last = () => mock.apiRequests().at(-1);

describe('imgcli vary', () => {
  it('takes the image flags its models take through edits (-q, -f, --background, --compression, --stream)', async () => {
    const out = join(tempDir(), 'v.webp');
    const r = await vary([
      fx.photoJpg,
      '-q',
      'low',
      '--background',
      'opaque',
      '--compression',
      '60',
      '--stream',
      '--partial-images',
      '1',
      '-o',
      out,
    ]);
    expect(r.exitCode).toBe(0);
    expect(textFields(last())).toMatchObject({
      quality: 'low',
      background: 'opaque',
      output_format: 'webp',
      output_compression: '60',
      stream: 'true',
      partial_images: '1',
    });
    expect((await sharp(out).metadata()).format).toBe('webp');
    // dall-e-2's variations take none of them: the schema says so before anything is sent.
    const before = mock.requests.length;
    const no = await vary([join(dir, fx.square), '-m', 'dall-e-2', '-q', 'low']);
    expect(no.exitCode).toBe(2);
    expect(no.stderr).toMatch(/--quality is not accepted by dall-e-2 for variations/);
    expect(mock.requests.length).toBe(before);
  });

  it('dall-e-2: POST /images/variations with the image and no prompt; URL answers downloaded', async () => {
    const out = tempDir();
    const r = await vary([join(dir, fx.square), '-m', 'dall-e-2', '-n', '2', '-s', '256x256', '--json'], out);
    expect(r.exitCode).toBe(0);
    expect(last()!.path).toBe('/v1/images/variations');
    expect(fileParts(last())).toEqual([
      { name: 'image', filename: fx.square, contentType: 'image/png', bytes: fx.size(fx.square) },
    ]);
    expect(textFields(last())).toEqual({ model: 'dall-e-2', n: '2', size: '256x256' });
    expect(mock.requests.filter((q) => q.path.startsWith('/files/'))).toHaveLength(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.endpoint).toBe('variations');
    expect(doc.files.map((f: { path: string }) => f.path)).toEqual([
      expect.stringMatching(/^square-variation-\d{8}-\d{6}-1\.png$/),
      expect.stringMatching(/-2\.png$/),
    ]);
    expect((await sharp(join(out, doc.files[0].path)).metadata()).width).toBe(256);
  });

  it('GPT models: POST /images/edits with the built-in prompt plus the hint, recorded in --json', async () => {
    const r = await vary([fx.photoJpg, '-p', 'in autumn colours', '--json', '-o', join(tempDir(), 'v.png')]);
    expect(r.exitCode).toBe(0);
    expect(last()!.path).toBe('/v1/images/edits');
    expect(fileParts(last())).toEqual([
      { name: 'image', filename: fx.photoJpg, contentType: 'image/jpeg', bytes: fx.size(fx.photoJpg) },
    ]);
    const fields = textFields(last());
    expect(fields).toEqual({ model: 'gpt-image-2', prompt: expect.any(String), output_format: 'png' });
    expect(fields.prompt).toBe(`${VARIATION_PROMPT} Direction for this variation: in autumn colours`);
    expect(fields.prompt).toMatch(/keep the same subject, composition/i);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      model: 'gpt-image-2',
      endpoint: 'edits',
      files: [{ path: expect.stringMatching(/v\.png$/), format: 'png' }],
    });
  });

  it('dall-e-2 with --fit: a non-square JPEG goes as a square PNG, and says so', async () => {
    const refused = await vary([fx.photoJpg, '-m', 'dall-e-2']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(
      /photo\.jpg is a JPEG file, 64x48, not square; dall-e-2 takes square PNG images under 4 MB\nhint: Add --fit contain/,
    );
    expect(mock.requests).toHaveLength(0);
    const r = await vary([
      fx.photoJpg,
      '-m',
      'dall-e-2',
      '--fit',
      'contain',
      '--response-format',
      'b64_json',
      '-s',
      '256x256',
      '-o',
      join(tempDir(), 'c.png'),
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/photo\.jpg: .*; sending a 64x64 PNG made from it \(--fit contain\)/);
    expect(fileParts(last())).toEqual([
      { name: 'image', filename: 'photo.png', contentType: 'image/png', bytes: expect.any(Number) },
    ]);
  });

  it('refuses dall-e-3, and a prompt for dall-e-2, before sending', async () => {
    const d3 = await vary([fx.square, '-m', 'dall-e-3']);
    expect(d3.exitCode).toBe(2);
    expect(d3.stderr).toMatch(
      /^error: dall-e-3 has no variations or edits, so it cannot vary an image\nhint: Use -m gpt-image-2/,
    );
    const hint = await vary([fx.square, '-m', 'dall-e-2', '-p', 'brighter']);
    expect(hint.exitCode).toBe(2);
    expect(hint.stderr).toMatch(/dall-e-2 variations take no prompt/);
    expect(mock.requests).toHaveLength(0);
  });

  it('says in its help which endpoint each model uses', async () => {
    const r = await imgcliInProcess(['vary', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/dall-e-2\n\s+POST \/images\/variations/);
    expect(r.stdout).toMatch(/gpt-image-2,[\s\S]*POST \/images\/edits, with a built-in prompt/);
    expect(r.stdout).toMatch(/dall-e-3\n\s+neither/);
  });
});

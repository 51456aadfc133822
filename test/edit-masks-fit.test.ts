// `imgcli edit` masks and dall-e-2 end to end: --mask checked before upload, --mask-from built in
// memory, dall-e-2's square PNG rule and --fit. Exit code, stderr, and the parts the server got.
// In-process (helpers/in-process.ts); the first case also runs the built binary.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';
import { fileParts, makeFixtures, textFields } from './helpers/uploads.js';

const mock = useMockServer();
let dir: string;
let fx: Awaited<ReturnType<typeof makeFixtures>>;
beforeAll(async () => {
  dir = tempDir();
  fx = await makeFixtures(dir);
});

// Small, cheap answers: the fixtures are tiny and so is the work the server does.
const edit = (args: string[], opts: { cwd?: string } = {}) =>
  runInProcess(['--base-url', mock.url, 'edit', ...args], { cwd: dir, ...opts });
const spawnedEdit = (args: string[]) => imgcli(['--base-url', mock.url, 'edit', ...args], { cwd: dir });
const last = () => mock.apiRequests().at(-1);
const part = (name: string, filename: string, contentType: string) => ({
  name,
  filename,
  contentType,
  bytes: fx.size(filename),
});

describe('imgcli edit: masks', () => {
  it.each([
    ['in-process', edit],
    ['spawned', spawnedEdit],
  ] as const)('sends a matching --mask as the field `mask` (%s)', async (_how, run) => {
    const r = await run([
      fx.photo,
      '--mask',
      fx.mask,
      '-p',
      'a window',
      '-s',
      '1024x1024',
      '-q',
      'low',
      '-o',
      join(tempDir(), 'w.png'),
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toMatch(/warning/);
    expect(fileParts(last())).toEqual([part('image', fx.photo, 'image/png'), part('mask', fx.mask, 'image/png')]);
  });

  it('refuses a mask of another size, and an RGB mask with a hint to build one', async () => {
    const small = await edit([fx.photo, '--mask', fx.maskSmall, '-p', 'x']);
    expect(small.exitCode).toBe(2);
    expect(small.stderr).toMatch(
      /^error: --mask mask-small\.png is not a valid mask: it is 32x24 but the image is 64x48\nhint: Resize it to the image: imgcli mask --from-alpha mask-small\.png --like photo\.png/,
    );
    const rgb = await edit([fx.photo, '--mask', fx.maskRgb, '-p', 'x']);
    expect(rgb.exitCode).toBe(2);
    expect(rgb.stderr).toMatch(/^error: --mask mask-rgb\.png is not a valid mask: it has no alpha channel/);
    expect(rgb.stderr).toMatch(
      /hint: .*--mask-from mask-rgb\.png.*imgcli mask mask-rgb\.png --like photo\.png -o mask\.png/,
    );
    expect(small.stdout + rgb.stdout).toBe('');
    expect(mock.requests).toHaveLength(0);
  });

  it('warns about a mask with no transparent pixel, and sends it', async () => {
    const r = await edit([
      fx.photo,
      '--mask',
      fx.maskOpaque,
      '-p',
      'x',
      '-s',
      '1024x1024',
      '-q',
      'low',
      '-o',
      join(tempDir(), 'o.png'),
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(
      /warning: --mask mask-opaque\.png: no pixel is fully transparent, so nothing will be edited/,
    );
    expect(fileParts(last()).map((p) => p.name)).toEqual(['image', 'mask']);
  });

  it('builds the mask from a drawing with --mask-from, at the first image size', async () => {
    const r = await edit([
      fx.photo,
      fx.photoJpg,
      '--mask-from',
      fx.drawing,
      '-p',
      'x',
      '-s',
      '1024x1024',
      '-q',
      'low',
      '-o',
      join(tempDir(), 'd.png'),
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/mask from drawing\.png: 64x48, 50% editable/);
    const [, , mask] = fileParts(last());
    expect(mask).toMatchObject({ name: 'mask', filename: 'mask.png', contentType: 'image/png' });
    expect(mask!.bytes).toBeGreaterThan(0);
  });

  it('refuses --mask with --mask-from', async () => {
    const r = await edit([fx.photo, '--mask', fx.mask, '--mask-from', fx.drawing, '-p', 'x']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--mask and --mask-from are two masks; use one/);
  });
});

describe('imgcli edit: dall-e-2 and --fit', () => {
  it('refuses a non-square image, suggesting --fit, before sending', async () => {
    const r = await edit([fx.photo, '-m', 'dall-e-2', '--mask', fx.mask, '-p', 'x']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^error: photo\.png is 64x48, not square; dall-e-2 takes square PNG images under 4 MB\nhint: Add --fit contain \(pads\) or --fit cover \(crops\)/,
    );
    const jpeg = await edit([fx.jpegNamedPng, '-m', 'dall-e-2', '-p', 'x']);
    expect(jpeg.stderr).toMatch(
      /really-a-jpeg\.png is a JPEG file \(whatever its \.png name says\), 64x48, not square; dall-e-2 takes/,
    );
    expect(mock.requests).toHaveLength(0);
  });

  it('with --fit sends a square PNG made in memory, the mask fitted alike, and downloads the URL answer', async () => {
    const out = tempDir();
    const r = await edit([
      fx.photoJpg,
      '-m',
      'dall-e-2',
      '--fit',
      'cover',
      '--mask',
      fx.mask,
      '-p',
      'a star',
      '-s',
      '256x256',
      '-o',
      join(out, 's.png'),
    ]);
    expect(r.stderr).toMatch(
      /photo\.jpg: a JPEG file, 64x48, not square; sending a 48x48 PNG made from it \(--fit cover\)/,
    );
    expect(r.exitCode).toBe(0);
    const [image, mask] = fileParts(last());
    expect(image).toMatchObject({ name: 'image', filename: 'photo.png', contentType: 'image/png' });
    expect(mask).toMatchObject({ name: 'mask', filename: 'mask.png', contentType: 'image/png' });
    expect(textFields(last())).toEqual({ model: 'dall-e-2', prompt: 'a star', size: '256x256' });
    // dall-e answers with a URL by default; it was fetched at once
    expect(mock.requests.some((q) => q.path.startsWith('/files/'))).toBe(true);
    expect((await sharp(join(out, 's.png')).metadata()).width).toBe(256);
  });

  it('refuses a dall-e-2 edit with neither a mask nor transparency, and sends a transparent square PNG', async () => {
    const opaque = tempDir();
    await sharp(join(dir, fx.maskRgb)).resize(48, 48).toFile(join(opaque, 'sq.png'));
    const r = await edit(['sq.png', '-m', 'dall-e-2', '-p', 'x'], { cwd: opaque });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /sq\.png has no transparency and no mask was given; dall-e-2 edits only where the image is transparent/,
    );
    const ok = await edit([
      fx.square,
      '-m',
      'dall-e-2',
      '-p',
      'x',
      '--response-format',
      'b64_json',
      '-s',
      '256x256',
      '-o',
      join(tempDir(), 'sq.png'),
    ]);
    expect(ok.exitCode).toBe(0);
    expect(fileParts(last())).toEqual([part('image', fx.square, 'image/png')]);
  });

  it('refuses two images for dall-e-2, and dall-e-3 altogether', async () => {
    const two = await edit([fx.square, fx.square, '-m', 'dall-e-2', '-p', 'x']);
    expect(two.exitCode).toBe(2);
    expect(two.stderr).toMatch(/2 images given; dall-e-2 edits takes exactly 1\nhint: .*-m gpt-image-2/);
    const d3 = await edit([fx.square, '-m', 'dall-e-3', '-p', 'x']);
    expect(d3.exitCode).toBe(2);
    expect(d3.stderr).toMatch(/dall-e-3 cannot edit images/);
    expect(mock.requests).toHaveLength(0);
  });
});

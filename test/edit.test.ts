// `imgcli edit` end to end: the command line, in-process, against the offline server. Each case checks the exit
// code, stdout, stderr, and the multipart parts the server received (or that nothing was sent).
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
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

// Small, cheap answers: the fixtures are tiny and so is the work the server does.
const edit = (args: string[], opts: Parameters<typeof imgcli>[1] = {}) =>
  imgcliInProcess(['--base-url', mock.url, 'edit', ...args], { cwd: dir, ...opts });
const last = () => mock.apiRequests().at(-1);
const part = (name: string, filename: string, contentType: string) => ({
  name,
  filename,
  contentType,
  bytes: fx.size(filename),
});

describe('imgcli edit: uploads', () => {
  it('sends one image in the field `image` with its filename and content type, and saves the answer', async () => {
    const out = tempDir();
    const r = await edit([
      fx.photo,
      '-p',
      'add a red scarf',
      '-s',
      '1024x1024',
      '-q',
      'low',
      '-o',
      join(out, 'scarf.png'),
    ]);
    expect(r.stderr).toMatch(/usage: \d+ input/);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(join(out, 'scarf.png'));
    expect(mock.apiRequests()).toHaveLength(1);
    expect(last()!.path).toBe('/v1/images/edits');
    expect(String(last()!.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    expect(fileParts(last())).toEqual([part('image', fx.photo, 'image/png')]);
    // output_format follows the -o extension, as with gen
    expect(textFields(last())).toEqual({
      model: 'gpt-image-2',
      prompt: 'add a red scarf',
      size: '1024x1024',
      quality: 'low',
      output_format: 'png',
    });
    const meta = await sharp(join(out, 'scarf.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1024, 1024]);
  });

  it('sends 16 images as repeated `image[]`, in order', async () => {
    const sixteen = fx.many.slice(0, 16);
    const r = await edit([
      ...sixteen,
      '-p',
      'a collage',
      '-s',
      '1024x1024',
      '-q',
      'low',
      '--json',
      '-o',
      join(tempDir(), 'c.png'),
    ]);
    expect(r.exitCode).toBe(0);
    expect(fileParts(last())).toEqual(sixteen.map((f) => part('image[]', f, 'image/png')));
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      model: 'gpt-image-2',
      endpoint: 'edits',
      files: [{ format: 'png', width: 1024, height: 1024 }],
    });
    // 16 inputs count as input image tokens
    expect(doc.usage.input_tokens_details.image_tokens).toBeGreaterThan(16 * 85);
  });

  it('refuses 17 images before reading or sending anything', async () => {
    const r = await edit([...fx.many, '-p', 'a collage']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^error: 17 images given; gpt-image-2 edits takes 1 to 16\nhint: Give at most 16 images\./,
    );
    expect(r.stdout).toBe('');
    expect(mock.requests).toHaveLength(0);
  });

  it('sends the content type the bytes say: a .png that is really a JPEG goes as image/jpeg', async () => {
    const r = await edit([
      fx.jpegNamedPng,
      fx.photoJpg,
      '-p',
      'x',
      '-s',
      '1024x1024',
      '-q',
      'low',
      '-o',
      join(tempDir(), 'x.png'),
    ]);
    expect(r.exitCode).toBe(0);
    expect(fileParts(last())).toEqual([
      part('image[]', fx.jpegNamedPng, 'image/jpeg'),
      part('image[]', fx.photoJpg, 'image/jpeg'),
    ]);
  });

  it('refuses a text file named .png, a missing file and a folder, naming each', async () => {
    const text = await edit([fx.notes, '-p', 'x']);
    expect(text.exitCode).toBe(2);
    expect(text.stderr).toMatch(
      /^error: image notes\.png is not an image \(it starts: shopping list: e\)\nhint: Give a PNG, JPEG or WebP image file\./,
    );
    const missing = await edit([fx.photo, 'gone.png', '-p', 'x']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/cannot read image gone\.png: no such file/);
    const folder = await edit(['.', '-p', 'x']);
    expect(folder.stderr).toMatch(/cannot read image \.: it is a folder/);
    expect(mock.requests).toHaveLength(0);
  });

  it('rebuilds the form for a retry and sends the same parts again', async () => {
    mock.enqueueFault({
      status: 500,
      body: { error: { message: 'boom', type: 'server_error', param: null, code: null } },
      headers: { 'retry-after-ms': '5' },
    });
    const r = await edit([
      fx.photo,
      fx.photoJpg,
      '--mask',
      fx.mask,
      '-p',
      'x',
      '-s',
      '1024x1024',
      '-q',
      'low',
      '-o',
      join(tempDir(), 'r.png'),
    ]);
    expect(r.exitCode).toBe(0);
    const [first, second] = mock.apiRequests();
    expect(second!.parts).toEqual(first!.parts);
    expect(second!.rawBodyBytes).toBe(first!.rawBodyBytes);
    expect(fileParts(second)).toEqual([
      part('image[]', fx.photo, 'image/png'),
      part('image[]', fx.photoJpg, 'image/jpeg'),
      part('mask', fx.mask, 'image/png'),
    ]);
  });
});

describe('imgcli edit: flags and prompt', () => {
  it('takes --input-fidelity only where the table allows, and --moderation only in a JSON edit', async () => {
    const no = await edit([fx.photo, '-p', 'x', '--input-fidelity', 'high']);
    expect(no.exitCode).toBe(2);
    expect(no.stderr).toMatch(
      /--input-fidelity is not accepted by gpt-image-2 for edits \(gpt-image-2 answers 400 invalid_input_fidelity_model\); it is for gpt-image-1\.5, gpt-image-1-mini, gpt-image-1/,
    );
    const mod = await edit([fx.photo, '-p', 'x', '--moderation', 'low']);
    expect(mod.exitCode).toBe(2);
    expect(mod.stderr).toMatch(
      /--moderation is not accepted by gpt-image-2 for edits; it is for generations and edits sent as JSON/,
    );
    expect(mock.requests).toHaveLength(0);
    const yes = await edit([
      fx.photo,
      '-p',
      'x',
      '-m',
      'gpt-image-1.5',
      '--input-fidelity',
      'high',
      '-s',
      '1024x1024',
      '-q',
      'low',
      '-o',
      join(tempDir(), 'f.png'),
    ]);
    expect(yes.exitCode).toBe(0);
    expect(textFields(last())).toMatchObject({ model: 'gpt-image-1.5', input_fidelity: 'high' });
  });

  it('reads the prompt from -p - and -p @file, and needs one', async () => {
    const cwd = tempDir();
    copyFileSync(join(dir, fx.photo), join(cwd, 'p.png'));
    const piped = await edit(['p.png', '-p', '-', '-s', '1024x1024', '-q', 'low', '-o', 'a.png'], {
      cwd,
      input: 'from stdin\n',
    });
    expect(piped.exitCode).toBe(0);
    expect(textFields(last()).prompt).toBe('from stdin');
    writeFileSync(join(cwd, 'brief.txt'), 'from a file\n');
    const file = await edit(['p.png', '-p', '@brief.txt', '-s', '1024x1024', '-q', 'low', '-o', 'b.png'], { cwd });
    expect(file.exitCode).toBe(0);
    expect(textFields(last()).prompt).toBe('from a file');
    expect(readFileSync(join(cwd, 'b.png')).subarray(1, 4).toString()).toBe('PNG');
    const none = await edit(['p.png'], { cwd });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/edit needs a prompt: -p "what to change"/);
  });

  it('names outputs after the prompt, like gen', async () => {
    const cwd = tempDir();
    copyFileSync(join(dir, fx.photo), join(cwd, 'p.png'));
    const r = await edit(['p.png', '-p', 'a red scarf', '-s', '1024x1024', '-q', 'low', '-n', '2'], { cwd });
    expect(r.exitCode).toBe(0);
    const paths = r.stdout.split('\n');
    expect(paths).toHaveLength(2);
    paths.forEach((p, i) => expect(p).toMatch(new RegExp(`^a-red-scarf-\\d{8}-\\d{6}-${i + 1}\\.png$`)));
    expect(readFileSync(join(cwd, paths[0]!)).equals(readFileSync(join(cwd, paths[1]!)))).toBe(false);
  });
});

// `imgcli replay` end to end, in-process, against the offline server: the request the server sees
// again is the recorded one (or the recorded one with the flags given), inputs are found from the
// record and checked byte for byte, and the new file lands next to the original. Each case checks
// the exit code, stdout, stderr, the files and the requests the server received.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VARIATION_PROMPT } from '../src/pipeline/build.js';
import { embedProvenance, readProvenance } from '../src/provenance/index.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';
import { fileParts, makeFixtures, textFields } from './helpers/uploads.js';

const mock = useMockServer({ extraModels: ['my-model'] });
let dir: string;
beforeAll(async () => {
  dir = tempDir('imgcli-replay-');
  await makeFixtures(dir);
});

const run = (args: string[], opts: { cwd?: string; input?: string } = {}) =>
  imgcliInProcess(['--base-url', mock.url, ...args], { cwd: opts.cwd ?? dir, input: opts.input });
const record = (path: string) => readProvenance(readFileSync(path))!;
const files = (folder: string) => readdirSync(folder).sort();

/** A fresh folder holding the fixtures' photo, mask and drawing, for cases that change them. */
function workspace(): string {
  const ws = tempDir('imgcli-replay-ws-');
  for (const f of ['photo.png', 'photo.jpg', 'mask.png', 'drawing.png', 'square.png'])
    copyFileSync(join(dir, f), join(ws, f));
  return ws;
}

describe('imgcli replay: generations', () => {
  it('sends the recorded request again and writes <name>-replay-<time> beside the original, which is left alone', async () => {
    const ws = tempDir();
    expect(
      (await run(['gen', 'a watercolor fox', '-q', 'low', '-s', '1024x1536', '-o', 'art/fox.png'], { cwd: ws }))
        .exitCode,
    ).toBe(0);
    const original = readFileSync(join(ws, 'art/fox.png'));
    const r = await run(['replay', 'art/fox.png'], { cwd: ws });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('art/fox-replay-20261201-120000.png');
    expect(r.stderr).toMatch(/^replaying art\/fox\.png: imgcli gen, gpt-image-2, first made as req_\w+\n/);
    const [first, again] = mock.apiRequests();
    expect(again!.path).toBe('/v1/images/generations');
    expect(again!.json).toEqual(first!.json);
    expect(first!.json).toEqual({
      model: 'gpt-image-2',
      prompt: 'a watercolor fox',
      quality: 'low',
      size: '1024x1536',
      output_format: 'png',
    });
    expect(readFileSync(join(ws, 'art/fox.png')).equals(original)).toBe(true);
    expect(record(join(ws, 'art/fox-replay-20261201-120000.png')).fingerprint).toBe(
      record(join(ws, 'art/fox.png')).fingerprint,
    );
    // Again at the same (pinned) time: a new name, never over the first replay.
    const twice = await run(['replay', 'art/fox.png'], { cwd: ws });
    expect(twice.stdout).toBe('art/fox-replay-20261201-120000_2.png');
    expect(files(join(ws, 'art'))).toEqual([
      'fox-replay-20261201-120000.png',
      'fox-replay-20261201-120000_2.png',
      'fox.png',
    ]);
  });

  it('flags given win: the body differs in those alone; -o writes where it says, over the original when asked', async () => {
    const ws = tempDir();
    await run(['gen', 'a red bicycle', '-q', 'low', '-o', 'bike.png'], { cwd: ws });
    const r = await run(['replay', 'bike.png', '-q', 'high', '-n', '2', '-o', 'takes/'], { cwd: ws });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('takes/bike-replay-20261201-120000-1.png\ntakes/bike-replay-20261201-120000-2.png');
    expect(r.stderr).toMatch(/; changed: --quality, --count\n/);
    expect(mock.apiRequests().at(-1)!.json).toEqual({
      model: 'gpt-image-2',
      prompt: 'a red bicycle',
      quality: 'high',
      n: 2,
      output_format: 'png',
    });
    // -p is a new prompt; -o over the original is allowed because it says so; a .jpg asks for jpeg.
    const over = await run(['replay', 'bike.png', '-p', 'a blue bicycle', '-o', 'bike.png'], { cwd: ws });
    expect(over.exitCode).toBe(0);
    expect(over.stdout).toBe('bike.png');
    expect(record(join(ws, 'bike.png')).prompt).toBe('a blue bicycle');
    const jpeg = await run(['replay', 'bike.png', '-o', 'bike.jpg'], { cwd: ws });
    expect(jpeg.exitCode).toBe(0);
    expect(mock.apiRequests().at(-1)!.json).toMatchObject({ prompt: 'a blue bicycle', output_format: 'jpeg' });
  });

  it('the recorded prompt is text: "@..." and "-" are not read from a file or stdin again', async () => {
    const ws = tempDir();
    writeFileSync(join(ws, 'home office'), 'the wrong prompt\n');
    await run(['gen', '-', '-o', 'at.png'], { cwd: ws, input: '@home office\n' });
    expect(record(join(ws, 'at.png')).prompt).toBe('@home office');
    const r = await run(['replay', 'at.png'], { cwd: ws, input: 'stdin is not read either' });
    expect(r.exitCode).toBe(0);
    expect(mock.apiRequests().at(-1)!.json).toMatchObject({ prompt: '@home office' });
  });

  it('--dry-run prints the recorded request and sends and writes nothing', async () => {
    const ws = tempDir();
    await run(['gen', 'a lighthouse', '-q', 'low', '-o', 'l.png'], { cwd: ws });
    mock.requests.length = 0;
    const r = await run(['replay', 'l.png', '--dry-run', '-s', '1536x1024'], { cwd: ws });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/v1\/images\/generations\n/);
    expect(r.stdout).toContain(
      '{\n  "model": "gpt-image-2",\n  "prompt": "a lighthouse",\n  "size": "1536x1024",\n  "quality": "low",\n  "output_format": "png"\n}',
    );
    expect(mock.requests).toHaveLength(0);
    expect(files(ws)).toEqual(['l.png']);
  });

  it('--param fields come back as --param; one given again replaces its value', async () => {
    const ws = tempDir();
    await run(['gen', 'a fox', '-m', 'my-model', '--param', 'seed=42', '--param', 'steps=20', '-o', 'f.png'], {
      cwd: ws,
    });
    expect((await run(['replay', 'f.png', '--param', 'seed=7'], { cwd: ws })).exitCode).toBe(0);
    const [first, again] = mock.apiRequests();
    expect(first!.json).toEqual({ model: 'my-model', prompt: 'a fox', seed: 42, steps: 20 });
    expect(again!.json).toEqual({ model: 'my-model', prompt: 'a fox', seed: 7, steps: 20 });
  });

  it('a recorded value the new -m does not take: exit 2, and the hint says where it came from', async () => {
    const ws = tempDir();
    await run(['gen', 'a fox', '-q', 'low', '-o', 'f.png'], { cwd: ws });
    mock.requests.length = 0;
    const r = await run(['replay', 'f.png', '-m', 'dall-e-3'], { cwd: ws });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /error: --quality low is not valid for dall-e-3[\s\S]*\nhint: .*Flags not given on the command line come from f\.png's record \(see imgcli info f\.png\)/,
    );
    expect(mock.requests).toHaveLength(0);
  });

  it('an image without provenance, a missing file, a file that is not an image: exit 2, nothing sent', async () => {
    for (const [file, message] of [
      [
        'photo.png',
        /^error: photo\.png has no imgcli provenance, so there is no request to replay\nhint: imgcli info photo\.png shows/,
      ],
      ['gone.png', /^error: cannot read gone\.png: no such file\n/],
      ['notes.png', /^error: notes\.png is not an image\n/],
    ] as const) {
      const r = await run(['replay', file]);
      expect(r.exitCode, file).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(mock.requests).toHaveLength(0);
  });
});

describe('imgcli replay: edits and variations', () => {
  it('finds the inputs by their recorded paths (relative to the image, from any folder) and sends the same multipart request', async () => {
    const ws = workspace();
    const made = await run(
      [
        'edit',
        'photo.png',
        '--mask',
        'mask.png',
        '-p',
        'a red scarf',
        '-s',
        '1024x1024',
        '-q',
        'low',
        '-o',
        'scarf.png',
      ],
      { cwd: ws },
    );
    expect(made.exitCode).toBe(0);
    expect(record(join(ws, 'scarf.png')).inputs).toEqual([
      {
        role: 'image',
        path: 'photo.png',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        size: expect.any(Number),
      },
      { role: 'mask', path: 'mask.png', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: expect.any(Number) },
    ]);
    const elsewhere = tempDir();
    const r = await run(['replay', join(ws, 'scarf.png')], { cwd: elsewhere });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(join(ws, 'scarf-replay-20261201-120000.png'));
    expect(r.stderr).toContain(
      `, first made as ${record(join(ws, 'scarf.png')).request_id}, 2 inputs checked (uploading ${join(ws, 'photo.png')}, ${join(ws, 'mask.png')})\n`,
    );
    const [first, again] = mock.apiRequests();
    expect(textFields(again)).toEqual(textFields(first));
    expect(fileParts(again)).toEqual(fileParts(first));
    expect(record(join(ws, 'scarf-replay-20261201-120000.png')).fingerprint).toBe(
      record(join(ws, 'scarf.png')).fingerprint,
    );
  });

  it('a changed input is refused unless --force; a missing one must be given; one given again is checked the same way', async () => {
    const ws = workspace();
    await run(['edit', 'photo.png', '-p', 'a hat', '-q', 'low', '-o', 'hat.png'], { cwd: ws });
    copyFileSync(join(ws, 'photo.png'), join(ws, 'photo-copy.png'));
    copyFileSync(join(ws, 'photo.jpg'), join(ws, 'photo.png'));
    mock.requests.length = 0;
    const refused = await run(['replay', 'hat.png'], { cwd: ws });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(
      /^error: photo\.png has changed since hat\.png was made \(sha256 [0-9a-f]{12}\.\.\. then, [0-9a-f]{12}\.\.\. now\); nothing was sent\nhint: Pass --force to send the inputs as they are now, or give the original files after the image\.$/,
    );
    expect(refused.stdout).toBe('');
    expect(mock.requests).toHaveLength(0);
    // The same bytes under another name are the same input.
    const given = await run(['replay', 'hat.png', 'photo-copy.png'], { cwd: ws });
    expect(given.exitCode).toBe(0);
    expect(fileParts(mock.apiRequests().at(-1))).toMatchObject([{ name: 'image', filename: 'photo-copy.png' }]);
    const other = await run(['replay', 'hat.png', 'drawing.png'], { cwd: ws });
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toMatch(/^error: drawing\.png \(recorded as photo\.png\) has changed since hat\.png was made/);
    const forced = await run(['replay', 'hat.png', '--force'], { cwd: ws });
    expect(forced.exitCode).toBe(0);
    expect(forced.stderr).toMatch(/warning: --force: photo\.png has changed since hat\.png was made/);
    expect(fileParts(mock.apiRequests().at(-1))).toMatchObject([
      { name: 'image', filename: 'photo.png', contentType: 'image/jpeg' },
    ]);
    const gone = tempDir();
    copyFileSync(join(ws, 'hat.png'), join(gone, 'hat.png'));
    const missing = await run(['replay', 'hat.png'], { cwd: gone });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(
      /^error: cannot read photo\.png, an input of hat\.png: no such file\nhint: Give the file again: imgcli replay hat\.png <image>\.\.\./,
    );
  });

  it('vary stays vary: the built-in prompt and the recorded hint, through /images/edits', async () => {
    const ws = workspace();
    await run(['vary', 'photo.png', '-p', 'in autumn colours', '-q', 'low', '-o', 'v.png'], { cwd: ws });
    const r = await run(['replay', 'v.png'], { cwd: ws });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/replaying v\.png: imgcli vary, gpt-image-2/);
    const [first, again] = mock.apiRequests();
    expect(textFields(again)).toEqual(textFields(first));
    expect(textFields(again).prompt).toBe(`${VARIATION_PROMPT} Direction for this variation: in autumn colours`);
  });

  it('a file from an imgcli that did not record its inputs: they must be given, and the request fingerprint vouches for them', async () => {
    const ws = workspace();
    await run(['edit', 'photo.png', '-p', 'a hat', '-q', 'low', '-o', 'hat.png'], { cwd: ws });
    // The same file as an older imgcli wrote it: no command, no inputs.
    const { command: _c, inputs: _i, ...older } = record(join(ws, 'hat.png'));
    writeFileSync(join(ws, 'old.png'), embedProvenance(readFileSync(join(ws, 'hat.png')), 'png', older));
    const bare = await run(['replay', 'old.png'], { cwd: ws });
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toMatch(
      /^error: old\.png was made by an imgcli that did not record its input files, so they must be named\nhint: Give them after the image: imgcli replay old\.png <image>\.\.\./,
    );
    const right = await run(['replay', 'old.png', 'photo.png'], { cwd: ws });
    expect(right.exitCode).toBe(0);
    expect(right.stderr).toMatch(
      /imgcli edit, gpt-image-2, first made as req_\w+, 1 input given \(uploading photo\.png\)\n/,
    );
    mock.requests.length = 0;
    const wrong = await run(['replay', 'old.png', 'drawing.png'], { cwd: ws });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(
      /the files given are not the ones it was made from \(the request fingerprint differs\); nothing was sent\nhint: Pass --force/,
    );
    const changed = await run(['replay', 'old.png', 'photo.png', '-q', 'high'], { cwd: ws });
    expect(changed.exitCode).toBe(2);
    expect(changed.stderr).toMatch(/flags change the request, so its fingerprint cannot vouch for the inputs/);
    expect(mock.requests).toHaveLength(0);
    expect((await run(['replay', 'old.png', 'drawing.png', '--force'], { cwd: ws })).exitCode).toBe(0);
  });

  it('--mask-from is recorded as its drawing and checked like any input', async () => {
    const ws = workspace();
    mkdirSync(join(ws, 'out'));
    await run(['edit', 'photo.png', '--mask-from', 'drawing.png', '-p', 'a window', '-q', 'low', '-o', 'out/w.png'], {
      cwd: ws,
    });
    expect(record(join(ws, 'out/w.png')).inputs?.map((i) => [i.role, i.path])).toEqual([
      ['image', '../photo.png'],
      ['mask-from', '../drawing.png'],
    ]);
    // Outside the image's folder: refused until named (test/replay-inputs.test.ts), then checked.
    expect((await run(['replay', 'out/w.png'], { cwd: ws })).exitCode).toBe(2);
    const r = await run(['replay', 'out/w.png', 'photo.png', '--mask-from', 'drawing.png'], { cwd: ws });
    expect(r.exitCode).toBe(0);
    const [first, again] = mock.apiRequests();
    expect(fileParts(again)).toEqual(fileParts(first));
    const other = await run(['replay', 'out/w.png', 'photo.png', '--mask', 'mask.png'], { cwd: ws });
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toMatch(
      /^error: mask\.png is not one of the inputs out\/w\.png was made from; nothing was sent/,
    );
  });
});

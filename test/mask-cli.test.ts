// `imgcli mask` end to end in a temp folder; exit code, stdout, stderr and the files written are
// each checked on their own. The cases run in-process (helpers/in-process.ts); -o - and --help
// also run the built binary (`npm run build` first).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BIN, baseEnv, cleanupTemps, tempDir } from './helpers/cli.js';
import { maskAlpha, row } from './helpers/images.js';
import { runInProcess } from './helpers/in-process.js';

let dir: string;
/** Exact stdout and stderr (execa would strip the final newline, which is part of the contract). */
const spawned = (args: string[], binary = false) =>
  execa('node', [BIN, 'mask', ...args], {
    cwd: dir,
    env: baseEnv(dir),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    encoding: binary ? 'buffer' : 'utf8',
  });
const run = async (args: string[], binary = false) => {
  const r = await runInProcess(['mask', ...args], { cwd: dir });
  return { ...r, stdout: binary ? r.stdoutBytes : r.stdout };
};
const HOW = [
  ['in-process', run],
  ['spawned', spawned],
] as const;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = tempDir('imgcli-mask-');
  // drawing.png: 64x48, left half black (edit), right half white (keep)
  const black = { create: { width: 32, height: 48, channels: 3, background: '#000' } } as const;
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#fff' } })
    .composite([{ input: black, left: 0, top: 0 }])
    .png()
    .toFile(file('drawing.png'));
  await sharp({ create: { width: 128, height: 96, channels: 3, background: '#3060a0' } })
    .png()
    .toFile(file('photo.png'));
  await sharp({ create: { width: 100, height: 100, channels: 3, background: '#3060a0' } })
    .jpeg()
    .toFile(file('square.jpg'));
  // a stroke on a transparent background, as drawing apps export it
  await sharp({ create: { width: 16, height: 16, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: { create: { width: 4, height: 16, channels: 4, background: '#000' } }, left: 6, top: 0 }])
    .png()
    .toFile(file('stroke.png'));
  writeFileSync(file('notes.txt'), 'not an image\n');
  mkdirSync(file('folder'));
});
afterAll(() => cleanupTemps());

describe.concurrent('imgcli mask: building', () => {
  it('turns a drawing into an RGBA mask and prints its path', async ({ expect }) => {
    const r = await run(['drawing.png', '-o', 'out/a.png']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('out/a.png\n');
    expect(r.stderr).toBe('mask 64x48, 50% editable\n');
    const { alpha, width, height } = await maskAlpha(readFileSync(file('out/a.png')));
    expect([width, height]).toEqual([64, 48]);
    expect(row(alpha, 64, 10)).toEqual([...Array<number>(32).fill(0), ...Array<number>(32).fill(255)]);
  });

  it('sizes to --like and writes a preview, printing both paths', async ({ expect }) => {
    const r = await run([
      'drawing.png',
      '--like',
      'photo.png',
      '--threshold',
      '128',
      '--grow',
      '2',
      '--preview',
      'b-preview.png',
      '-o',
      'b.png',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('b.png\nb-preview.png\n');
    const { alpha, width } = await maskAlpha(readFileSync(file('b.png')));
    expect(width).toBe(128);
    expect([row(alpha, 128, 50)[65], row(alpha, 128, 50)[66]]).toEqual([0, 255]); // edge at 64, grown by 2
    const preview = await sharp(file('b-preview.png')).metadata();
    expect([preview.format, preview.width, preview.height]).toEqual(['png', 128, 96]);
  });

  it('draws shapes on a --size canvas', async ({ expect }) => {
    const r = await run(['--size', '8x8', '--rect', '0,4,8,4', '--ellipse', '1,1,1,1', '-o', 'c.png']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('c.png\n');
    const { alpha } = await maskAlpha(readFileSync(file('c.png')));
    // the circle of radius 1 at (1, 1) holds the centres of the four top-left pixels
    const corner = [0, 0, 255, 255, 255, 255, 255, 255];
    expect(alpha.slice(0, 16)).toEqual([...corner, ...corner]);
    expect(alpha.slice(32)).toEqual(Array<number>(32).fill(0));
  });

  it.for(HOW)('writes the PNG bytes to stdout with -o - and nothing else there (%s)', async ([, how], { expect }) => {
    const r = await how(['drawing.png', '--invert', '-o', '-'], true);
    expect(r.exitCode).toBe(0);
    const { alpha } = await maskAlpha(Buffer.from(r.stdout as Uint8Array));
    expect([alpha[0], alpha[63]]).toEqual([255, 0]);
    expect(Buffer.from(r.stderr as Uint8Array).toString()).toBe('mask 64x48, 50% editable\n');
    expect(existsSync(file('-'))).toBe(false);
  });

  it('prints a JSON document with --json', async ({ expect }) => {
    const r = await run(['drawing.png', '--json', '-o', 'd.png']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      files: [
        {
          path: 'd.png',
          bytes: readFileSync(file('d.png')).length,
          width: 64,
          height: 48,
          format: 'png',
          editable_percent: 50,
        },
      ],
      preview: null,
    });
  });

  it('warns that input transparency counts as keep, pointing at --from-alpha', async ({ expect }) => {
    const r = await run(['stroke.png', '-o', 'e.png']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('e.png\n');
    expect(r.stderr).toContain(
      'warning: stroke.png has transparent pixels; they count as white (keep). If its transparency is the mask, use --from-alpha stroke.png',
    );
    const viaAlpha = await run(['--from-alpha', 'stroke.png', '-o', 'e2.png']);
    expect(viaAlpha.exitCode).toBe(0);
    const { alpha } = await maskAlpha(readFileSync(file('e2.png')));
    expect(row(alpha, 16, 0)).toEqual([0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0]);
  });
});

describe.concurrent('imgcli mask: mistakes', () => {
  /** Exit 2, nothing on stdout, the message on stderr, and no file at -o (or the -o default). */
  const refused = async (args: string[], stderr: RegExp, expect: typeof import('vitest').expect) => {
    const r = await run(args);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(stderr);
    const out = args[args.indexOf('-o') + 1];
    if (args.includes('-o') && out) expect(existsSync(file(out))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  };

  it('refuses a different aspect ratio without --fit, then fits with it', async ({ expect }) => {
    await refused(
      ['drawing.png', '--like', 'square.jpg', '-o', 'f.png'],
      /error: drawing.png is 64x48 but the target is 100x100, a different aspect ratio\nhint: Add --fit/,
      expect,
    );
    const r = await run(['drawing.png', '--like', 'square.jpg', '--fit', 'contain', '-o', 'f.png']);
    expect(r.exitCode).toBe(0);
    expect((await maskAlpha(readFileSync(file('f.png')))).width).toBe(100);
  });

  it('refuses a --rect outside the canvas, naming it', async ({ expect }) => {
    await refused(
      ['--size', '1024x1024', '--rect', '0,900,1024,200', '-o', 'g.png'],
      /error: --rect: rectangle 0,900,1024,200 reaches past the 1024x1024 canvas: y \+ height = 1100 > 1024\nhint: /,
      expect,
    );
  });

  it('names unreadable files and non-images', async ({ expect }) => {
    await refused(
      ['missing.png', '-o', 'h.png'],
      /^error: cannot read missing.png: no such file\nhint: Check the path.\n$/,
      expect,
    );
    await refused(['folder', '-o', 'h.png'], /error: cannot read folder: it is a folder/, expect);
    await refused(
      ['notes.txt', '-o', 'h.png'],
      /^error: notes.txt is not an image sharp can read \(.*\)\nhint: imgcli reads PNG/,
      expect,
    );
    await refused(
      ['drawing.png', '--like', 'notes.txt', '-o', 'h.png'],
      /error: --like notes.txt is not an image/,
      expect,
    );
    await refused(['--check', 'missing.png'], /error: cannot read --check missing.png: no such file/, expect);
  });

  it('explains flags that do not go together or are missing', async ({ expect }) => {
    await refused(['-o', 'i.png'], /error: nothing to make a mask from\nhint: Give a drawing/, expect);
    await refused(
      ['drawing.png'],
      /error: where should the mask go\? -o is missing\nhint: Add -o mask.png, or -o - /,
      expect,
    );
    await refused(
      ['drawing.png', '--threshold', '300', '-o', 'i.png'],
      /--threshold takes a whole number from 0 to 255/,
      expect,
    );
    await refused(
      ['--rect', '0,0,2,2', '-o', 'i.png'],
      /--rect and --ellipse draw on a canvas of a given size\nhint: Add --size WxH/,
      expect,
    );
    await refused(
      ['--check', 'drawing.png', '-o', 'i.png', '--invert'],
      /--check looks at an existing mask; it does not take -o, --invert/,
      expect,
    );
    await refused(
      ['drawing.png', '-o', 'i.jpg'],
      /-o i.jpg: masks and previews are PNG files\nhint: Name it i.png./,
      expect,
    );
    await refused(
      ['drawing.png', '--preview', 'p.png', '-o', 'i.png'],
      /--preview draws the mask over the --like image/,
      expect,
    );
    await refused(
      ['--from-alpha', 'photo.png', '-o', 'i.png'],
      /error: --from-alpha photo.png has no alpha channel/,
      expect,
    );
  });
});

describe.concurrent('imgcli mask --check', () => {
  beforeAll(async () => {
    await sharp({ create: { width: 128, height: 96, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .composite([{ input: { create: { width: 128, height: 72, channels: 4, background: '#fff' } }, left: 0, top: 0 }])
      .png()
      .toFile(file('good.png'));
  });

  it('exits 0 for a valid mask and says how much is editable', async ({ expect }) => {
    const r = await run(['--check', 'good.png', '--like', 'photo.png']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('good.png: valid mask, 128x96, 25% editable\n');
    expect(r.stderr).toBe('');
    const json = await run(['--check', 'good.png', '--like', 'photo.png', '--json']);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      file: 'good.png',
      valid: true,
      format: 'png',
      width: 128,
      height: 96,
      has_alpha: true,
      editable_percent: 25,
      problems: [],
      warnings: [],
    });
  });

  it('exits 2 for an invalid mask with the reasons on stderr', async ({ expect }) => {
    const r = await run(['--check', 'square.jpg', '--like', 'photo.png']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error: square.jpg is not a valid mask: it is JPEG, not PNG; it has no alpha channel \(the API edits where alpha is 0\); it is 100x100 but the image is 128x96\nhint: Convert it: imgcli mask square.jpg -o mask.png/,
    );
  });

  it('prints the JSON verdict on stdout before failing with --json', async ({ expect }) => {
    const r = await run(['--check', 'good.png', '--like', 'square.jpg', '--json']);
    expect(r.exitCode).toBe(2);
    const verdict = JSON.parse(r.stdout);
    expect(verdict).toMatchObject({
      valid: false,
      editable_percent: 25,
      problems: [{ code: 'size-mismatch', message: 'it is 128x96 but the image is 100x100' }],
    });
    expect(r.stderr).toMatch(
      /^error: good.png is not a valid mask: it is 128x96 but the image is 100x100\nhint: Resize it to the image: imgcli mask --from-alpha good.png --like square.jpg -o fixed.png/,
    );
  });

  it('says a non-image is not a mask', async ({ expect }) => {
    const r = await run(['--check', 'notes.txt', '--json']);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, format: null, problems: [{ code: 'not-image' }] });
  });
});

describe('imgcli mask --help', () => {
  it.for(HOW)('documents black, white and alpha, with examples (%s)', async ([, how], { expect }) => {
    const r = await how(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n(\s+#.*\n)?\s+\$ imgcli mask drawing\.png -o mask\.png/);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('black becomes transparent = edit, white stays opaque = keep');
    expect(r.stderr).toBe('');
    expect(existsSync(join(dir, 'mask.png'))).toBe(false);
  });
});

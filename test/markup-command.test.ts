// `imgcli markup`, the built binary: the layer it writes compared pixel by pixel with the drawing
// code's own (src/markup), the preview compared with the photo and the layer, --file and the
// flags together in order, --check's verdicts and exit codes, -o -, the refusals that name the
// flag, the EXIF orientation of --like, and the preview checked into fixtures/markup/ for the
// README (made again here, by the same command).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFlags } from '../src/markup/flags.js';
import { renderMarkup } from '../src/markup/render.js';
import { imgcli, ROOT, tempDir } from './helpers/cli.js';
import { rgbaPixels } from './helpers/images.js';

let cwd: string;
beforeAll(async () => {
  cwd = tempDir();
  // A photo with texture, so a preview that left it out would show.
  const raw = Buffer.alloc(320 * 200 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) % 251;
  await sharp(raw, { raw: { width: 320, height: 200, channels: 3 } })
    .png()
    .toFile(join(cwd, 'room.png'));
  await sharp({ create: { width: 200, height: 100, channels: 3, background: '#336699' } })
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toFile(join(cwd, 'turned.jpg'));
});

const run = (...args: string[]) => imgcli(['markup', ...args], { cwd });
const SHAPES = ['--box', '0.1,0.2,0.4,0.5', '--arrow', '0.5,0.9,0.3,0.5', '--ellipse', '200,40,300,120'];

describe('imgcli markup', () => {
  it('writes the layer the drawing code makes, at the size of --like, and its path on stdout', async () => {
    const r = await run('--like', 'room.png', ...SHAPES, '--style', 'color=yellow width=5', '-o', 'marks.png');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('marks.png');
    expect(r.stderr).toMatch(/^markup 320x200, 3 shapes, \d+(\.\d+)?% drawn$/);
    const written = await rgbaPixels(readFileSync(join(cwd, 'marks.png')));
    const expected = await renderMarkup(
      parseFlags([
        { type: 'box', value: '0.1,0.2,0.4,0.5' },
        { type: 'arrow', value: '0.5,0.9,0.3,0.5' },
        { type: 'ellipse', value: '200,40,300,120', style: 'color=yellow width=5' },
      ]),
      { width: 320, height: 200 },
    );
    const own = await rgbaPixels(expected.png);
    expect([written.width, written.height]).toEqual([320, 200]);
    expect(Buffer.compare(written.data, own.data)).toBe(0);
    // Red on the box's left edge, yellow on the ellipse's, nothing in the box's middle.
    const at = (x: number, y: number) => [...written.data.subarray((y * 320 + x) * 4, (y * 320 + x) * 4 + 4)];
    expect(at(32, 70)).toEqual([255, 0, 0, 255]);
    expect(at(202, 80).slice(0, 3)).toEqual([255, 255, 0]);
    expect(at(202, 80)[3]).toBeGreaterThan(200);
    expect(at(80, 70)[3]).toBe(0);
  });

  it('writes a preview: the photo where the layer is clear, the layer where it is drawn', async () => {
    const r = await run('--like', 'room.png', ...SHAPES, '-o', 'marks.png', '--preview', 'check.png', '--json');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      files: [
        {
          path: 'marks.png',
          bytes: expect.any(Number),
          width: 320,
          height: 200,
          format: 'png',
          shapes: 3,
          drawn_percent: expect.any(Number),
        },
      ],
      preview: 'check.png',
    });
    const photo = await sharp(join(cwd, 'room.png')).raw().toBuffer();
    const layer = await rgbaPixels(readFileSync(join(cwd, 'marks.png')));
    const preview = await sharp(join(cwd, 'check.png')).raw().toBuffer({ resolveWithObject: true });
    expect(preview.info.channels).toBe(3);
    let [clear, solid] = [0, 0];
    for (let p = 0; p < 320 * 200; p++) {
      const a = layer.data[p * 4 + 3]!;
      const got = [...preview.data.subarray(p * 3, p * 3 + 3)];
      if (a === 0 && ++clear) expect(got).toEqual([...photo.subarray(p * 3, p * 3 + 3)]);
      if (a === 255 && ++solid) expect(got).toEqual([...layer.data.subarray(p * 4, p * 4 + 3)]);
    }
    expect(clear).toBeGreaterThan(50_000);
    expect(solid).toBeGreaterThan(500);
  });

  it('draws a label with no fontconfig noise on stderr, beside the shape before it or at --at', async () => {
    const r = await run(
      '--like',
      'room.png',
      '--box',
      '0.1,0.2,0.4,0.5',
      '--label',
      'a bookshelf here',
      '--label',
      'sky',
      '--at',
      '0.7,0.2',
      '-o',
      'labels.png',
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^markup 320x200, 3 shapes, [\d.]+% drawn$/);
    const { data } = await rgbaPixels(readFileSync(join(cwd, 'labels.png')));
    const inked = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (data[(y * 320 + x) * 4 + 3]! > 0) n++;
      return n;
    };
    // The attached label sits on top of the box (y 40); the placed one ends at y 40 from x 224.
    expect(inked(32, 10, 128, 38)).toBeGreaterThan(100);
    expect(inked(224, 10, 320, 40)).toBeGreaterThan(50);
  });

  it('draws the shapes of --file first, then the flags, and writes - to stdout', async () => {
    writeFileSync(
      join(cwd, 'marks.json'),
      JSON.stringify({ shapes: [{ type: 'line', at: [0, 0, 1, 1], color: 'blue' }], defaults: { width: 3 } }),
    );
    const r = await imgcli(
      ['markup', '--like', 'room.png', '--file', 'marks.json', '--box', '10,10,50,50', '-o', '-'],
      {
        cwd,
        binary: true,
      },
    );
    expect(r.exitCode).toBe(0);
    const out = Buffer.from(r.stdout as unknown as Uint8Array);
    const expected = await renderMarkup(
      {
        shapes: [
          ...parseFlags([{ type: 'line', value: '0,0,1,1', style: 'color=blue' }]).shapes,
          ...parseFlags([{ type: 'box', value: '10,10,50,50' }]).shapes,
        ],
        defaults: { width: 3 },
      },
      { width: 320, height: 200 },
    );
    expect(Buffer.compare((await rgbaPixels(out)).data, (await rgbaPixels(expected.png)).data)).toBe(0);
  });

  it('checks a layer: exit 0 with a line, exit 2 with the reason and what to do, --json the verdict', async () => {
    await run('--like', 'room.png', ...SHAPES, '-o', 'marks.png');
    const ok = await run('--check', 'marks.png', '--like', 'room.png');
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/^marks\.png: valid markup layer, 320x200, [\d.]+% drawn$/);
    await sharp({ create: { width: 100, height: 100, channels: 3, background: '#fff' } })
      .png()
      .toFile(join(cwd, 'white.png'));
    const bad = await run('--check', 'white.png', '--like', 'room.png', '--json');
    expect(bad.exitCode).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      file: 'white.png',
      valid: false,
      problems: [
        { code: 'no-alpha', message: expect.any(String) },
        { code: 'size-mismatch', message: 'it is 100x100 but the image is 320x200' },
      ],
    });
    expect(bad.stderr).toBe(
      'error: white.png is not a valid markup layer: it has no alpha channel, so it would hide the whole photo; draw on a transparent layer; it is 100x100 but the image is 320x200\nhint: Draw it on a transparent layer: imgcli markup --like room.png --box 0.1,0.2,0.4,0.5 -o marks.png',
    );
  });

  it('refuses what cannot be drawn, naming the flag, before writing anything', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['--box', '0.1,0.2,0.4,0.5', '-o', 'x.png'],
        'error: a markup layer is the size of the image it is drawn over: --like is missing\nhint: Add --like <image> (the first image you will edit), or --size WxH.',
      ],
      [
        ['--like', 'room.png', '--box', '0.1,0.2,300,400', '-o', 'x.png'],
        'error: --box "0.1,0.2,300,400" mixes fractions (0.1, 0.2) with pixels (300, 400); give every number of a shape as a fraction of the image (0 to 1) or every one in pixels\nhint: Write 0.1,0.2,0.4,0.5 (fractions of the image) or 100,200,400,500 (pixels).',
      ],
      [
        ['--like', 'room.png', '--box', '0.1,0.2,0.4,0.5', '-o', 'x.jpg'],
        'error: -o x.jpg: a markup layer is a PNG with transparency\nhint: Name it x.png.',
      ],
      [
        ['--like', 'room.png', '--box', '0.1,0.2,0.4,0.5', '--style', 'colour=red', '-o', 'x.png'],
        'error: --box "0.1,0.2,0.4,0.5": "colour=red" is not a box setting; use color=, width=, fill=\nhint: imgcli markup --help shows the form of each shape',
      ],
      [
        ['--like', 'room.png', '--label', 'hello', '-o', 'x.png'],
        'error: shape 1 (label) "hello" has no position and no shape before it to attach to; give it one (x,y), or put it after the shape it names\nhint: Put the --label after the shape it names, or give it --at x,y.',
      ],
      [
        ['--like', 'room.png', '--box', '10,10,400,50', '-o', 'x.png'],
        'error: shape 1 (box): the image is 320x200 and x 400 is past its right edge; use pixels inside it, or fractions (0 to 1)\nhint: Use pixels inside the image (--like gives its size), or fractions from 0 to 1.',
      ],
    ];
    for (const [args, stderr] of cases) {
      const r = await run(...args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr, args.join(' ')).toBe(stderr);
    }
    expect(existsSync(join(cwd, 'x.png'))).toBe(false);
    const at = await run('--like', 'room.png', '--box', '0.1,0.2,0.4,0.5', '--at', '0.1,0.1', '-o', 'x.png');
    expect(at.exitCode).toBe(2);
    expect(at.stderr).toMatch(/--at 0\.1,0\.1 follows --box; --at places a --label/);
  });

  it('never writes over the photo or the layer, nor a layer --check would refuse, nor past what it can read', async () => {
    const photo = readFileSync(join(cwd, 'room.png'));
    await sharp({ create: { width: 32, height: 32, channels: 3, background: '#336699' } })
      .gif()
      .toFile(join(cwd, 'anim.gif'));
    const cases: Array<[string[], RegExp]> = [
      [
        ['--like', 'room.png', '--box', '0.1,0.2,0.4,0.5', '-o', 'room.png'],
        /^error: -o and --like name the same file/,
      ],
      [
        ['--like', 'room.png', '--box', '0.1,0.2,0.4,0.5', '-o', 'same.png', '--preview', './same.png'],
        /^error: -o and --preview name the same file/,
      ],
      [
        ['--like', 'room.png', '--box', '0.1,0.2,0.4,0.5', '-o', 'm.png', '--preview', 'room.png'],
        /^error: --preview and --like name the same file/,
      ],
      [
        ['--like', 'room.png', '--box', '0.1,0.2,0.3,0.3', '--style', 'color=#ff000000', '-o', 'same.png'],
        /every pixel is transparent.*nothing was written\nhint: Mark what to change/,
      ],
      [
        ['--like', 'room.png', '--box', '0,0,1,1', '--style', 'fill=#ff0000ff', '-o', 'same.png'],
        /every pixel is opaque.*nothing was written/,
      ],
      [['--size', '16384x16384', '--box', '0,0,0.5,0.5', '-o', 'same.png'], /at most 16383 each way/],
      [
        ['--like', 'anim.gif', '--box', '0.1,0.2,0.4,0.5', '-o', 'same.png'],
        /--like anim\.gif is GIF, which an edit does not take/,
      ],
      [
        ['--like', 'room.png', '--box', '0.1,0.2,0.4,0.5', '-o', 'layers/'],
        /hint: -o names the layer's file: -o layers\/marks\.png\.$/,
      ],
    ];
    for (const [args, stderr] of cases) {
      const r = await run(...args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(stderr);
    }
    expect(readFileSync(join(cwd, 'room.png')).equals(photo)).toBe(true);
    expect(existsSync(join(cwd, 'same.png'))).toBe(false);
  });

  it('sizes the layer to the upright picture when --like has an EXIF orientation, and says so', async () => {
    const r = await run('--like', 'turned.jpg', '--box', '0.1,0.1,0.9,0.5', '-o', 'turned-marks.png');
    expect(r.exitCode).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(
      'turned.jpg has EXIF orientation 6: the layer is drawn on it as it is seen, 100x200 (imgcli edit sends it upright with the markup)',
    );
    const meta = await sharp(join(cwd, 'turned-marks.png')).metadata();
    expect([meta.width, meta.height]).toEqual([100, 200]);
  });
});

describe("the README's preview (fixtures/markup/)", () => {
  const FIXTURES = join(ROOT, 'fixtures', 'markup');
  /** The README's example, as fixtures/markup/README.md says it was run. */
  const EXAMPLE = [
    'markup',
    '--like',
    'room.jpg',
    '--box',
    '0.1,0.2,0.4,0.5',
    '--label',
    'a bookshelf here',
    '--arrow',
    '0.5,0.9,0.3,0.5',
    '-o',
    'marks.png',
    '--preview',
    'preview.jpg',
  ];

  it('is what imgcli markup makes of the example today: the shapes exactly, the label within font differences', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'room.jpg'), readFileSync(join(FIXTURES, 'room.jpg')));
    const r = await imgcli(EXAMPLE, { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('marks.png\npreview.jpg');
    const [made, kept] = await Promise.all([
      rgbaPixels(readFileSync(join(dir, 'marks.png'))),
      rgbaPixels(readFileSync(join(FIXTURES, 'marks.png'))),
    ]);
    expect([made.width, made.height]).toEqual([kept.width, kept.height]);
    // Pixels that differ: none outside the label's plate (above the box, y < 0.2 of the height).
    let labelDiffs = 0;
    for (let p = 0; p < made.width * made.height; p++) {
      const same = made.data.readUInt32BE(p * 4) === kept.data.readUInt32BE(p * 4);
      if (same) continue;
      const y = Math.floor(p / made.width);
      expect(y, `pixel ${p % made.width},${y}`).toBeLessThan(0.2 * made.height);
      labelDiffs++;
    }
    expect(labelDiffs).toBeLessThan(0.01 * made.width * made.height);
    // The checked-in preview is the photo with that layer over it.
    const [preview, photo] = await Promise.all([
      sharp(join(FIXTURES, 'preview.jpg')).raw().toBuffer({ resolveWithObject: true }),
      sharp(join(FIXTURES, 'room.jpg')).raw().toBuffer(),
    ]);
    expect([preview.info.width, preview.info.height]).toEqual([kept.width, kept.height]);
    let off = 0;
    for (let p = 0; p < kept.width * kept.height; p++) {
      const a = kept.data[p * 4 + 3]!;
      const want =
        a === 0 ? photo.subarray(p * 3, p * 3 + 3) : a === 255 ? kept.data.subarray(p * 4, p * 4 + 3) : undefined;
      if (!want) continue;
      for (let c = 0; c < 3; c++) if (Math.abs(preview.data[p * 3 + c]! - want[c]!) > 24) off++;
    }
    // JPEG blurs the sharp edges of the strokes a little: almost every pixel still matches.
    expect(off).toBeLessThan(0.01 * kept.width * kept.height);
  });
});

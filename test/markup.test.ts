// src/markup in-process: the flag and file parsers, the coordinate rule, and (below) the pixels of
// every shape, previews and the verdicts on existing markup files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMarkup, type MarkupVerdict } from '../src/markup/check.js';
import { parseColor } from '../src/markup/color.js';
import { parseMarkupFile } from '../src/markup/file.js';
import { fontconfigXml, quietFontconfig, SYSTEM_FONTCONFIG } from '../src/markup/fonts.js';
import { parseDefaults, parseFlags, parseShapeFlag, type DefaultFlags, type ShapeFlag } from '../src/markup/flags.js';
import { autoFontSize, layoutMarkup, type Drawable } from '../src/markup/layout.js';
import { previewFormat, previewMarkup, readImageSize, renderMarkup } from '../src/markup/render.js';
import { MarkupError, type MarkupErrorCode } from '../src/markup/spec.js';
import { buildSvg, escapeXml } from '../src/markup/svg.js';
import { cleanupTemps, ROOT, tempDir } from './helpers/cli.js';
import { rgbaPixels } from './helpers/images.js';

function thrown(fn: () => unknown): MarkupError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MarkupError);
    return err as MarkupError;
  }
  throw new Error('expected a MarkupError, nothing was thrown');
}

function refuses(fn: () => unknown, code: MarkupErrorCode, message: RegExp): MarkupError {
  const err = thrown(fn);
  expect(err.code).toBe(code);
  expect(err.message).toMatch(message);
  return err;
}

const flag = (type: ShapeFlag['type'], value: string, more: Partial<ShapeFlag> = {}) =>
  parseShapeFlag({ type, value, ...more });

describe('the coordinate rule', () => {
  it('reads a shape whose numbers all lie in 0..1 as fractions, and anything else as pixels', () => {
    expect(flag('box', '0.1,0.2,0.4,0.5')).toEqual({ type: 'box', units: 'fraction', at: [0.1, 0.2, 0.4, 0.5] });
    expect(flag('box', '100, 200, 400, 500')).toEqual({ type: 'box', units: 'px', at: [100, 200, 400, 500] });
    // 0 and 1 are whole numbers: among pixels they are pixels, alone they are the image's edges.
    expect(flag('arrow', '0,1,300,400')).toMatchObject({ units: 'px', at: [0, 1, 300, 400] });
    expect(flag('box', '0,0,1,1')).toMatchObject({ units: 'fraction' });
    expect(flag('label', 'here', { at: '12,30' })).toMatchObject({ units: 'px', at: [12, 30] });
    expect(flag('label', 'here', { at: '0.5,0.5' })).toMatchObject({ units: 'fraction', at: [0.5, 0.5] });
  });

  it('refuses a shape that mixes fractions and pixels, saying which is which', () => {
    const err = refuses(() => flag('box', '0.1,0.2,300,400'), 'ambiguous-units', /mixes fractions/);
    expect(err.message).toBe(
      'box "0.1,0.2,300,400" mixes fractions (0.1, 0.2) with pixels (300, 400); give every number of a shape as a fraction of the image (0 to 1) or every one in pixels',
    );
    refuses(() => flag('path', '0.1,0.1 20,30'), 'ambiguous-units', /fractions \(0\.1, 0\.1\) with pixels \(20, 30\)/);
    refuses(() => flag('box', '1.5,0.5,3,4'), 'ambiguous-units', /fractions \(0\.5\)/);
  });

  it('refuses negative numbers and things that are not numbers', () => {
    refuses(() => flag('line', '-0.1,0.2,0.4,0.5'), 'bad-number', /-0\.1 is negative; 0,0 is the image's top-left/);
    refuses(() => flag('box', '0.1,abc,0.4,0.5'), 'bad-number', /"abc" is not a number/);
    refuses(() => flag('box', '0.1,,0.4,0.5'), 'bad-number', /"" is not a number/);
    refuses(() => flag('box', '0x10,1,2,3'), 'bad-number', /"0x10" is not a number/);
  });
});

describe('shape flags', () => {
  it('parses each kind of shape', () => {
    expect(flag('ellipse', '0.1,0.2,0.4,0.5')).toEqual({
      type: 'ellipse',
      units: 'fraction',
      at: [0.1, 0.2, 0.4, 0.5],
    });
    expect(flag('arrow', '0.5,0.9,0.3,0.5')).toEqual({ type: 'arrow', units: 'fraction', at: [0.5, 0.9, 0.3, 0.5] });
    expect(flag('line', '10,10,50,60')).toEqual({ type: 'line', units: 'px', at: [10, 10, 50, 60] });
    expect(flag('path', '0.1,0.1 0.2,0.15 0.3,0.1')).toEqual({
      type: 'path',
      units: 'fraction',
      points: [
        [0.1, 0.1],
        [0.2, 0.15],
        [0.3, 0.1],
      ],
    });
    // Spaces after commas, or semicolons between points, read the same.
    expect(flag('path', '0.1, 0.1  0.2, 0.15;0.3,0.1')).toEqual(flag('path', '0.1,0.1 0.2,0.15 0.3,0.1'));
    expect(flag('label', '  a   bookshelf\n here ')).toEqual({ type: 'label', text: 'a bookshelf here' });
  });

  it('reads settings as key=value words and refuses keys the shape does not take', () => {
    expect(flag('box', '0.1,0.2,0.4,0.5', { style: 'color=blue width=6 fill=#ff000040' })).toEqual({
      type: 'box',
      units: 'fraction',
      at: [0.1, 0.2, 0.4, 0.5],
      color: { r: 0, g: 0, b: 255, a: 1 },
      width: 6,
      fill: { r: 255, g: 0, b: 0, a: 0x40 / 255 },
    });
    expect(flag('label', 'x', { style: 'size=30 style=halo color=#00ff0080' })).toEqual({
      type: 'label',
      text: 'x',
      size: 30,
      style: 'halo',
      color: { r: 0, g: 255, b: 0, a: 128 / 255 },
    });
    refuses(
      () => flag('arrow', '0.1,0.2,0.4,0.5', { style: 'fill=red' }),
      'bad-shape',
      /"fill=red" is not a arrow setting; use color=, width=/,
    );
    refuses(() => flag('box', '0.1,0.2,0.4,0.5', { style: 'size=3' }), 'bad-shape', /use color=, width=, fill=/);
    refuses(() => flag('box', '0.1,0.2,0.4,0.5', { style: 'red' }), 'bad-shape', /"red" is not a box setting/);
    refuses(() => flag('box', '0.1,0.2,0.4,0.5', { style: 'width=0' }), 'bad-shape', /stroke width 0 is out of range/);
    refuses(() => flag('label', 'x', { style: 'style=bubble' }), 'bad-shape', /use plate .* or halo/);
  });

  it('refuses wrong counts, empty shapes and misplaced positions with the form to use', () => {
    refuses(() => flag('box', '0.1,0.2,0.4'), 'bad-shape', /a box takes 4 numbers, x1,y1,x2,y2 .*; got 3/);
    refuses(() => flag('box', '0.1,0.2,0.1,0.5'), 'bad-shape', /the box has no width/);
    refuses(() => flag('arrow', '0.1,0.2,0.1,0.2'), 'bad-shape', /starts where it ends/);
    refuses(() => flag('path', '0.1,0.1'), 'bad-shape', /at least 2 points/);
    refuses(() => flag('path', '0.1,0.1,0.2 0.3,0.3'), 'bad-shape', /a path point is x,y; got 3 numbers/);
    refuses(() => flag('line', ''), 'bad-shape', /needs its coordinates, x1,y1,x2,y2/);
    refuses(
      () => flag('box', '0.1,0.2,0.4,0.5', { at: '0.1,0.1' }),
      'bad-shape',
      /only a label takes a separate position/,
    );
    refuses(() => flag('label', 'x', { at: '0.1' }), 'bad-shape', /a label takes x,y .*; got 1 numbers/);
  });

  it('refuses label text that is empty, too long or holds control characters', () => {
    refuses(() => flag('label', ' \n '), 'bad-text', /the text is empty/);
    refuses(() => flag('label', 'x'.repeat(201)), 'bad-text', /201 characters; keep a label to 200/);
    refuses(() => flag('label', 'ring\u0007bell'), 'bad-text', /control or invalid character \(U\+0007\)/);
    refuses(() => flag('label', 'half \ud800 pair'), 'bad-text', /U\+D800/);
    expect(flag('label', '\u05e9\u05dc\u05d5\u05dd \ud83d\ude00 <b>&')).toMatchObject({ text: 'שלום 😀 <b>&' });
  });

  it('keeps the order of the flags and the shape index in errors', () => {
    const spec = parseFlags(
      [
        { type: 'box', value: '0.1,0.2,0.4,0.5' },
        { type: 'label', value: 'a bookshelf here' },
      ],
      { color: 'yellow', width: '4', size: 20 },
    );
    expect(spec.shapes.map((s) => s.type)).toEqual(['box', 'label']);
    expect(spec.defaults).toEqual({ color: { r: 255, g: 255, b: 0, a: 1 }, width: 4, size: 20 });
    const err = thrown(() =>
      parseFlags([
        { type: 'box', value: '0.1,0.2,0.4,0.5' },
        { type: 'line', value: '0.1,0.2', style: 'color=red' },
      ]),
    );
    expect([err.index, err.field]).toEqual([1, 'at']);
    refuses(() => parseDefaults({ width: '0' }), 'bad-number', /default width 0 is out of range; give pixels from 0.5/);
  });
});

describe('colours', () => {
  it('reads #rrggbb, #rrggbbaa and the names, and refuses anything else with the choices', () => {
    expect(parseColor('#FF8000')).toEqual({ r: 255, g: 128, b: 0, a: 1 });
    expect(parseColor('#00000000')).toEqual({ r: 0, g: 0, b: 0, a: 0 });
    expect(parseColor(' Magenta ')).toEqual({ r: 255, g: 0, b: 255, a: 1 });
    refuses(
      () => parseColor('#f00'),
      'bad-color',
      /"#f00" is not a colour; use #rrggbb, #rrggbbaa .* red, green, blue/,
    );
    refuses(() => parseColor('toString'), 'bad-color', /not a colour/);
  });
});

describe('markup files', () => {
  const file = (data: unknown) => parseMarkupFile(JSON.stringify(data), 'marks.json');

  it('reads the shapes and defaults, as the flags would', () => {
    const spec = file({
      shapes: [
        { type: 'box', at: [0.1, 0.2, 0.4, 0.5], color: 'red', width: 6 },
        { type: 'label', text: 'a bookshelf here', at: [0.1, 0.18] },
        {
          type: 'path',
          at: [
            [10, 10],
            [20, 15],
            [30, 10],
          ],
        },
        { type: 'label', text: 'attached' },
      ],
      defaults: { color: '#00ffff', width: 3, size: 24 },
    });
    expect(spec).toEqual(
      parseFlags(
        [
          { type: 'box', value: '0.1,0.2,0.4,0.5', style: 'color=red width=6' },
          { type: 'label', value: 'a bookshelf here', at: '0.1,0.18' },
          { type: 'path', value: '10,10 20,15 30,10' },
          { type: 'label', value: 'attached' },
        ],
        { color: '#00ffff', width: 3, size: 24 },
      ),
    );
  });

  it('names the shape (1-based) and the field in every message', () => {
    const cases: [unknown, RegExp, number | undefined, string | undefined][] = [
      [
        { shapes: [{ type: 'box', at: [0, 0, 1, 1] }, { type: 'circle' }] },
        /^marks.json: shape 2, type: "circle" is not a shape; use box, ellipse, arrow, line, path, label$/,
        1,
        'type',
      ],
      [
        { shapes: [{ type: 'box', at: [0, 0, 1, 1], colour: 'red' }] },
        /^marks.json: shape 1 \(box\): unknown field "colour"; it takes type, at, color, width, fill$/,
        0,
        undefined,
      ],
      [
        { shapes: [{ type: 'box', at: [0, 0, 1, 1], width: '6' }] },
        /^marks.json: shape 1 \(box\), width: expected number, got string$/,
        0,
        'width',
      ],
      [
        { shapes: [{ type: 'label', at: [0, 0] }] },
        /^marks.json: shape 1 \(label\): a label needs its text$/,
        0,
        'text',
      ],
      [
        { shapes: [{ type: 'box', at: [0.1, 0.2, 0.4] }] },
        /^marks.json: shape 1 \(box\): a box takes 4 numbers/,
        0,
        'at',
      ],
      [
        { shapes: [{ type: 'arrow', at: [0.1, 0.2, 30, 40] }] },
        /^marks.json: shape 1 \(arrow\) mixes fractions/,
        0,
        'at',
      ],
      [
        { shapes: [{ type: 'line', at: [0, 0, 1, 1], color: 'pink' }] },
        /^marks.json: shape 1 \(line\): colour "pink" is not a colour/,
        0,
        'color',
      ],
      [{ shapes: [{ type: 'path', at: [0.1, 0.2, 0.3, 0.4] }] }, /shape 1 \(path\): a path takes x,y points/, 0, 'at'],
      [
        {
          shapes: [
            {
              type: 'box',
              at: [
                [0, 0],
                [1, 1],
              ],
            },
          ],
        },
        /shape 1 \(box\): a box takes x1,y1,x2,y2 .*, not points/,
        0,
        'at',
      ],
      [
        { shapes: [{ type: 'box', at: [0, 0, 1, 'x'] }] },
        /shape 1 \(box\), at.3: expected a number \(a path: \[x, y\] pairs of numbers\)$/,
        0,
        'at',
      ],
      [
        { shape: [] },
        /^marks.json: unknown field "shape"; a markup file takes shapes and defaults \(and 1 more problem\)$/,
        undefined,
        undefined,
      ],
      [{ shapes: [] }, /^marks.json has no shapes; add at least one/, undefined, undefined],
      [
        { shapes: [{ type: 'box', at: [0, 0, 1, 1] }], defaults: { colour: 'red' } },
        /^marks.json: defaults: unknown field "colour"; it takes color, width and size$/,
        undefined,
        undefined,
      ],
    ];
    cases.push(
      [[], /^marks.json: it should be an object like \{"shapes": \[...\]\}, not array$/, undefined, undefined],
      [{}, /^marks.json: shapes is missing$/, undefined, undefined],
      [{ shapes: [{ type: 'box' }] }, /^marks.json: shape 1 \(box\): a box needs its position, x1,y1,x2,y2/, 0, 'at'],
    );
    cases.push([
      { shapes: [{ type: 'path', at: [[0.1, 0.1], 0.5] }] },
      /shape 1 \(path\): a path point is x,y; got a bare number \(0.5\)$/,
      0,
      'at',
    ]);
    for (const [data, message, index, field] of cases) {
      const err = thrown(() => file(data));
      expect(err.message).toMatch(message);
      expect([err.index, err.field]).toEqual([index, field]);
    }
  });

  it('refuses text that is not JSON, and takes a byte-order mark', () => {
    refuses(
      () => parseMarkupFile('{"shapes": [', 'marks.json'),
      'bad-file',
      /^marks.json is not valid JSON \(.+\); fix it/,
    );
    expect(parseMarkupFile('\uFEFF{"shapes":[{"type":"line","at":[0,0,1,1]}]}').shapes).toHaveLength(1);
  });
});

// ---- Layout and pixels ---------------------------------------------------------------------

const SIZE = { width: 200, height: 100 };
const RED = [255, 0, 0, 255];

async function layer(flags: ShapeFlag[], size = SIZE, defaults: DefaultFlags = {}) {
  const result = await renderMarkup(parseFlags(flags, defaults), size);
  const { data, width, height } = await rgbaPixels(result.png);
  const at = (x: number, y: number) => [...data.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)];
  const alpha = (x: number, y: number) => data[(y * width + x) * 4 + 3]!;
  /** Pixels with any opacity in the rectangle [x0, x1) x [y0, y1). */
  const inked = (x0: number, y0: number, x1: number, y1: number) => {
    let n = 0;
    for (let y = Math.max(0, y0); y < Math.min(height, y1); y++)
      for (let x = Math.max(0, x0); x < Math.min(width, x1); x++) if (alpha(x, y) > 0) n++;
    return n;
  };
  return { ...result, data, at, alpha, inked };
}

const corners = (l: { alpha: (x: number, y: number) => number }, size = SIZE) => [
  l.alpha(0, 0),
  l.alpha(size.width - 1, 0),
  l.alpha(0, size.height - 1),
  l.alpha(size.width - 1, size.height - 1),
];

describe('layout', () => {
  const spec = (flags: ShapeFlag[]) => parseFlags(flags);

  it('puts an attached label on top of its box, or below it when there is no room above', () => {
    const [box, label] = layoutMarkup(
      spec([
        { type: 'box', value: '0.1,0.2,0.4,0.5' },
        { type: 'label', value: 'shelf' },
      ]),
      { width: 1000, height: 1000 },
    );
    expect(box).toMatchObject({ kind: 'box' });
    expect(label).toMatchObject({ kind: 'label', x: 100 });
    const l = label as Extract<Drawable, { kind: 'label' }>;
    expect(l.y + l.height).toBe(200);
    const [, below] = layoutMarkup(
      spec([
        { type: 'box', value: '0.1,0,0.4,0.5' },
        { type: 'label', value: 'shelf' },
      ]),
      { width: 1000, height: 1000 },
    );
    expect(below).toMatchObject({ kind: 'label', x: 100, y: 500 });
  });

  it('puts a label attached to an arrow beyond its tail, away from the head', () => {
    const size = { width: 1000, height: 1000 };
    const [, label] = layoutMarkup(
      spec([
        { type: 'arrow', value: '0.5,0.6,0.3,0.2' },
        { type: 'label', value: 'move this' },
      ]),
      size,
    );
    const l = label as Extract<Drawable, { kind: 'label' }>;
    const [cx, cy] = [l.x + l.width / 2, l.y + l.height / 2];
    const [tail, head] = [
      [500, 600],
      [300, 200],
    ] as const;
    expect(Math.hypot(cx - head[0], cy - head[1])).toBeGreaterThan(Math.hypot(tail[0] - head[0], tail[1] - head[1]));
    // The plate leaves the tail itself uncovered.
    expect(tail[0] >= l.x && tail[0] <= l.x + l.width && tail[1] >= l.y && tail[1] <= l.y + l.height).toBe(false);
  });

  it('keeps labels whole on the image, and shrinks one too wide for it', () => {
    const [label] = layoutMarkup(spec([{ type: 'label', value: 'corner', at: '1,0' }]), SIZE);
    const l = label as Extract<Drawable, { kind: 'label' }>;
    expect([l.x + l.width, l.y]).toEqual([SIZE.width, 0]);
    const [wide] = layoutMarkup(spec([{ type: 'label', value: 'a very long label that cannot fit', at: '0,1' }]), SIZE);
    const w = wide as Extract<Drawable, { kind: 'label' }>;
    expect(w.width).toBeLessThanOrEqual(SIZE.width);
    expect(w.fontSize).toBeLessThan(autoFontSize(SIZE));
  });

  it('takes a label colour from the shape it is attached to, else the default', () => {
    const [, attached, free] = layoutMarkup(
      parseFlags(
        [
          { type: 'line', value: '0.1,0.1,0.5,0.5', style: 'color=blue' },
          { type: 'label', value: 'a' },
          { type: 'label', value: 'b', at: '0.5,0.5' },
        ],
        { color: 'green' },
      ),
      SIZE,
    );
    expect(attached).toMatchObject({ color: { r: 0, g: 0, b: 255 }, contrast: { r: 255, g: 255, b: 255 } });
    expect(free).toMatchObject({ color: { r: 0, g: 255, b: 0 }, contrast: { r: 0, g: 0, b: 0 } });
  });

  it('refuses a label with nothing to attach to, and pixels past the edge', () => {
    refuses(
      () => layoutMarkup(spec([{ type: 'label', value: 'lost' }]), SIZE),
      'no-anchor',
      /shape 1 \(label\) "lost" has no position and no shape before it/,
    );
    const err = refuses(
      () =>
        layoutMarkup(
          spec([
            { type: 'line', value: '0.1,0.1,0.5,0.5' },
            { type: 'box', value: '10,10,250,50' },
          ]),
          SIZE,
        ),
      'outside',
      /^shape 2 \(box\): the image is 200x100 and x 250 is past its right edge; use pixels inside it, or fractions/,
    );
    expect(err.index).toBe(1);
  });
});

describe('svg', () => {
  it('escapes text for XML', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;',
    );
    const svg = buildSvg(
      layoutMarkup(parseFlags([{ type: 'label', value: '</text><script>alert(1)</script>', at: '0,1' }]), SIZE),
      SIZE,
    );
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;/text&gt;&lt;script&gt;');
    expect(svg).toContain('font-family="sans-serif"');
  });
});

describe('shape pixels', () => {
  it('draws a box outline inside its corners, in its colour, and nothing else', async () => {
    const l = await layer([{ type: 'box', value: '20,10,120,80', style: 'color=red width=6' }]);
    expect([l.width, l.height]).toEqual([200, 100]);
    expect(l.at(21, 40)).toEqual(RED); // left edge
    expect(l.at(118, 40)).toEqual(RED); // right edge
    expect(l.at(70, 11)).toEqual(RED); // top edge
    expect(l.alpha(19, 40)).toBe(0); // the outline never spills past the corners
    expect(l.alpha(70, 45)).toBe(0); // an unfilled inside is see-through
    expect(corners(l)).toEqual([0, 0, 0, 0]);
    expect(l.inked(0, 0, 200, 100)).toBe(l.inked(20, 10, 120, 80));
    // Every untouched pixel is fully transparent, colour included.
    expect(l.at(150, 90)).toEqual([0, 0, 0, 0]);
  });

  it('draws the same box from fractions as from the pixels they name', async () => {
    const px = await layer([{ type: 'box', value: '20,10,120,80' }]);
    const fr = await layer([{ type: 'box', value: '0.1,0.1,0.6,0.8' }]);
    expect(fr.data.equals(px.data)).toBe(true);
  });

  it('fills a box with a translucent colour', async () => {
    const l = await layer([{ type: 'box', value: '20,10,120,80', style: 'width=4 color=blue fill=#ff000080' }]);
    expect(l.at(70, 45)).toEqual([255, 0, 0, 128]);
    expect(l.at(21, 45)).toEqual([0, 0, 255, 255]);
  });

  it('draws an ellipse inside its box', async () => {
    const l = await layer([{ type: 'ellipse', value: '20,10,120,80', style: 'width=6' }]);
    expect(l.at(22, 45)).toEqual(RED); // leftmost point of the outline
    expect(l.at(70, 12)).toEqual(RED); // top
    expect(l.alpha(70, 45)).toBe(0); // centre
    expect(l.alpha(21, 11)).toBe(0); // the box's corner lies outside the ellipse
    expect(l.alpha(18, 45)).toBe(0);
  });

  it('draws an arrow with its head at the end point', async () => {
    const l = await layer([{ type: 'arrow', value: '20,50,180,50', style: 'width=4' }]);
    expect(l.at(100, 50)).toEqual(RED); // the shaft
    expect(l.at(177, 50)).toEqual(RED); // just short of the tip
    expect(l.alpha(183, 50)).toBe(0); // nothing past it
    // The head is wider than the shaft: 5.5 px off the axis is inked near the tip, not mid-shaft.
    expect(l.at(166, 55)).toEqual(RED);
    expect(l.at(166, 44)).toEqual(RED);
    expect(l.alpha(100, 55)).toBe(0);
    expect(l.alpha(14, 50)).toBe(0);
  });

  it('draws lines and freehand paths through their points', async () => {
    const line = await layer([{ type: 'line', value: '20,20,180,80', style: 'width=4 color=#00ff00' }]);
    expect(line.at(100, 50)).toEqual([0, 255, 0, 255]);
    expect(line.alpha(100, 20)).toBe(0);
    const path = await layer([{ type: 'path', value: '20,80 60,20 100,80 140,20', style: 'width=5' }]);
    for (const [x, y] of [
      [60, 21],
      [100, 79],
      [40, 50],
      [120, 50],
    ] as const)
      expect(path.at(x, y)).toEqual(RED);
    expect(path.alpha(60, 60)).toBe(0);
    expect(path.alpha(170, 50)).toBe(0);
  });

  it('draws a translucent arrow evenly where its shaft and head overlap', async () => {
    const l = await layer([{ type: 'arrow', value: '20,50,180,50', style: 'width=4 color=#0000ff80' }]);
    expect(l.alpha(100, 50)).toBe(128);
    expect(l.alpha(160, 50)).toBe(128);
  });

  it('draws a label on a plate of its colour, with its text in the contrasting one', async () => {
    const l = await layer(
      [
        { type: 'box', value: '20,40,120,90', style: 'width=4' },
        { type: 'label', value: 'shelf' },
      ],
      SIZE,
      { size: 20 },
    );
    const plate = l.drawables[1] as Extract<Drawable, { kind: 'label' }>;
    expect(plate.y + plate.height).toBe(40);
    expect(l.at(plate.x + 2, plate.y + Math.round(plate.height / 2))).toEqual(RED);
    let textPixels = 0;
    for (let y = plate.y; y < plate.y + plate.height; y++)
      for (let x = plate.x; x < plate.x + plate.width; x++)
        if (l.at(x, y)[0]! < 100 && l.alpha(x, y) === 255) textPixels++;
    expect(textPixels).toBeGreaterThan(30);
    expect(l.alpha(plate.x + plate.width + 2, plate.y + 5)).toBe(0);
  });

  it('draws a halo label as opaque ink near its position and nowhere else', async () => {
    const l = await layer([{ type: 'label', value: 'Here', at: '40,70', style: 'style=halo size=24 color=yellow' }]);
    expect(l.inked(40, 40, 120, 72)).toBeGreaterThan(200);
    let opaque = 0;
    let yellow = 0;
    for (let y = 40; y < 72; y++)
      for (let x = 40; x < 120; x++) {
        const [r, g, b, a] = l.at(x, y);
        if (a === 255) opaque++;
        if (r === 255 && g === 255 && b === 0 && a === 255) yellow++;
      }
    expect(opaque).toBeGreaterThan(100);
    expect(yellow).toBeGreaterThan(20);
    expect(l.inked(0, 0, 200, 100)).toBe(l.inked(30, 35, 130, 80));
    // Different words, different pixels: the text is really drawn, not only a plate.
    const other = await layer([
      { type: 'label', value: 'Hare', at: '40,70', style: 'style=halo size=24 color=yellow' },
    ]);
    expect(other.data.equals(l.data)).toBe(false);
  });

  it('makes the layer the size of the target image, whatever its shape', async () => {
    for (const size of [
      { width: 1, height: 1 },
      { width: 37, height: 301 },
      { width: 1536, height: 1024 },
    ]) {
      const l = await renderMarkup(parseFlags([{ type: 'box', value: '0,0,1,1' }]), size);
      const meta = await sharp(l.png).metadata();
      expect([meta.width, meta.height, meta.channels, meta.format]).toEqual([size.width, size.height, 4, 'png']);
    }
  });
});

/** A noisy RGB picture (a fixed sequence, not random): any mix-up of pixels shows. */
function noisyPhoto(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let i = 0; i < raw.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = seed >> 23;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

describe('previews', () => {
  it('equals the photo where the layer is transparent and the layer where it is opaque', async () => {
    const size = { width: 96, height: 64 };
    const photo = await noisyPhoto(size.width, size.height);
    const l = await renderMarkup(
      parseFlags([
        { type: 'box', value: '0.1,0.3,0.6,0.9', style: 'width=3 fill=#0000ff40' },
        { type: 'label', value: 'x' },
      ]),
      size,
    );
    const preview = await sharp(await previewMarkup(photo, l.png))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([preview.info.width, preview.info.height, preview.info.channels]).toEqual([96, 64, 3]);
    const under = await sharp(photo).raw().toBuffer();
    const { data: over } = await rgbaPixels(l.png);
    let [clear, solid, mixed] = [0, 0, 0];
    for (let p = 0; p < size.width * size.height; p++) {
      const a = over[p * 4 + 3]!;
      const got = [...preview.data.subarray(p * 3, p * 3 + 3)];
      if (a === 0) {
        expect(got).toEqual([...under.subarray(p * 3, p * 3 + 3)]);
        clear++;
      } else if (a === 255) {
        expect(got).toEqual([...over.subarray(p * 4, p * 4 + 3)]);
        solid++;
      } else {
        // A translucent fill mixes the two: (fill * a + photo * (255 - a)) / 255, within rounding.
        for (let c = 0; c < 3; c++) {
          const expected = (over[p * 4 + c]! * a + under[p * 3 + c]! * (255 - a)) / 255;
          expect(Math.abs(got[c]! - expected)).toBeLessThanOrEqual(1.5);
        }
        mixed++;
      }
    }
    expect(clear).toBeGreaterThan(1000);
    expect(solid).toBeGreaterThan(100);
    expect(mixed).toBeGreaterThan(500);
  });

  it('writes a JPEG when the name says so, and refuses other names', async () => {
    expect(previewFormat('look.JPG')).toBe('jpeg');
    expect(previewFormat('look.png')).toBe('png');
    refuses(() => previewFormat('look.webp'), 'bad-file', /name it \.png, \.jpg or \.jpeg \(not "\.webp"\)/);
    const photo = await noisyPhoto(32, 32);
    const l = await renderMarkup(parseFlags([{ type: 'box', value: '0,0,1,1' }]), { width: 32, height: 32 });
    const jpeg = await previewMarkup(photo, l.png, 'jpeg');
    expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('refuses a layer of another size, saying what to do', async () => {
    const photo = await noisyPhoto(32, 32);
    const l = await renderMarkup(parseFlags([{ type: 'box', value: '0,0,1,1' }]), { width: 32, height: 16 });
    await expect(previewMarkup(photo, l.png)).rejects.toThrow(
      /^the markup is 32x16 but the image is 32x32; draw it again for this image$/,
    );
    await expect(previewMarkup(Buffer.from('not an image'), l.png)).rejects.toMatchObject({ code: 'not-image' });
  });
});

describe('image sizes and EXIF orientation', () => {
  // Stored 40x20, shown (and so sent to the model) upright as 20x40.
  const sideways = () =>
    sharp({ create: { width: 40, height: 20, channels: 3, background: '#336699' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();

  it('reads the upright size, keeping the stored one and the orientation', async () => {
    expect(await readImageSize(await sideways())).toEqual({
      width: 20,
      height: 40,
      orientation: 6,
      stored: { width: 40, height: 20 },
    });
    expect(await readImageSize(await noisyPhoto(8, 4))).toEqual({
      width: 8,
      height: 4,
      orientation: 1,
      stored: { width: 8, height: 4 },
    });
  });

  it('previews a layer drawn on the upright picture', async () => {
    const photo = await sideways();
    const size = await readImageSize(photo);
    const l = await renderMarkup(parseFlags([{ type: 'box', value: '0,0,1,0.5', style: 'width=2' }]), size);
    const out = await sharp(await previewMarkup(photo, l.png))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([out.info.width, out.info.height]).toEqual([20, 40]);
    expect([...out.data.subarray(0, 3)]).toEqual([255, 0, 0]);
  });
});

describe('checking a markup file', () => {
  const rgba = (width: number, height: number, alphaAt: (x: number, y: number) => number) => {
    const raw = Buffer.alloc(width * height * 4);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) raw.set([255, 0, 0, alphaAt(x, y)], (y * width + x) * 4);
    return sharp(raw, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer();
  };
  const codes = (v: MarkupVerdict) => v.problems.map((p) => p.code);

  it('accepts a drawn layer of the right size', async () => {
    const l = await renderMarkup(parseFlags([{ type: 'box', value: '0.1,0.1,0.9,0.9' }]), SIZE);
    const v = await checkMarkup(l.png, { like: SIZE });
    expect(v).toMatchObject({
      valid: true,
      format: 'png',
      width: 200,
      height: 100,
      hasAlpha: true,
      problems: [],
      warnings: [],
    });
    expect(v.drawnPercent).toBeGreaterThan(3);
    expect(v.drawnPercent).toBeLessThan(20);
    expect(v.opaquePercent).toBeLessThanOrEqual(v.drawnPercent!);
  });

  it('refuses an empty layer and an opaque one', async () => {
    const empty = await checkMarkup(await rgba(10, 10, () => 0));
    expect([empty.valid, codes(empty), empty.drawnPercent]).toEqual([false, ['empty'], 0]);
    expect(empty.problems[0]!.message).toBe('every pixel is transparent: nothing is drawn on it');
    const opaque = await checkMarkup(await rgba(10, 10, () => 255));
    expect([opaque.valid, codes(opaque), opaque.opaquePercent]).toEqual([false, ['opaque'], 100]);
    expect(opaque.problems[0]!.message).toBe('every pixel is opaque: it would hide the whole photo');
  });

  it('warns when most of the photo is hidden', async () => {
    const v = await checkMarkup(await rgba(10, 10, (x) => (x < 6 ? 255 : 0)));
    expect([v.valid, v.opaquePercent]).toEqual([true, 60]);
    expect(v.warnings).toEqual(['it hides 60% of the photo; the model may not see what is under it']);
  });

  it('refuses files that are not PNG, have no alpha, or are not images', async () => {
    const jpeg = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#f00' } })
      .jpeg()
      .toBuffer();
    expect(codes(await checkMarkup(jpeg))).toEqual(['not-png', 'no-alpha']);
    const rgb = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    const v = await checkMarkup(rgb);
    expect(codes(v)).toEqual(['no-alpha']);
    expect(v.problems[0]!.message).toMatch(/it would hide the whole photo; draw on a transparent layer/);
    expect(codes(await checkMarkup(Buffer.from('hello')))).toEqual(['not-image']);
  });

  it('refuses a size other than the image, and explains one drawn on the file before its EXIF rotation', async () => {
    const layer = await rgba(40, 20, (x) => (x < 3 ? 255 : 0));
    const plain = await checkMarkup(layer, { like: { width: 40, height: 30 } });
    expect(plain.problems).toEqual([{ code: 'size-mismatch', message: 'it is 40x20 but the image is 40x30' }]);
    const turned = await checkMarkup(layer, {
      like: { width: 20, height: 40, orientation: 6, stored: { width: 40, height: 20 } },
    });
    expect(turned.problems[0]!.message).toBe(
      'it is 40x20 but the image is 20x40 (the size of the file before its EXIF rotation, orientation 6; draw on the upright image)',
    );
  });
});

// ---- Quiet text rendering ------------------------------------------------------------------
// fontconfig writes its complaints straight to the process's stderr, so only a child process can
// show them. The child renders an SVG made here by the real layout and SVG code; it loads sharp
// and renders something first, as a command does, so setting FONTCONFIG_FILE afterwards is
// proven to be early enough.

const CHILD = `
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')).png().toBuffer();
if (process.env.MARKUP_FONTCONFIG) process.env.FONTCONFIG_FILE = process.env.MARKUP_FONTCONFIG;
const { data } = await sharp(readFileSync(process.env.MARKUP_SVG), { density: 72 }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
let ink = 0;
for (let i = 3; i < data.length; i += 4) if (data[i] === 255) ink++;
process.stdout.write(String(ink));
`;

describe('label text and stderr', () => {
  let dir: string;
  let svgPath: string;
  beforeAll(() => {
    dir = tempDir('imgcli-markup-');
    const spec = parseFlags([
      { type: 'label', value: 'a bookshelf here', at: '0.05,0.9', style: 'style=halo size=28' },
    ]);
    svgPath = join(dir, 'label.svg');
    writeFileSync(svgPath, buildSvg(layoutMarkup(spec, SIZE), SIZE));
  });
  afterAll(cleanupTemps);

  const child = (env: Record<string, string>, wrap: string[] = []) =>
    execa(
      wrap[0] ?? process.execPath,
      [...wrap.slice(1), ...(wrap.length ? [process.execPath] : []), '--input-type=module', '-e', CHILD],
      {
        cwd: ROOT,
        // A writable HOME, as a user has: fontconfig may keep its cache there.
        env: { PATH: process.env.PATH ?? '', HOME: dir, MARKUP_SVG: svgPath, ...env },
        extendEnv: false,
        reject: false,
      },
    );

  it('prints nothing to stderr when it draws a label', async () => {
    const r = await child({});
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(Number(r.stdout)).toBeGreaterThan(100);
  });

  it('draws the same label, as quietly, through the private fontconfig file', async () => {
    const env: Record<string, string | undefined> = {};
    const file = await quietFontconfig(env, join(dir, 'fc'), { platform: 'linux', home: dir, pid: 1 });
    expect(file).toBe(join(dir, 'fc', 'fonts.conf'));
    expect(env.FONTCONFIG_FILE).toBe(file);
    const text = readFileSync(file!, 'utf8');
    expect(text).toContain(`<cachedir>${join(dir, 'fc', 'cache')}</cachedir>`);
    // Its own cache folder alone (no other Fontconfig version's cache is read), the font folders listed.
    expect(text.match(/<cachedir>/g)).toHaveLength(1);
    expect(text).not.toContain('<include');
    expect(text).toContain('<dir>/usr/share/fonts</dir>');
    const [plain, quiet] = await Promise.all([child({}), child({ MARKUP_FONTCONFIG: file! })]);
    expect(quiet.stderr).toBe('');
    // The same fonts, so where the system's configuration works the pixels are the same.
    expect(quiet.stdout).toBe(plain.stdout);
  });

  it('leaves a configuration the user chose, other systems and unwritable folders alone', async () => {
    const opts = { platform: 'linux', home: dir };
    for (const env of [{ FONTCONFIG_FILE: '/mine.conf' }, { FONTCONFIG_PATH: '/etc/mine' }]) {
      const copy: Record<string, string | undefined> = { ...env };
      expect(await quietFontconfig(copy, join(dir, 'fc2'), opts)).toBeUndefined();
      expect(copy).toEqual(env);
    }
    const env: Record<string, string | undefined> = {};
    expect(await quietFontconfig(env, join(dir, 'fc3'), { ...opts, platform: 'darwin' })).toBeUndefined();
    expect(await quietFontconfig(env, join(svgPath, 'under-a-file'), opts)).toBeUndefined();
    expect(env).toEqual({});
    expect(fontconfigXml({ cacheDir: '/a&b', fontDirs: ['/f<1>'] })).toContain('<cachedir>/a&amp;b</cachedir>');
  });

  // The failure itself, made on purpose: /etc/fonts hidden by an empty folder in a private mount
  // namespace (root and unshare needed; the rest of the machine never sees it).
  const canHide =
    process.platform === 'linux' &&
    process.getuid?.() === 0 &&
    existsSync(SYSTEM_FONTCONFIG) &&
    spawnSync('unshare', ['-m', 'true']).status === 0;
  it.runIf(canHide)('without /etc/fonts: fontconfig complains, and the private file silences it', async () => {
    const empty = join(dir, 'no-fonts-conf');
    mkdirSync(empty, { recursive: true });
    const hide = ['unshare', '-m', 'sh', '-c', `mount --bind "$0" /etc/fonts && exec "$@"`, empty];
    const env: Record<string, string | undefined> = {};
    const file = await quietFontconfig(env, join(dir, 'fc4'), { platform: 'linux', home: dir });
    const [bare, quiet] = await Promise.all([child({}, hide), child({ MARKUP_FONTCONFIG: file! }, hide)]);
    expect(bare.stderr).toMatch(/Fontconfig error: Cannot load default config file/);
    expect(quiet.stderr).toBe('');
    expect(Number(quiet.stdout)).toBeGreaterThan(100);
  });
});

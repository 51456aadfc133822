// src/markup in-process: the flag and file parsers, the coordinate rule, and (below) the pixels of
// every shape, previews and the verdicts on existing markup files.
import { describe, expect, it } from 'vitest';
import { parseColor } from '../src/markup/color.js';
import { parseMarkupFile } from '../src/markup/file.js';
import { parseDefaults, parseFlags, parseShapeFlag, type ShapeFlag } from '../src/markup/flags.js';
import { MarkupError, type MarkupErrorCode } from '../src/markup/spec.js';

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

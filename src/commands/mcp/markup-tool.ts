// The markup tool's shapes. On the command line a shape's flags are read in order (--label and
// --style go with the shape just before them), which an object's properties cannot say; so the tool
// takes the shapes as the list `imgcli markup --file` reads, checked by the same parser, and hands
// them to the command as such a file (in a temp folder of the call's own, removed after it).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { parseMarkupFile } from '../../markup/file.js';
import { LIMITS, MAX_LABEL_CHARS, SETTINGS } from '../../markup/shape.js';
import { MarkupError, SHAPE_TYPES } from '../../markup/spec.js';
import type { JsonSchema } from './schema.js';

/** The flags the shapes property stands for: order-dependent, so not offered one by one. */
export const SHAPE_FLAGS = ['--box', '--ellipse', '--arrow', '--line', '--path', '--label', '--at', '--style'];

const settings = SHAPE_TYPES.map((t) => `${t}: ${SETTINGS[t].join(', ')}`).join('; ');

/** The shapes property: a markup file's shapes, described from the markup tables. */
export const SHAPES: JsonSchema = {
  type: 'array',
  minItems: 1,
  description: `the shapes to draw, in order (later ones on top), as in a markup file (imgcli markup --file). at: [x1, y1, x2, y2] for box, ellipse, arrow (head at x2,y2) and line; [[x, y], ...] for path; [x, y] for label (its bottom-left corner; without it, beside the shape before it). Numbers from 0 to 1 are fractions of the image, otherwise pixels. Settings each type takes: ${settings}.`,
  items: {
    type: 'object',
    properties: {
      type: { type: 'string', enum: [...SHAPE_TYPES] },
      at: { type: 'array', items: { anyOf: [{ type: 'number' }, { type: 'array', items: { type: 'number' } }] } },
      text: { type: 'string', maxLength: MAX_LABEL_CHARS, description: "a label's words" },
      color: { type: 'string', description: '#rrggbb, #rrggbbaa or a name (red, yellow, ...)' },
      width: { type: 'number', minimum: LIMITS.width[0], maximum: LIMITS.width[1], description: 'stroke, pixels' },
      fill: { type: 'string', description: 'box and ellipse: a fill colour, e.g. #ff000040' },
      size: {
        type: 'number',
        minimum: LIMITS.size[0],
        maximum: LIMITS.size[1],
        description: 'label: font size, pixels',
      },
      style: { type: 'string', enum: ['plate', 'halo'], description: 'label: a filled tag or an outline' },
    },
    required: ['type'],
    additionalProperties: false,
  },
};

/** The shapes as a markup file's text, refused (nothing drawn) in the command's words when they would not do. */
export function shapesText(shapes: unknown): string {
  const text = JSON.stringify({ shapes });
  try {
    parseMarkupFile(text, 'shapes');
  } catch (err) {
    if (!(err instanceof MarkupError)) throw err;
    throw new UsageError(err.message, "Fix the shapes: the markup tool's schema (tools/list) has their form.");
  }
  return text;
}

/** Writes the shapes where --file reads them, for the call's length. */
export async function withShapesFile<T>(text: string, work: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'imgcli-mcp-markup-'));
  try {
    const path = join(dir, 'shapes.json');
    await writeFile(path, text);
    return await work(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

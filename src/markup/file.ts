// Markup from a JSON file:
//   {"shapes": [{"type": "box", "at": [0.1, 0.2, 0.4, 0.5], "color": "red", "width": 6},
//               {"type": "label", "text": "a bookshelf here", "at": [0.1, 0.18]},
//               {"type": "path", "at": [[0.1, 0.1], [0.2, 0.15], [0.3, 0.1]]}],
//    "defaults": {"color": "yellow", "width": 4, "size": 28}}
// zod checks the file's shape (types, unknown fields: a typo like "colour" is refused, not
// ignored); shape.ts then applies the same rules as the flags. Messages name the shape by its
// place in the list (1-based, as a person counts) and the field.
import { z } from 'zod/v3';
import { parseDefaults } from './flags.js';
import { buildShape, SETTINGS, type RawShape } from './shape.js';
import { MarkupError, SHAPE_TYPES, type MarkupSpec, type ShapeType } from './spec.js';

const shapeSchema = z
  .object({
    type: z.enum(SHAPE_TYPES as [ShapeType, ...ShapeType[]]),
    at: z.array(z.union([z.number(), z.array(z.number())])).optional(),
    text: z.string().optional(),
    color: z.string().optional(),
    width: z.number().optional(),
    fill: z.string().optional(),
    size: z.number().optional(),
    style: z.string().optional(),
  })
  .strict();

const fileSchema = z
  .object({
    shapes: z.array(shapeSchema),
    defaults: z
      .object({ color: z.string().optional(), width: z.number().optional(), size: z.number().optional() })
      .strict()
      .optional(),
  })
  .strict();

const quoteAll = (keys: string[]) => keys.map((k) => `"${k}"`).join(', ');

/** One zod issue as a sentence that names the shape and the field. */
function describeIssue(issue: z.ZodIssue, data: unknown): { text: string; index?: number; field?: string } {
  const [top, i, field, ...rest] = issue.path;
  const shapes = (data as { shapes?: unknown[] } | null)?.shapes;
  const type = typeof i === 'number' ? (shapes?.[i] as { type?: unknown } | undefined)?.type : undefined;
  const known = typeof type === 'string' && (SHAPE_TYPES as string[]).includes(type) ? (type as ShapeType) : undefined;
  // "shape 2 (box), width" inside a shape; "defaults, color"; a top-level field by its name.
  const where = top === 'shapes' && typeof i === 'number' ? `shape ${i + 1}${known ? ` (${known})` : ''}` : top;
  const path = typeof i === 'number' ? [field, ...rest] : [i, field, ...rest];
  const inner = path.filter((p) => p !== undefined).join('.');
  const at = [where, inner].filter((p) => p !== undefined && p !== '').join(', ');
  const lead = at ? `${at}: ` : '';
  let text = `${lead}${issue.message}`;
  if (issue.code === 'unrecognized_keys') {
    const takes =
      where === undefined
        ? 'a markup file takes shapes and defaults'
        : where === 'defaults'
          ? 'it takes color, width and size'
          : `it takes type, at, ${known === 'label' ? 'text, ' : ''}${known ? SETTINGS[known].join(', ') : 'and its settings'}`;
    text = `${lead}unknown field ${quoteAll(issue.keys)}; ${takes}`;
  } else if (issue.code === 'invalid_enum_value') {
    text = `${lead}"${String(issue.received)}" is not a shape; use ${SHAPE_TYPES.join(', ')}`;
  } else if (issue.code === 'invalid_union') {
    // Only `at` has a union: a number, or a path's [x, y] pair.
    text = `${lead}expected a number (a path: [x, y] pairs of numbers)`;
  } else if (issue.code === 'invalid_type' && !at) {
    text = `it should be an object like {"shapes": [...]}, not ${issue.received}`;
  } else if (issue.code === 'invalid_type') {
    text =
      issue.received === 'undefined' ? `${at} is missing` : `${lead}expected ${issue.expected}, got ${issue.received}`;
  }
  return { text, index: typeof i === 'number' ? i : undefined, field: typeof field === 'string' ? field : undefined };
}

/** Parses and checks a markup file's text; `name` (the path) is used in messages. */
export function parseMarkupFile(text: string, name = 'the markup file'): MarkupSpec {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new MarkupError('bad-file', `${name} is not valid JSON (${why}); fix it, or check that it is the right file`);
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    // An unknown field first: a typo ("shape") explains the "missing" issues that follow it.
    const issues = [...parsed.error.issues].sort(
      (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
    );
    const [first, ...more] = issues.map((issue) => describeIssue(issue, data));
    const tail = more.length ? ` (and ${more.length} more problem${more.length > 1 ? 's' : ''})` : '';
    throw new MarkupError('bad-file', `${name}: ${first!.text}${tail}`, first!.index, first!.field);
  }
  if (parsed.data.shapes.length === 0)
    throw new MarkupError('bad-file', `${name} has no shapes; add at least one to "shapes"`);
  try {
    const shapes = parsed.data.shapes.map((s, i) => buildShape(s as RawShape, `shape ${i + 1} (${s.type})`, i));
    return { shapes, defaults: parseDefaults(parsed.data.defaults ?? {}) };
  } catch (err) {
    if (err instanceof MarkupError) throw new MarkupError(err.code, `${name}: ${err.message}`, err.index, err.field);
    throw err;
  }
}

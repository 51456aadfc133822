// How `imgcli models` reads: the whole table, one model a line (in a pipe, with --wide, or on a
// terminal wide enough); on a narrower terminal the same models by family, each family's sizes and
// qualities (what -s and -q take) said once above its models, fitted to the width; and one model whole.
import { statusText, type CatalogRow, type FlagRule, type ModelDetail } from '../../models/catalog.js';
import { FACTS_CHECKED, type Endpoint } from '../../models/table.js';
import { wrapWords } from '../shared/help-text.js';

const SHORT: Record<Endpoint, string> = { generations: 'gen', edits: 'edit', variations: 'vary', responses: 'chat' };

/** The status, and whether it is the default model here (what gen uses without -m): "current, default". */
const statusCell = (r: CatalogRow) => `${statusText(r)}${r.default ? ', default' : ''}`;
// The list names the Images API commands; every GPT image model also draws for chat (`models <model>` says so).
const endpointsCell = (r: CatalogRow) =>
  r.endpoints
    .filter((e) => e !== 'responses')
    .map((e) => SHORT[e])
    .join(',') || '-';
const serverCell = (r: CatalogRow) =>
  `${r.remote?.listed ? 'listed' : 'not listed'}${r.remote?.differences.length ? ' (!)' : ''}`;

function sizesText(row: CatalogRow): string {
  const listed = row.sizes.join(' ');
  return row.custom_sizes ? `${listed} +WxH` : listed || '-';
}

/** How `imgcli models` is laid out for the screen: the text, and the width it needed when the screen was narrower. */
export interface CatalogText {
  text: string;
  /** Set when the terminal was too narrow for any layout: the columns the narrowest one needs. */
  tooNarrow?: number;
}

/**
 * The model table for a screen `width` columns wide (undefined: no limit, every column). The whole
 * table when it fits; else the table by family; below NARROWEST columns, the whole table anyway,
 * and `tooNarrow` says so.
 */
export function formatCatalog(
  rows: CatalogRow[],
  opts: { remote: boolean; date: string; width?: number },
): CatalogText {
  const wide = wideTable(rows, opts);
  const { width } = opts;
  if (width === undefined || Math.max(...wide.split('\n').map((l) => l.length)) <= width) return { text: wide };
  const narrowest = NARROWEST(rows);
  if (width < narrowest) return { text: wide, tooNarrow: narrowest };
  return { text: byFamily(rows, { ...opts, width }) };
}

/** Every column, one model a line; the notes after it. */
function wideTable(rows: CatalogRow[], opts: { remote: boolean; date: string }): string {
  const head = ['MODEL', 'FAMILY', 'ENDPOINTS', 'STATUS', 'SIZES', 'QUALITIES', 'LIMITS'];
  if (opts.remote) head.push('SERVER');
  const body = rows.map((r) => {
    const cells = [
      r.aliases.length ? `${r.name} (${r.aliases.join(', ')})` : r.name,
      r.family,
      endpointsCell(r),
      statusCell(r),
      sizesText(r),
      r.qualities.join(' ') || '-',
      r.limits.slice(0, 2).join('; ') || '-',
    ];
    if (opts.remote) cells.push(serverCell(r));
    return cells;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const custom = rows.find((r) => r.custom_sizes)?.custom_sizes;
  return [
    line(head),
    ...body.map(line),
    ...(custom ? ['', `+WxH (gpt-image-2 and later): ${custom}.`] : []),
    ...differences(rows),
    '',
    statusLine(opts.date),
    '',
  ].join('\n');
}

/** The narrowest screen the table by family fits: a model's name, indented, and the longest word under it. */
const NARROWEST = (rows: CatalogRow[]) =>
  Math.max(
    24,
    ...rows.map((r) => r.name.length + 2),
    ...rows.map(
      (r) =>
        4 +
        Math.max(
          ...statusCell(r)
            .split(' ')
            .map((w) => w.length),
        ),
    ),
  );

/**
 * The table by family, for `width` columns: each family (each run of models that take the same
 * sizes and qualities) heads its models with what -s and -q take; each model says its endpoints,
 * its status (and "default"), and with --remote whether the server lists it. What it leaves out
 * (aliases, limits) is --wide's, or `imgcli models <model>`'s.
 */
function byFamily(rows: CatalogRow[], opts: { remote: boolean; date: string; width: number }): string {
  const { width } = opts;
  const groups: Array<{ label: string; rows: CatalogRow[] }> = [];
  for (const r of rows) {
    const label = r.in_table ? r.family : `${r.family} (by its name)`;
    const last = groups.at(-1);
    const same =
      last &&
      last.label === label &&
      sizesText(last.rows[0]!) === sizesText(r) &&
      last.rows[0]!.qualities.join() === r.qualities.join();
    if (same) last.rows.push(r);
    else groups.push({ label, rows: [r] });
  }
  const nameWidth = Math.max(...rows.map((r) => r.name.length));
  const endpointsWidth = Math.max(...rows.map((r) => endpointsCell(r).length));
  const statusWidth = Math.max(...rows.map((r) => statusCell(r).length));
  const labelWidth = Math.max(...groups.map((g) => g.label.length)) + 2;
  // A model's line: name, endpoints, status (and the server's word); under its name where that does not fit.
  const rowLines = (r: CatalogRow): string[] => {
    const cells = [
      endpointsCell(r).padEnd(endpointsWidth),
      opts.remote ? statusCell(r).padEnd(statusWidth) : statusCell(r),
    ];
    if (opts.remote) cells.push(serverCell(r));
    const one = `  ${r.name.padEnd(nameWidth)}  ${cells.join('  ')}`.trimEnd();
    if (one.length <= width) return [one];
    const parts = [endpointsCell(r), statusCell(r), ...(opts.remote ? [serverCell(r)] : [])];
    const joined = `    ${parts.join('; ')}`;
    return [`  ${r.name}`, ...(joined.length <= width ? [joined] : parts.flatMap((p) => wrapWords(p, width, '    ')))];
  };
  // A family's heading: its name, with what -s and -q take beside it, or under it on a narrow screen.
  const heading = (g: { label: string; rows: CatalogRow[] }): string[] => {
    const sizes = sizesText(g.rows[0]!);
    const qualities = g.rows[0]!.qualities.join(' ') || '-';
    const beside = ' '.repeat(labelWidth);
    if (width - labelWidth >= 30)
      return [
        ...wrapWords(sizes, width, `${g.label.padEnd(labelWidth)}sizes: `, `${beside}       `),
        ...wrapWords(qualities, width, `${beside}qualities: `, `${beside}           `),
      ];
    return [
      g.label,
      ...wrapWords(sizes, width, '  sizes: ', '    '),
      ...wrapWords(qualities, width, '  qualities: ', '    '),
    ];
  };
  const head = `  ${'MODEL'.padEnd(nameWidth)}  ${'ENDPOINTS'.padEnd(endpointsWidth)}  STATUS${opts.remote ? `${' '.repeat(statusWidth - 4)}SERVER` : ''}`;
  const lines = [...(head.length <= width ? [head, ''] : [])];
  groups.forEach((g, i) => lines.push(...(i ? [''] : []), ...heading(g), ...g.rows.flatMap(rowLines)));
  const custom = rows.find((r) => r.custom_sizes)?.custom_sizes;
  if (custom) lines.push('', ...wrapWords(`+WxH (gpt-image-2 and later): ${custom}.`, width));
  lines.push(
    ...differences(rows, width),
    '',
    ...wrapWords(statusLine(opts.date), width),
    ...wrapWords(
      `Fitted to ${width} columns: \`--wide\` adds aliases and limits; \`imgcli models <model>\` shows one model whole.`,
      width,
    ),
    '',
  );
  return lines.join('\n');
}

function differences(rows: CatalogRow[], width?: number): string[] {
  const diffs = rows.filter((r) => r.remote?.differences.length);
  if (!diffs.length) return [];
  const wrap = (text: string) => (width ? wrapWords(text, width, '  ', '    ') : [`  ${text}`]);
  return [
    '',
    'Differences between the server and the table (!):',
    ...diffs.flatMap((r) => wrap(`${r.name}: ${r.remote!.differences.join('; ')}`)),
  ];
}

const statusLine = (date: string) =>
  `Status on api.openai.com as of ${date}; facts checked ${FACTS_CHECKED}. \`imgcli models --json\` has every limit.`;

/** A flag's rule in words: "auto, 1024x1024, 1536x1024, 1024x1536, or any WxH (see below)", "1-10", "any text". */
function ruleText(rule: FlagRule): string {
  if ('any' in rule) return 'any text';
  if ('switch' in rule) return 'on or off';
  if ('values' in rule) return `${rule.values.join(', ')}${rule.custom_sizes ? ', or any WxH (below)' : ''}`;
  const range = rule.min === rule.max ? `${rule.min}` : `${rule.min}-${rule.max}`;
  return `${range}${rule.step ? ` in steps of ${rule.step}` : ''}${rule.default !== undefined ? `, default ${rule.default}` : ''}`;
}

const MB = 1024 * 1024;

/** One model whole, for `imgcli models <model>`, fitted to `width` columns (undefined: 100). */
export function formatDetail(d: ModelDetail, date: string, width = 100): string {
  const label = (rule: FlagRule) => (rule.short ? `${rule.short}, ${rule.flag}` : rule.flag);
  // Labels line up after the longest, within reason; a longer one pushes its own text along.
  const longest = Math.max(10, ...d.commands.flatMap((c) => c.flags.map((f) => label(f).length)));
  const column = Math.min(longest, 20) + 4;
  // Beside its label, or under it where a screen leaves the text under 24 columns.
  const item = (name: string, text: string) =>
    width - column < 24
      ? [`  ${name}`, ...wrapWords(text, width, '    ')]
      : wrapWords(text, width, `  ${name.padEnd(column - 3)} `, ' '.repeat(column));
  const status = [
    statusText(d),
    d.replacement ? `use ${d.replacement}` : '',
    d.default ? 'the default here (gen, edit and vary without -m)' : '',
  ].filter(Boolean);
  const lines = [
    ...wrapWords(`${d.name}${d.aliases.length ? ` (also ${d.aliases.join(', ')})` : ''}`, width, '', '  '),
    ...item('family', d.family),
    ...item('status', `${status.join('; ')} (on api.openai.com as of ${date})`),
    ...(d.released ? item('released', d.released) : []),
    ...(d.note ? item('note', d.note) : []),
    ...item('checked', `${d.checked ?? FACTS_CHECKED} against OpenAI's notices`),
  ];
  if (d.prices) {
    const p = d.prices;
    lines.push(
      ...item(
        'prices',
        `per million tokens: text input $${p.textInput} (cached $${p.cachedTextInput}), image input $${p.imageInput} (cached $${p.cachedImageInput}), image output $${p.imageOutput}; batch --remote at ${p.batch_factor * 100}% of that (rates of ${p.checked})`,
      ),
    );
  } else lines.push(...item('prices', 'not in imgcli: no cost is estimated'));
  for (const c of d.commands) {
    lines.push(
      '',
      ...wrapWords(
        `imgcli ${c.command}: ${c.path}${c.via_edits ? ', with a built-in prompt asking for a variation (-p adds to it)' : ''}`,
        width,
        '',
        '  ',
      ),
    );
    if (c.prompt)
      lines.push(
        ...item(
          'prompt',
          `up to ${c.prompt.max.toLocaleString('en')} characters${c.prompt.required ? '' : ', optional'}`,
        ),
      );
    if (c.files)
      lines.push(
        ...item(
          'images',
          `${c.files.minImages === c.files.maxImages ? c.files.maxImages : `${c.files.minImages}-${c.files.maxImages}`} ${c.files.formats.join('/')}, under ${c.files.maxBytes / MB} MB each${c.files.square ? ', square' : ''}${c.files.alphaWithoutMask ? '; without --mask, its transparent pixels are the area to edit' : ''}`,
        ),
      );
    if (c.mask)
      lines.push(
        ...item(
          '--mask',
          `${c.mask.formats.join('/')} with alpha, under ${c.mask.max_bytes / MB} MB, the size of the first image`,
        ),
      );
    for (const rule of c.flags) {
      const jsonOnly = c.json_only_flags?.includes(rule.flag)
        ? ' (sent as JSON only: an input given as a URL or file id, or --body json)'
        : '';
      lines.push(...item(label(rule), `${ruleText(rule)}${jsonOnly}`));
    }
  }
  const c = d.commands
    .flatMap((command) => command.flags)
    .map((f) => ('custom_sizes' in f ? f.custom_sizes : undefined))
    .find(Boolean);
  if (c) {
    lines.push(
      '',
      ...wrapWords(
        `Any WxH: edges multiples of ${c.multiple}, long edge up to ${c.maxEdge}, ratio 1:${c.maxAspect} to ${c.maxAspect}:1, ${c.minPixels.toLocaleString('en')} to ${c.maxPixels.toLocaleString('en')} pixels (above ${c.experimentalAbove.toLocaleString('en')}: experimental).`,
        width,
      ),
    );
  }
  for (const [flag, said] of Object.entries(d.refusals ?? {})) lines.push(...wrapWords(`${flag}: ${said}.`, width));
  lines.push(
    '',
    ...wrapWords(
      `A flag not listed under a command is one this model does not take there (--param sends a field unchecked); \`imgcli models ${d.name} --json\` has these rules as data.`,
      width,
    ),
    '',
  );
  return lines.join('\n');
}

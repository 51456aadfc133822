// What `imgcli models` shows: the model table as rows, optionally merged with a server's
// GET /models answer, differences flagged. Pure: the command does the fetching and printing.
import type { ProviderInfo } from './providers.js';
import {
  DEFAULT_MODEL,
  FACTS_CHECKED,
  MODELS,
  endpointRules,
  endpointsOf,
  modelStatus,
  resolveModel,
  type Endpoint,
  type ModelInfo,
} from './table.js';

export interface CatalogRow {
  name: string;
  aliases: string[];
  family: string;
  endpoints: Endpoint[];
  status: 'current' | 'retiring' | 'retired' | 'unknown';
  shutdown_date?: string;
  days_left?: number;
  replacement?: string;
  sizes: string[];
  custom_sizes?: string;
  qualities: string[];
  limits: string[];
  note?: string;
  released?: string;
  /** The day the row was last checked against OpenAI's notices. */
  checked?: string;
  in_table: boolean;
  remote?: { listed: boolean; shutdown_date?: string; differences: string[] };
}

const SHORT: Record<Endpoint, string> = { generations: 'gen', edits: 'edit', variations: 'vary' };

function limitsOf(info: ModelInfo): { limits: string[]; custom?: string } {
  const model = resolveModel(info.id);
  const gen = endpointRules(model, 'generations');
  const edit = endpointRules(model, 'edits');
  const limits: string[] = [];
  if (gen?.prompt) limits.push(`prompt up to ${gen.prompt.max} characters`);
  if (gen) limits.push(gen.n.min === gen.n.max ? `n = ${gen.n.max}` : `n ${gen.n.min}-${gen.n.max}`);
  if (edit?.files)
    limits.push(
      `edit: ${edit.files.maxImages === 1 ? '1 image' : `up to ${edit.files.maxImages} images`} (${edit.files.formats.join('/')}, under ${edit.files.maxBytes / 1024 / 1024} MB${edit.files.square ? ', square' : ''})`,
    );
  if (gen?.backgrounds) {
    const alpha = (gen.formats ?? ['png']).filter((f) => ['png', 'webp', 'svg'].includes(f));
    limits.push(
      `transparent background needs ${alpha.slice(0, -1).join(', ')}${alpha.length > 2 ? ',' : ''} or ${alpha.at(-1)}`,
    );
  }
  if (gen?.responseFormats) limits.push('may answer with URLs (valid 60 minutes)');
  if (edit?.inputFidelity) limits.push('edit takes --input-fidelity');
  const extra = gen?.formats?.filter((f) => !['png', 'jpeg', 'webp'].includes(f)) ?? [];
  if (extra.length)
    limits.push(
      `also writes ${extra.join(' and ')} (${extra.map((f) => `${f}: ${edit?.formats?.includes(f) ? 'gen and edit' : 'gen only'}`).join(', ')})`,
    );
  if (gen?.complexities) limits.push('takes --complexity');
  if (gen?.svgAuthor) limits.push('svg written by a text model: --svg-model, --svg-effort');
  if (edit?.markup) limits.push('edit takes --markup (reported)');
  const c = gen?.customSize;
  const custom = c
    ? `any WxH: edges multiples of ${c.multiple}, long edge up to ${c.maxEdge}, ratio 1:${c.maxAspect} to ${c.maxAspect}:1, ${c.minPixels.toLocaleString('en')} to ${c.maxPixels.toLocaleString('en')} pixels`
    : undefined;
  return { limits, custom };
}

/**
 * The table as rows: each model's status by OpenAI's dates, or by the provider's own where it has
 * one (Azure's gpt-image-1.5).
 */
export function catalogRows(now: Date, provider?: ProviderInfo): CatalogRow[] {
  return MODELS.map((info) => {
    const model = resolveModel(info.id);
    const gen = endpointRules(model, 'generations');
    const own =
      provider?.modelDates && Object.hasOwn(provider.modelDates, info.id) ? provider.modelDates[info.id] : undefined;
    const status = modelStatus({ ...info, shutdown: own?.shutdown ?? info.shutdown }, now);
    const { limits, custom } = limitsOf(info);
    const row: CatalogRow = {
      name: info.id,
      aliases: [...(info.aliases ?? [])],
      family: info.family,
      endpoints: endpointsOf(model),
      status: status.state,
      sizes: [...(gen?.sizes ?? [])],
      qualities: [...(gen?.qualities ?? [])],
      limits,
      in_table: true,
    };
    if (custom) row.custom_sizes = custom;
    if (status.state !== 'current') row.shutdown_date = status.shutdown;
    if (status.state === 'retiring') row.days_left = status.daysLeft;
    if (info.replacement && status.state !== 'current') row.replacement = info.replacement;
    if (info.note) row.note = info.note;
    if (info.released) row.released = info.released;
    row.checked = info.checked;
    return row;
  });
}

/** Names a GPT or dall-e image model would have; other remote models (chat, audio) are left out. */
export function looksLikeImageModel(id: string): boolean {
  return /^(gpt-image-|chatgpt-image-|dall-e-)/.test(id) || /image/i.test(id);
}

/** A model as a server's GET /models lists it (api/models.ts reads the answer into this shape). */
export interface ListedModel {
  id: string;
  shutdownDate?: string;
}

/**
 * Merges a server's model list into the rows; a model the table lacks is shown with the endpoints
 * its name's family has, less those the provider lacks (Gemini's layer makes no edits or variations).
 */
export function mergeRemote(
  rows: CatalogRow[],
  remote: ListedModel[],
  provider?: ProviderInfo,
): { rows: CatalogRow[]; others: string[] } {
  const byId = new Map(remote.map((m) => [m.id, m]));
  const seen = new Set<string>();
  const merged = rows.map((row) => {
    const hit = [row.name, ...row.aliases].map((n) => byId.get(n)).find(Boolean);
    for (const n of [row.name, ...row.aliases]) seen.add(n);
    const differences: string[] = [];
    if (!hit) {
      if (row.status !== 'retired') differences.push('not listed by the server');
    } else {
      if (row.status === 'retired')
        differences.push(`listed by the server, though the table says it shut down on ${row.shutdown_date}`);
      if (hit.shutdownDate && hit.shutdownDate !== row.shutdown_date) {
        differences.push(`server shutdown date ${hit.shutdownDate}; the table says ${row.shutdown_date ?? 'none'}`);
      }
    }
    return {
      ...row,
      remote: { listed: Boolean(hit), ...(hit?.shutdownDate ? { shutdown_date: hit.shutdownDate } : {}), differences },
    };
  });
  const others: string[] = [];
  for (const m of remote) {
    if (seen.has(m.id)) continue;
    if (!looksLikeImageModel(m.id)) {
      others.push(m.id);
      continue;
    }
    const guess = resolveModel(m.id);
    merged.push({
      name: m.id,
      aliases: [],
      family: guess.family,
      endpoints: endpointsOf(guess).filter((e) => !provider?.lacks?.[e]),
      status: 'unknown',
      sizes: [],
      qualities: [],
      limits: [],
      in_table: false,
      remote: {
        listed: true,
        ...(m.shutdownDate ? { shutdown_date: m.shutdownDate } : {}),
        differences: ["not in imgcli's table; flags are checked by its name's family, if any"],
      },
    });
  }
  return { rows: merged, others };
}

export function statusText(row: CatalogRow): string {
  if (row.status === 'retiring') return `retiring ${row.shutdown_date} (${row.days_left} d)`;
  if (row.status === 'retired') return `retired ${row.shutdown_date}`;
  return row.status;
}

function sizesText(row: CatalogRow): string {
  const listed = row.sizes.join(' ');
  return row.custom_sizes ? `${listed} +WxH` : listed || '-';
}

/** The columns a compact table may leave out, in the order it keeps them (model, endpoints, status and server stay). */
const OPTIONAL = ['FAMILY', 'QUALITIES', 'SIZES', 'LIMITS'];

/** Words wrapped to `width` columns (undefined: one line). */
function wrap(text: string, width: number | undefined, indent = ''): string[] {
  if (!width) return [text];
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && `${last} ${word}`.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(last === undefined ? word : `${indent}${word}`);
  }
  return lines;
}

/**
 * The text table, one model per line, then notes (custom sizes, limits, differences). With a
 * `width` (a terminal's) that the whole table does not fit, the compact layout: names without
 * aliases, and only the columns that fit besides model, endpoints and status. Without one, every column.
 */
export function formatCatalog(rows: CatalogRow[], opts: { remote: boolean; date: string; width?: number }): string {
  const wide = formatTable(rows, { ...opts, width: undefined });
  if (opts.width === undefined || Math.max(...wide.split('\n').map((l) => l.length)) <= opts.width) return wide;
  return formatTable(rows, opts);
}

function formatTable(rows: CatalogRow[], opts: { remote: boolean; date: string; width?: number }): string {
  const compact = opts.width !== undefined;
  const head = ['MODEL', 'FAMILY', 'ENDPOINTS', 'STATUS', 'SIZES', 'QUALITIES', 'LIMITS'];
  if (opts.remote) head.push('SERVER');
  const body = rows.map((r) => {
    const cells = [
      r.aliases.length && !compact ? `${r.name} (${r.aliases.join(', ')})` : r.name,
      r.family,
      r.endpoints.map((e) => SHORT[e]).join(',') || '-',
      statusText(r),
      sizesText(r),
      r.qualities.join(' ') || '-',
      r.limits.slice(0, 2).join('; ') || '-',
    ];
    if (opts.remote)
      cells.push(`${r.remote?.listed ? 'listed' : 'not listed'}${r.remote?.differences.length ? ' (!)' : ''}`);
    return cells;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  // Which columns are shown: all, or in a compact table those that fit, given up from the end of OPTIONAL.
  let shown = head.map((_, i) => i);
  const total = (cols: number[]) => cols.reduce((sum, i) => sum + widths[i]!, 0) + 2 * (cols.length - 1);
  const hidden: string[] = [];
  for (const name of [...OPTIONAL].reverse()) {
    if (!compact || total(shown) <= opts.width!) break;
    shown = shown.filter((i) => head[i] !== name);
    hidden.unshift(name);
  }
  const line = (cells: string[]) =>
    shown.map((i, k) => (k === shown.length - 1 ? cells[i]! : cells[i]!.padEnd(widths[i]!))).join('  ');
  const out = [line(head), ...body.map(line)];
  const notes: string[] = [];
  const custom = rows.find((r) => r.custom_sizes)?.custom_sizes;
  if (custom && shown.includes(head.indexOf('SIZES')))
    notes.push('', ...wrap(`+WxH (gpt-image-2 and later): ${custom}.`, opts.width));
  const diffs = rows.filter((r) => r.remote?.differences.length);
  if (diffs.length)
    notes.push(
      '',
      'Differences between the server and the table (!):',
      ...diffs.flatMap((r) => wrap(`  ${r.name}: ${r.remote!.differences.join('; ')}`, opts.width, '    ')),
    );
  notes.push(
    '',
    ...wrap(
      `Status on api.openai.com as of ${opts.date}; facts checked ${FACTS_CHECKED}. \`imgcli models --json\` has every limit.`,
      opts.width,
    ),
  );
  if (compact) {
    const left = ['aliases', ...hidden.map((h) => h.toLowerCase())];
    notes.push(
      ...wrap(
        `Fitted to ${opts.width} columns; \`--wide\` adds ${left.length > 1 ? `${left.slice(0, -1).join(', ')} and ${left.at(-1)}` : left[0]}.`,
        opts.width,
      ),
    );
  }
  return `${[...out, ...notes].join('\n')}\n`;
}

/** The status cell of the README table: what a reader on `date` needs to know. */
function statusSentence(r: CatalogRow): string {
  const parts: string[] = [];
  if (r.status === 'retiring') parts.push(`shuts down ${r.shutdown_date} (in ${r.days_left} d)`);
  else if (r.status === 'retired') parts.push(`shut down ${r.shutdown_date}`);
  else parts.push(r.released ? `current, released ${r.released}` : 'current');
  if (r.replacement) parts.push(`use ${r.replacement}`);
  if (r.note && r.status === 'current') parts.push(r.note);
  if (r.name === DEFAULT_MODEL) parts.push("**imgcli's default**");
  return parts.join('; ');
}

/** The model table as markdown, for the README (`imgcli models --markdown`): status as of `date`. */
export function formatMarkdown(rows: CatalogRow[], date: string): string {
  const yes = (r: CatalogRow, e: Endpoint) => (r.endpoints.includes(e) ? 'yes' : 'no');
  const lines = [
    `| model | family | gen | edit | vary | status on api.openai.com as of ${date} |`,
    '|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const name = `\`${r.name}\`${r.aliases.length ? ` (${r.aliases.map((a) => `\`${a}\``).join(', ')})` : ''}`;
      return `| ${name} | ${r.family} | ${yes(r, 'generations')} | ${yes(r, 'edits')} | ${yes(r, 'variations')} | ${statusSentence(r)} |`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

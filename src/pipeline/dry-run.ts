// --dry-run: the request an API command would send, described instead of sent. Built from the
// same Connection and RequestSpec as a real send (buildUrl, headersFor), so what it shows is
// what would go out; the key is redacted, and the curl command reads it from $OPENAI_API_KEY.
import { basename } from 'node:path';
import { buildUrl, closeDispatchers, headersFor, type Connection, type RequestSpec } from '../api/http.js';
import type { MultipartPart } from '../api/multipart.js';
import type { Settings } from '../config/settings.js';
import type { Runtime } from '../runtime.js';
import type { Messenger } from '../terminal/messenger.js';
import { connectionFor, logSettings, needsKey } from '../connection/connect.js';
import { redactKey, shownHeaderValue, looksSecret } from '../api/redact.js';
import { OFFLINE_COST, PRICES_CHECKED, estimateRequestCost, svgAuthorOf } from '../models/prices.js';
import { endpointRules, type Endpoint, type ResolvedModel } from '../models/table.js';
import { IMAGE_FIELDS, flagForApi, flattenFields, type ImageField } from '../models/fields.js';
import { printable } from '../terminal/printable.js';

/**
 * What the server does for a field the request leaves out, where the table knows the default and
 * it shapes the result: `frame_count: not sent, so gpt-image-2.6-flare makes 9 frames (--frames)`.
 */
export function unsentDefaults(model: ResolvedModel, endpoint: Endpoint, body: Record<string, unknown>): string[] {
  const rules = endpointRules(model, endpoint);
  const flat = flattenFields(body);
  const format = rules?.formatRules?.[String(flat.output_format ?? '')];
  if (!rules || !format) return [];
  return (IMAGE_FIELDS as readonly ImageField[]).flatMap((f) => {
    const rule = f.rule ? rules[f.rule] : undefined;
    const fallback = rule && typeof rule === 'object' && 'default' in rule ? rule.default : undefined;
    if (!f.needs || !format[f.needs] || flat[f.api] !== undefined || fallback === undefined) return [];
    return [`${f.api}: not sent, so ${model.name} uses its default, ${fallback} (${flagForApi(f.api)} sets it)`];
  });
}

export interface FormFieldPreview {
  name: string;
  value?: string;
  file?: { name: string; type: string; size: number };
}

export interface RequestPreview {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  multipart?: FormFieldPreview[];
  curl: string;
  note?: string;
  /** What the server will do for fields the request leaves out (frame_count: 9 frames). */
  defaults?: string[];
}

const KEY_VAR = '$OPENAI_API_KEY';

/** POSIX shell single quotes: safe for any text. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

async function describeForm(
  build: NonNullable<RequestSpec['form']>,
): Promise<{ fields: FormFieldPreview[]; parts: readonly MultipartPart[] }> {
  const form = await build();
  const fields = form.parts.map((p) =>
    'value' in p
      ? { name: p.name, value: p.value }
      : { name: p.name, file: { name: p.filename, type: p.contentType, size: 'bytes' in p ? p.bytes.length : p.size } },
  );
  return { fields, parts: form.parts };
}

/**
 * A word of curl's -F syntax: as it is, or double-quoted with `"` and `\` escaped where curl would
 * otherwise end it (`;`, `,`) or read it differently (a quote, a backslash, spaces at either end).
 */
const curlWord = (text: string) =>
  /[;,"\\]|^\s|\s$/.test(text) ? `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"` : text;

/** The value of curl's -F for a file: read from `path`, sent under `filename` (curl's default is the path's last part). */
export function curlFileArg(name: string, path: string, filename: string, type: string): string {
  const named = basename(path) === filename ? '' : `;filename=${curlWord(filename)}`;
  return `${name}=@${curlWord(path)}${named};type=${type}`;
}

/** The -F of a file part, and what differs when curl uploads the file itself (a part imgcli made). */
function curlFilePart(p: Exclude<MultipartPart, { value: string }>): { arg: string; note?: string } {
  if ('path' in p) return { arg: curlFileArg(p.name, p.path, p.filename, p.contentType) };
  if (!p.origin)
    return {
      arg: curlFileArg(p.name, p.filename, p.filename, p.contentType),
      note: `${p.name}: imgcli makes these bytes itself; curl reads a file named ${printable(p.filename)}`,
    };
  const arg = curlFileArg(p.name, p.origin.path, p.filename, p.contentType);
  if (p.origin.made === undefined) return { arg };
  return {
    arg,
    note: `${p.name}: curl sends ${printable(p.origin.path)} as stored; imgcli sends it ${p.origin.made}, ${p.bytes.length} bytes`,
  };
}

/** A data URL is an image's whole bytes: shown as its head and its length, not printed out. */
const SHORT_DATA = 120;
export function shortenDataUrls(value: unknown): { value: unknown; shortened: boolean } {
  let shortened = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string' && v.startsWith('data:') && v.length > SHORT_DATA) {
      shortened = true;
      return `${v.slice(0, v.indexOf(',') + 1)}<${v.length.toLocaleString('en')} characters>`;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(value);
  return { value: out, shortened };
}

function curlFor(
  conn: Connection,
  spec: RequestSpec,
  url: string,
  headers: Record<string, string>,
  fields?: readonly MultipartPart[],
): string {
  // A streamed answer (--stream) should show as it arrives: -N turns curl's buffering off.
  const stream = spec.accept === 'text/event-stream';
  const parts = [`curl -sS${stream ? ' -N' : ''} -X ${spec.method} ${shellQuote(url)}`];
  // Double quotes so the shell expands the variable; the key itself never appears.
  if (conn.apiKey !== undefined)
    parts.push(conn.authHeader === 'api-key' ? `-H "api-key: ${KEY_VAR}"` : `-H "Authorization: Bearer ${KEY_VAR}"`);
  const extra = (conn.headers ?? []).map(([name]) => name);
  for (const name of [
    'openai-organization',
    'openai-project',
    ...extra,
    'content-type',
    ...(stream && !extra.includes('accept') ? ['accept'] : []),
  ]) {
    // curl sets the multipart boundary itself; a secret header of one's own is shown redacted: put its value in.
    if (headers[name] && !(name === 'content-type' && fields))
      parts.push(`-H ${shellQuote(`${name}: ${shownHeaderValue(name, headers[name])}`)}`);
  }
  if (spec.json !== undefined) parts.push(`-d ${shellQuote(JSON.stringify(shortenDataUrls(spec.json).value))}`);
  const notes: string[] = [];
  for (const f of fields ?? []) {
    // --form-string: a value starting with @ or < is text, not a file to read.
    if ('value' in f) {
      parts.push(`--form-string ${shellQuote(`${f.name}=${f.value}`)}`);
      continue;
    }
    const { arg, note } = curlFilePart(f);
    parts.push(`-F ${shellQuote(arg)}`);
    if (note) notes.push(`# ${note}`);
  }
  // Comments under the command: pasted into a shell, they are read and ignored.
  return [parts.join(' \\\n  '), ...notes].join('\n');
}

/** Describes the request without sending it. */
export async function previewRequest(conn: Connection, spec: RequestSpec): Promise<RequestPreview> {
  const url = buildUrl(conn, spec.path);
  const real = headersFor(conn, spec);
  const headers = Object.create(null) as Record<string, string>;
  const own = new Set((conn.headers ?? []).map(([name]) => name));
  for (const [name, value] of Object.entries(real)) {
    if (own.has(name)) headers[name] = shownHeaderValue(name, value);
    else if (name === 'authorization') headers[name] = `Bearer ${redactKey(conn.apiKey)}`;
    else if (name === 'api-key') headers[name] = redactKey(conn.apiKey);
    else headers[name] = value;
  }
  const form = spec.form ? await describeForm(spec.form) : undefined;
  const multipart = form?.fields;
  if (multipart) headers['content-type'] = 'multipart/form-data; boundary=<generated when sent>';
  const preview: RequestPreview = {
    method: spec.method,
    url,
    headers,
    curl: curlFor(conn, spec, url, real, form?.parts),
  };
  if (spec.json !== undefined) {
    const { value, shortened } = shortenDataUrls(spec.json);
    preview.body = value;
    if (shortened) preview.note = 'data URLs are shortened here (<N characters>); the request sends them whole';
  }
  if (multipart) preview.multipart = multipart;
  return preview;
}

function formatField(f: FormFieldPreview): string {
  if (f.file) return `${f.name}: file ${f.file.name} (${f.file.type}, ${f.file.size} bytes)`;
  return `${f.name}: ${f.value ?? ''}`;
}

/** What a request would cost, as far as the rate table can tell: dollars, or null with the reason. */
export interface CostPreview {
  usd: number | null;
  note: string;
}

/**
 * The estimate for an image request before it is sent: image output tokens by size, quality and
 * count, plus the prompt's text, at the dated rates. Input images (edits) are billed on top.
 */
export function estimateRequest(
  model: ResolvedModel,
  endpoint: string,
  params: Record<string, unknown>,
  offline: boolean,
): CostPreview {
  if (offline) return { usd: 0, note: OFFLINE_COST };
  const usd = estimateRequestCost(model, params);
  if (usd === undefined)
    return {
      usd: null,
      note: `no estimate: imgcli has no rate for ${model.name}${model.guessed ? ', which is not in its table' : ''}`,
    };
  const inputs = endpoint === 'generations' ? '' : '; the input images are billed on top';
  const author = svgAuthorOf(params);
  const svg =
    author === undefined ? '' : `; the SVG author${author ? ` (${author})` : ''} is billed on top at its own rates`;
  return {
    usd: Math.round(usd * 1e6) / 1e6,
    note: `image output and prompt text at the rates of ${PRICES_CHECKED}${inputs}${svg}`,
  };
}

const costLine = (c: CostPreview) =>
  `# estimated cost: ${c.usd === null ? c.note : c.note === OFFLINE_COST ? c.note : `about $${c.usd.toFixed(4)} (${c.note})`}`;

/** The human-readable form: request line, headers, body, the estimate, then the curl command. */
export function formatPreview(p: RequestPreview, cost?: CostPreview): string {
  const lines = [`${p.method} ${p.url}`, ...Object.entries(p.headers).map(([k, v]) => `${k}: ${v}`), ''];
  if (p.body !== undefined) lines.push(JSON.stringify(p.body, null, 2), '');
  if (p.multipart) lines.push(...p.multipart.map(formatField), '');
  if (p.note) lines.push(`# ${p.note}`);
  for (const d of p.defaults ?? []) lines.push(`# ${d}`);
  if (cost) lines.push(costLine(cost));
  const secret = Object.keys(p.headers).filter(
    (name) => looksSecret(name) && name !== 'authorization' && name !== 'api-key',
  );
  const notes = [
    ...(p.curl.includes(KEY_VAR) ? ['reads the key from $OPENAI_API_KEY'] : []),
    ...(secret.length ? [`${secret.join(', ')} shown redacted: put the value in`] : []),
  ];
  lines.push(`# the same request with curl${notes.length ? ` (${notes.join('; ')})` : ''}:`, p.curl);
  return `${lines.join('\n')}\n`;
}

/** The --json document of a preview: what `--dry-run --json` prints, and each line of `batch --dry-run`. */
export function previewDocument(preview: RequestPreview, cost?: CostPreview): Record<string, unknown> {
  return {
    dry_run: true,
    ...preview,
    ...(cost ? { estimated_cost_usd: cost.usd, estimated_cost_note: cost.note } : {}),
  };
}

/** Prints the preview on stdout: the text form, or one JSON document with --json. */
export function printPreview(
  out: NodeJS.WritableStream,
  preview: RequestPreview,
  json: boolean,
  cost?: CostPreview,
): void {
  out.write(json ? `${JSON.stringify(previewDocument(preview, cost), null, 2)}\n` : formatPreview(preview, cost));
}

/**
 * --dry-run: describes the request on stdout and sends nothing. The offline server is not
 * started: --mock shows the address of `imgcli mock-server --port 8080`.
 */
export async function dryRun(
  rt: Runtime,
  settings: Settings,
  spec: RequestSpec,
  say: Messenger,
  json: boolean,
  cost?: CostPreview,
  defaults: string[] = [],
): Promise<void> {
  const conn = dryRunConnection(rt, settings, say);
  try {
    const preview = await previewRequest(conn, spec);
    if (defaults.length) preview.defaults = defaults;
    printPreview(rt.stdout, preview, json, cost);
  } finally {
    await closeDispatchers();
  }
}

/** The port a --mock dry run addresses (the README's and mock-server --help's example port). */
export const MOCK_DRY_RUN_PORT = 8080;

/** The Connection a dry run describes requests on, after saying once what a real run would meet. */
export function dryRunConnection(rt: Runtime, settings: Settings, say: Messenger): Connection {
  if (!settings.apiKey && needsKey(settings))
    say.warn('no API key is set: a real run would stop here (set OPENAI_API_KEY or `imgcli config set api-key`).');
  else if (!settings.apiKey && !settings.mock)
    say.info(`no API key: a real run sends none to ${new URL(settings.baseUrl).host}.`);
  // --mock's server lives as long as one command, on a free port: the request is shown as it would
  // go to the same server run on its own, so the curl command can be tried against it.
  if (settings.mock)
    say.info(
      `--mock: nothing is sent; the request below is addressed to the same offline server run on its own: start it with \`imgcli mock-server --port ${MOCK_DRY_RUN_PORT} --no-auth\` to try the curl command.`,
    );
  // A server that needs a key is shown with its header (and the curl command reads $OPENAI_API_KEY) even while none is set.
  const target = settings.mock
    ? { baseUrl: `http://127.0.0.1:${MOCK_DRY_RUN_PORT}/v1`, apiKey: settings.apiKey ?? 'sk-imgcli-mock' }
    : { baseUrl: settings.baseUrl, apiKey: settings.apiKey ?? (needsKey(settings) ? '' : undefined) };
  logSettings(settings, say, target.baseUrl);
  return connectionFor(rt, settings, say, target);
}

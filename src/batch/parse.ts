// Reads a jobs file: one job per line, either a bare JSON string (a prompt for gen) or an object
// with "command" and any flag of that command. Every problem is reported with its line number.
import { UsageError, linesOf } from '../errors.js';
import { sniffImage } from '../image/format.js';
import { IMAGE_FIELDS, offeredBy, type ImageCommand } from '../models/fields.js';
import { closest, orList } from '../suggest.js';

/** What a job may be: an image command of the Images API (a conversation has no place in a batch). */
export type BatchCommand = Exclude<ImageCommand, 'chat'>;

export interface RawJob {
  /** 1-based line number in the jobs file. */
  line: number;
  command: BatchCommand;
  /** Flags in commander's camelCase names (response_format and response-format both become responseFormat). */
  flags: Record<string, unknown>;
}

/** The keys of a job that are not request fields, per command. */
const OWN_KEYS: Record<BatchCommand, readonly string[]> = {
  gen: ['prompt', 'model', 'capabilitiesFrom', 'out', 'param', 'metadata', 'rawSvg'],
  edit: [
    'prompt',
    'image',
    'images',
    'model',
    'capabilitiesFrom',
    'out',
    'param',
    'metadata',
    'rawSvg',
    'mask',
    'maskFrom',
    'markup',
    'fit',
    'body',
  ],
  vary: ['prompt', 'image', 'images', 'model', 'capabilitiesFrom', 'out', 'param', 'metadata', 'rawSvg', 'fit', 'body'],
};

/**
 * The keys a job may set, per command, in the flags' camelCase names: its own keys and every field
 * of the field table its command's models take; anything else is a typo worth reporting.
 */
const keysOf = (c: BatchCommand): readonly string[] => [
  ...OWN_KEYS[c],
  ...IMAGE_FIELDS.filter((f) => offeredBy(f, c)).map((f) => f.name),
];
export const JOB_KEYS: Record<BatchCommand, readonly string[]> = {
  gen: keysOf('gen'),
  edit: keysOf('edit'),
  vary: keysOf('vary'),
};

/** `response_format`, `response-format` and `responseFormat` all name the same flag; `n` is --count. */
export function flagName(key: string): string {
  if (key === 'n') return 'count';
  return key.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A job key in the way `key` is written: snake_case, kebab-case or camelCase. */
function styledLike(key: string, name: string): string {
  const sep = key.includes('_') ? '_' : key.includes('-') ? '-' : '';
  return sep ? name.replace(/[A-Z]/g, (c) => `${sep}${c.toLowerCase()}`) : name;
}

/** Why a key is not one of the command's, with the keys it comes closest to (or all of them). */
function unknownKey(key: string, command: BatchCommand): string {
  const near = closest(flagName(key), JOB_KEYS[command]).map((k) => `"${styledLike(key, k)}"`);
  if (near.length) return `"${key}" is not an option of ${command}; did you mean ${orList(near)}?`;
  return `"${key}" is not an option of ${command} (it takes ${JOB_KEYS[command].join(', ')})`;
}

export function parseJobLine(text: string, line: number): RawJob | undefined {
  const trimmed = text.trim();
  if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith('//')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  if (typeof value === 'string') return { line, command: 'gen', flags: { prompt: value } };
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new Error('a job is a JSON string (a prompt) or an object');
  const { command = 'gen', ...rest } = value as Record<string, unknown>;
  if (command !== 'gen' && command !== 'edit' && command !== 'vary')
    throw new Error(`"command" must be gen, edit or vary, not ${JSON.stringify(command)}`);
  const flags: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(rest)) {
    const name = flagName(key);
    if (!JOB_KEYS[command].includes(name)) throw new Error(unknownKey(key, command));
    flags[name] = v;
  }
  return { line, command, flags };
}

export interface Problem {
  line: number;
  /** What is wrong with it, one line each (the first, then any details). */
  message: string | readonly string[];
}

/** Parses the whole file; bad lines come back as problems, so they can be reported with the rest. */
export function parseJobs(text: string): { jobs: RawJob[]; problems: Problem[] } {
  const jobs: RawJob[] = [];
  const problems: Problem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    try {
      const job = parseJobLine(raw, i + 1);
      if (job) jobs.push(job);
    } catch (err) {
      problems.push({ line: i + 1, message: linesOf(err as Error) });
    }
  });
  if (!jobs.length && !problems.length)
    throw new UsageError(
      'the jobs file has no jobs',
      'Write one job per line: "a prompt" or {"prompt": "...", "out": "a.png"}.',
    );
  return { jobs, problems };
}

/** How many bad lines an error lists; the rest are counted. */
export const SHOWN_BAD_LINES = 10;

/** One error for the bad lines of the file, in line order, the first few listed; nothing was sent. */
export function badLinesError(problems: Problem[], total: number): UsageError {
  // A job with several problems gets its line number on each of them. Messages quote the file's
  // own text (a key, a JSON excerpt): the message writers show its control characters escaped.
  const list = [...problems]
    .sort((a, b) => a.line - b.line)
    .flatMap((p) => (typeof p.message === 'string' ? [p.message] : p.message).map((m) => `line ${p.line}: ${m}`));
  const shown = list.slice(0, SHOWN_BAD_LINES);
  const more = list.length - shown.length;
  if (more > 0) shown.push(`... and ${more} more (${problems.length} bad lines in all)`);
  return new UsageError(
    `${problems.length} of ${total} jobs are not valid; nothing was sent:`,
    more > 0
      ? 'Fix the lines named above and run again to see the rest; the whole file is checked before any job runs.'
      : 'Fix the lines named above; the whole file is checked before any job runs.',
    shown,
  );
}

const FORMAT_NAMES = {
  png: 'a PNG image',
  jpeg: 'a JPEG image',
  webp: 'a WebP image',
  gif: 'a GIF image',
  svg: 'an SVG image',
};

/**
 * The text of a jobs file, or a usage error when the bytes are plainly something else: an image,
 * or a binary file (a NUL byte, or text that is not UTF-8). `name` is how the user wrote it.
 */
export function jobsText(bytes: Buffer, name: string): string {
  const shown = name;
  const hint = 'A jobs file is text, one job per line: "a prompt" or {"prompt": "...", "out": "a.png"}.';
  const image = sniffImage(bytes.subarray(0, 64 * 1024));
  if (image) throw new UsageError(`${shown} looks like ${FORMAT_NAMES[image.format]}, not a JSONL jobs file`, hint);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${shown} looks like a binary file (it is not UTF-8 text), not a JSONL jobs file`, hint);
  }
  if (text.includes('\u0000'))
    throw new UsageError(`${shown} looks like a binary file (it holds NUL bytes), not a JSONL jobs file`, hint);
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}

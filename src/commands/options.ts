// Options and argument parsers shared by the image commands (gen, edit, vary), so each flag is
// spelled, parsed and described in one place. Commander parses; the model schema decides.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { formatFromExtension } from '../image/format.js';
import { DEFAULT_MODEL, type EndpointRules, type ResolvedModel } from '../models/table.js';
import { parseParam, type Param } from '../jobs/params.js';
import type { StreamOptions } from '../jobs/stream.js';

export function parseWhole(flag: string) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${flag} takes a whole number, not "${value}".`);
    return Number(value);
  };
}

/** `jpg` and `JPEG` both mean jpeg; anything else is left for the model schema to judge. */
export function parseFormat(value: string): string {
  return formatFromExtension(value) ?? value.toLowerCase();
}

export type OptionName = 'model' | 'count' | 'size' | 'quality' | 'style' | 'background' | 'format' | 'compression' | 'moderation' | 'responseFormat' | 'user' | 'out' | 'noClobber' | 'json' | 'param' | 'dryRun'
  | 'stream' | 'partialImages' | 'noPartials' | 'preview' | 'ifChanged' | 'check' | 'noMetadata' | 'summary';

/** How many partial images --stream asks for when --partial-images is not given. */
export const DEFAULT_PARTIAL_IMAGES = 2;

const OPTIONS: Record<OptionName, () => Option> = {
  model: () => new Option('-m, --model <name>', `model to use (default ${DEFAULT_MODEL}, or env IMGCLI_MODEL, or \`imgcli config set model\`)`),
  count: () => new Option('-n, --count <n>', 'how many images, 1-10 (dall-e-3: 1)').argParser(parseWhole('--count')),
  size: () => new Option('-s, --size <WxH>', 'image size: auto, 1024x1024, 1536x1024, 1024x1536; gpt-image-2 and later take any WxH in multiples of 16'),
  quality: () => new Option('-q, --quality <q>', 'auto, low, medium, high (gpt-image-2.5 adds xhigh, max); dall-e-3: standard, hd'),
  style: () => new Option('--style <style>', 'dall-e-3 only: vivid or natural'),
  background: () => new Option('--background <bg>', 'auto, opaque or transparent (transparent needs png or webp)'),
  format: () => new Option('-f, --format <fmt>', 'png, jpeg or webp (default: from -o, else png)').argParser(parseFormat),
  compression: () => new Option('--compression <0-100>', 'jpeg/webp compression level').argParser(parseWhole('--compression')),
  moderation: () => new Option('--moderation <level>', 'content filtering: auto or low'),
  responseFormat: () => new Option('--response-format <fmt>', 'dall-e only: url or b64_json (imgcli saves the image either way)'),
  user: () => new Option('--user <id>', 'an end-user id passed to the API for abuse monitoring'),
  out: () => new Option('-o, --out <path>', 'file to write (-1, -2... added with --count), a folder ending in /, or - for stdout'),
  noClobber: () => new Option('--no-clobber', 'refuse to overwrite an existing -o file (checked before the request)'),
  json: () => new Option('--json', 'print one JSON document describing the result on stdout'),
  param: () => new Option('--param <key=value>', 'extra request field, sent as given (repeatable; JSON values allowed)').argParser(parseParam),
  dryRun: () => new Option('--dry-run', 'print the request (and a curl command) instead of sending it; the key is redacted'),
  stream: () => new Option('--stream', 'stream the answer: partial images arrive (and are written) while the image is drawn; GPT image models'),
  partialImages: () => new Option('--partial-images <0-3>', `partial images to stream per image (default ${DEFAULT_PARTIAL_IMAGES}; implies --stream)`).argParser(parseWhole('--partial-images')),
  noPartials: () => new Option('--no-partials', 'with --stream, do not write <name>.partial-<n>.<ext> files (they are still previewed)'),
  preview: () => new Option('--preview', 'show the images (and streamed partials) in the terminal: kitty, Ghostty, WezTerm, iTerm2'),
  ifChanged: () => new Option('--if-changed', 'skip the request when -o already holds the result of this exact request (prompt, flags, input bytes)').conflicts('check'),
  check: () => new Option('--check', 'send nothing: exit 0 when -o is up to date, 1 when it would be regenerated'),
  noMetadata: () => new Option('--no-metadata', 'write files bare: no prompt, model, parameters or fingerprint inside (and --if-changed cannot see them)'),
  summary: () => new Option('--summary', 'append a markdown table of the outputs to $GITHUB_STEP_SUMMARY when it is set'),
};

/** The flags every API image command has for Make and CI: up-to-date checks, metadata, summaries. */
export const REUSE_OPTIONS: OptionName[] = ['ifChanged', 'check', 'noMetadata', 'summary'];

/** The flags gen, edit and vary share, as commander hands them over. */
export interface ImageFlags extends ReuseFlags {
  count?: number;
  size?: string;
  quality?: string;
  background?: string;
  format?: string;
  compression?: number;
  responseFormat?: string;
  user?: string;
  out?: string;
  /** false with --no-clobber */
  clobber: boolean;
  json?: boolean;
  preview?: boolean;
  param?: Param[];
  dryRun?: boolean;
}

export interface ReuseFlags {
  ifChanged?: boolean;
  check?: boolean;
  /** false with --no-metadata */
  metadata?: boolean;
  summary?: boolean;
}

/** How the reuse flags shape a job: the request record for fingerprints and provenance. */
export function reuseFields(flags: ReuseFlags) {
  return {
    metadata: flags.metadata !== false,
    freshness: flags.check ? ('check' as const) : flags.ifChanged ? ('if-changed' as const) : undefined,
  };
}

export interface StreamFlags {
  stream?: boolean;
  partialImages?: number;
  partials: boolean;
}

/**
 * The request fields for --stream and --partial-images (alone, it implies --stream), for the
 * model schema to judge; undefined fields are not sent.
 */
export function streamFields(flags: StreamFlags): { stream?: boolean; partial_images?: number } {
  if (!flags.stream && flags.partialImages === undefined) return {};
  return { stream: true, partial_images: flags.partialImages ?? DEFAULT_PARTIAL_IMAGES };
}

/** The job's stream settings, from the body as sent (--param may set `stream` too; forms send "true"). */
export function streamOptions(body: Record<string, unknown>, flags: StreamFlags): StreamOptions | undefined {
  if (body.stream !== true && body.stream !== 'true') return undefined;
  return { partialImages: Number(body.partial_images ?? 0), writePartials: flags.partials };
}

/** Adds shared options; `describe` replaces a description where a command's models differ (edit has no dall-e-3). */
export function addOptions(cmd: Command, names: OptionName[], describe: Partial<Record<OptionName, string>> = {}): Command {
  for (const name of names) {
    const option = OPTIONS[name]();
    const text = describe[name];
    if (text) option.description = text;
    cmd.addOption(option);
  }
  return cmd;
}

/**
 * The output_format to request, reconciling --format with the -o extension: an explicit -o
 * extension sets the format when --format is absent; a disagreement is a usage error.
 */
export function chooseFormat(flag: string | undefined, outFormat: string | undefined, out: string | undefined, model: ResolvedModel, rules: EndpointRules): string | undefined {
  if (flag && outFormat && flag !== outFormat) {
    throw new UsageError(`--format ${flag} conflicts with -o ${out}`, `Drop --format, or name the file .${flag === 'jpeg' ? 'jpg' : flag}.`);
  }
  if (rules.formats || model.family === 'other') return flag ?? (rules.formats ? outFormat : undefined);
  // Models without output_format (dall-e) always send PNG.
  if (!flag && outFormat && outFormat !== 'png') {
    throw new UsageError(`-o ${out} asks for ${outFormat}, but ${model.name} only returns png`, 'Name the file .png, or pick a GPT image model with -m.');
  }
  return flag;
}

/** --fit for the upload commands (edit, vary). Kept apart from OPTIONS: gen has no files to fit. */
export const fitOption = () =>
  new Option('--fit <how>', 'send an input the model cannot take (not square, not PNG, too large) as a square PNG: contain pads, cover crops').choices(['contain', 'cover']);

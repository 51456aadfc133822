// The flags of the image commands (gen, edit, vary) in one place. The request fields come from the
// field table (models/fields.ts), with help that reads the model table; the job options (where
// results go, reuse, streaming, preview) are listed here. Commander parses; the schema decides.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseParam } from '../../pipeline/params.js';
import {
  FlagValueError,
  IMAGE_FIELDS,
  fieldHelp,
  offeredBy,
  readField,
  readWhole,
  type ImageCommand,
  type ImageField,
} from '../../models/fields.js';
import { DEFAULT_MODEL } from '../../models/table.js';

/** A commander argParser from a reader that throws FlagValueError (the message names the flag). */
export function argParser<T>(read: (value: string, previous?: T) => T): (value: string, previous?: T) => T {
  return (value, previous) => {
    try {
      return read(value, previous);
    } catch (err) {
      if (err instanceof FlagValueError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}

export const parseWhole = (flag: string) => argParser((value) => readWhole(flag, value));

/**
 * A field's option for a command. Every field is registered on every image command, so a flag the
 * command's models never take gets the schema's explanation ("--moderation is for generations
 * only") instead of "unknown option"; such flags are hidden from the help.
 */
export function fieldOption(field: ImageField, command: ImageCommand): Option {
  const option = new Option(field.flags, fieldHelp(field, command));
  if (field.kind !== 'switch') option.argParser(argParser((value) => readField(field, value)));
  if (!offeredBy(field, command)) option.hideHelp();
  return option;
}

/** The options of an image command that are not request fields: how the job runs, where results go. */
const JOB_OPTIONS = {
  out: () =>
    new Option(
      '-o, --out <path>',
      'file to write (-1, -2... added with --count), a folder ending in /, or - for stdout',
    ),
  noClobber: () => new Option('--no-clobber', 'refuse to overwrite an existing -o file (checked before the request)'),
  param: () =>
    new Option(
      '--param <key=value>',
      'a request field sent as given, unchecked: one the model table does not know, or one whose check you override (repeatable; JSON values allowed)',
    ).argParser(argParser(parseParam)),
  dryRun: () =>
    new Option('--dry-run', 'print the request (and a curl command) instead of sending it; the key is redacted'),
  json: () => new Option('--json', 'print one JSON document describing the result on stdout'),
  noPartials: () =>
    new Option(
      '--no-partials',
      'with --stream, do not write <name>.partial-<n>.<ext> files (they are still previewed)',
    ),
  preview: () =>
    new Option('--preview', 'show the images (and streamed partials) in the terminal: kitty, Ghostty, WezTerm, iTerm2'),
  ifChanged: () =>
    new Option(
      '--if-changed',
      'skip the request when -o already holds the result of this exact request (prompt, flags, input bytes)',
    ).conflicts('check'),
  check: () => new Option('--check', 'send nothing: exit 0 when -o is up to date, 1 when it would be regenerated'),
  noMetadata: () =>
    new Option(
      '--no-metadata',
      'write files bare: no prompt, model, parameters or fingerprint inside (and --if-changed cannot see them)',
    ),
  rawSvg: () =>
    new Option(
      '--raw-svg',
      'save an SVG answer as the server sent it: by default its scripts, event handlers, foreignObject and external references are removed (and told), so opening it runs and fetches nothing',
    ),
  capabilitiesFrom: () =>
    new Option(
      '--capabilities-from <model>',
      "check the request by a known model's rules: for a model id imgcli's table lacks (a gateway's alias, a new model)",
    ),
  summary: () =>
    new Option('--summary', 'append a markdown table of the outputs to $GITHUB_STEP_SUMMARY when it is set'),
};

export const modelOption = () =>
  new Option(
    '-m, --model <name>',
    `model to use (default ${DEFAULT_MODEL}, or env IMGCLI_MODEL, or \`imgcli config set model\`)`,
  );

/** --fit for the upload commands (edit, vary): gen has no files to fit. */
export const fitOption = () =>
  new Option(
    '--fit <how>',
    'send an input the model cannot take (not square, not PNG, too large) as a square PNG: contain pads, cover crops',
  ).choices(['contain', 'cover']);

/** --body for the upload commands (edit, vary): multipart uploads, or JSON with the images as references. */
export const bodyOption = () =>
  new Option(
    '--body <form>',
    'how the request travels: multipart (uploads; the default with local files) or json (images as references: the default when an input is a URL or file id; local files go as data URLs)',
  ).choices(['multipart', 'json']);

export type JobOption = keyof typeof JOB_OPTIONS;

/**
 * Adds -m, every request field and the job options (all, or those named) to an image command. A
 * command that may become any of several (replay) lists them: each field's help is that of the
 * first that takes it.
 */
export function addImageOptions(
  cmd: Command,
  command: ImageCommand | readonly ImageCommand[],
  jobOptions: readonly JobOption[] = Object.keys(JOB_OPTIONS) as JobOption[],
): Command {
  const commands = typeof command === 'string' ? [command] : command;
  cmd.addOption(modelOption());
  for (const field of IMAGE_FIELDS)
    cmd.addOption(fieldOption(field, commands.find((c) => offeredBy(field, c)) ?? commands[0]!));
  for (const name of jobOptions) cmd.addOption(JOB_OPTIONS[name]());
  return cmd;
}

// The tools' input schemas and their arguments as a command line, both read from the command's own
// declaration: a tool's properties are its command's flags (commander options, which for the image
// commands are built from the field table) and arguments, named by the long flag in snake_case
// (--no-clobber: no_clobber). A request field's type, allowed values and bounds come from the field
// and model tables, as its help does. Nothing is written twice: a flag the CLI gains, a tool gains.
import type { Argument, Command, Option } from 'commander';
import { UsageError } from '../../errors.js';
import {
  IMAGE_FIELDS,
  commandValues,
  fieldHelp,
  intRange,
  longFlag,
  offeredBy,
  type ImageCommand,
  type ImageField,
} from '../../models/fields.js';
import { MODELS, endpointRules, resolveModel } from '../../models/table.js';
import { endpointFor } from '../../models/fields.js';
import { closest, orList } from '../../suggest.js';

export type JsonSchema = Record<string, unknown>;

/** What the tool table says of a tool's arguments beyond its command's declaration. */
export interface ArgumentRules {
  /** The image command whose fields refine the schema (gen, edit, vary). */
  image?: ImageCommand;
  /** Long flags left out: what makes no sense over the protocol (--json is always on, --preview draws on a terminal). */
  omit?: readonly string[];
  /** Properties the tool needs although the command does not (gen's prompt, which the CLI may read from stdin). */
  required?: readonly string[];
  /** Argument names given another property name (edit's <image...>: images). */
  rename?: Readonly<Record<string, string>>;
  /** Variadic arguments taken as one string (gen's prompt words). */
  joined?: readonly string[];
  /** Properties whose text is taken as given, never read from stdin or an @file (the prompts). */
  literal?: readonly string[];
}

/** What a literal property's help says instead of how the CLI reads it (`; - for stdin, @file ...`). */
function literalText(description: string): string {
  return `${description.replace(/;[^;]*\bstdin\b.*$/, '')}; the text as given: - and @file are text here, never read`;
}

/** A flag's property name: the long flag in snake_case, --no-clobber as no_clobber. */
export const propertyOf = (option: Option): string => option.long!.replace(/^--/, '').replaceAll('-', '_');

/** A flag given or not (--dry-run, --no-clobber): true or false here. */
export const takesNoValue = (option: Option) => !option.required && !option.optional;

/** Options repeated on the command line are lists here; the help says which ("repeatable"). */
const repeatable = (option: Option) => /\brepeatable\b/.test(option.description);

/** The options a tool offers: the command's own, less those the rules omit and those help hides. */
export function toolOptions(cmd: Command, rules: ArgumentRules): Option[] {
  return cmd.options.filter(
    (o): o is Option & { long: string } =>
      o.long !== undefined && !o.hidden && !(rules.omit ?? []).includes(o.long) && o.long !== '--help',
  );
}

const argumentName = (arg: Argument, rules: ArgumentRules) => rules.rename?.[arg.name()] ?? arg.name();

/** The input schema of a tool: its command's arguments and flags, with the tables' values. */
export function inputSchema(cmd: Command, rules: ArgumentRules, extra: Record<string, JsonSchema> = {}): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required = new Set(rules.required ?? []);
  for (const arg of cmd.registeredArguments) {
    const name = argumentName(arg, rules);
    const description = (rules.literal ?? []).includes(name) ? literalText(arg.description) : arg.description;
    properties[name] =
      arg.variadic && !(rules.joined ?? []).includes(arg.name())
        ? { type: 'array', items: { type: 'string' }, minItems: arg.required ? 1 : 0, description }
        : { type: 'string', description };
    if (arg.required) required.add(name);
  }
  for (const option of toolOptions(cmd, rules)) properties[propertyOf(option)] = optionSchema(option, rules);
  Object.assign(properties, extra);
  return {
    type: 'object',
    properties,
    ...(required.size ? { required: [...required] } : {}),
    additionalProperties: false,
  };
}

function optionSchema(option: Option, rules: ArgumentRules): JsonSchema {
  const flag = `(CLI: ${option.long}${takesNoValue(option) ? '' : ' <value>'})`;
  if (takesNoValue(option)) return { type: 'boolean', description: `${option.description} ${flag}` };
  const field = rules.image && IMAGE_FIELDS.find((f: ImageField) => longFlag(f) === option.long);
  const one: JsonSchema = field
    ? fieldSchema(field, rules.image!)
    : option.long === '--model'
      ? { type: 'string', examples: MODELS.map((m) => m.id) }
      : { type: 'string', ...(option.argChoices ? { enum: [...option.argChoices] } : {}) };
  const help = field ? fieldHelp(field, rules.image!) : option.description;
  const description = `${(rules.literal ?? []).includes(propertyOf(option)) ? literalText(help) : help} ${flag}`;
  return repeatable(option)
    ? { type: 'array', items: one, description }
    : { ...one, description, ...(option.defaultValue !== undefined ? { default: option.defaultValue } : {}) };
}

/** A request field's type and values for a command's models, read from the field and model tables. */
export function fieldSchema(field: ImageField, command: ImageCommand): JsonSchema {
  switch (field.kind) {
    case 'switch':
      return { type: 'boolean' };
    case 'text':
      return { type: 'string' };
    case 'size': {
      const sizes = commandValues(field, [command]);
      return { type: 'string', pattern: '^(auto|[1-9][0-9]*x[1-9][0-9]*)$', examples: sizes };
    }
    case 'list': {
      const values = commandValues(field, [command]);
      // -f jpg is read as jpeg, as on the command line.
      return { type: 'string', enum: field.name === 'format' && values.includes('jpeg') ? [...values, 'jpg'] : values };
    }
    case 'count':
    case 'int': {
      const ranges = rulesOf(command).flatMap((rules) => {
        if (field.kind === 'count') return [rules.n];
        const range = intRange(field, rules);
        return range ? [range] : [];
      });
      if (!ranges.length) return { type: 'integer' };
      return {
        type: 'integer',
        minimum: Math.min(...ranges.map((r) => r.min)),
        maximum: Math.max(...ranges.map((r) => r.max)),
      };
    }
  }
}

/** The rules every model of the table has for a command. */
function rulesOf(command: ImageCommand) {
  return MODELS.flatMap((m) => {
    const endpoint = endpointFor(command, m.family);
    const rules = endpoint && endpointRules(resolveModel(m.id), endpoint);
    return rules ? [rules] : [];
  });
}

/** The request fields some model takes through the command: those the tool lists. */
export const offeredFields = (command: ImageCommand) => IMAGE_FIELDS.filter((f) => offeredBy(f, command));

/**
 * A tool's arguments as the command line its command parses: flags first (`--name=value`, so a
 * value starting with - stays a value), then `--` and the positional arguments. A property the
 * tool does not have is refused with the nearest names; the values are the parsers' to judge.
 */
export function commandLine(cmd: Command, rules: ArgumentRules, args: Record<string, unknown>, tool: string): string[] {
  const options = new Map(toolOptions(cmd, rules).map((o) => [propertyOf(o), o]));
  const positional = new Map(cmd.registeredArguments.map((a) => [argumentName(a, rules), a]));
  const flags: string[] = [];
  const words: string[] = [];
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined || value === null) continue;
    const option = options.get(name);
    const arg = positional.get(name);
    if (!option && !arg) {
      const known = [...positional.keys(), ...options.keys()];
      const near = closest(name, known);
      throw new UsageError(
        `the ${tool} tool has no argument "${name}"${near.length ? `; did you mean ${orList(near)}?` : ''}`,
        `Its arguments: ${known.join(', ')} (tools/list has each one's schema).`,
      );
    }
    if (option) {
      if (takesNoValue(option)) {
        if (typeof value !== 'boolean') throw new UsageError(`${name} is true or false, not ${JSON.stringify(value)}`);
        if (value) flags.push(option.long!);
        continue;
      }
      for (const one of listOf(name, value, repeatable(option))) flags.push(`${option.long}=${one}`);
    } else {
      const variadic = arg!.variadic && !(rules.joined ?? []).includes(arg!.name());
      words.push(...listOf(name, value, variadic));
    }
  }
  return [...flags, ...(words.length ? ['--', ...words] : [])];
}

/** A property's value as command-line words: a string or number, or a list of them where the flag repeats. */
function listOf(name: string, value: unknown, many: boolean): string[] {
  const word = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    throw new UsageError(`${name} takes ${many ? 'a list of ' : ''}text or a number, not ${JSON.stringify(v)}`);
  };
  if (Array.isArray(value)) {
    if (!many) throw new UsageError(`${name} takes one value, not a list`);
    return value.map(word);
  }
  return [word(value)];
}

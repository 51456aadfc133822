// The completion spec of the commander program itself: every command, option and argument, with
// values from the model and field tables, so completion cannot drift from the CLI.
import type { Argument, Command, Option } from 'commander';
import { AUTH_HEADERS, KEY_NAMES } from '../../config/keys.js';
import {
  IMAGE_FIELDS,
  commandValues,
  fieldByName,
  longFlag,
  takersLabel,
  type ImageCommand,
  type ImageField,
} from '../../models/fields.js';
import { DEFAULT_MODEL, MODELS } from '../../models/table.js';
import {
  SHELLS,
  shortDescription,
  type CommandSpec,
  type ModelWords,
  type OptionSpec,
  type Spec,
  type Values,
} from './spec.js';
import { VERSION } from '../../version.js';

/** The image commands whose field flags complete from the model table, and the endpoints they may use. */
const IMAGE_COMMANDS: Record<string, readonly ImageCommand[]> = {
  gen: ['gen'],
  edit: ['edit'],
  vary: ['vary'],
  // A replayed request or a job of a batch may be any of the three.
  replay: ['gen', 'edit', 'vary'],
  batch: ['gen', 'edit', 'vary'],
};

/** The value an option takes, from its flags' <placeholder>. */
const placeholder = (o: Option) => /[<[]([\w-]+)(?:\.\.\.)?[>\]]/.exec(o.flags)?.[1] ?? '';

/** Each model (and alias) by what it is on the day the script is made: "current, imgcli's default", "shut down 2026-05-12, use gpt-image-2". */
function modelList(now: Date): Values {
  const words: string[] = [];
  const descriptions: Record<string, string> = {};
  const today = now.toISOString().slice(0, 10);
  for (const m of MODELS) {
    const status = !m.shutdown
      ? `current${m.id === DEFAULT_MODEL ? ", imgcli's default" : ''}`
      : `${m.shutdown <= today ? 'shut down' : 'shuts down'} ${m.shutdown}${m.replacement ? `, use ${m.replacement}` : ''}`;
    words.push(m.id);
    descriptions[m.id] = status;
    for (const alias of m.aliases ?? []) {
      words.push(alias);
      descriptions[alias] = `${m.id}: ${status}`;
    }
  }
  return { kind: 'list', words, descriptions };
}

/** What a size is: its shape, "the model chooses" for auto. */
function sizeShape(size: string): string {
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (!m) return size === 'auto' ? 'the model chooses' : '';
  const [w, h] = [Number(m[1]), Number(m[2])];
  return w === h ? 'square' : w > h ? 'landscape' : 'portrait';
}

/** A list field's values for commands: every model's, each described, and each model's own list. */
function fieldList(field: ImageField, commands: readonly ImageCommand[]): Values {
  const words = commandValues(field, commands);
  const descriptions: Record<string, string> = {};
  for (const word of words) {
    const who = takersLabel(field, word, commands[0]!);
    const text = [field.kind === 'size' ? sizeShape(word) : '', who].filter(Boolean).join(', ');
    if (text) descriptions[word] = text;
  }
  // Models that take the same words share one entry; a model that takes none of them offers nothing.
  const groups = new Map<string, ModelWords>();
  for (const m of MODELS) {
    const own = commandValues(field, commands, m.id);
    const key = own.join(' ');
    const group = groups.get(key) ?? { models: [], words: own };
    group.models.push(m.id, ...(m.aliases ?? []));
    groups.set(key, group);
  }
  return { kind: 'list', words, descriptions, byModel: [...groups.values()] };
}

/** What an option's value completes to, on the command at `path`. */
function optionValues(o: Option, path: string, now: Date): Values {
  if (o.argChoices?.length) return { kind: 'list', words: [...o.argChoices] };
  if (o.long === '--profile') return { kind: 'profiles' };
  const commands = IMAGE_COMMANDS[path.split(' ')[0]!];
  if (commands) {
    if (o.long === '--model') return modelList(now);
    if (o.long === '--prompt') return { kind: 'prompt' };
    const field = IMAGE_FIELDS.find((f) => longFlag(f) === o.long);
    if (field && (field.kind === 'list' || field.kind === 'size')) return fieldList(field, commands);
  }
  // <path>, <image>, <png>, <mask>, <dir>, <file>: something on disk.
  if (/^(path|image|png|mask|dir|file|jobs|input)s?$/.test(placeholder(o))) return { kind: 'files' };
  return { kind: 'none' };
}

function optionSpec(o: Option, path: string, now: Date): OptionSpec {
  const names = [o.short, o.long].filter((n): n is string => Boolean(n));
  const spec: OptionSpec = { names, description: shortDescription(o.description) };
  if (o.required || o.optional) spec.value = optionValues(o, path, now);
  return spec;
}

const HELP: OptionSpec = { names: ['-h', '--help'], description: 'show help' };

/** `config set <key> <TAB>`: the values a key takes, where the tables list them. */
function settingValues(now: Date): Record<string, Values> {
  const list = (words: readonly string[]): Values => ({ kind: 'list', words: [...words] });
  const all: readonly ImageCommand[] = ['gen', 'edit', 'vary'];
  return {
    model: modelList(now),
    size: list(commandValues(fieldByName('size')!, all)),
    quality: list(commandValues(fieldByName('quality')!, all)),
    format: list(commandValues(fieldByName('format')!, all)),
    auth: list(AUTH_HEADERS),
    'out-dir': { kind: 'files' },
  };
}

/** What a command's positional arguments complete to. */
function argValues(path: string, args: readonly Argument[], root: Command, now: Date): Values {
  if (path === 'models') return modelList(now);
  if (path === 'config set' || path === 'config get' || path === 'config unset')
    return { kind: 'list', words: KEY_NAMES };
  if (path === 'completion') return { kind: 'list', words: [...SHELLS] };
  if (path === 'help') return { kind: 'list', words: root.commands.map((c) => c.name()).filter((n) => n !== 'help') };
  // gen's words are the prompt: nothing to offer, but @<TAB> completes the file to read it from.
  if (args.some((a) => a.name() === 'prompt')) return { kind: 'prompt' };
  // Images, drawings, jobs files, and gallery's files or folders: something on disk.
  return args.some((a) => /^(image|input|inputs|jobs|paths)$/.test(a.name())) ? { kind: 'files' } : { kind: 'none' };
}

function walk(cmd: Command, path: string, root: Command, now: Date, out: CommandSpec[]): void {
  const visible = (c: Command) => !(c as Command & { _hidden?: boolean })._hidden;
  const subs = cmd.commands.filter(visible);
  out.push({
    path,
    description: shortDescription(cmd.summary() || cmd.description()),
    subcommands: subs.map((c) => ({ name: c.name(), description: shortDescription(c.summary() || c.description()) })),
    options: [...cmd.options.filter((o) => !o.hidden).map((o) => optionSpec(o, path, now)), ...(path ? [HELP] : [])],
    args: path ? argValues(path, cmd.registeredArguments, root, now) : { kind: 'none' },
    ...(path === 'config set' ? { byFirstArg: settingValues(now) } : {}),
  });
  for (const sub of subs) walk(sub, path ? `${path} ${sub.name()}` : sub.name(), root, now, out);
}

/**
 * The completion spec of a program: every command with its options, imgcli's own options as the
 * global ones. `now` dates the models' descriptions ("shuts down 2026-12-01").
 */
export function completionSpec(program: Command, now: Date): Spec {
  const commands: CommandSpec[] = [];
  walk(program, '', program, now, commands);
  const root = commands[0]!;
  const global = [...root.options, HELP];
  root.options = [];
  return { name: program.name(), version: VERSION, global, commands };
}

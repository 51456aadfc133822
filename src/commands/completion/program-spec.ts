// The completion spec of the commander program itself: every command, option and argument, with
// values from the model and field tables, so completion cannot drift from the CLI.
import type { Argument, Command, Option } from 'commander';
import { AUTH_HEADERS, KEY_NAMES } from '../../config/keys.js';
import { fieldByName, tableValues } from '../../models/fields.js';
import { MODEL_NAMES } from '../../models/table.js';
import {
  SHELLS,
  optionValues,
  shortDescription,
  type CommandSpec,
  type OptionSpec,
  type Spec,
  type Values,
} from './spec.js';
import { VERSION } from '../../version.js';

/** The value an option takes, from its flags' <placeholder>. */
const placeholder = (o: Option) => /[<[]([\w-]+)(?:\.\.\.)?[>\]]/.exec(o.flags)?.[1] ?? '';

function optionSpec(o: Option): OptionSpec {
  const names = [o.short, o.long].filter((n): n is string => Boolean(n));
  const spec: OptionSpec = { names, description: shortDescription(o.description) };
  if (o.required || o.optional) spec.value = optionValues(o.long, placeholder(o), o.argChoices);
  return spec;
}

const HELP: OptionSpec = { names: ['-h', '--help'], description: 'show help' };

/** `config set <key> <TAB>`: the values a key takes, where the tables list them. */
function settingValues(): Record<string, Values> {
  const list = (words: readonly string[]): Values => ({ kind: 'list', words: [...words] });
  return {
    model: list(MODEL_NAMES),
    size: list(tableValues(fieldByName('size')!)),
    quality: list(tableValues(fieldByName('quality')!)),
    format: list(tableValues(fieldByName('format')!)),
    auth: list(AUTH_HEADERS),
    'out-dir': { kind: 'files' },
  };
}

/** What a command's positional arguments complete to. */
function argValues(path: string, args: readonly Argument[], root: Command): Values {
  if (path === 'config set' || path === 'config get' || path === 'config unset')
    return { kind: 'list', words: KEY_NAMES };
  if (path === 'completion') return { kind: 'list', words: [...SHELLS] };
  if (path === 'help') return { kind: 'list', words: root.commands.map((c) => c.name()).filter((n) => n !== 'help') };
  // The prompt is words, not a file (an @file is typed by hand); images, drawings and jobs files are files.
  return args.some((a) => /^(image|input|jobs)$/.test(a.name())) ? { kind: 'files' } : { kind: 'none' };
}

function walk(cmd: Command, path: string, root: Command, out: CommandSpec[]): void {
  const visible = (c: Command) => !(c as Command & { _hidden?: boolean })._hidden;
  const subs = cmd.commands.filter(visible);
  out.push({
    path,
    description: shortDescription(cmd.summary() || cmd.description()),
    subcommands: subs.map((c) => ({ name: c.name(), description: shortDescription(c.summary() || c.description()) })),
    options: [...cmd.options.filter((o) => !o.hidden).map(optionSpec), ...(path ? [HELP] : [])],
    args: path ? argValues(path, cmd.registeredArguments, root) : { kind: 'none' },
    ...(path === 'config set' ? { byFirstArg: settingValues() } : {}),
  });
  for (const sub of subs) walk(sub, path ? `${path} ${sub.name()}` : sub.name(), root, out);
}

/** The completion spec of a program: every command with its options, imgcli's own options as the global ones. */
export function completionSpec(program: Command): Spec {
  const commands: CommandSpec[] = [];
  walk(program, '', program, commands);
  const root = commands[0]!;
  const global = [...root.options, HELP];
  root.options = [];
  return { name: program.name(), version: VERSION, global, commands };
}

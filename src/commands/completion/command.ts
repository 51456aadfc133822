// `imgcli completion bash|zsh|fish`: a completion script generated from the commander program
// itself (commands, options, arguments), with values from the model and field tables, so it
// cannot drift from the CLI. `--list profiles` is what the scripts call for --profile's values.
import { Command, Option, type Argument } from 'commander';
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
import type { Runtime } from '../../runtime.js';
import { VERSION } from '../../version.js';

const EXAMPLES = `
Examples:
  $ echo 'source <(imgcli completion bash)' >> ~/.bashrc
  $ mkdir -p ~/.zfunc && imgcli completion zsh > ~/.zfunc/_imgcli
  $ mkdir -p ~/.config/fish/completions && imgcli completion fish > ~/.config/fish/completions/imgcli.fish

bash: the line above loads it in every new shell (bash 4.1 or later; macOS's bash 3.2 needs
a newer bash). zsh: put fpath+=(~/.zfunc) before compinit in ~/.zshrc, or source it the bash
way: source <(imgcli completion zsh). fish loads files in ~/.config/fish/completions by itself.
Commands, flags and their values (models, sizes, qualities, formats, config keys and their
values, profiles) complete; a new imgcli version completes its own flags once the script is written again.`;

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

export function completionCommand(rt: Runtime): Command {
  const cmd = new Command('completion')
    .description('Print the completion script for a shell: commands, flags, and their values from the model table.')
    .argument('[shell]', `one of ${SHELLS.join(', ')}`)
    .addOption(
      new Option('--list <what>', 'print completion words, one per line (profiles)').choices(['profiles']).hideHelp(),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (shell: string | undefined, opts: { list?: string }, self: Command) => {
      const { UsageError } = await import('../../errors.js');
      if (opts.list) return listWords(rt);
      if (!shell)
        throw new UsageError(
          'completion needs a shell: bash, zsh or fish',
          'For example: source <(imgcli completion bash); see `imgcli completion --help` for each shell.',
        );
      if (!(SHELLS as readonly string[]).includes(shell)) {
        const { didYouMean } = await import('../../suggest.js');
        throw new UsageError(`no completion for ${shell}${didYouMean(shell, SHELLS)}`, `Shells: ${SHELLS.join(', ')}.`);
      }
      const { renderScript } = await import('./scripts.js');
      rt.stdout.write(renderScript(shell as (typeof SHELLS)[number], completionSpec(self.parent!)));
    });
  return cmd;
}

/** The words the scripts ask for at completion time: the config's profiles. Silent when there are none. */
async function listWords(rt: Runtime): Promise<void> {
  const [{ readEnv, configDir }, { readConfigFile }] = await Promise.all([
    import('../../config/settings.js'),
    import('../../config/file.js'),
  ]);
  try {
    const file = await readConfigFile(configDir(readEnv(rt.env)));
    const names = Object.keys(file.profiles);
    if (names.length) rt.stdout.write(`${names.join('\n')}\n`);
  } catch {
    // A broken config file is reported by the commands that use it, not in the middle of a completion.
  }
}

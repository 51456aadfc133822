// `imgcli config set|get|unset|list|path`, declared: the config file, its defaults and its profiles.
// The runs are run.ts's.
import { Command } from 'commander';
import { helpText } from '../shared/help-text.js';
import { CONFIG_KEYS, KEY_NAMES } from '../../config/keys.js';

const KEYS_HELP = KEY_NAMES.map((k) => `  ${k.padEnd(18)} ${CONFIG_KEYS[k].summary}`).join('\n');

const EXAMPLES = `
Examples:
  $ pbpaste | imgcli config set api-key -                  # the key from stdin: not in shell history
  $ imgcli config set model gpt-image-2.5
  $ imgcli config set size 1536x1024                       # gen uses it where the model takes it
  $ imgcli config set out-dir ~/Pictures/imgcli
  $ imgcli config set --profile azure base-url https://myres.openai.azure.com/openai/v1
  $ imgcli config set --profile azure auth api-key
  $ imgcli config get model || echo unset                 # exit 1 when not set, as git config
  $ imgcli config list --json
  $ imgcli --profile azure gen "a lighthouse"               # or IMGCLI_PROFILE=azure
  $ imgcli config unset --profile azure --all              # remove the whole profile

Keys:
${KEYS_HELP}

Precedence: flag > environment (OPENAI_API_KEY, OPENAI_BASE_URL, ...) > the active profile
(--profile or IMGCLI_PROFILE) > the config's top-level defaults > built-in defaults.

The file is JSON, written atomically with mode 0600; IMGCLI_CONFIG_DIR moves it. The key is
shown redacted (sk-...abcd) by get and list.`;

const SUB_EXAMPLES: Record<string, string> = {
  set: '  $ imgcli config set model gpt-image-2.5\n  $ imgcli config set --profile azure azure-deployment img\n  $ pbpaste | imgcli config set api-key -',
  get: '  $ imgcli config get model || echo unset          # exit 1 when not set, as git config\n  $ imgcli --profile azure config get base-url',
  unset: '  $ imgcli config unset size\n  $ imgcli config unset --profile azure --all',
  list: '  $ imgcli config list\n  $ imgcli config list --profile azure --json',
  path: '  $ imgcli config path\n  $ $EDITOR "$(imgcli config path)"',
};

export function command(): Command {
  const cmd = new Command('config')
    .description(
      'Read and write imgcli settings: config defaults and named profiles (connection settings and defaults).',
    )
    .addHelpText('after', helpText(EXAMPLES));

  cmd
    .command('set')
    .description('Set a key (in the active profile with --profile); - as the value reads it from stdin.')
    .argument('<key>', `one of ${KEY_NAMES.join(', ')}`)
    .argument('<value>', 'the value, checked like the matching flag');

  cmd
    .command('get')
    .description(
      "Print the value the config gives a key: the active profile's, else the top-level default (the key redacted); exit 1 when it is not set.",
    )
    .argument('<key>', 'a config key');

  cmd
    .command('unset')
    .description('Remove a key (from the active profile with --profile); with --all, the whole profile.')
    .argument('[key]', 'the key to remove (unknown keys too, to repair a file)')
    .option('--all', 'remove every key of the active profile, i.e. the profile itself');

  cmd
    .command('list')
    .description('List the config: top-level defaults and every profile (only the active one with --profile).')
    .option('--json', 'print one JSON document (the key redacted)');

  cmd.command('path').description('Print where the config file is (it may not exist yet).');

  for (const sub of cmd.commands) {
    sub.addHelpText(
      'after',
      helpText(
        `\nExamples:\n${SUB_EXAMPLES[sub.name()] ?? ''}\n\nSee \`imgcli config --help\` for the keys and the precedence rule.`,
      ),
    );
  }
  return cmd;
}

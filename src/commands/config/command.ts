// `imgcli config set|get|unset|list|path`: the config file, its defaults and its profiles.
import { Command } from 'commander';
import { CONFIG_KEYS, KEY_NAMES } from '../../config/keys.js';
import type { GlobalFlags } from '../../config/settings.js';
import type { Runtime } from '../../runtime.js';

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

interface Ctx {
  dir: string;
  profile?: string;
  /** Which of --profile and IMGCLI_PROFILE named it, for errors. */
  profileFrom: string;
}

async function context(rt: Runtime, self: Command): Promise<Ctx> {
  const { readEnv, configDir } = await import('../../config/settings.js');
  const flag = self.optsWithGlobals<GlobalFlags>().profile;
  const env = readEnv(rt.env);
  return {
    dir: configDir(env),
    profile: flag ?? env.IMGCLI_PROFILE,
    profileFrom: flag !== undefined ? '--profile' : 'IMGCLI_PROFILE',
  };
}

async function unknownKey(key: string): Promise<Error> {
  const [{ UsageError }, { didYouMean }] = await Promise.all([import('../../errors.js'), import('../../suggest.js')]);
  return new UsageError(`unknown config key "${key}"${didYouMean(key, KEY_NAMES)}`, `Keys: ${KEY_NAMES.join(', ')}.`);
}

const where = (ctx: Ctx) => (ctx.profile ? ` (profile ${ctx.profile})` : '');

export function configCommand(rt: Runtime): Command {
  const cmd = new Command('config')
    .description(
      'Read and write imgcli settings: config defaults and named profiles (connection settings and defaults).',
    )
    .addHelpText('after', EXAMPLES);

  cmd
    .command('set')
    .description('Set a key (in the active profile with --profile); - as the value reads it from stdin.')
    .argument('<key>', `one of ${KEY_NAMES.join(', ')}`)
    .argument('<value>', 'the value, checked like the matching flag')
    .action(async (key: string, value: string, _opts: unknown, self: Command) => {
      const [
        { isConfigKey, ValueError },
        { updateConfigFile, displayValue },
        { UsageError },
        { MODEL_NAMES, findModel },
        { readPrompt, readSecret },
        { modelSlipOf, orList },
      ] = await Promise.all([
        import('../../config/keys.js'),
        import('../../config/file.js'),
        import('../../errors.js'),
        import('../../models/table.js'),
        import('../../terminal/input.js'),
        import('../../suggest.js'),
      ]);
      const ctx = await context(rt, self);
      if (!isConfigKey(key)) throw await unknownKey(key);
      // `-` keeps a secret out of shell history.
      const raw =
        value !== '-'
          ? value
          : CONFIG_KEYS[key].secret
            ? await readSecret(rt, `the ${key}`)
            : await readPrompt(['-'], rt, `the ${key} value`);
      let parsed;
      try {
        parsed = await CONFIG_KEYS[key].parse(raw);
      } catch (err) {
        if (!(err instanceof ValueError)) throw err;
        const shown = CONFIG_KEYS[key].secret ? '' : ` ${JSON.stringify(raw)}`;
        throw new UsageError(
          `${key}${shown} is not valid: ${err.message}; nothing was changed`,
          'See the keys and their values in `imgcli config --help`.',
        );
      }
      const { path } = await updateConfigFile(ctx.dir, ctx.profile, { set: key, value: parsed });
      if (CONFIG_KEYS[key].secret && value !== '-')
        rt.stderr.write(
          `tip: \`imgcli config set ${key} -\` reads the value from stdin, keeping it out of shell history.\n`,
        );
      if (key === 'model' && !findModel(String(parsed))) {
        const slips = modelSlipOf(String(parsed), MODEL_NAMES);
        const also = slips.length
          ? ` Did you mean ${orList(slips)}? Against api.openai.com and --mock it will be refused as a misspelling; other servers get it as given.`
          : ' It will be sent as given.';
        rt.stderr.write(`note: ${parsed} is not in imgcli's model table.${also}\n`);
      }
      rt.stderr.write(`${key} = ${displayValue(key, parsed)}${where(ctx)} in ${path}\n`);
    });

  cmd
    .command('get')
    .description(
      "Print the value the config gives a key: the active profile's, else the top-level default (the key redacted); exit 1 when it is not set.",
    )
    .argument('<key>', 'a config key')
    .action(async (key: string, _opts: unknown, self: Command) => {
      const [{ isConfigKey }, { readConfigFile, displayValue, profileOf }, { NotSetError }] = await Promise.all([
        import('../../config/keys.js'),
        import('../../config/file.js'),
        import('../../errors.js'),
      ]);
      const ctx = await context(rt, self);
      if (!isConfigKey(key)) throw await unknownKey(key);
      const file = await readConfigFile(ctx.dir);
      const profile = ctx.profile === undefined ? undefined : profileOf(file, ctx.profile, ctx.profileFrom);
      const value = profile?.[key] ?? file.values[key];
      // Exit 1 with nothing on stdout, as `git config` does, so a script can tell "unset" from "empty".
      if (value === undefined)
        throw new NotSetError(
          `${key} is not set${where(ctx)} in ${file.path}`,
          `Set it with \`imgcli config set${ctx.profile ? ` --profile ${ctx.profile}` : ''} ${key} <value>\`.`,
        );
      rt.stdout.write(`${displayValue(key, value)}\n`);
    });

  cmd
    .command('unset')
    .description('Remove a key (from the active profile with --profile); with --all, the whole profile.')
    .argument('[key]', 'the key to remove (unknown keys too, to repair a file)')
    .option('--all', 'remove every key of the active profile, i.e. the profile itself')
    .action(async (key: string | undefined, opts: { all?: boolean }, self: Command) => {
      const [{ updateConfigFile }, { UsageError }] = await Promise.all([
        import('../../config/file.js'),
        import('../../errors.js'),
      ]);
      const ctx = await context(rt, self);
      if (opts.all && !ctx.profile)
        throw new UsageError(
          '--all removes a profile; name it with --profile',
          `To start afresh entirely, delete the file: imgcli config path`,
        );
      if (!opts.all && !key) throw new UsageError('config unset needs a key (or --profile <name> --all)');
      const change = opts.all ? ({ unsetAll: true } as const) : { unset: key! };
      const { changed, path } = await updateConfigFile(ctx.dir, ctx.profile, change);
      const what = opts.all ? `profile ${ctx.profile}` : `${key}${where(ctx)}`;
      rt.stderr.write(changed ? `removed ${what} from ${path}\n` : `${what} was not set\n`);
    });

  cmd
    .command('list')
    .description('List the config: top-level defaults and every profile (only the active one with --profile).')
    .option('--json', 'print one JSON document (the key redacted)')
    .action(async (opts: { json?: boolean }, self: Command) => {
      const { readConfigFile, profileOf, listDocument, listLines } = await import('../../config/file.js');
      const ctx = await context(rt, self);
      const file = await readConfigFile(ctx.dir);
      const profile =
        ctx.profile === undefined
          ? undefined
          : { name: ctx.profile, values: profileOf(file, ctx.profile, ctx.profileFrom) };
      if (opts.json) return void rt.stdout.write(`${JSON.stringify(listDocument(file, profile), null, 2)}\n`);
      const lines = listLines(file, profile);
      if (lines.length) rt.stdout.write(`${lines.join('\n')}\n`);
      else rt.stderr.write(`nothing set in ${file.path}\n`);
    });

  cmd
    .command('path')
    .description('Print where the config file is (it may not exist yet).')
    .action(async (_opts: unknown, self: Command) => {
      const { configFilePath } = await import('../../config/file.js');
      rt.stdout.write(`${configFilePath((await context(rt, self)).dir)}\n`);
    });

  for (const sub of cmd.commands) {
    sub.addHelpText(
      'after',
      `\nExamples:\n${SUB_EXAMPLES[sub.name()] ?? ''}\n\nSee \`imgcli config --help\` for the keys and the precedence rule.`,
    );
  }
  return cmd;
}

// `imgcli config set|get|unset|list|path`, run: which file and profile the command line names, then
// the read or the locked update of the file (src/config/file.ts), each key checked by its rule
// (src/config/keys.ts). The file's values go to stdout; what was done, to stderr.
import { CONFIG_KEYS, KEY_NAMES, ValueError, isConfigKey } from '../../config/keys.js';
import {
  configFilePath,
  displayValue,
  listDocument,
  listLines,
  profileOf,
  readConfigFile,
  updateConfigFile,
} from '../../config/file.js';
import { configDir, readEnv } from '../../config/settings.js';
import { NotSetError, UsageError } from '../../errors.js';
import { MODEL_NAMES, findModel } from '../../models/table.js';
import { didYouMean, modelSlipOf, orList } from '../../suggest.js';
import { readPrompt, readSecret } from '../../terminal/input.js';
import type { Context, Handler } from '../shared/context.js';

/** The config folder and the profile a config command works on. */
interface Target {
  dir: string;
  profile?: string;
  /** Which of --profile and IMGCLI_PROFILE named it, for errors. */
  profileFrom: string;
}

function targetOf(ctx: Context): Target {
  const flag = ctx.flags().profile;
  const env = readEnv(ctx.rt.env);
  return {
    dir: configDir(env),
    profile: flag ?? env.IMGCLI_PROFILE,
    profileFrom: flag !== undefined ? '--profile' : 'IMGCLI_PROFILE',
  };
}

function unknownKey(key: string): Error {
  return new UsageError(`unknown config key "${key}"${didYouMean(key, KEY_NAMES)}`, `Keys: ${KEY_NAMES.join(', ')}.`);
}

const where = (t: Target) => (t.profile ? ` (profile ${t.profile})` : '');

const set: Handler = async (ctx, { args }) => {
  const [key, value] = args as [string, string];
  const { rt } = ctx;
  const t = targetOf(ctx);
  if (!isConfigKey(key)) throw unknownKey(key);
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
  const { path } = await updateConfigFile(t.dir, t.profile, { set: key, value: parsed });
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
  rt.stderr.write(`${key} = ${displayValue(key, parsed)}${where(t)} in ${path}\n`);
};

const get: Handler = async (ctx, { args }) => {
  const [key] = args as [string];
  const t = targetOf(ctx);
  if (!isConfigKey(key)) throw unknownKey(key);
  const file = await readConfigFile(t.dir);
  const profile = t.profile === undefined ? undefined : profileOf(file, t.profile, t.profileFrom);
  const value = profile?.[key] ?? file.values[key];
  // Exit 1 with nothing on stdout, as `git config` does, so a script can tell "unset" from "empty".
  if (value === undefined) {
    const set = `imgcli config set${t.profile ? ` --profile ${t.profile}` : ''} ${key}`;
    // A secret is given on stdin (\`-\`), never on the command line, where shell history keeps it.
    throw new NotSetError(
      `${key} is not set${where(t)} in ${file.path}`,
      CONFIG_KEYS[key].secret
        ? `Set it from stdin, out of shell history: \`pbpaste | ${set} -\` (or type it after \`${set} -\`).`
        : `Set it with \`${set} <value>\`.`,
    );
  }
  ctx.rt.stdout.write(`${displayValue(key, value)}\n`);
};

const unset: Handler = async (ctx, { args }) => {
  const [key] = args as [string | undefined];
  const { all } = ctx.flags<{ all?: boolean }>();
  const t = targetOf(ctx);
  if (all && !t.profile)
    throw new UsageError(
      '--all removes a profile; name it with --profile',
      `To start afresh entirely, delete the file: imgcli config path`,
    );
  if (!all && !key) throw new UsageError('config unset needs a key (or --profile <name> --all)');
  const change = all ? ({ unsetAll: true } as const) : { unset: key! };
  const { changed, path } = await updateConfigFile(t.dir, t.profile, change);
  const what = all ? `profile ${t.profile}` : `${key}${where(t)}`;
  ctx.rt.stderr.write(changed ? `removed ${what} from ${path}\n` : `${what} was not set\n`);
};

const list: Handler = async (ctx) => {
  const { rt } = ctx;
  const t = targetOf(ctx);
  const file = await readConfigFile(t.dir);
  const profile =
    t.profile === undefined ? undefined : { name: t.profile, values: profileOf(file, t.profile, t.profileFrom) };
  if (ctx.flags<{ json?: boolean }>().json)
    return void rt.stdout.write(`${JSON.stringify(listDocument(file, profile), null, 2)}\n`);
  const lines = listLines(file, profile);
  if (lines.length) rt.stdout.write(`${lines.join('\n')}\n`);
  else rt.stderr.write(`nothing set in ${file.path}\n`);
};

const path: Handler = async (ctx) => {
  ctx.rt.stdout.write(`${configFilePath(targetOf(ctx).dir)}\n`);
};

export const handlers: Record<string, Handler> = {
  'config set': set,
  'config get': get,
  'config unset': unset,
  'config list': list,
  'config path': path,
};

// `imgcli doctor`: the answers to "why doesn't it work?", one check at a time, each ok, a
// warning, a failure, or a note: Node, sharp, the config file and folder, the profile, where the
// key comes from (redacted), the base URL and proxy in effect, whether the server answers and
// accepts the key (GET /models, which costs nothing), which image models it lists and which of
// those are retiring, and for OpenAI, organization verification. Nothing here prints.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ApiError, classify } from '../../api/errors.js';
import { closeDispatchers } from '../../api/http.js';
import { listModels } from '../../api/models.js';
import { proxyFor } from '../../api/proxy.js';
import { redactKey, redactUrlCredentials } from '../../api/redact.js';
import { configFilePath, readConfigFile } from '../../config/file.js';
import { configDir, readEnv, resolveSettings, type GlobalFlags, type Settings } from '../../config/settings.js';
import { connectionFor, needsKey, openConnection } from '../../connection/connect.js';
import { isAzure } from '../../connection/route.js';
import { looksLikeImageModel } from '../../models/catalog.js';
import { OPENAI_HOST } from '../../models/advice.js';
import { findModel, modelStatus } from '../../models/table.js';
import { NOT_FOUND_HINT } from '../../exit-codes.js';
import type { Runtime } from '../../runtime.js';
import type { Messenger } from '../../terminal/messenger.js';

/** The oldest Node imgcli runs on: package.json's engines (a test keeps the two equal). */
export const MIN_NODE = '20.18.1';

export const VERIFY_URL = 'https://platform.openai.com/settings/organization/general';

export type Status = 'ok' | 'warn' | 'fail' | 'note' | 'skip';

export interface Check {
  name: string;
  status: Status;
  detail: string;
  /** What to do about a warning or failure. */
  hint?: string;
}

export interface Report {
  ok: boolean;
  checks: Check[];
  /** The image models the server lists, with their status on the run's date. */
  models?: Array<{ id: string; status: string; shutdown_date?: string }>;
}

const newer = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.replace(/^v/, '').split('.').map(Number));
  for (let i = 0; i < 3; i++) if ((x![i] ?? 0) !== (y![i] ?? 0)) return (x![i] ?? 0) > (y![i] ?? 0);
  return true;
};

const FROM = {
  flag: '--api-key',
  env: 'OPENAI_API_KEY',
  profile: 'the profile',
  config: 'the config file',
  default: '',
} as const;

export async function runChecks(rt: Runtime, flags: GlobalFlags, say: Messenger): Promise<Report> {
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  add(
    newer(process.version, MIN_NODE)
      ? { name: 'node', status: 'ok', detail: `${process.version} (imgcli needs ${MIN_NODE} or later)` }
      : {
          name: 'node',
          status: 'fail',
          detail: `${process.version}; imgcli needs ${MIN_NODE} or later`,
          hint: 'Install a current Node (22 or 24 LTS).',
        },
  );
  add(await sharpCheck());
  let settings: Settings | undefined;
  try {
    add(await configCheck(rt));
    settings = await resolveSettings(flags, rt);
  } catch (err) {
    add({ name: 'settings', status: 'fail', detail: (err as Error).message, hint: (err as { hint?: string }).hint });
  }
  if (!settings) return finish(checks);
  if (settings.profile)
    add({
      name: 'profile',
      status: 'ok',
      detail: `${settings.profile} (from ${flags.profile !== undefined ? '--profile' : 'IMGCLI_PROFILE'})`,
    });
  add(providerCheck(settings));
  add(keyCheck(settings));
  const where = settings.mock ? 'the offline server (--mock)' : settings.baseUrl;
  add({
    name: 'base URL',
    status: 'ok',
    detail: `${where}${settings.mock ? '' : ` (${settings.sources.baseUrl === 'default' ? (settings.providerFrom !== 'default' && settings.providerFrom !== 'host' ? `the provider ${settings.provider.id}'s address` : 'the default') : `from ${settings.sources.baseUrl === 'flag' ? '--base-url' : settings.sources.baseUrl === 'env' ? 'OPENAI_BASE_URL' : `the ${settings.sources.baseUrl}`}`})`}`,
  });
  if (!settings.mock) add(proxyCheck(settings));
  const models = await serverChecks(rt, settings, say, add);
  if (!settings.mock && hostOf(settings.baseUrl) === OPENAI_HOST) {
    add({
      name: 'verified',
      status: 'note',
      detail: `GPT image models need a verified organization (a 403 naming verification means it is not): ${VERIFY_URL}`,
    });
  }
  return finish(checks, models);
}

function finish(checks: Check[], models?: Report['models']): Report {
  return { ok: !checks.some((c) => c.status === 'fail'), checks, ...(models ? { models } : {}) };
}

const hostOf = (url: string) => (URL.canParse(url) ? new URL(url).hostname : '');

async function sharpCheck(): Promise<Check> {
  try {
    // Loaded inside the check: a broken sharp install is a finding, not a crash.
    const { default: sharp } = await import('sharp');
    return { name: 'sharp', status: 'ok', detail: `${sharp.versions.sharp} (libvips ${sharp.versions.vips})` };
  } catch (err) {
    return {
      name: 'sharp',
      status: 'fail',
      detail: `cannot load: ${(err as Error).message.split('\n')[0]}`,
      hint: 'Reinstall imgcli for this platform (npm rebuild sharp); edits, masks and previews need it.',
    };
  }
}

/** The config file (it may not exist) and its folder: readable, valid, private, writable. */
async function configCheck(rt: Runtime): Promise<Check> {
  const dir = configDir(readEnv(rt.env));
  const path = configFilePath(dir);
  const info = await stat(path).catch(() => undefined);
  const writable = async (folder: string) =>
    access(folder, constants.W_OK).then(
      () => true,
      () => false,
    );
  if (!info) {
    // Not there yet: `config set` will create it, in the folder or the nearest one that exists.
    let folder = dir;
    while (!(await stat(folder).catch(() => undefined)) && dirname(folder) !== folder) folder = dirname(folder);
    if (!(await writable(folder)))
      return {
        name: 'config',
        status: 'warn',
        detail: `${path} does not exist, and ${folder} is not writable`,
        hint: 'Set IMGCLI_CONFIG_DIR to a folder you can write to.',
      };
    return { name: 'config', status: 'ok', detail: `${path} (none yet: \`imgcli config set\` creates it)` };
  }
  const file = await readConfigFile(dir);
  const mode = (info.mode & 0o777).toString(8);
  const hasKey =
    file.values['api-key'] !== undefined || Object.values(file.profiles).some((p) => p['api-key'] !== undefined);
  if (hasKey && info.mode & 0o077)
    return {
      name: 'config',
      status: 'warn',
      detail: `${path} holds an API key and is readable by others (mode ${mode})`,
      hint: `chmod 600 "${path}"`,
    };
  if (!(await writable(dir)))
    return {
      name: 'config',
      status: 'warn',
      detail: `${path} (mode ${mode}); its folder is not writable, so \`config set\` will fail`,
      hint: `Check the permissions of ${dir}.`,
    };
  const profiles = Object.keys(file.profiles);
  return {
    name: 'config',
    status: 'ok',
    detail: `${path} (mode ${mode}${profiles.length ? `; profiles: ${profiles.join(', ')}` : ''})`,
  };
}

function keyCheck(settings: Settings): Check {
  if (settings.mock) return { name: 'key', status: 'ok', detail: 'none needed by the offline server' };
  const how = settings.authHeader === 'api-key' ? 'an api-key header' : 'Authorization: Bearer';
  if (settings.apiKey) {
    const from =
      FROM[settings.sources.apiKey ?? 'default'] +
      (settings.sources.apiKey === 'profile' ? ` ${settings.profile}` : '');
    if (settings.sources.apiKey === 'flag') {
      return {
        name: 'key',
        status: 'warn',
        detail: `${redactKey(settings.apiKey)} from --api-key, sent as ${how}`,
        hint: 'A key on the command line lands in shell history: use OPENAI_API_KEY or `imgcli config set api-key -`.',
      };
    }
    return { name: 'key', status: 'ok', detail: `${redactKey(settings.apiKey)} from ${from}, sent as ${how}` };
  }
  const own = settings.headers.find(([name]) => name === 'authorization' || name === 'api-key');
  if (own) return { name: 'key', status: 'ok', detail: `none; ${own[0]} comes from ${settings.headerSources[own[0]]}` };
  if (needsKey(settings)) {
    return {
      name: 'key',
      status: 'fail',
      detail: `none: ${isAzure(settings) ? 'Azure' : settings.provider.id === 'openai' || settings.provider.id === 'compatible' ? OPENAI_HOST : settings.provider.title} needs one, sent as ${settings.authHeader === 'api-key' ? 'an api-key header' : 'Authorization: Bearer'}`,
      hint: 'Set OPENAI_API_KEY, or store one with `imgcli config set api-key -` (it reads stdin).',
    };
  }
  return {
    name: 'key',
    status: 'ok',
    detail: `none (${hostOf(settings.baseUrl)} is not OpenAI or Azure: requests go without one)`,
  };
}

/** The provider in effect and why: chosen (flag, env, profile, config), the host's, or the default. */
function providerCheck(settings: Settings): Check {
  const from: Record<typeof settings.providerFrom, string> = {
    flag: '--provider',
    env: 'IMGCLI_PROVIDER',
    profile: `the profile ${settings.profile}`,
    config: 'the config',
    host: `the base URL's host, ${hostOf(settings.baseUrl)}`,
    default: 'the default base URL',
  };
  const compatible = settings.provider.id === 'compatible' && settings.providerFrom === 'host';
  return {
    name: 'provider',
    status: 'ok',
    detail: `${settings.provider.id} (${settings.provider.title}), from ${from[settings.providerFrom]}${compatible ? ': no known host; --provider names the kind of server for its own rules' : ''}`,
  };
}

/** Whether requests carry a key: one of the settings, or an Authorization or api-key header of the user's. */
function sendsKey(settings: Settings): boolean {
  return Boolean(settings.apiKey) || settings.headers.some(([name]) => name === 'authorization' || name === 'api-key');
}

/** OpenAI itself: its keys come from its key page; another server's do not. */
const isOpenAi = (settings: Settings) => settings.provider.id === 'openai' && hostOf(settings.baseUrl) === OPENAI_HOST;

function proxyCheck(settings: Settings): Check {
  const proxy = proxyFor(settings.baseUrl, settings.proxy);
  if (proxy)
    return {
      name: 'proxy',
      status: 'ok',
      detail: `${redactUrlCredentials(proxy)} for ${new URL(settings.baseUrl).host} (HTTPS_PROXY/HTTP_PROXY)`,
    };
  if (settings.proxy)
    return { name: 'proxy', status: 'ok', detail: `none for ${new URL(settings.baseUrl).host} (NO_PROXY)` };
  return { name: 'proxy', status: 'ok', detail: 'none' };
}

/** GET /models: does the server answer, does it take the key, which image models does it list. */
async function serverChecks(
  rt: Runtime,
  settings: Settings,
  say: Messenger,
  add: (c: Check) => void,
): Promise<Report['models']> {
  // One quick try: a doctor that waits out retries and a 10-minute timeout answers nothing.
  const quick: Settings = { ...settings, maxRetries: 0, timeoutMs: Math.min(settings.timeoutMs, 15_000) };
  const opened = settings.mock
    ? await openConnection(rt, quick, say)
    : {
        conn: connectionFor(rt, quick, say, { baseUrl: settings.baseUrl, apiKey: settings.apiKey }),
        close: closeDispatchers,
      };
  const started = performance.now();
  try {
    const { models } = await listModels(opened.conn);
    add({
      name: 'server',
      status: 'ok',
      detail: `answered GET /models in ${Math.round(performance.now() - started)} ms`,
    });
    add({
      name: 'key valid',
      status: 'ok',
      detail: settings.apiKey || settings.mock ? 'accepted' : 'the server took a request without one',
    });
    return modelsCheck(
      models.map((m) => m.id),
      settings,
      rt.now(),
      add,
    );
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const trouble = classify(err);
    // A server that answers GET /models in its own shape (SGLang's) is up and took the key.
    if (err.kind === 'answer' && err.problem === 'not-a-model-list') {
      add({
        name: 'server',
        status: 'ok',
        detail: `answered GET /models in ${Math.round(performance.now() - started)} ms, in a shape of its own (not OpenAI's model list): imgcli does not read its models`,
      });
      add({
        name: 'key valid',
        status: 'ok',
        detail: settings.apiKey ? 'accepted' : 'the server took a request without one',
      });
      return undefined;
    }
    if (err.kind === 'network' || err.kind === 'timeout') {
      add({
        name: 'server',
        status: 'fail',
        detail: err.message,
        hint: err.proxy
          ? `Check the proxy ${err.proxy}, or set NO_PROXY to go direct.`
          : 'Check the network and --base-url.',
      });
      add({ name: 'key valid', status: 'skip', detail: 'not checked: the server did not answer' });
    } else if (trouble === 'auth' && !sendsKey(settings)) {
      // A local server or gateway that wants a key, asked without one: OpenAI's key page is no help.
      add({ name: 'server', status: 'ok', detail: `answered in ${Math.round(performance.now() - started)} ms` });
      add({
        name: 'key valid',
        status: 'fail',
        detail: `this server wants a key (it answered ${err.status ?? 401} to a request without one)`,
        hint: "Give it the server's key: OPENAI_API_KEY=<key>, or `imgcli config set api-key -` (reads stdin; with --profile <name>, for this server only).",
      });
    } else if (trouble === 'auth' || trouble === 'forbidden' || trouble === 'unverified') {
      add({ name: 'server', status: 'ok', detail: `answered in ${Math.round(performance.now() - started)} ms` });
      const hint =
        trouble === 'auth'
          ? isOpenAi(settings)
            ? 'Check the key: a new one can be made at https://platform.openai.com/api-keys.'
            : 'Check the key: this server refused the one sent (set OPENAI_API_KEY or `imgcli config set api-key -` to its own).'
          : trouble === 'unverified'
            ? `Verify the organization at ${VERIFY_URL}, then wait up to 15 minutes.`
            : "Check the key's permissions, --org and --project.";
      add({ name: 'key valid', status: 'fail', detail: err.message, hint });
    } else {
      // GET /models answered 404: the base URL is wrong (a 404 here names no model, whatever its text says).
      const notFound = trouble === 'not-found' || (trouble === 'unknown-model' && err.status === 404);
      const withV1 = settings.baseUrl.replace(/\/+$/, '').endsWith('/v1')
        ? ''
        : ` (try ${settings.baseUrl.replace(/\/+$/, '')}/v1)`;
      add({
        name: 'server',
        status: 'fail',
        detail: err.message,
        hint: notFound ? `${NOT_FOUND_HINT.replace(/\.$/, '')}${withV1}.` : undefined,
      });
      add({ name: 'key valid', status: 'skip', detail: 'not checked' });
    }
    return undefined;
  } finally {
    await opened.close();
  }
}

/** The image models the server lists, and which of them are retiring or gone on api.openai.com. */
function modelsCheck(ids: string[], settings: Settings, now: Date, add: (c: Check) => void): Report['models'] {
  const images = ids.filter(looksLikeImageModel);
  const models = images.map((id) => {
    const status = modelStatus(findModel(id), now);
    return {
      id,
      status: findModel(id) ? status.state : 'unknown',
      ...(status.state !== 'current' ? { shutdown_date: status.shutdown } : {}),
    };
  });
  if (!images.length) {
    add({
      name: 'models',
      status: 'warn',
      detail: `${ids.length} models listed, none of them an image model`,
      hint: 'The key may not have access to image models, or the server names them its own way: try `imgcli models --remote`.',
    });
    return models;
  }
  // Only api.openai.com follows the table's shutdowns; other servers (the offline one too) may keep any model.
  const openai = !settings.mock && hostOf(settings.baseUrl) === OPENAI_HOST;
  // On the screen, a model's snapshots and aliases count once, under the table's name.
  const distinct = [...new Set(images.map((id) => findModel(id)?.id ?? id))];
  const soon = distinct.filter((id) => {
    const status = modelStatus(findModel(id), now).state;
    return status === 'retiring' || (openai && status === 'retired');
  });
  const names =
    distinct.length > 6
      ? `${distinct.slice(0, 6).join(', ')} and ${distinct.length - 6} more (--json lists them)`
      : distinct.join(', ');
  const when = (id: string) => {
    const status = modelStatus(findModel(id), now);
    return status.state === 'current'
      ? id
      : `${id} (${status.state === 'retired' ? 'shut down' : 'shuts down'} ${status.shutdown})`;
  };
  add({
    name: 'models',
    status: soon.length ? 'warn' : 'ok',
    detail: `${distinct.length} image models: ${names}${soon.length ? `; retiring: ${soon.map(when).join(', ')}` : ''}`,
    hint: soon.length ? 'See `imgcli models` for their replacements.' : undefined,
  });
  return models;
}

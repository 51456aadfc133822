// src/config/: settings: the config keys and their rules, the config file, and their precedence.
//
// The config file: read as plain JSON, written through conf (atomic writes, mode 0600).
// Shape: top-level keys are the config defaults; `profiles.<name>` holds the same keys per profile.
// A broken file is reported with its path and the bad key, never as a stack trace.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type Conf from 'conf';
import {
  CONFIG_KEYS,
  KEY_NAMES,
  ValueError,
  isConfigKey,
  isProfileName,
  type ConfigKey,
  type ConfigValue,
  type ConfigValues,
} from './keys.js';
import { UsageError } from '../errors.js';
import { readRegularFileSync } from '../image/input-file.js';
import { redactKey } from '../api/redact.js';
import { own } from '../own.js';
import { didYouMean } from '../suggest.js';
import { LockFile } from '../output/lock-file.js';

export interface ConfigFile {
  path: string;
  /** The config defaults (top level). */
  values: ConfigValues;
  profiles: Record<string, ConfigValues>;
}

type Raw = Record<string, unknown>;

// conf's own JSON.parse error would surface from its constructor, before the path is known; this
// key carries the parse error to readRaw instead, where it is reported with the path.
const BROKEN = '\u0000imgcli-broken';

interface Store {
  path: string;
  /** Absent when there is no file yet and nothing is to be written: reading never creates folders. */
  conf?: Conf<Raw>;
}

/**
 * The platform's config folder, as conf (env-paths) names it, computed here so that reading a
 * missing file neither loads conf nor creates folders (conf creates its folder on first read).
 */
export function defaultConfigDir(
  env: { XDG_CONFIG_HOME?: string; APPDATA?: string },
  platform = process.platform,
  home = homedir(),
): string {
  if (platform === 'darwin') return join(home, 'Library', 'Preferences', 'imgcli');
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'imgcli', 'Config');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'imgcli');
}

/**
 * The platform's cache folder for imgcli (what can be made again: the font configuration of label
 * text), as env-paths names it: ~/.cache/imgcli on Linux (XDG_CACHE_HOME), ~/Library/Caches/imgcli
 * on macOS, %LOCALAPPDATA%\imgcli\Cache on Windows.
 */
export function defaultCacheDir(
  env: { XDG_CACHE_HOME?: string; LOCALAPPDATA?: string; HOME?: string },
  platform = process.platform,
  home = env.HOME || homedir(),
): string {
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'imgcli');
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'imgcli', 'Cache');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'imgcli');
}

/**
 * Warnings for a config folder or file that others can read (the file may hold the API key);
 * empty when both are private, absent, or on Windows (no POSIX modes).
 */
export function configExposure(path: string, platform = process.platform): string[] {
  if (platform === 'win32') return [];
  const warnings: string[] = [];
  if (!existsSync(path)) return warnings;
  const dir = dirname(path);
  for (const [what, target, fix] of [
    ['config folder', dir, '700'],
    ['config file', path, '600'],
  ] as const) {
    let mode: number;
    try {
      mode = statSync(target).mode & 0o777;
    } catch {
      continue;
    }
    if (mode & 0o077)
      warnings.push(
        `the ${what} ${target} can be read by others (mode ${mode.toString(8).padStart(3, '0')}); it may hold your API key: chmod ${fix} "${target}"`,
      );
  }
  return warnings;
}

export function configFilePath(dir: string): string {
  return join(dir, 'config.json');
}

/** Opens the store in `dir` for a change (conf writes atomically, mode 0600). */
async function openStore(dir: string): Promise<Store> {
  const path = configFilePath(dir);
  // The folder holds the key's file: private from the start (conf would create it 0755).
  if (!existsSync(dir)) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw fileError(err, path);
    }
  }
  // conf reads the file itself: it is checked first, as every read of it is.
  readRegularFileSync(path, 'config', 'the config file', { missing: undefined });
  // conf (and ajv under it) loads only to write: every run reads the file, few change it.
  const { default: ConfClass } = await import('conf');
  try {
    const conf = new ConfClass<Raw>({
      cwd: dir,
      configName: 'config',
      // The file holds an API key: readable by its owner only.
      configFileMode: 0o600,
      // Profile names may contain dots; keys are never paths.
      accessPropertiesByDotNotation: false,
      deserialize: (text: string) => {
        try {
          return JSON.parse(text) as Raw;
        } catch (err) {
          return { [BROKEN]: (err as Error).message };
        }
      },
    });
    return { path: conf.path, conf };
  } catch (err) {
    throw fileError(err, path);
  }
}

function fileError(err: unknown, path: string): Error {
  if (err instanceof UsageError) return err;
  const e = err as NodeJS.ErrnoException;
  return new UsageError(
    `cannot use the config file ${path}: ${e.code ?? e.message}`,
    'Check its permissions, or set IMGCLI_CONFIG_DIR to another folder.',
  );
}

/** The raw object of the file (as conf holds it, or as read from disk); a missing file is an empty config. */
function readRaw(store: { path: string; conf?: Conf<Raw>; data?: unknown }): Raw {
  let data: unknown = store.data;
  if (store.conf) {
    try {
      data = store.conf.store;
    } catch (err) {
      throw fileError(err, store.path);
    }
  }
  if (data === undefined) return {};
  const moveAway = `Fix it by hand, or move it away to start afresh: mv "${store.path}" "${store.path}.bak"`;
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`the config file ${store.path} does not hold a JSON object`, moveAway);
  }
  const { __internal__: _conf, [BROKEN]: broken, ...rest } = data as Raw;
  if (typeof broken === 'string')
    throw new UsageError(`the config file ${store.path} is not valid JSON (${broken})`, moveAway);
  return rest;
}

function profilesOf(raw: Raw, path: string): Record<string, Raw> {
  const profiles = raw.profiles ?? {};
  if (typeof profiles !== 'object' || Array.isArray(profiles) || profiles === null) {
    throw new UsageError(
      `the config file ${path}: "profiles" must be an object of profiles`,
      `Fix it by hand: ${path}`,
    );
  }
  for (const [name, p] of Object.entries(profiles)) {
    if (typeof p !== 'object' || Array.isArray(p) || p === null) {
      throw new UsageError(
        `the config file ${path}: profile "${name}" must be an object`,
        `Remove it with \`imgcli config unset --profile ${name} --all\`, or fix it by hand.`,
      );
    }
  }
  return profiles as Record<string, Raw>;
}

function show(key: ConfigKey, value: unknown): string {
  if (CONFIG_KEYS[key].secret && typeof value === 'string') return redactKey(value);
  return JSON.stringify(value);
}

/** Checks one section of the file with the same rules as `config set`. */
async function checkSection(raw: Raw, path: string, profile?: string): Promise<ConfigValues> {
  const where = profile ? `profile "${profile}", ` : '';
  const fix = (key: string) => `imgcli config unset${profile ? ` --profile ${profile}` : ''} ${key}`;
  const values: ConfigValues = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!profile && key === 'profiles') continue;
    if (!isConfigKey(key)) {
      throw new UsageError(
        `the config file ${path}: ${where}unknown key "${key}"`,
        `Known keys: ${KEY_NAMES.join(', ')}. Remove it with \`${fix(key)}\`.`,
      );
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new UsageError(
        `the config file ${path}: ${where}${key} must be a string or a number, not ${JSON.stringify(value)}`,
        `Fix it with \`${fix(key)}\`, then set it again.`,
      );
    }
    try {
      values[key] = await CONFIG_KEYS[key].parse(String(value));
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      throw new UsageError(
        `the config file ${path}: ${where}${key} ${show(key, value)} is not valid: ${err.message}`,
        `Fix it with \`imgcli config set${profile ? ` --profile ${profile}` : ''} ${key} <value>\`, or remove it with \`${fix(key)}\`.`,
      );
    }
  }
  return values;
}

/**
 * The file's object as it is on disk, read without conf: the file is plain JSON, and conf (with
 * ajv and its friends) costs more to load than an up-to-date --check costs in all. A missing
 * file is an empty config; conf is loaded only to write.
 */
function readForReading(path: string): Raw {
  // A regular file of at most 1 MB: a link to /dev/zero or a FIFO is refused, never read or waited on.
  const bytes = readRegularFileSync(path, 'config', 'the config file', { missing: undefined });
  if (bytes === undefined) return {};
  const text = bytes.toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    data = { [BROKEN]: (err as Error).message };
  }
  return readRaw({ path, data });
}

/** Reads and checks the whole file. */
export async function readConfigFile(dir: string): Promise<ConfigFile> {
  const store = { path: configFilePath(dir) };
  const raw = readForReading(store.path);
  const values = await checkSection(raw, store.path);
  // Own entries only, whatever their names (a profile named __proto__ stays a profile).
  const profiles: Record<string, ConfigValues> = Object.fromEntries(
    await Promise.all(
      Object.entries(profilesOf(raw, store.path)).map(
        async ([name, section]) => [name, await checkSection(section, store.path, name)] as const,
      ),
    ),
  );
  return { path: store.path, values, profiles };
}

export type Change = { set: ConfigKey; value: ConfigValue } | { unset: string } | { unsetAll: true };

/**
 * Applies one change to the top level or to a profile and writes the file (atomically, 0600).
 * Other keys are left as they are, even invalid ones, so a broken value can be fixed with set.
 * Returns whether anything changed.
 */
export async function updateConfigFile(
  dir: string,
  profile: string | undefined,
  change: Change,
): Promise<{ path: string; changed: boolean }> {
  if (profile !== undefined && !isProfileName(profile)) {
    throw new UsageError(
      `--profile ${JSON.stringify(profile)} is not a valid profile name`,
      'Use letters, digits, dots, dashes and underscores, e.g. --profile azure.',
    );
  }
  // Read, change, write under a lock: two runs at once (`config set` in parallel jobs) would
  // otherwise each write what they read, and one change would be lost.
  const lock = await lockConfig(dir);
  try {
    return await changeConfig(await openStore(dir), profile, change);
  } finally {
    await lock.release();
  }
}

/** How long a change waits for another run's change to the same file (each takes milliseconds). */
const CONFIG_LOCK_WAIT_MS = 10_000;

async function lockConfig(dir: string): Promise<LockFile> {
  const path = configFilePath(dir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw fileError(err, path);
  }
  const lock = new LockFile(`${path}.lock`, 'the config lock');
  await lock.acquire({
    waitMs: CONFIG_LOCK_WAIT_MS,
    busy: ({ pid }) =>
      new UsageError(
        `another imgcli${pid ? ` (pid ${pid})` : ''} has been changing ${path} for ${CONFIG_LOCK_WAIT_MS / 1000} s; nothing was changed`,
        `Run the command again once it is done; if no imgcli is running, remove ${path}.lock.`,
      ),
  });
  return lock;
}

async function changeConfig(
  store: Store,
  profile: string | undefined,
  change: Change,
): Promise<{ path: string; changed: boolean }> {
  const raw = readRaw(store);
  const profiles = profilesOf(raw, store.path);
  const section: Raw = profile === undefined ? raw : { ...(own(profiles, profile) ?? {}) };
  let changed: boolean;
  if ('set' in change) {
    changed = section[change.set] !== change.value;
    section[change.set] = change.value;
  } else if ('unset' in change) {
    changed = Object.hasOwn(section, change.unset);
    delete section[change.unset];
  } else {
    changed = profile === undefined ? Object.keys(raw).length > 0 : Object.hasOwn(profiles, profile);
    for (const key of Object.keys(section)) delete section[key];
  }
  if (profile !== undefined) {
    const next = { ...profiles };
    if (Object.keys(section).length) next[profile] = section;
    else delete next[profile];
    if (Object.keys(next).length) raw.profiles = next;
    else delete raw.profiles;
  }
  if (changed) {
    try {
      store.conf!.store = raw;
    } catch (err) {
      throw fileError(err, store.path);
    }
  }
  return { path: store.path, changed };
}

export function isSecretKey(key: string): boolean {
  return isConfigKey(key) && Boolean(CONFIG_KEYS[key].secret);
}

export function displayValue(key: string, value: ConfigValue | undefined): string {
  if (value === undefined) return '';
  if (isConfigKey(key) && typeof value === 'string') {
    const display = CONFIG_KEYS[key].display;
    if (display) return display(value);
  }
  return isSecretKey(key) && typeof value === 'string' ? redactKey(value) : String(value);
}

/** The named profile's values; an unknown name is a usage error naming the known ones. */
export function profileOf(file: ConfigFile, name: string, from: string): ConfigValues {
  const found = own(file.profiles, name);
  if (found) return found;
  const known = Object.keys(file.profiles);
  throw new UsageError(
    `${from} ${name}: no such profile in ${file.path}${didYouMean(name, known)}`,
    known.length
      ? `Known profiles: ${known.join(', ')}.`
      : `Create it with \`imgcli config set --profile ${name} <key> <value>\`.`,
  );
}

const redacted = (values: ConfigValues) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'number' ? v : displayValue(k, v)]));

/** `config list --json`: the whole file, or one profile, the key redacted. */
export function listDocument(
  file: ConfigFile,
  profile?: { name: string; values: ConfigValues },
): Record<string, unknown> {
  if (profile) return { path: file.path, profile: profile.name, values: redacted(profile.values) };
  return {
    path: file.path,
    values: redacted(file.values),
    profiles: Object.fromEntries(Object.entries(file.profiles).map(([n, v]) => [n, redacted(v)])),
  };
}

/** `config list`: `key = value` lines, each profile under a `[profile name]` heading. */
export function listLines(file: ConfigFile, profile?: { name: string; values: ConfigValues }): string[] {
  const sections: Array<[string | undefined, ConfigValues]> = profile
    ? [[profile.name, profile.values]]
    : [[undefined, file.values], ...Object.entries(file.profiles)];
  const lines: string[] = [];
  for (const [name, values] of sections) {
    if (name !== undefined) lines.push(`${lines.length ? '\n' : ''}[profile ${name}]`);
    for (const [k, v] of Object.entries(values)) lines.push(`${k} = ${displayValue(k, v)}`);
  }
  return lines;
}

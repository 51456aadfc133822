// Runs the built CLI the way a user would: a real process, a temp HOME and config dir, no colour,
// CI=1, a fake key, a pinned clock, and never the real environment's OPENAI_* variables.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Options, type Result } from 'execa';
import { PINNED_NOW } from './clock.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'imgcli.js');
export const FAKE_KEY = 'sk-test-abcdefghijklmnop1234';
/**
 * Node's compile cache for every run the tests start (test/vitest.config.ts sets it for the test
 * process, whose children inherit it): on Node 22 and later bin/imgcli.js would otherwise make a
 * cache folder in each test's temp HOME. compile-cache-folder.test.ts checks the folder it picks.
 */
export const COMPILE_CACHE = join(ROOT, 'node_modules', '.cache', 'imgcli-test-compile-cache');

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeout?: number;
  /** Keep stdout as bytes (for -o -). */
  binary?: boolean;
}

const sandboxes: string[] = [];

/** A fresh temp folder, removed by cleanupTemps(). */
export function tempDir(prefix = 'imgcli-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  sandboxes.push(dir);
  return dir;
}

export function cleanupTemps(): void {
  for (const dir of sandboxes.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function baseEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    IMGCLI_CONFIG_DIR: join(home, 'config'),
    NO_COLOR: '1',
    CI: '1',
    // The calendar and the time zone are inputs: the suite passes on any day, anywhere.
    IMGCLI_NOW: PINNED_NOW,
    TZ: 'UTC',
    OPENAI_API_KEY: FAKE_KEY,
    NODE_COMPILE_CACHE: COMPILE_CACHE,
  };
}

export async function imgcli(args: string[], opts: RunOptions = {}): Promise<Result> {
  const cwd = opts.cwd ?? tempDir();
  const env = { ...baseEnv(cwd), ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const options: Options = {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    timeout: opts.timeout ?? 30_000,
    encoding: opts.binary ? 'buffer' : 'utf8',
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
  };
  return execa('node', [BIN, ...args], options) as Promise<Result>;
}

/** Whether a command is on this machine's PATH (curl, jq, zsh...): examples that need it are adapted or skipped. */
export function hasTool(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Start fast: help and version load none of the heavy modules; commands import them lazily.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanupTemps, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);

const HEAVY = ['zod', 'conf', 'undici', 'sharp', 'ora', 'chalk'];

/** Runs the CLI with a resolve hook that reports every bare package it imports. */
async function packagesLoaded(args: string[]): Promise<string[]> {
  const dir = tempDir();
  const hook = join(dir, 'hook.mjs');
  writeFileSync(
    hook,
    `export async function resolve(s, c, n) { if (!/^[./]|^node:|^file:/.test(s)) process.stderr.write('LOADED ' + s + '\\n'); return n(s, c); }\n`,
  );
  const r = await execa('node', ['--no-warnings', '--experimental-loader', pathToFileURL(hook).href, BIN, ...args], {
    reject: false,
    env: { NO_COLOR: '1', IMGCLI_CONFIG_DIR: dir },
  });
  expect(r.exitCode).toBe(0);
  return [
    ...new Set(
      r.stderr
        .split('\n')
        .filter((l) => l.startsWith('LOADED '))
        .map((l) => l.slice(7).split('/')[0]!),
    ),
  ];
}

describe('startup', () => {
  it.each([[['--help']], [['--version']], [['config', '--help']], [['models', '--help']], [['gen', '--help']]])(
    'imgcli %j loads no heavy module',
    async (args) => {
      const loaded = await packagesLoaded(args);
      expect(loaded.filter((p) => HEAVY.includes(p))).toEqual([]);
    },
  );

  it('`imgcli models` needs no zod, conf, undici or sharp', async () => {
    const loaded = await packagesLoaded(['models']);
    expect(loaded.filter((p) => ['zod', 'conf', 'undici', 'sharp'].includes(p))).toEqual([]);
  });
});

// Generated file names end to end: a non-Latin prompt names its file, and the transliteration
// table is loaded only when a name has to be made (-o and --check stay as fast as before).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, imgcli, tempDir } from './helpers/cli.js';
import { PINNED } from './helpers/clock.js';

afterAll(cleanupTemps);

// The pinned clock (in UTC, the spawned CLI's time zone) names the file.
const STAMP = PINNED.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const SLUG_PACKAGE = '@sindresorhus/slugify';

/** Runs the CLI offline with a resolve hook that reports every bare package it imports. */
async function run(args: string[], cwd: string) {
  const hook = join(cwd, 'hook.mjs');
  writeFileSync(
    hook,
    `export async function resolve(s, c, n) { if (!/^[./]|^node:|^file:/.test(s)) process.stderr.write('LOADED ' + s + '\\n'); return n(s, c); }\n`,
  );
  const r = await imgcli(['gen', ...args, '--mock'], {
    cwd,
    env: { OPENAI_API_KEY: undefined, NODE_OPTIONS: `--no-warnings --experimental-loader=${pathToFileURL(hook).href}` },
  });
  const loaded = String(r.stderr)
    .split('\n')
    .filter((l) => l.startsWith('LOADED '))
    .map((l) => l.slice(7));
  return { ...r, loaded };
}

describe('generated names', () => {
  it('transliterate a Cyrillic prompt into the file name', async () => {
    const cwd = tempDir();
    const r = await run(['лиса в лесу'], cwd);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`lisa-v-lesu-${STAMP}.png`);
    expect(existsSync(join(cwd, String(r.stdout)))).toBe(true);
    expect(r.loaded).toContain(SLUG_PACKAGE);
  });

  it('are never made for -o, so --check does not load the transliteration table', async () => {
    const cwd = tempDir();
    const written = await run(['лиса в лесу', '-o', 'fox.png'], cwd);
    expect(written.exitCode).toBe(0);
    expect(written.stdout).toBe('fox.png');
    expect(written.loaded).not.toContain(SLUG_PACKAGE);
    const checked = await run(['лиса в лесу', '-o', 'fox.png', '--check'], cwd);
    expect(checked.exitCode).toBe(0);
    expect(checked.stderr).toMatch(/up to date: fox\.png/);
    expect(checked.loaded).not.toContain(SLUG_PACKAGE);
  });
});

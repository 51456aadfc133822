// Node's compile cache (bin/imgcli.js, Node 22.1 and later) lives in imgcli's own cache folder as
// the platform names it, never in the OS temp folder, and never stops the CLI: switched off by
// NODE_DISABLE_COMPILE_CACHE=1, and a folder that cannot be made only means no cache.
import module from 'node:module';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, cleanupTemps, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);

const CACHING = typeof module.enableCompileCache === 'function';

/** `imgcli --version` with a temp HOME and TMPDIR, without the suite's shared cache. */
async function version(env: Record<string, string> = {}) {
  const home = tempDir();
  const tmp = tempDir();
  const { NODE_COMPILE_CACHE: _, ...rest } = baseEnv(home);
  const r = await execa('node', [BIN, '--version'], {
    cwd: home,
    env: { ...rest, TMPDIR: tmp, ...env },
    extendEnv: false,
    reject: false,
  });
  return { ...r, home, temps: readdirSync(tmp) };
}

describe('the compile cache folder', () => {
  const unix = process.platform !== 'darwin' && process.platform !== 'win32';

  it.runIf(unix)(
    'is <XDG_CACHE_HOME>/imgcli/compile-cache, else ~/.cache/imgcli/compile-cache; nothing in the temp folder',
    async () => {
      const xdg = tempDir();
      const named = await version({ XDG_CACHE_HOME: xdg });
      expect(named.exitCode).toBe(0);
      expect(named.stderr).toBe('');
      expect(named.temps).toEqual([]);
      const inXdg = join(xdg, 'imgcli', 'compile-cache');
      expect(existsSync(inXdg) && readdirSync(inXdg).length > 0).toBe(CACHING);
      const plain = await version();
      expect(plain.exitCode).toBe(0);
      expect(plain.temps).toEqual([]);
      expect(existsSync(join(plain.home, '.cache', 'imgcli', 'compile-cache'))).toBe(CACHING);
    },
  );

  it.runIf(process.platform === 'darwin')(
    'on macOS is ~/Library/Caches/imgcli/compile-cache; nothing in the temp folder',
    async () => {
      const r = await version();
      expect(r.exitCode).toBe(0);
      expect(r.temps).toEqual([]);
      expect(existsSync(join(r.home, 'Library', 'Caches', 'imgcli', 'compile-cache'))).toBe(CACHING);
    },
  );

  it('NODE_DISABLE_COMPILE_CACHE=1: no cache folder anywhere', async () => {
    const xdg = tempDir();
    const r = await version({ XDG_CACHE_HOME: xdg, NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(r.exitCode).toBe(0);
    expect(readdirSync(xdg)).toEqual([]);
    expect(readdirSync(r.home)).toEqual([]);
    expect(r.temps).toEqual([]);
  });

  it('a cache folder that cannot be made does not stop the CLI, and says nothing', async () => {
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, '');
    const r = await version({ XDG_CACHE_HOME: file });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.stderr).toBe('');
    expect(r.temps).toEqual([]);
  });
});

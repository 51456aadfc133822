// The published package: `npm pack` the tarball, install it in a temp folder like a user would
// (npm's own warnings on), and run the installed CLI offline.
import { cpSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, cleanupTemps, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);

// The two tests share nothing but npm's cache, and mostly wait on npm: they run side by side.
describe.concurrent('npm package', () => {
  it('packs only what ships, installs, and runs `imgcli gen --mock`', async () => {
    const dest = tempDir('imgcli-pack-');
    // --ignore-scripts: prepack would build dist/ again, which `npm test` has just built.
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], {
      cwd: ROOT,
      env: { npm_config_loglevel: 'error' },
    });
    const [info] = JSON.parse(packed.stdout) as Array<{
      filename: string;
      size: number;
      files: Array<{ path: string }>;
    }>;
    const paths = info!.files.map((f) => f.path);
    // A CLI, not a library: no source maps (they point at src/, which does not ship) and no type
    // declarations, even when an older build left them in dist/.
    expect(paths.filter((p) => /\.(map|d\.ts)$/.test(p))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('dist/') && !p.endsWith('.js'))).toEqual([]);
    expect(info!.size).toBeLessThan(520_000);
    expect(paths).toContain('bin/imgcli.js');
    expect(paths).toContain('dist/cli.js');
    expect(paths).toContain('package.json');
    expect(paths).toContain('README.md');
    expect(paths).toContain('LICENSE');
    expect(paths.filter((p) => !/^(bin|dist)\/|^(package\.json|README\.md|LICENSE)$/.test(p))).toEqual([]);

    const app = tempDir('imgcli-install-');
    await execa('npm', ['init', '-y'], { cwd: app });
    // At npm's default log level: an install script (prepare, postinstall...) would be warned about here.
    const install = await execa(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dest, info!.filename)],
      { cwd: app, env: { npm_config_loglevel: 'warn' }, all: true },
    );
    expect(install.all).not.toMatch(/install-scripts|install scripts|prepare/i);
    const installed = join(app, 'node_modules', 'imgcli');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      license: string;
      scripts: Record<string, string>;
    };
    expect(manifest.license).toBe('MIT');
    expect(Object.keys(manifest.scripts).filter((s) => /^(pre|post)?(install|prepare)$/.test(s))).toEqual([]);
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
    const bin = join(app, 'node_modules', '.bin', 'imgcli');
    const version = await execa(bin, ['--version'], { cwd: app });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+$/);
    const run = await execa(bin, ['gen', 'a watercolor fox', '--mock', '-o', 'fox.png'], {
      cwd: app,
      env: { CI: '1', OPENAI_API_KEY: '', IMGCLI_CONFIG_DIR: join(app, 'config') },
      reject: false,
    });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('fox.png');
    expect((await sharp(join(app, 'fox.png')).metadata()).format).toBe('png');
    expect(readdirSync(app).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 180_000);

  it('publishing is one safe command: prepublishOnly runs the whole test suite (this tarball test with it)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.prepublishOnly).toBe('npm test');
    expect(manifest.scripts.test).toMatch(/vitest run/);
    expect(manifest.scripts.prepack).toBe('npm run build');
  });

  it("ignores what imgcli writes in the repository (the README's first command), and nothing it tracks", async () => {
    const outputs = ['a-watercolor-fox-20261201-120000.png', 'icon.webp', 'koi.gif', 'boat.svg', 'gallery.html'];
    const ignored = await execa('git', ['check-ignore', ...outputs], { cwd: ROOT, reject: false });
    expect(ignored.stdout.split('\n')).toEqual(outputs);
    const tracked = (await execa('git', ['ls-files', '-i', '-c', '--exclude-standard'], { cwd: ROOT })).stdout;
    expect(tracked).toBe('');
  });

  it('`npm ci` in a fresh clone builds dist/ (no prepare script needed)', async () => {
    const clone = tempDir('imgcli-clone-');
    // What a clone holds: the tracked files, and new ones not yet committed; no dist/, no node_modules/.
    const files = (await execa('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT })).stdout
      .split('\n')
      .filter(Boolean);
    expect(files).not.toContain('dist/cli.js');
    for (const file of files)
      if (existsSync(join(ROOT, file))) cpSync(join(ROOT, file), join(clone, file), { recursive: true });
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    await execa('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: clone,
      env: { npm_config_loglevel: 'error' },
    });
    expect(existsSync(join(clone, 'dist', 'cli.js'))).toBe(true);
    const version = await execa('node', ['bin/imgcli.js', '--version'], { cwd: clone });
    expect(version.stdout).toBe(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
  }, 300_000);
});

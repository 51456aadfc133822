// The published package: `npm pack` the tarball, install it in a temp folder like a user would,
// and run the installed CLI offline.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, cleanupTemps, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);

describe('npm package', () => {
  it('packs only what ships, installs, and runs `imgcli gen --mock`', async () => {
    const dest = tempDir('imgcli-pack-');
    const packed = await execa('npm', ['pack', '--json', '--pack-destination', dest], { cwd: ROOT, env: { npm_config_loglevel: 'error' } });
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const paths = info!.files.map((f) => f.path);
    expect(paths).toContain('bin/imgcli.js');
    expect(paths).toContain('dist/cli.js');
    expect(paths).toContain('package.json');
    expect(paths).toContain('README.md');
    expect(paths.filter((p) => !/^(bin|dist)\/|^(package\.json|README\.md|LICENSE)$/.test(p))).toEqual([]);

    const app = tempDir('imgcli-install-');
    await execa('npm', ['init', '-y'], { cwd: app });
    await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dest, info!.filename)], { cwd: app, env: { npm_config_loglevel: 'error' } });
    const bin = join(app, 'node_modules', '.bin', 'imgcli');
    const version = await execa(bin, ['--version'], { cwd: app });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+$/);
    const run = await execa(bin, ['gen', 'a watercolor fox', '--mock', '-o', 'fox.png'], { cwd: app, env: { CI: '1', OPENAI_API_KEY: '', IMGCLI_CONFIG_DIR: join(app, 'config') }, reject: false });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('fox.png');
    expect((await sharp(join(app, 'fox.png')).metadata()).format).toBe('png');
    expect(readdirSync(app).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 180_000);
});

// `config set api-key -` at a real terminal (a pty from util-linux `script`): a prompt on stderr,
// nothing echoed, the key stored.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanupTemps, imgcli, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('a secret typed at a terminal', () => {
  it.skipIf(!hasScript)('is read without echo', async () => {
    const home = tempDir();
    const config = join(home, 'config');
    const child = execa('script', ['-qec', `node ${BIN} config set api-key -`, '/dev/null'], {
      env: { IMGCLI_CONFIG_DIR: config, NO_COLOR: '1' },
      reject: false,
    });
    let seen = '';
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('Paste the api-key')) resolve();
      });
    });
    child.stdin!.write('sk-typed-secret-9876\r');
    const r = await child;
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Paste the api-key, then press Enter \(it is not shown\)/);
    expect(r.stdout).not.toContain('sk-typed-secret');
    const got = await imgcli(['config', 'get', 'api-key'], { cwd: home, env: { IMGCLI_CONFIG_DIR: config } });
    expect(got.stdout).toBe('sk-...9876');
  });
});

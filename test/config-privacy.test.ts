// Class 11: the config folder is private: created 0700 (the file 0600), and a folder or file
// that others can read gets a warning when the key is about to be used.
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configExposure } from '../src/config/file.js';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('the config folder', () => {
  it('is created 0700 with its file 0600 by `config set`', async () => {
    const cwd = tempDir();
    const r = await imgcli(['config', 'set', 'api-key', '-'], { cwd, input: 'sk-test-stored-0123456789' });
    expect(r.exitCode).toBe(0);
    expect(mode(join(cwd, 'config'))).toBe('700');
    expect(mode(join(cwd, 'config', 'config.json'))).toBe('600');
    // Private, so a run that uses it says nothing.
    const run = await imgcli(['--base-url', mock.url, 'gen', 'x', '-o', 'x.png'], {
      cwd,
      env: { OPENAI_API_KEY: undefined },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).not.toContain('warning');
  });

  it('readable by others: one warning each for the folder and the file, and the run goes on', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'config'), { mode: 0o755 });
    chmodSync(join(cwd, 'config'), 0o755);
    writeFileSync(join(cwd, 'config', 'config.json'), JSON.stringify({ 'api-key': 'sk-test-stored-0123456789' }));
    chmodSync(join(cwd, 'config', 'config.json'), 0o644);
    const r = await imgcli(['--base-url', mock.url, 'gen', 'x', '-o', 'x.png'], {
      cwd,
      env: { OPENAI_API_KEY: undefined },
    });
    expect(r.exitCode).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
      `warning: the config folder ${join(cwd, 'config')} can be read by others (mode 755); it may hold your API key: chmod 700 "${join(cwd, 'config')}"`,
      `warning: the config file ${join(cwd, 'config', 'config.json')} can be read by others (mode 644); it may hold your API key: chmod 600 "${join(cwd, 'config', 'config.json')}"`,
    ]);
    expect(r.stderr).not.toContain('sk-test-stored-0123456789');
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('says nothing on Windows, or when there is no config file', () => {
    const dir = tempDir();
    expect(configExposure(join(dir, 'config.json'))).toEqual([]);
    writeFileSync(join(dir, 'config.json'), '{}', { mode: 0o644 });
    chmodSync(join(dir, 'config.json'), 0o644);
    expect(configExposure(join(dir, 'config.json'), 'win32')).toEqual([]);
  });
});

// Class 9: batch outputs are compared by where they land. a.png, ./a.png, sub/../a.png and the
// absolute path of the same file are one output: the batch is refused before anything is sent.
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { landingKey } from '../src/output/naming.js';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

async function batch(cwd: string, outs: string[]) {
  writeFileSync(join(cwd, 'jobs.jsonl'), outs.map((out, i) => JSON.stringify({ prompt: `job ${i}`, out })).join('\n'));
  return imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl'], { cwd });
}

describe('outputs that land on the same file', () => {
  it('a.png, ./a.png, sub/../a.png and its absolute path: exit 2, 0 requests, no file', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'sub'));
    const r = await batch(cwd, ['a.png', './a.png', 'sub/../a.png', join(cwd, 'a.png')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('line 2: ./a.png is also written by line 1 (as a.png)');
    expect(r.stderr).toContain('line 3: sub/../a.png is also written by line 1 (as a.png)');
    expect(r.stderr).toContain(`line 4: ${join(cwd, 'a.png')} is also written by line 1 (as a.png)`);
    expect(r.stdout).toBe('');
    expect(mock.apiRequests()).toHaveLength(0);
    expect(readdirSync(cwd).sort()).toEqual(['jobs.jsonl', 'sub']);
  });

  it('a folder reached through a link is the same folder', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'real'));
    symlinkSync(join(cwd, 'real'), join(cwd, 'link'));
    const r = await batch(cwd, ['real/a.png', 'link/a.png']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('line 2: link/a.png is also written by line 1 (as real/a.png)');
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('different files still run', async () => {
    const cwd = tempDir();
    const r = await batch(cwd, ['a.png', 'b.png']);
    expect(r.exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(2);
  });

  it('case counts only where the file system ignores it', () => {
    const cwd = tempDir();
    expect(landingKey(join(cwd, 'A.png'), 'linux')).not.toBe(landingKey(join(cwd, 'a.png'), 'linux'));
    expect(landingKey(join(cwd, 'A.png'), 'darwin')).toBe(landingKey(join(cwd, 'a.png'), 'darwin'));
    expect(landingKey(join(cwd, 'missing', 'deeper', 'x.png'))).toBe(join(cwd, 'missing', 'deeper', 'x.png'));
  });
});

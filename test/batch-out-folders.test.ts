// A job's "out" (or batch -o) that names a folder gets generated names there, however the folder is
// written: with a trailing `/`, with a Windows `\`, or as a folder that exists, without a slash.
// Only a file name makes the job resumable (--if-changed). A folder that is a file is refused by
// --dry-run as the real run refuses it, and nothing is created.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

async function batch(cwd: string, jobs: unknown[], args: string[] = []) {
  writeFileSync(join(cwd, 'jobs.jsonl'), `${jobs.map((j) => JSON.stringify(j)).join('\n')}\n`);
  const r = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl', ...args], { cwd });
  return {
    ...r,
    rows: r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const pngsIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.png'));

describe('batch outputs that name a folder', () => {
  it('"out": "takes\\\\" writes a generated name into the folder', async () => {
    const cwd = tempDir();
    const r = await batch(cwd, [{ prompt: 'a whale', out: 'takes\\' }]);
    expect(r.stderr).not.toMatch(/--if-changed/);
    expect(r.exitCode).toBe(0);
    expect(r.rows).toMatchObject([{ status: 'ok' }]);
    expect(pngsIn(join(cwd, 'takes\\'))).toHaveLength(1);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('"out": "existing" (a folder that exists, no slash) writes into it', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'existing'));
    const r = await batch(cwd, [{ prompt: 'an owl', out: 'existing' }]);
    expect(r.stderr).not.toMatch(/--if-changed/);
    expect(r.exitCode).toBe(0);
    expect(r.rows).toMatchObject([{ status: 'ok' }]);
    expect(pngsIn(join(cwd, 'existing'))).toHaveLength(1);
  });

  it('batch -o plain\\ is the folder of a job without "out"', async () => {
    const cwd = tempDir();
    const r = await batch(cwd, ['a plain prompt'], ['-o', 'plain\\']);
    expect(r.exitCode).toBe(0);
    expect(r.rows).toMatchObject([{ status: 'ok' }]);
    expect(pngsIn(join(cwd, 'plain\\'))).toHaveLength(1);
  });

  it.each([
    [['-o', 'existing-file'], ['a fox'], 'existing-file/'],
    [['-o', 'new/deep'], [{ prompt: 'a fox', out: 'existing-file/sub/a.png' }], 'existing-file/sub'],
  ])('batch %j --dry-run refuses a folder that is a file, as the real run does (exit 2)', async (args, jobs, dir) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'existing-file'), 'a file');
    const real = await batch(cwd, jobs, args);
    expect(real.exitCode).toBe(2);
    expect(real.stderr).toContain(`output folder ${dir} is not a folder`);
    for (const extra of [[], ['--remote']]) {
      const dry = await batch(cwd, jobs, [...args, '--dry-run', ...extra]);
      expect(dry.exitCode).toBe(2);
      expect(dry.stdout).toBe('');
      expect(dry.stderr).toContain(`line 1: output folder ${dir} is not a folder`);
      expect(dry.stderr).not.toContain('would be sent');
    }
    expect(existsSync(join(cwd, 'new'))).toBe(false);
    expect(mock.apiRequests()).toHaveLength(0);
  });
});

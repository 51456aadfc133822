// imgcli as a make rule and in CI: an output found up to date under --if-changed is touched (make
// then stops running the rule after a `touch` or a fresh checkout), --check touches nothing, and a
// batch whose every output is up to date needs no API key (a fork's pull request has none).
import { statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

const OLD = new Date('2001-01-01T00:00:00Z');
const SOURCE = new Date('2020-01-01T00:00:00Z');
const mtime = (path: string) => statSync(path).mtimeMs;

describe('--if-changed and make', () => {
  it('touches an up-to-date output, so it is newer than the prompt make compares it with', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'prompt.txt'), 'a lighthouse\n');
    const args = ['--base-url', mock.url, 'gen', '@prompt.txt', '-o', 'icon.png', '--if-changed'];
    expect((await imgcli(args, { cwd })).exitCode).toBe(0);
    // A fresh checkout: the prompt is newer than the image.
    utimesSync(join(cwd, 'icon.png'), OLD, OLD);
    utimesSync(join(cwd, 'prompt.txt'), SOURCE, SOURCE);
    const again = await imgcli(args, { cwd });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe('icon.png');
    expect(again.stderr).toContain('up to date: icon.png');
    expect(mock.apiRequests()).toHaveLength(1);
    expect(mtime(join(cwd, 'icon.png'))).toBeGreaterThan(mtime(join(cwd, 'prompt.txt')));
  });

  it('--check leaves the modification time alone', async () => {
    const cwd = tempDir();
    const args = ['--base-url', mock.url, 'gen', 'a lighthouse', '-o', 'icon.png'];
    expect((await imgcli(args, { cwd })).exitCode).toBe(0);
    utimesSync(join(cwd, 'icon.png'), OLD, OLD);
    const check = await imgcli([...args, '--check'], { cwd });
    expect(check.exitCode).toBe(0);
    expect(mtime(join(cwd, 'icon.png'))).toBe(OLD.getTime());
  });

  it('batch touches the outputs it finds up to date', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'jobs.jsonl'), '{"prompt": "a fox", "out": "fox.png"}\n');
    const args = ['--base-url', mock.url, 'batch', 'jobs.jsonl'];
    expect((await imgcli(args, { cwd })).exitCode).toBe(0);
    utimesSync(join(cwd, 'fox.png'), OLD, OLD);
    expect((await imgcli(args, { cwd })).exitCode).toBe(0);
    expect(mtime(join(cwd, 'fox.png'))).toBeGreaterThan(OLD.getTime());
  });
});

describe('an up-to-date batch needs no key', () => {
  const JOBS = '{"prompt": "a fox", "out": "fox.png"}\n{"prompt": "an owl", "out": "owl.png"}\n';

  it.each([[[]], [['--remote']]])('batch %j: every job up to date, no key: exit 0, nothing sent', async (extra) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'jobs.jsonl'), JOBS);
    const made = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl', ...extra], { cwd });
    expect(made.exitCode).toBe(0);
    const before = mock.requests.length;
    // api.openai.com wants a key: without one, only a batch that sends nothing can run.
    const again = await imgcli(['batch', 'jobs.jsonl', ...extra], { cwd, env: { OPENAI_API_KEY: undefined } });
    expect(again.stderr).not.toMatch(/error|API key/);
    expect(again.exitCode).toBe(0);
    const rows = again.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.status)).toEqual(['up-to-date', 'up-to-date']);
    expect(mock.requests.length).toBe(before);
  });

  it('a stale job without a key fails with the key hint (exit 7), and the up-to-date one is reported', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'jobs.jsonl'), JOBS);
    expect((await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl'], { cwd })).exitCode).toBe(0);
    writeFileSync(join(cwd, 'jobs.jsonl'), JOBS.replace('an owl', 'a grey owl'));
    const r = await imgcli(['batch', 'jobs.jsonl'], { cwd, env: { OPENAI_API_KEY: undefined } });
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toMatch(/OPENAI_API_KEY/);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((row) => row.status).sort()).toEqual(['failed', 'up-to-date']);
  });
});

// Item 1 of "never a wrong file": an image the offline server made is a stand-in. Its provenance
// says so (origin "offline"), `info` shows it, and it is never up to date for a real server:
// --if-changed remakes it, --check says "made offline", a remote batch rehearsed with --mock sends
// every job when run for real. Offline reruns still skip their own stand-ins.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, baseEnv, imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

// The suite's server plays a real one (its answers are not marked as the offline server's).
const real = useMockServer();

const provenanceOf = async (cwd: string, file: string) =>
  JSON.parse((await imgcli(['info', file, '--json'], { cwd })).stdout)[0].provenance;

describe('images made offline', () => {
  it('carry origin "offline", shown by info', async () => {
    const cwd = tempDir();
    expect((await imgcli(['gen', 'a fox', '-o', 'icon.png', '--mock'], { cwd })).exitCode).toBe(0);
    expect((await provenanceOf(cwd, 'icon.png')).origin).toBe('offline');
    const text = await imgcli(['info', 'icon.png'], { cwd });
    expect(text.stdout).toMatch(/^ {2}origin: +offline \(a stand-in from the offline server, --mock\)$/m);
  });

  it('are never up to date for a real server: --check says "made offline", --if-changed remakes them', async () => {
    const cwd = tempDir();
    const args = ['gen', 'a fox', '-o', 'icon.png'];
    expect((await imgcli([...args, '--mock'], { cwd })).exitCode).toBe(0);
    // Offline reruns skip their own stand-ins.
    const offline = await imgcli([...args, '--mock', '--if-changed'], { cwd });
    expect(offline.exitCode).toBe(0);
    expect(offline.stderr).toContain('up to date: icon.png');

    const check = await imgcli(['--base-url', real.url, ...args, '--check'], { cwd });
    expect(check.exitCode).not.toBe(0);
    expect(check.stdout).toBe('');
    expect(check.stderr).toContain(
      'icon.png was made offline (a stand-in from the offline server); it would be regenerated',
    );
    expect(real.apiRequests()).toHaveLength(0);

    const remade = await imgcli(['--base-url', real.url, ...args, '--if-changed'], { cwd });
    expect(remade.exitCode).toBe(0);
    expect(remade.stdout).toBe('icon.png');
    expect(real.apiRequests()).toHaveLength(1);
    expect((await provenanceOf(cwd, 'icon.png')).origin).toBeUndefined();
    // Now a real image: up to date for the real server, and for --mock too.
    expect((await imgcli(['--base-url', real.url, ...args, '--check'], { cwd })).exitCode).toBe(0);
    expect((await imgcli([...args, '--mock', '--check'], { cwd })).exitCode).toBe(0);
  });

  it('a remote batch rehearsed with --mock sends every job when run for real', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'jobs.jsonl'),
      '{"prompt": "a fox", "out": "fox.png"}\n{"prompt": "an owl", "out": "owl.png"}\n',
    );
    const rehearsal = await imgcli(['batch', 'jobs.jsonl', '--remote', '--mock'], { cwd, timeout: 60_000 });
    expect(rehearsal.exitCode).toBe(0);
    const forReal = await imgcli(
      ['--base-url', real.url, 'batch', 'jobs.jsonl', '--remote', '--poll-interval', '0.2'],
      {
        cwd,
        timeout: 60_000,
      },
    );
    expect(forReal.exitCode).toBe(0);
    const rows = forReal.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(real.apiRequests().filter((r) => r.path.endsWith('/batches') && r.method === 'POST')).toHaveLength(1);
    expect((await provenanceOf(cwd, 'fox.png')).origin).toBeUndefined();
  });

  it('imgcli mock-server marks its answers, so its images are recorded as offline too', async () => {
    const cwd = tempDir();
    const server = execa('node', [BIN, 'mock-server'], { cwd, env: baseEnv(cwd), extendEnv: false, reject: false });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
        server.once('exit', () => reject(new Error('mock-server exited')));
      });
      const r = await imgcli(['--base-url', url, 'gen', 'a fox', '-o', 'icon.png'], { cwd });
      expect(r.exitCode).toBe(0);
      expect((await provenanceOf(cwd, 'icon.png')).origin).toBe('offline');
    } finally {
      server.kill('SIGTERM');
      await server;
    }
  });
});

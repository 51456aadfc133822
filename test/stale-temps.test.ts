// Class 10: a killed run is cleaned up by the next one. imgcli's own temp files
// (.imgcli-<host>-<pid>-<random>.tmp) whose owner process is gone are removed; nothing else is.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, baseEnv, imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';
import { until } from './helpers/wait.js';

const mock = useMockServer();
const temps = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('.imgcli-'));

/** A pid that certainly belongs to no running process: one that has just exited. */
function deadPid(): number {
  const child = execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(child.trim());
}

describe('stale temp files', () => {
  it('after kill -9 of a batch, the rerun resumes and leaves no temp file', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'jobs.jsonl'),
      ['{"prompt": "one", "out": "out/1.png"}', '{"prompt": "two", "out": "out/2.png"}'].join('\n'),
    );
    mkdirSync(join(cwd, 'out'));
    // Both answers stop half-way, inside the image: without a length they are decoded into
    // temp files as they arrive (output/spill.ts), and each leaves its file open.
    mock.enqueueFault({ hang: 4000, chunked: true }, 2);
    const child = spawn('node', [BIN, '--base-url', mock.url, 'batch', 'jobs.jsonl'], {
      cwd,
      env: baseEnv(cwd),
      stdio: 'ignore',
    });
    // Both requests sent first: before sending, each job also proves the folder writable with a
    // short-lived temp file of the same name shape, and those two must not be taken for these.
    await until(
      () => mock.apiRequests().length === 2 && temps(join(cwd, 'out')).length === 2,
      'two requests and two temp files',
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(temps(join(cwd, 'out'))).toHaveLength(2);
    const r = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(readdirSync(join(cwd, 'out')).sort()).toEqual(['1.png', '2.png']);
    expect(mock.apiRequests()).toHaveLength(4);
  });

  it('removes only its own temps of dead runs on this machine', async () => {
    const cwd = tempDir();
    const dead = deadPid();
    // The machine tag imgcli puts in its temp names (output/files.ts).
    const host = createHash('sha1').update(hostname()).digest('hex').slice(0, 4);
    const names = {
      deadRun: `.imgcli-${host}-${dead}-0123456789ab.tmp`,
      liveRun: `.imgcli-${host}-${process.pid}-0123456789ab.tmp`,
      otherMachine: `.imgcli-${host === 'ffff' ? '0000' : 'ffff'}-${dead}-0123456789ab.tmp`,
      notOurs: '.imgcli-notes.tmp',
      oldStyle: '.imgcli-0123456789ab.tmp',
    };
    for (const name of Object.values(names)) writeFileSync(join(cwd, name), 'x');
    mkdirSync(join(cwd, `.imgcli-${host}-${dead}-ba9876543210.tmp`));
    const r = await imgcli(['--base-url', mock.url, 'gen', 'x', '-o', 'out.png'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(cwd, names.deadRun))).toBe(false);
    for (const kept of [
      names.liveRun,
      names.otherMachine,
      names.notOurs,
      names.oldStyle,
      `.imgcli-${host}-${dead}-ba9876543210.tmp`,
    ])
      expect(existsSync(join(cwd, kept))).toBe(true);
  });
});

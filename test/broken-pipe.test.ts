// Class 7: closing the pipe is not a bug. `imgcli gen x -o - | head -c 10` stops quietly with
// exit 141 (128+SIGPIPE, what a shell reports), prints nothing on stderr and leaves no temp file.
import { readdirSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, baseEnv, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

// Photo-sized images: far more than a pipe buffer, so the write meets the closed pipe.
const mock = useMockServer({ payload: 'noise' });

async function piped(args: string, reader = 'head -c 10 > /dev/null') {
  const cwd = tempDir();
  const tmp = tempDir();
  const env = { ...baseEnv(cwd), TMPDIR: tmp };
  // pipefail: the pipeline's status is imgcli's own, as `set -o pipefail` scripts see it.
  const r = await execa('bash', ['-c', `set -o pipefail; node "${BIN}" --base-url "${mock.url}" ${args} | ${reader}`], {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    timeout: 30_000,
  });
  return { ...r, files: readdirSync(cwd), temps: readdirSync(tmp) };
}

describe('a reader that closes stdout early', () => {
  it('-o - | head -c 10: exit 141, nothing on stderr, no temp file', async () => {
    const r = await piped('gen x -s 1536x1024 -o -');
    expect(r.exitCode).toBe(141);
    expect(r.stderr).toBe('');
    expect(r.files).toEqual([]);
    expect(r.temps).toEqual([]);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('--stream -o - | head -c 10: the same', async () => {
    const r = await piped('gen x -s 1536x1024 --stream -o -');
    expect(r.exitCode).toBe(141);
    expect(r.stderr).toBe('');
    expect(r.temps).toEqual([]);
  });

  it('a reader that takes everything is not disturbed', async () => {
    const r = await piped('gen x -o -', 'wc -c');
    expect(r.exitCode).toBe(0);
    expect(Number(r.stdout.trim())).toBeGreaterThan(100_000);
    expect(r.stderr).toMatch(/^usage: /);
  });
});

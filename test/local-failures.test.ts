// Class 5: local failures are local. A folder that vanishes (or turns into a file) while the
// answer is on its way is reported as what it is, with the path, under exit 74; the paid image is
// written to the recovery folder (recovered/ in the config folder) and named in the message and
// in --json.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalFileError } from '../src/errors.js';
import { exitCodeFor } from '../src/exit-codes.js';
import { describeWriteError } from '../src/fs-errors.js';
import { localError } from '../src/output/disk.js';
import { SpillFiles } from '../src/output/spill.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';
import { until } from './helpers/wait.js';

const mock = useMockServer();

/** Runs with the answer held back until `meanwhile` has broken the destination. */
async function breakWhileWaiting(args: string[], meanwhile: (cwd: string) => void) {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'sub'));
  mock.setLatency(800);
  const running = imgcliInProcess(['--base-url', mock.url, ...args], { cwd });
  await until(() => mock.apiRequests().length === 1, 'the request');
  meanwhile(cwd);
  const r = await running;
  const recoveredDir = join(cwd, 'config', 'recovered');
  return { ...r, cwd, recovered: readdirSync(recoveredDir, { withFileTypes: false }).map(String), recoveredDir };
}

const isPng = (bytes: Buffer) =>
  bytes.subarray(1, 4).toString() === 'PNG' && bytes.subarray(-8, -4).toString() === 'IEND';

describe('the destination fails after the answer arrived', () => {
  it('a vanished folder (b64): exit 74 with the path, the image kept in the recovery folder', async () => {
    const r = await breakWhileWaiting(['gen', 'x', '-o', 'sub/out.png', '--json'], (cwd) =>
      rmSync(join(cwd, 'sub'), { recursive: true }),
    );
    expect(r.exitCode).toBe(74);
    const where = join(r.recoveredDir, 'out.png');
    expect(r.stderr).toContain(
      `error: cannot write sub/out.png: its folder no longer exists (ENOENT); the image (already paid for) was saved to ${where} instead`,
    );
    expect(r.stderr).toContain(`hint: Make the folder again or pick another -o, then move ${where} where it belongs`);
    expect(r.stderr).not.toMatch(/connection|network|bug/i);
    expect(r.recovered).toEqual(['out.png']);
    expect(isPng(readFileSync(where))).toBe(true);
    // --json still names it, so a script can pick it up.
    expect(JSON.parse(r.stdout).failed).toEqual([
      { index: 0, error: expect.stringContaining('cannot write sub/out.png'), recovered_path: where },
    ]);
    expect(readdirSync(r.cwd).sort()).toEqual(['config']);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('a folder turned into a file (URL download): exit 74, downloaded again into the recovery folder', async () => {
    const r = await breakWhileWaiting(['gen', 'x', '-m', 'dall-e-3', '-o', 'sub/out.png'], (cwd) => {
      rmSync(join(cwd, 'sub'), { recursive: true });
      writeFileSync(join(cwd, 'sub'), 'not a folder');
    });
    expect(r.exitCode).toBe(74);
    expect(r.stderr).toMatch(
      /error: cannot write sub\/out\.png: a part of its path is no longer a folder \(ENOTDIR\); the image \(already paid for\) was saved to .*recovered\/out\.png instead/,
    );
    expect(r.recovered).toEqual(['out.png']);
    expect(isPng(readFileSync(join(r.recoveredDir, 'out.png')))).toBe(true);
    expect(mock.apiRequests()).toHaveLength(1);
    expect(readdirSync(r.cwd).sort()).toEqual(['config', 'sub']);
  });

  it('with --count 2, both images are recovered and the second does not overwrite the first', async () => {
    const r = await breakWhileWaiting(['gen', 'x', '-n', '2', '-o', 'sub/'], (cwd) =>
      rmSync(join(cwd, 'sub'), { recursive: true }),
    );
    expect(r.exitCode).toBe(74);
    expect(r.recovered).toHaveLength(2);
    expect(mock.apiRequests()).toHaveLength(1);
  });
});

describe('the pieces', () => {
  it('says what each local failure is, and exits 74 for it', () => {
    const fsError = (code: string) => Object.assign(new Error(`${code}: x`), { code, syscall: 'write' });
    expect(describeWriteError(fsError('ENOSPC'))).toBe('the disk is full (ENOSPC)');
    expect(describeWriteError(fsError('EROFS'))).toBe('the file system is read-only (EROFS)');
    expect(describeWriteError(fsError('EDQUOT'))).toBe('the disk quota is used up (EDQUOT)');
    const err = localError(fsError('ENOSPC'), 'out.png') as LocalFileError;
    expect(err).toBeInstanceOf(LocalFileError);
    expect(err.message).toBe('cannot write out.png: the disk is full (ENOSPC)');
    expect(exitCodeFor(err)).toBe(74);
    // Anything that is not the file system's own is left as it is.
    const other = new Error('boom');
    expect(localError(other, 'out.png')).toBe(other);
  });

  it('a spill folder that fails hands the image over to the next one', () => {
    const good = tempDir();
    const spill = new SpillFiles([join(tempDir(), 'gone', 'deeper'), good]);
    spill.open(0);
    spill.write(0, Buffer.from('hello '));
    spill.write(0, Buffer.from('world'));
    spill.close(0);
    expect(readdirSync(good)).toHaveLength(1);
    expect(readFileSync(join(good, readdirSync(good)[0]!), 'utf8')).toBe('hello world');
    return spill.cleanup().then(() => expect(readdirSync(good)).toEqual([]));
  });
});

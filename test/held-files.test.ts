// A file another program holds open cannot be replaced on Windows (EPERM, EBUSY or EACCES from the
// rename): imgcli waits a moment and tries again, as graceful-fs does, then keeps the image in the
// recovery folder and says what to do: close the program, then move the copy. Made to fail here
// through the rename seam of output/disk.ts; the Windows smoke check holds a real file open.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { io } from '../src/output/disk.js';
import { looksComplete } from '../src/image/format.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';

const { rename: realRename, sleep: realSleep } = io;
afterEach(() => {
  io.rename = realRename;
  io.sleep = realSleep;
});

/** The waits between tries, counted instead of slept: the retries' whole wait, without a clock. */
function countWaits() {
  let waited = 0;
  io.sleep = async (ms: number) => {
    waited += ms;
  };
  return () => waited;
}

/** A rename that fails with `code` onto `name` the first `times` times (for ever by default). */
function holdOpen(name: string, code: string, times = Infinity) {
  let tries = 0;
  io.rename = (async (from: string, to: string) => {
    if (String(to).endsWith(name) && tries++ < times)
      throw Object.assign(new Error(`${code}: resource busy or locked, rename '${from}' -> '${to}'`), {
        code,
        syscall: 'rename',
      });
    return realRename(from, to);
  }) as typeof io.rename;
  return () => tries;
}

describe('replacing a file another program holds open', () => {
  it('waits and tries again: a file let go within a second is replaced', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'held.png'), 'old');
    const tries = holdOpen('held.png', 'EBUSY', 3);
    const r = await imgcliInProcess(['gen', 'x', '-o', 'held.png', '--mock'], { cwd });
    expect(r.stderr).not.toMatch(/error|hint/);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('held.png');
    expect(tries()).toBe(4);
    expect(looksComplete(readFileSync(join(cwd, 'held.png')), 'png')).toBe(true);
  });

  it('still held after the retries: exit 74, the image recovered, and a hint about the program, not the disk', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'held.png'), 'old');
    const tries = holdOpen('held.png', 'EBUSY');
    const waited = countWaits();
    const r = await imgcliInProcess(['gen', 'x', '-o', 'held.png', '--mock'], { cwd });
    expect(waited()).toBeGreaterThan(0);
    expect(waited()).toBeLessThan(5000);
    expect(r.exitCode).toBe(74);
    expect(r.stdout).toBe('');
    expect(tries()).toBeGreaterThan(3);
    const recovered = join(cwd, 'config', 'recovered', 'held.png');
    expect(r.stderr).toContain(
      `error: cannot replace held.png: another program holds it open (EBUSY); the image was saved to ${recovered} instead`,
    );
    expect(r.stderr).toContain(
      `hint: Another program holds held.png open: close it, then move ${recovered} to held.png; nothing needs to be generated again.`,
    );
    // --mock: the offline server bills nothing, so nothing was "already paid for".
    expect(r.stderr).not.toMatch(/paid|free some space/i);
    expect(readFileSync(join(cwd, 'held.png'), 'utf8')).toBe('old');
    expect(looksComplete(readFileSync(recovered), 'png')).toBe(true);
  });
});

// Item 5 of "never a lost image": the recovery copy of a paid image is whole. A disk that fills up
// while a large answer arrives writes part of a chunk and says so (a short write), and only the
// next write fails: the bytes that moved to the next folder must be exactly the ones that arrived.
// The copy in recovered/ is proven byte for byte before the message calls it safe.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { looksComplete } from '../src/image/format.js';
import { SpillFiles, spillIo } from '../src/output/spill.js';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';
import { until } from './helpers/wait.js';

const mock = useMockServer({ payload: 'noise' });

/** A writeSync whose first file takes at most `room` bytes: one short write, then ENOSPC, as a full disk does. */
function fillingUp(room: number) {
  const real = spillIo.writeSync;
  let used = 0;
  let full = false;
  spillIo.writeSync = ((fd: number, bytes: Buffer, offset = 0, length = bytes.length - offset) => {
    // Once the first file has failed, the image is in another folder (fd numbers are reused).
    if (full) return real(fd, bytes, offset, length);
    full = used >= room;
    if (full)
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    const n = Math.min(length, room - used);
    used += n;
    return real(fd, bytes, offset, n);
  }) as typeof spillIo.writeSync;
  return () => {
    spillIo.writeSync = real;
  };
}

describe('a spill folder that fills up mid-image', () => {
  it('carries exactly the bytes that arrived to the next folder, the short write included', async () => {
    const [full, other] = [tempDir(), tempDir()];
    const spill = new SpillFiles([full, other]);
    const chunks = Array.from({ length: 10 }, (_, i) => Buffer.alloc(1000, 65 + i));
    const restore = fillingUp(2500);
    try {
      spill.open(0);
      for (const c of chunks) spill.write(0, c);
      spill.close(0);
    } finally {
      restore();
    }
    const bytes = await spill.take('imgcli-spilled:0', 0);
    expect(bytes.equals(Buffer.concat(chunks))).toBe(true);
    expect(readdirSync(full)).toEqual([]);
  });
});

describe('the whole-file check sees a piece missing in the middle', () => {
  it('a PNG with its end but a gap inside is not whole', async () => {
    const png = await sharp({
      create: { width: 64, height: 64, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(looksComplete(png, 'png')).toBe(true);
    const gap = Buffer.concat([png.subarray(0, 5000), png.subarray(6000)]);
    expect(looksComplete(gap, 'png')).toBe(false);
  });
});

describe('when no recovery folder takes the copy either', () => {
  it('says the image is lost, with its size, and never that it was saved', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'sub'));
    // A file where each recovery folder would go: neither can be made.
    mkdirSync(join(cwd, 'config'));
    mkdirSync(join(cwd, 'tmp'));
    writeFileSync(join(cwd, 'config', 'recovered'), 'a file, not a folder');
    writeFileSync(join(cwd, 'tmp', 'imgcli-recovered'), 'a file, not a folder');
    mock.setLatency(800);
    const env = { TMPDIR: join(cwd, 'tmp') };
    const running = imgcli(['--base-url', mock.url, 'gen', 'x', '-o', 'sub/out.png'], { cwd, env });
    await until(() => mock.apiRequests().length === 1, 'the request');
    rmSync(join(cwd, 'sub'), { recursive: true });
    const r = await running;
    expect(r.exitCode).toBe(74);
    expect(r.stderr).toMatch(
      /^error: cannot write sub\/out\.png: its folder no longer exists \(ENOENT\); the image \(already paid for\), [\d,]+ bytes, could not be kept in \S+ or \S+ either: it is lost$/m,
    );
    expect(r.stderr).not.toMatch(/saved to/);
  });
});

// A real full disk: a 3 MB tmpfs, mounted for this test (root only, as CI runs).
const root = process.getuid?.() === 0;
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) execFileSync('umount', [m]);
});

describe.skipIf(!root)('gen onto a disk that fills up while the answer arrives', () => {
  it('exits 74, and the copy in recovered/ is the whole image, proven', async () => {
    const cwd = tempDir();
    const disk = join(cwd, 'disk');
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3000k', 'tmpfs', disk]);
    mounts.push(disk);
    // Room for about 0.9 MB: the image (about 2 MB) is spilled there as it arrives, until the disk is full.
    writeFileSync(join(disk, 'fill'), Buffer.alloc(2100 * 1024));
    // Sent chunked, with no Content-Length: the answer is decoded into spill files as it arrives.
    mock.enqueueFault({ cleanCut: 1e9 });
    const r = await imgcli(['--base-url', mock.url, 'gen', 'a photo', '-o', 'disk/a.png'], { cwd, timeout: 60_000 });
    expect(r.exitCode).toBe(74);
    const recovered = join(cwd, 'config', 'recovered', 'a.png');
    expect(r.stderr).toContain(`the image (already paid for) was saved to ${recovered} instead`);
    expect(r.stderr).toContain('hint: Free some space or pick another -o');
    const bytes = readFileSync(recovered);
    expect(looksComplete(bytes, 'png')).toBe(true);
    const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBeGreaterThan(0);
    expect(r.stdout).toBe('');
    expect(mock.apiRequests()).toHaveLength(1);
  });
});

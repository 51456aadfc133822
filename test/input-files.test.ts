// Class 6: inputs are regular, complete files. A FIFO, a socket, a device or a folder is refused
// before it is opened (a FIFO would block the open and Ctrl-C for ever); a truncated image is
// refused by its format's end marker; `-` and process substitution say how to do it instead.
// Each: exit 2, no request, nothing written.
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();
let png: Buffer;
beforeAll(async () => {
  png = await sharp({ create: { width: 64, height: 64, channels: 4, background: '#48c' } })
    .png()
    .toBuffer();
});

function expectRefused(r: { exitCode?: number; stdout: unknown; stderr: unknown }, message: RegExp) {
  expect(r.exitCode).toBe(2);
  expect(String(r.stderr)).toMatch(message);
  expect(String(r.stderr)).toMatch(/hint: Save it to a regular file first/);
  expect(r.stdout).toBe('');
  expect(mock.apiRequests()).toHaveLength(0);
}

describe('what is not a regular file is refused before it is opened', () => {
  it('a FIFO, with no writer: no hang, exit 2', async () => {
    const cwd = tempDir();
    execFileSync('mkfifo', [join(cwd, 'in.png')]);
    const r = await imgcli(['--base-url', mock.url, 'edit', 'in.png', '-p', 'a hat'], { cwd, timeout: 15_000 });
    expectRefused(
      r,
      /^error: image in\.png is a pipe \(a FIFO, or process substitution such as <\(cat in\.png\)\); imgcli uploads regular files only$/m,
    );
    expect(readdirSync(cwd).filter((f) => f !== 'in.png' && f !== 'config')).toEqual([]);
  });

  it('process substitution <(cat in.png)', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'in.png'), png);
    const r = await execa('bash', ['-c', `node "${BIN}" --base-url "${mock.url}" edit <(cat in.png) -p "a hat"`], {
      cwd,
      env: baseEnv(cwd),
      extendEnv: false,
      reject: false,
      timeout: 15_000,
    });
    expectRefused(r, /^error: image \/dev\/fd\/\d+ is a pipe/m);
  });

  it('a device, and - for stdin', async () => {
    expectRefused(
      await imgcli(['--base-url', mock.url, 'vary', '/dev/zero']),
      /^error: image \/dev\/zero is a device; imgcli uploads regular files only$/m,
    );
    expectRefused(
      await imgcli(['--base-url', mock.url, 'edit', '-', '-p', 'x'], { input: png }),
      /^error: image - \(stdin\) cannot be uploaded: imgcli reads input images from files$/m,
    );
  });

  it('a FIFO given as the mask', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'in.png'), png);
    execFileSync('mkfifo', [join(cwd, 'mask.png')]);
    const r = await imgcli(['--base-url', mock.url, 'edit', 'in.png', '--mask', 'mask.png', '-p', 'x'], {
      cwd,
      timeout: 15_000,
    });
    expectRefused(r, /^error: --mask mask\.png is a pipe/m);
  });
});

describe('a truncated image is never uploaded', () => {
  it.each([
    ['png', 'the last 12 bytes (IEND) gone', (b: Buffer) => b.subarray(0, b.length - 12)],
    ['png', 'the last byte gone', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['png', 'cut half-way', (b: Buffer) => b.subarray(0, Math.floor(b.length / 2))],
  ])('%s, %s: exit 2, 0 requests', async (_format, _how, cut) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'in.png'), cut(png));
    const r = await imgcli(['--base-url', mock.url, 'edit', 'in.png', '-p', 'a hat'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^error: image in\.png is cut short: an incomplete PNG \(its end is missing\); nothing was sent$/m,
    );
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('a JPEG without its end marker', async () => {
    const cwd = tempDir();
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#48c' } })
      .jpeg()
      .toBuffer();
    writeFileSync(join(cwd, 'in.jpg'), jpeg.subarray(0, jpeg.length - 2));
    const r = await imgcli(['--base-url', mock.url, 'edit', 'in.jpg', '-p', 'a hat'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^error: image in\.jpg is cut short: an incomplete JPEG \(its end is missing\); nothing was sent$/m,
    );
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('the whole file is sent as usual', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'in.png'), png);
    const r = await imgcli(['--base-url', mock.url, 'edit', 'in.png', '-p', 'a hat', '-o', 'out.png'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(1);
  });
});

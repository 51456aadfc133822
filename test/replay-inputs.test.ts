// replay uploads only what the user named or what sits beside the image: a record naming an input
// outside the image's folder (or a file beside it that links elsewhere) is refused with the
// command that names it (exit 2, nothing sent), and the files that will be uploaded are named.
import { mkdirSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({ payload: 'flat', labels: false });
const uploadsOf = () =>
  mock.requests.flatMap((r) => (r.path === '/v1/images/edits' ? (r.parts ?? []).filter((p) => p.filename) : []));

let cwd: string;
beforeAll(async () => {
  cwd = tempDir();
  mkdirSync(join(cwd, 'secret'));
  mkdirSync(join(cwd, 'out'));
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#884422' } })
    .png()
    .toFile(join(cwd, 'secret', 'photo.png'));
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#224488' } })
    .png()
    .toFile(join(cwd, 'out', 'in.png'));
});

const run = (args: string[]) => imgcli(['--base-url', mock.url, ...args], { cwd, timeout: 60_000 });

describe('replay', () => {
  it('refuses a recorded input outside the image folder, and sends it once it is named', async () => {
    expect((await run(['edit', 'secret/photo.png', '-p', 'a hat', '-o', 'out/edited.png'])).exitCode).toBe(0);
    mock.requests.length = 0;
    const r = await run(['replay', 'out/edited.png']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      "error: out/edited.png records its image file as ../secret/photo.png, outside the image's folder; imgcli uploads only the files you name and those beside the image, so nothing was sent",
    );
    expect(r.stderr).toContain(
      'hint: Name the file if it is the one to upload: imgcli replay out/edited.png secret/photo.png',
    );
    expect(mock.requests).toEqual([]);
    const named = await run(['replay', 'out/edited.png', 'secret/photo.png', '-o', 'out/again.png']);
    expect(named.exitCode).toBe(0);
    expect(named.stderr).toContain('(uploading secret/photo.png)');
    expect(uploadsOf().map((p) => p.filename)).toEqual(['photo.png']);
  });

  it('sends an input beside the image, naming it first', async () => {
    expect((await run(['edit', 'out/in.png', '-p', 'a hat', '-o', 'out/beside.png'])).exitCode).toBe(0);
    mock.requests.length = 0;
    const r = await run(['replay', 'out/beside.png', '-o', 'out/beside2.png']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/replaying out\/beside\.png: .*1 input checked \(uploading out\/in\.png\)/);
    expect(uploadsOf()).toHaveLength(1);
  });

  it('refuses a file beside the image that links outside its folder', async () => {
    const dir = join(cwd, 'linked');
    mkdirSync(dir);
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#448822' } })
      .png()
      .toFile(join(dir, 'in.png'));
    expect((await run(['edit', 'linked/in.png', '-p', 'a hat', '-o', 'linked/made.png'])).exitCode).toBe(0);
    // The same bytes, now behind a link that leads out of the folder.
    renameSync(join(dir, 'in.png'), join(cwd, 'secret', 'moved.png'));
    symlinkSync(join(cwd, 'secret', 'moved.png'), join(dir, 'in.png'));
    mock.requests.length = 0;
    const r = await run(['replay', 'linked/made.png']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("outside the image's folder");
    expect(mock.requests).toEqual([]);
  });
});

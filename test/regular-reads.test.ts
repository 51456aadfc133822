// Every file imgcli reads is a regular file of bounded size: a link to /dev/zero, a FIFO or a
// file past its cap is refused at once with a clear message (exit 2) by gallery, info, show,
// replay, the config file, a jobs file, masks and @file prompts, instead of being read into
// memory for ever or waited on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = tempDir();
  await sharp({ create: { width: 16, height: 16, channels: 4, background: '#33557700' } })
    .png()
    .toFile(join(cwd, 'a.png'));
  symlinkSync('/dev/zero', join(cwd, 'zero.png'));
  execFileSync('mkfifo', [join(cwd, 'fifo.png')]);
  execFileSync('mkfifo', [join(cwd, 'prompt.txt')]);
  symlinkSync('/dev/zero', join(cwd, 'jobs.jsonl'));
  // 200 MB that take no room: past the 100 MB an image may be.
  writeFileSync(join(cwd, 'huge.png'), '');
  truncateSync(join(cwd, 'huge.png'), 200 * 1024 * 1024);
  writeFileSync(join(cwd, 'huge.txt'), '');
  truncateSync(join(cwd, 'huge.txt'), 2 * 1024 * 1024);
});

/** Each run must end well within this: a read of /dev/zero or a FIFO would not. */
const run = (args: string[], env?: Record<string, string>) => imgcli(args, { cwd, env, timeout: 15_000 });
const DEVICE = 'is a device; imgcli reads regular files only';
const FIFO = 'is a pipe (a FIFO, or process substitution such as <(cat in.png)); imgcli reads regular files only';

describe('images read whole', () => {
  it('gallery gives a link to /dev/zero in a folder a card saying why, and refuses one it is named', async () => {
    mkdirSync(join(cwd, 'g'));
    symlinkSync('/dev/zero', join(cwd, 'g', 'x.png'));
    const folder = await run(['gallery', 'g', '-o', 'g.html']);
    expect(folder.exitCode).toBe(0);
    expect(folder.stderr).toContain('warning: g/x.png: cannot be read (a device; imgcli reads regular files only)');
    const named = await run(['gallery', 'a.png', 'zero.png', '-o', 'g.html']);
    expect(named.exitCode).toBe(2);
    expect(named.stderr).toContain('error: cannot show zero.png');
  });

  it('info and show refuse a device, a FIFO and a file past 100 MB, naming each', async () => {
    for (const command of ['info', 'show']) {
      const r = await run([command, 'zero.png', 'fifo.png', 'huge.png']);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('zero.png (a device; imgcli reads regular files only)');
      expect(r.stderr).toContain('fifo.png (a pipe');
      expect(r.stderr).toContain('huge.png (200.0 MB; imgcli reads at most 100 MB of an image)');
    }
  });

  it('replay refuses a link to /dev/zero', async () => {
    const r = await run(['replay', 'zero.png', '--mock']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('cannot read zero.png: a device; imgcli reads regular files only');
  });

  it('a mask that is a link to /dev/zero is refused before anything is sent', async () => {
    const r = await run(['edit', 'a.png', '--mask', 'zero.png', '-p', 'x', '--mock', '-o', 'out.png']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--mask zero.png is a device');
  });
});

describe('text files', () => {
  it('a config file that is a link to /dev/zero, a FIFO or past 1 MB is refused (exit 2)', async () => {
    for (const [setup, expected] of [
      ['zero', `the config file ${join('cfg-zero', 'config.json')} ${DEVICE}`],
      ['fifo', `the config file ${join('cfg-fifo', 'config.json')} ${FIFO}`],
      [
        'huge',
        `the config file ${join('cfg-huge', 'config.json')} is 2.0 MB; imgcli reads at most 1 MB of a config file`,
      ],
    ] as const) {
      const dir = join(cwd, `cfg-${setup}`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'config.json');
      if (setup === 'zero') symlinkSync('/dev/zero', file);
      else if (setup === 'fifo') execFileSync('mkfifo', [file]);
      else {
        writeFileSync(file, '');
        truncateSync(file, 2 * 1024 * 1024);
      }
      for (const args of [
        ['gen', 'x', '--mock', '-o', 'o.png'],
        ['config', 'set', 'model', 'gpt-image-1'],
      ]) {
        const r = await run(args, { IMGCLI_CONFIG_DIR: `cfg-${setup}` });
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toContain(`error: ${expected}`);
      }
    }
  });

  it('a jobs file that is a link to /dev/zero is refused', async () => {
    const r = await run(['batch', 'jobs.jsonl', '--mock']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: the jobs file jobs.jsonl ${DEVICE}`);
  });

  it('a prompt from @file that is a FIFO or past 1 MB is refused', async () => {
    const fifo = await run(['gen', '@prompt.txt', '--mock', '-o', 'o.png']);
    expect(fifo.exitCode).toBe(2);
    expect(fifo.stderr).toContain('cannot read the prompt from prompt.txt: a pipe');
    const huge = await run(['gen', '@huge.txt', '--mock', '-o', 'o.png']);
    expect(huge.exitCode).toBe(2);
    expect(huge.stderr).toContain('2.0 MB; imgcli reads at most 1 MB of a prompt file');
  });
});

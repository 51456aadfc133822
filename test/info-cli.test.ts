// `imgcli info` end to end: the command, in-process, reads images with and without provenance; exit
// code, stdout and stderr each checked on their own. Needs `npx tsc -p tsconfig.json` first.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { embedProvenance, type Provenance } from '../src/provenance/index.js';
import { cleanupTemps, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';

let dir: string;
const info = (...args: string[]) => imgcliInProcess(['info', ...args], { cwd: dir });

const RECORD: Provenance = {
  prompt: 'a lighthouse at dusk,\nwatercolor',
  revised_prompt: 'A watercolor painting of a lighthouse at dusk.',
  model: 'gpt-image-1',
  endpoint: 'generations',
  parameters: {
    prompt: 'a lighthouse at dusk,\nwatercolor',
    model: 'gpt-image-1',
    size: '1024x1024',
    quality: 'high',
    n: 1,
  },
  request_id: 'req_0123456789abcdef',
  created: 1750000000,
  usage: { input_tokens: 12, output_tokens: 4160, total_tokens: 4172, input_tokens_details: { text_tokens: 12 } },
  fingerprint: `sha256:${'ab'.repeat(32)}`,
  tool: 'imgcli 0.1.0',
};

const BLOCK = (path: string, format: string) => `${path} (${format} 40x30)
  prompt:          a lighthouse at dusk,
                   watercolor
  revised prompt:  A watercolor painting of a lighthouse at dusk.
  model:           gpt-image-1
  endpoint:        generations
  parameters:      size=1024x1024, quality=high, n=1
  request id:      req_0123456789abcdef
  created:         2025-06-15T15:06:40.000Z
  usage:           12 input + 4160 output = 4172 tokens
  fingerprint:     sha256:${'ab'.repeat(32)}
  tool:            imgcli 0.1.0`;

beforeAll(async () => {
  dir = tempDir('imgcli-info-');
  const base = sharp({ create: { width: 40, height: 30, channels: 3, background: '#3060a0' } });
  for (const format of ['png', 'jpeg', 'webp'] as const) {
    writeFileSync(
      join(dir, `made.${format}`),
      embedProvenance(await base.clone().toFormat(format).toBuffer(), format, RECORD),
    );
  }
  const frames = await Promise.all(
    ['#3060a0', '#a06030', '#30a060'].map((background) =>
      sharp({ create: { width: 40, height: 30, channels: 3, background } })
        .png()
        .toBuffer(),
    ),
  );
  writeFileSync(
    join(dir, 'made.gif'),
    embedProvenance(
      await sharp(frames, { join: { animated: true } })
        .gif({ delay: [100, 100, 100] })
        .toBuffer(),
      'gif',
      RECORD,
    ),
  );
  writeFileSync(
    join(dir, 'made.svg'),
    embedProvenance(
      Buffer.from(
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="#3060a0"/></svg>\n',
      ),
      'svg',
      RECORD,
    ),
  );
  await base.clone().png().toFile(join(dir, 'plain.png'));
  await base.clone().gif().toFile(join(dir, 'plain.gif'));
  writeFileSync(join(dir, 'notes.txt'), 'not an image\n');
  // What `batch --gallery` writes beside the images.
  writeFileSync(join(dir, 'gallery.html'), '<!doctype html><title>imgcli gallery</title>\n');
  mkdirSync(join(dir, 'folder'));
});
afterAll(() => cleanupTemps());

describe.concurrent('imgcli info', () => {
  it('prints the provenance of an image imgcli wrote', async ({ expect }) => {
    const r = await info('made.png');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(BLOCK('made.png', 'png'));
    expect(r.stderr).toBe('');
  });

  it('reads PNG, JPEG and WebP, and says plainly when an image has no imgcli metadata', async ({ expect }) => {
    const r = await info('plain.png', 'plain.gif', 'made.jpeg', 'made.webp');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      [
        'plain.png: no imgcli metadata (png 40x30)',
        'plain.gif: no imgcli metadata (gif 40x30, 1 frame)',
        '',
        BLOCK('made.jpeg', 'jpeg'),
        '',
        BLOCK('made.webp', 'webp'),
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
  });

  it('reads back what imgcli wrote into an animated GIF and an SVG, with the frame count', async ({ expect }) => {
    const r = await info('made.gif', 'made.svg');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      [BLOCK('made.gif', 'gif').replace('(gif 40x30)', '(gif 40x30, 3 frames)'), '', BLOCK('made.svg', 'svg')].join(
        '\n',
      ),
    );
    const json = await info('made.gif', 'made.svg', '--json');
    expect(JSON.parse(json.stdout as string)).toEqual([
      { path: 'made.gif', format: 'gif', width: 40, height: 30, frames: 3, provenance: RECORD },
      { path: 'made.svg', format: 'svg', width: 40, height: 30, provenance: RECORD },
    ]);
  });

  it('prints one JSON array with --json', async ({ expect }) => {
    const r = await info('made.png', 'plain.png', '--json');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout as string)).toEqual([
      { path: 'made.png', format: 'png', width: 40, height: 30, provenance: RECORD },
      { path: 'plain.png', format: 'png', width: 40, height: 30, provenance: null },
    ]);
    expect(r.stderr).toBe('');
  });

  it('fails with exit 2 on a missing file, naming it, and prints nothing on stdout', async ({ expect }) => {
    const r = await info('made.png', 'missing.png');
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: cannot read missing.png: no such file\nhint: Check the paths: imgcli info reads PNG, JPEG, WebP, GIF and SVG files.',
    );
  });

  it('`info out/*`: files that are not images (gallery.html, a folder) are skipped with a note; the images are read', async ({
    expect,
  }) => {
    const r = await info('notes.txt', 'made.png', 'folder', 'gallery.html', '--json');
    expect(r.exitCode).toBe(0);
    expect((JSON.parse(r.stdout as string) as Array<{ path: string }>).map((e) => e.path)).toEqual(['made.png']);
    expect(r.stderr).toBe('skipped what is not an image (3): notes.txt, folder/, gallery.html');
    const text = await info('made.png', 'gallery.html');
    expect(text.stdout).toBe(BLOCK('made.png', 'png'));
  });

  it('names every bad path when no file is an image; --json stays silent too', async ({ expect }) => {
    const r = await info('notes.txt', 'folder', '--json');
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error: cannot read 2 of 2 files: notes\.txt \(not an image\); folder \(it is a folder\)\n/,
    );
  });

  it('needs at least one path, and documents itself', async ({ expect }) => {
    const none = await info();
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain("missing required argument 'image'");
    const help = await info('--help');
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Usage: imgcli info \[options\] <image\.\.\.>/);
    expect(help.stdout).toContain('Examples:\n  $ imgcli info lighthouse.png');
  });
});

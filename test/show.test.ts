// `imgcli show` under simulated terminals, in-process: a stand-in stdout with isTTY, columns and
// rows, the real command line (runCli over a Runtime of fakes). What reaches the "terminal" is
// checked escape by escape; off a terminal, and on one that cannot draw, stdout must hold the
// `imgcli info` text and never an escape code.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { embedProvenance, type Provenance } from '../src/provenance/index.js';
import type { Runtime } from '../src/runtime.js';
import { cleanupTemps, tempDir } from './helpers/cli.js';
import { PINNED } from './helpers/clock.js';
import { imgcliInProcess } from './helpers/in-process.js';

const ESC = '\x1b';
const KITTY = { TERM: 'xterm-kitty', KITTY_WINDOW_ID: '1' };

const RECORD: Provenance = {
  command: 'gen',
  // A prompt is text from a file: its escape must reach the terminal as \u001b, not as ESC.
  prompt: `a lighthouse at dusk ${ESC}[2J`,
  model: 'gpt-image-2',
  endpoint: 'generations',
  parameters: { size: '1024x1024', quality: 'low' },
  request_id: 'req_show',
  created: 1796126400,
  tool: 'imgcli 0.1.0',
};

let dir: string;

function fakeStream(isTTY: boolean, columns = 100, rows = 40) {
  const chunks: string[] = [];
  const stream = {
    isTTY,
    columns,
    rows,
    write: (chunk: string | Uint8Array, cb?: unknown) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1'));
      if (typeof cb === 'function') (cb as () => void)();
      return true;
    },
    on: () => stream,
    once: () => stream,
    off: () => stream,
    removeListener: () => stream,
  };
  return { stream, text: () => chunks.join('') };
}

async function show(
  paths: string[],
  env: Record<string, string>,
  tty: { stdout: boolean; columns?: number; rows?: number },
) {
  const stdout = fakeStream(tty.stdout, tty.columns, tty.rows);
  const stderr = fakeStream(true);
  const rt = {
    signal: new AbortController().signal,
    env: { IMGCLI_CONFIG_DIR: join(dir, 'config'), NO_COLOR: '1', ...env },
    stdin: process.stdin,
    stdout: stdout.stream,
    stderr: stderr.stream,
    now: () => PINNED,
  } as unknown as Runtime;
  const exitCode = await runCli(rt, ['node', 'imgcli', 'show', ...paths.map((p) => join(dir, p))]);
  return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
}

/** Each kitty image: its keys (first chunk) and its PNG, joined back from the chunks. */
function kittyImages(out: string): Array<{ keys: string; png: Buffer }> {
  const images: Array<{ keys: string; png: Buffer }> = [];
  let keys = '';
  let data = '';
  for (const m of out.matchAll(new RegExp(`${ESC}_G([^;]*);([^${ESC}]*)${ESC}\\\\`, 'g'))) {
    if (m[1]!.startsWith('a=T')) keys = m[1]!;
    data += m[2];
    if (m[1]!.includes('m=0')) {
      images.push({ keys, png: Buffer.from(data, 'base64') });
      data = '';
    }
  }
  return images;
}

const widthOf = async (png: Buffer) => (await sharp(png).metadata()).width;

beforeAll(async () => {
  dir = tempDir('imgcli-show-');
  const solid = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: '#3060a0' } })
      .png()
      .toBuffer();
  writeFileSync(join(dir, 'square.png'), embedProvenance(await solid(1024, 1024), 'png', RECORD));
  writeFileSync(join(dir, 'wide.png'), await solid(1536, 1024));
  writeFileSync(join(dir, 'icon.png'), await solid(64, 64));
  writeFileSync(join(dir, 'notes.txt'), 'not an image\n');
  writeFileSync(join(dir, 'gallery.html'), '<!doctype html><title>imgcli gallery</title>\n');
  mkdirSync(join(dir, 'sub'));
});

/** A folder holding a `tmux` whose allow-passthrough is `passthrough`, for PATH. */
function fakeTmux(passthrough: 'on' | 'off'): string {
  const bin = tempDir('imgcli-tmux-');
  writeFileSync(join(bin, 'tmux'), `#!/bin/sh\necho ${passthrough}\n`);
  chmodSync(join(bin, 'tmux'), 0o755);
  return bin;
}
afterAll(() => cleanupTemps());

describe('imgcli show on a terminal that draws images', () => {
  it("kitty: a heading, then the image scaled by rows when the width would be too tall; the prompt's escapes are defused", async () => {
    const r = await show(['square.png'], KITTY, { stdout: true, columns: 100, rows: 40 });
    expect(r.exitCode).toBe(0);
    const [heading, ...rest] = r.stdout.split('\n');
    expect(heading).toBe(`${join(dir, 'square.png')} (png 1024x1024) gpt-image-2: a lighthouse at dusk \\u001b[2J`);
    expect(rest.join('\n').startsWith(`${ESC}_Ga=T,f=100,q=2,r=38,`)).toBe(true);
    const [image] = kittyImages(r.stdout);
    // 38 rows of a square image are 76 columns; sent at 16 px a column, never enlarged.
    expect(await widthOf(image!.png)).toBe(1024);
    expect(r.stderr).toBe('');
    // A narrow terminal cuts the heading to its width.
    const narrow = await show(['square.png'], KITTY, { stdout: true, columns: 40, rows: 40 });
    const cut = narrow.stdout.split('\n')[0]!;
    expect(cut).toHaveLength(40);
    expect(cut.endsWith('...')).toBe(true);
  });

  it("kitty: a wide image takes the terminal's width; a small icon keeps its own size", async () => {
    const r = await show(['wide.png', 'icon.png'], KITTY, { stdout: true, columns: 100, rows: 40 });
    expect(r.exitCode).toBe(0);
    const images = kittyImages(r.stdout);
    expect(images.map((i) => i.keys)).toEqual(['a=T,f=100,q=2,c=100,m=1', 'a=T,f=100,q=2,c=8,m=0']);
    expect(await Promise.all(images.map((i) => widthOf(i.png)))).toEqual([1536, 64]);
    expect(r.stdout).toContain(`${join(dir, 'icon.png')} (png 64x64) no imgcli metadata\n`);
  });

  it('iTerm2: OSC 1337 with the width (or height) in cells; inside tmux each sequence is wrapped for pass-through', async () => {
    const iterm = await show(
      ['wide.png', 'square.png'],
      { TERM_PROGRAM: 'iTerm.app' },
      { stdout: true, columns: 120, rows: 50 },
    );
    const headers = [...iterm.stdout.matchAll(new RegExp(`${ESC}\\]1337;File=([^:]*):[A-Za-z0-9+/=]+\x07\n`, 'g'))].map(
      (m) => m[1]!.replace(/size=\d+/, 'size=N'),
    );
    // 120 columns of the 3:2 image are 40 rows, which fit in 48; the square one would need 60.
    expect(headers).toEqual(['inline=1;size=N;width=120', 'inline=1;size=N;height=48']);
    const tmux = await show(
      ['icon.png'],
      { TMUX: '/tmp/t,1,0', TERM_PROGRAM: 'tmux', KITTY_WINDOW_ID: '2' },
      { stdout: true },
    );
    expect(tmux.stdout).toContain(`${ESC}Ptmux;${ESC}${ESC}_Ga=T,f=100,q=2,c=8,`);
  });
});

describe('imgcli show where images cannot be drawn', () => {
  it("stdout not a terminal (kitty env or not): exactly imgcli info's text, no escape code", async () => {
    const info = await imgcliInProcess(['info', join(dir, 'square.png'), join(dir, 'icon.png')]);
    for (const env of [KITTY, { TERM_PROGRAM: 'iTerm.app' }, {}]) {
      const r = await show(['square.png', 'icon.png'], env, { stdout: false });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe(`${info.stdout}\n`);
      expect(r.stdout).not.toContain(ESC);
      expect(r.stderr).toBe('');
    }
  });

  it('a terminal with no image protocol, GNU screen, or tmux without pass-through: the summary, and why on stderr', async () => {
    const inTmux = { TMUX: '/tmp/t,1,0', TERM_PROGRAM: 'tmux', KITTY_WINDOW_ID: '2' };
    for (const [env, why] of [
      [{ TERM: 'xterm-256color' }, 'this terminal cannot draw images (kitty, Ghostty, WezTerm and iTerm2 can)'],
      [{ ...KITTY, STY: '1234.pts-0' }, 'GNU screen does not pass images through to the terminal'],
      [
        { ...inTmux, PATH: fakeTmux('off') },
        'tmux does not pass images through to the terminal: run `tmux set -g allow-passthrough on`',
      ],
      [
        { TMUX: '/tmp/t,1,0', TERM: 'tmux-256color', PATH: fakeTmux('on') },
        'no terminal that draws images was found outside tmux (kitty, Ghostty, WezTerm and iTerm2 can: start tmux from one of them, and run `tmux set -g allow-passthrough on`)',
      ],
    ] as const) {
      const r = await show(['square.png'], env, { stdout: true });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^\S+square\.png \(png 1024x1024\)\n {2}prompt: {10}a lighthouse at dusk \\u001b\[2J\n/);
      expect(r.stdout).not.toContain(ESC);
      expect(r.stderr).toBe(`${why}; shown: what the files hold\n`);
    }
    // With pass-through on, tmux gets the image, wrapped.
    const drawn = await show(['square.png'], { ...inTmux, PATH: fakeTmux('on') }, { stdout: true });
    expect(drawn.stdout).toContain(`${ESC}Ptmux;${ESC}${ESC}_G`);
    expect(drawn.stderr).toBe('');
  });

  it('a missing file: exit 2, nothing shown; only files that are not images: exit 2', async () => {
    const r = await show(['square.png', 'missing.png', 'notes.txt'], KITTY, { stdout: true });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error: cannot read .*missing\.png: no such file\nhint: Check the paths: imgcli show reads PNG, JPEG, WebP, GIF and SVG files\.\n$/,
    );
    const none = await show(['notes.txt'], KITTY, { stdout: true });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/^error: cannot read .*notes\.txt: not an image\n/);
  });

  it('`show out/*` where out/ holds gallery.html and a folder: the images, and a note of what was skipped', async () => {
    const r = await show(
      ['square.png', 'gallery.html', 'icon.png', 'sub'],
      { TERM: 'xterm-256color' },
      { stdout: false },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/square\.png \(png 1024x1024\)[\s\S]*icon\.png: no imgcli metadata \(png 64x64\)\n$/);
    expect(r.stderr).toBe(`skipped what is not an image (2): ${join(dir, 'gallery.html')}, ${join(dir, 'sub')}/\n`);
  });
});

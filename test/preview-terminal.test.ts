// --preview under a simulated terminal, in-process: a stand-in stderr with isTTY and columns, the
// real command line (buildProgram with a Runtime of fakes) and the offline server. What reaches
// the "terminal" is checked escape by escape; stdout must never see one.
import { PINNED } from './helpers/clock.js';
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli.js';
import type { Runtime } from '../src/runtime.js';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { createPreviewer } from '../src/terminal/previewer.js';
import { cleanupTemps, FAKE_KEY, tempDir } from './helpers/cli.js';

const ESC = '\x1b';
const KITTY_START = `${ESC}_Ga=T,f=100,q=2,`;
const KITTY = { TERM: 'xterm-kitty', KITTY_WINDOW_ID: '1' };

/** A writable that remembers what was written, and says it is (or is not) a terminal. */
function fakeTerminal(isTTY: boolean, columns = 100) {
  const chunks: string[] = [];
  const noop = () => true;
  const stream = {
    isTTY,
    columns,
    rows: 40,
    write: (chunk: string | Uint8Array, cb?: unknown) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1'));
      if (typeof cb === 'function') (cb as () => void)();
      return true;
    },
    // what ora and cli-cursor call on a TTY
    cursorTo: noop,
    moveCursor: noop,
    clearLine: noop,
    on: () => stream,
    once: () => stream,
    off: () => stream,
    removeListener: () => stream,
  };
  return { stream, text: () => chunks.join('') };
}

/** The PNGs inside kitty sequences, each joined back from its chunks. */
function kittyImages(out: string): Buffer[] {
  const images: Buffer[] = [];
  let current = '';
  for (const m of out.matchAll(new RegExp(`${ESC}_G([^;]*);([^${ESC}]*)${ESC}\\\\`, 'g'))) {
    current += m[2];
    if (m[1]!.includes('m=0')) {
      images.push(Buffer.from(current, 'base64'));
      current = '';
    }
  }
  return images;
}

/** A folder holding a `tmux` that answers `show-options -Apv allow-passthrough` (undefined: a tmux that does not know it), for PATH. */
function fakeTmux(passthrough: 'on' | 'off' | undefined): string {
  const bin = tempDir('imgcli-tmux-');
  const answer = passthrough ? `echo ${passthrough}` : 'echo "invalid option: allow-passthrough" >&2; exit 1';
  writeFileSync(join(bin, 'tmux'), `#!/bin/sh\n${answer}\n`);
  chmodSync(join(bin, 'tmux'), 0o755);
  return bin;
}

const tinyPng = () =>
  sharp({ create: { width: 1024, height: 512, channels: 3, background: '#4488cc' } })
    .png()
    .toBuffer();

describe('createPreviewer', () => {
  it('is undefined off a TTY, on a terminal without an image protocol, and in tmux without pass-through: and says why', async () => {
    const notes: string[] = [];
    const note = (line: string) => notes.push(line);
    expect(await createPreviewer(fakeTerminal(false).stream, KITTY, () => {}, note)).toBeUndefined();
    const apple = { TERM: 'xterm-256color', TERM_PROGRAM: 'Apple_Terminal' };
    expect(await createPreviewer(fakeTerminal(true).stream, apple, () => {}, note)).toBeUndefined();
    const inTmux = { TMUX: '/tmp/t,1,0', TERM_PROGRAM: 'tmux', KITTY_WINDOW_ID: '2' };
    expect(
      await createPreviewer(fakeTerminal(true).stream, { ...inTmux, PATH: fakeTmux('off') }, () => {}, note),
    ).toBeUndefined();
    // Inside tmux with no trace of the terminal outside it.
    const bare = { TMUX: '/tmp/t,1,0', TERM_PROGRAM: 'tmux', TERM: 'tmux-256color', PATH: fakeTmux('on') };
    expect(await createPreviewer(fakeTerminal(true).stream, bare, () => {}, note)).toBeUndefined();
    expect(notes).toEqual([
      'no preview: stderr is not a terminal',
      'no preview: this terminal cannot draw images (kitty, Ghostty, WezTerm and iTerm2 can)',
      'no preview: tmux does not pass images through to the terminal: run `tmux set -g allow-passthrough on`',
      'no preview: no terminal that draws images was found outside tmux (kitty, Ghostty, WezTerm and iTerm2 can: start tmux from one of them, and run `tmux set -g allow-passthrough on`)',
    ]);
    // tmux 3.3 and later with pass-through on, and older ones that do not know the option, draw.
    expect(
      await createPreviewer(fakeTerminal(true).stream, { ...inTmux, PATH: fakeTmux('on') }, () => {}, note),
    ).toBeDefined();
    expect(
      await createPreviewer(fakeTerminal(true).stream, { ...inTmux, PATH: fakeTmux(undefined) }, () => {}, note),
    ).toBeDefined();
    expect(notes).toHaveLength(4);
  });

  it('kitty: draws a PNG shrunk to the terminal, partials half the width of finals, a newline after each', async () => {
    const term = fakeTerminal(true, 60);
    const preview = (await createPreviewer(term.stream, KITTY, () => {}))!;
    await preview.show(await tinyPng(), 'final');
    await preview.show(await tinyPng(), 'partial');
    const out = term.text();
    expect(out.startsWith(KITTY_START)).toBe(true);
    expect(out.endsWith(`${ESC}\\\n`)).toBe(true);
    const widths = await Promise.all(kittyImages(out).map(async (png) => (await sharp(png).metadata()).width));
    expect(widths).toEqual([60 * 8, 40 * 8]);
  });

  it('iTerm2: OSC 1337 with the width in cells; inside tmux each sequence is wrapped for pass-through', async () => {
    const iterm = fakeTerminal(true, 200);
    await (await createPreviewer(iterm.stream, { TERM_PROGRAM: 'iTerm.app' }, () => {}))!.show(
      await tinyPng(),
      'final',
    );
    expect(iterm.text()).toMatch(
      new RegExp(`^${ESC}\\]1337;File=inline=1;size=\\d+;width=80:[A-Za-z0-9+/=]+\\x07\\n$`),
    );
    const tmux = fakeTerminal(true, 80);
    await (await createPreviewer(
      tmux.stream,
      { TMUX: '/tmp/t,1,0', TERM_PROGRAM: 'tmux', KITTY_WINDOW_ID: '2', PATH: fakeTmux('on') },
      () => {},
    ))!.show(await tinyPng(), 'final');
    expect(tmux.text().startsWith(`${ESC}Ptmux;${ESC}${ESC}_Ga=T`)).toBe(true);
  });

  it('an unreadable image warns once and never throws; later previews are skipped', async () => {
    const term = fakeTerminal(true);
    const warnings: string[] = [];
    const preview = (await createPreviewer(term.stream, KITTY, (l) => warnings.push(l)))!;
    await preview.show(Buffer.from('not an image'), 'partial');
    await preview.show(await tinyPng(), 'final');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^no preview: /);
    expect(term.text()).toBe('');
  });

  it('writes through `around`, so a spinner can step aside', async () => {
    const term = fakeTerminal(true);
    const calls: string[] = [];
    await (await createPreviewer(term.stream, KITTY, () => {}))!.show(await tinyPng(), 'final', (write) => {
      calls.push('clear');
      write();
      calls.push('redraw');
    });
    expect(calls).toEqual(['clear', 'redraw']);
    expect(term.text().startsWith(KITTY_START)).toBe(true);
  });
});

describe('imgcli gen --preview in a simulated kitty', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockServer({ streamDelayMs: 5 });
  });
  afterAll(async () => {
    await mock.close();
    cleanupTemps();
  });

  async function run(args: string[], env: Record<string, string>, isTTY = true) {
    const dir = tempDir();
    const stdout = fakeTerminal(false);
    const stderr = fakeTerminal(isTTY, 100);
    const rt = {
      signal: new AbortController().signal,
      env: { OPENAI_API_KEY: FAKE_KEY, IMGCLI_CONFIG_DIR: join(dir, 'config'), NO_COLOR: '1', ...env },
      stdin: process.stdin,
      stdout: stdout.stream,
      stderr: stderr.stream,
      now: () => PINNED,
    } as unknown as Runtime;
    await (await buildProgram(rt)).parseAsync([
      'node',
      'imgcli',
      '--base-url',
      mock.url,
      'gen',
      'a fox',
      '-q',
      'low',
      '-o',
      join(dir, 'fox.png'),
      ...args,
    ]);
    return {
      stdout: stdout.text(),
      stderr: stderr.text(),
      files: readdirSync(dir)
        .filter((f) => f !== 'config')
        .sort(),
    };
  }

  it('--stream --preview: both partials and the final, in order, on stderr only (spinner running)', async () => {
    const r = await run(['--stream', '--preview'], KITTY);
    expect(r.files).toEqual(['fox.partial-0.png', 'fox.partial-1.png', 'fox.png']);
    expect(r.stdout).not.toContain(ESC);
    const images = kittyImages(r.stderr);
    expect(images).toHaveLength(3);
    const widths = await Promise.all(images.map(async (png) => (await sharp(png).metadata()).width));
    expect(widths).toEqual([320, 320, 640]);
  });

  it('--no-partials still previews the partials', async () => {
    const r = await run(['--stream', '--no-partials', '--preview'], { ...KITTY, CI: '1' });
    expect(r.files).toEqual(['fox.png']);
    expect(kittyImages(r.stderr)).toHaveLength(3);
  });

  it('without --stream, --preview shows the final image', async () => {
    const r = await run(['--preview'], { ...KITTY, CI: '1' });
    expect(r.files).toEqual(['fox.png']);
    expect(kittyImages(r.stderr)).toHaveLength(1);
    expect(r.stdout).toMatch(/fox\.png\n$/);
    expect(r.stdout).not.toContain(ESC);
  });

  it('draws nothing on an unknown terminal or off a TTY, and says once why; nothing at all without --preview', async () => {
    for (const [args, env, tty, note] of [
      [['--stream', '--preview'], { TERM: 'xterm-256color', CI: '1' }, true, 'this terminal cannot draw images'],
      [['--stream', '--preview'], { ...KITTY, CI: '1' }, false, 'stderr is not a terminal'],
      [['--stream'], { ...KITTY, CI: '1' }, true, undefined],
    ] as const) {
      const r = await run([...args], env, tty);
      expect(r.files).toHaveLength(3);
      expect(r.stderr).not.toContain(`${ESC}_G`);
      expect(r.stderr).not.toMatch(/warning/);
      expect(r.stderr.match(/no preview: .*/g) ?? []).toEqual(
        note ? [expect.stringContaining(`no preview: ${note}`)] : [],
      );
    }
  });
});

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { detectInlineProtocol, encodeInline, renderPreview, type InlineProtocol } from '../src/terminal/preview.js';

const ESC = '\x1b';

describe('detectInlineProtocol', () => {
  const table: [string, Record<string, string | undefined>, InlineProtocol | undefined][] = [
    ['kitty by TERM', { TERM: 'xterm-kitty' }, 'kitty'],
    ['kitty by KITTY_WINDOW_ID', { TERM: 'xterm-256color', KITTY_WINDOW_ID: '1' }, 'kitty'],
    ['Ghostty', { TERM_PROGRAM: 'ghostty', TERM: 'xterm-ghostty' }, 'kitty'],
    ['Ghostty by TERM only (over ssh)', { TERM: 'xterm-ghostty' }, 'kitty'],
    ['WezTerm speaks both: kitty wins', { TERM_PROGRAM: 'WezTerm', TERM: 'xterm-256color' }, 'kitty'],
    ['iTerm2', { TERM_PROGRAM: 'iTerm.app', LC_TERMINAL: 'iTerm2', TERM: 'xterm-256color' }, 'iterm2'],
    ['iTerm2 over ssh (LC_TERMINAL only)', { LC_TERMINAL: 'iTerm2', TERM: 'xterm-256color' }, 'iterm2'],
    ['iTerm2 wins over a stale KITTY_WINDOW_ID', { TERM_PROGRAM: 'iTerm.app', KITTY_WINDOW_ID: '3' }, 'iterm2'],
    [
      'tmux in iTerm2',
      { TMUX: '/tmp/tmux-501/default,1,0', TERM_PROGRAM: 'tmux', TERM: 'tmux-256color', LC_TERMINAL: 'iTerm2' },
      'iterm2',
    ],
    [
      'tmux in kitty',
      { TMUX: '/tmp/tmux-1000/default,1,0', TERM_PROGRAM: 'tmux', TERM: 'screen-256color', KITTY_WINDOW_ID: '2' },
      'kitty',
    ],
    ['tmux in WezTerm', { TMUX: '/tmp/t,1,0', TERM_PROGRAM: 'tmux', WEZTERM_PANE: '0' }, 'kitty'],
    ['tmux in an unknown terminal', { TMUX: '/tmp/t,1,0', TERM_PROGRAM: 'tmux', TERM: 'tmux-256color' }, undefined],
    ['GNU screen', { STY: '1234.pts-0.host', TERM: 'screen', KITTY_WINDOW_ID: '1' }, undefined],
    ['Apple Terminal', { TERM_PROGRAM: 'Apple_Terminal', TERM: 'xterm-256color' }, undefined],
    ['VS Code', { TERM_PROGRAM: 'vscode', TERM: 'xterm-256color' }, undefined],
    ['dumb terminal', { TERM: 'dumb', KITTY_WINDOW_ID: '1' }, undefined],
    ['nothing at all', {}, undefined],
  ];
  for (const [name, env, expected] of table) {
    it(`${name} -> ${expected ?? 'none'}`, () => {
      expect(detectInlineProtocol(env, true)).toBe(expected);
    });
  }

  it('never picks a protocol when the stream is not a TTY', () => {
    for (const [, env] of table) expect(detectInlineProtocol(env, false)).toBeUndefined();
  });
});

/** The kitty sequences of an encoding, each split into its keys and its payload. */
function kittyParts(out: string): { keys: string; payload: string }[] {
  const re = new RegExp(`${ESC}_G([^;]*);([^${ESC}]*)${ESC}\\\\`, 'g');
  const parts = [...out.matchAll(re)].map((m) => ({ keys: m[1]!, payload: m[2]! }));
  expect(parts.map((p) => `${ESC}_G${p.keys};${p.payload}${ESC}\\`).join('')).toBe(out);
  return parts;
}

describe('encodeInline: kitty', () => {
  it('sends a small PNG as one sequence: a=T,f=100 and m=0', () => {
    const png = Buffer.from('tiny png');
    expect(encodeInline(png, 'kitty', {})).toBe(`${ESC}_Ga=T,f=100,q=2,m=0;${png.toString('base64')}${ESC}\\`);
  });

  it('cuts the base64 into chunks of 4096: m=1 on all but the last, keys only on the first', () => {
    const png = Buffer.alloc(7000, 0xab); // 9336 base64 characters: 4096 + 4096 + 1144
    const parts = kittyParts(encodeInline(png, 'kitty', { columns: 80 }));
    expect(parts.map((p) => p.keys)).toEqual(['a=T,f=100,q=2,m=1', 'q=2,m=1', 'q=2,m=0']);
    expect(parts.map((p) => p.payload.length)).toEqual([4096, 4096, 1144]);
    expect(parts.map((p) => p.payload).join('')).toBe(png.toString('base64'));
  });

  it('makes exactly full chunks when the base64 is a multiple of 4096', () => {
    const png = Buffer.alloc(3072 * 2, 1); // 8192 base64 characters
    const parts = kittyParts(encodeInline(png, 'kitty', {}));
    expect(parts.map((p) => [p.keys.endsWith('m=1'), p.payload.length])).toEqual([
      [true, 4096],
      [false, 4096],
    ]);
  });

  it('wraps each chunk in its own tmux passthrough, with the inner ESC doubled', () => {
    const png = Buffer.alloc(4000, 7); // two chunks
    const plain = kittyParts(encodeInline(png, 'kitty', {}));
    const wrapped = encodeInline(png, 'kitty', { tmux: true });
    const expected = plain
      .map((p) => `${ESC}Ptmux;${ESC}${ESC}_G${p.keys};${p.payload}${ESC}${ESC}\\${ESC}\\`)
      .join('');
    expect(wrapped).toBe(expected);
  });
});

describe('encodeInline: iTerm2', () => {
  it('writes OSC 1337 with inline=1, the byte size, the width in cells, then BEL', () => {
    const png = Buffer.from('some png bytes');
    expect(encodeInline(png, 'iterm2', { columns: 40 })).toBe(
      `${ESC}]1337;File=inline=1;size=${png.length};width=40:${png.toString('base64')}\x07`,
    );
  });

  it('leaves width out when no columns are given, and keeps one sequence however large', () => {
    const png = Buffer.alloc(10_000, 3);
    const out = encodeInline(png, 'iterm2', {});
    expect(out).toBe(`${ESC}]1337;File=inline=1;size=10000:${png.toString('base64')}\x07`);
  });

  it('wraps for tmux with the inner ESC doubled', () => {
    const png = Buffer.from('x');
    expect(encodeInline(png, 'iterm2', { tmux: true, columns: 10 })).toBe(
      `${ESC}Ptmux;${ESC}${ESC}]1337;File=inline=1;size=1;width=10:eA==\x07${ESC}\\`,
    );
  });
});

/** Puts the payload of an encoding back together as the PNG it carries. */
function decodePayload(out: string, protocol: InlineProtocol): Buffer {
  if (protocol === 'kitty')
    return Buffer.from(
      kittyParts(out)
        .map((p) => p.payload)
        .join(''),
      'base64',
    );
  const m = /^\x1b\]1337;File=([^:]*):([A-Za-z0-9+/=]*)\x07$/.exec(out);
  expect(m).not.toBeNull();
  const png = Buffer.from(m![2]!, 'base64');
  expect(m![1]).toContain(`size=${png.length}`);
  return png;
}

describe('renderPreview', () => {
  it('downscales a 2000 px image to about columns x 8 px, as PNG, for both protocols', async () => {
    const big = await sharp({
      create: { width: 2000, height: 1000, channels: 3, background: { r: 200, g: 30, b: 90 } },
    })
      .jpeg()
      .toBuffer();
    for (const protocol of ['kitty', 'iterm2'] as const) {
      const out = await renderPreview(big, { protocol, columns: 60 });
      const meta = await sharp(decodePayload(out, protocol)).metadata();
      expect(meta).toMatchObject({ format: 'png', width: 480, height: 240 });
      if (protocol === 'iterm2') expect(out).toContain(';width=60:');
    }
  });

  it('never enlarges a small image, and sizes it in iTerm2 by its own width', async () => {
    const small = await sharp({ create: { width: 100, height: 50, channels: 4, background: '#00000000' } })
      .png()
      .toBuffer();
    const out = await renderPreview(small, { protocol: 'iterm2', columns: 80 });
    expect((await sharp(decodePayload(out, 'iterm2')).metadata()).width).toBe(100);
    expect(out).toContain(';width=13:');
  });

  it('wraps for tmux when asked', async () => {
    const img = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const out = await renderPreview(img, { protocol: 'kitty', columns: 80, tmux: true });
    expect(out.startsWith(`${ESC}Ptmux;${ESC}${ESC}_Ga=T,f=100,`)).toBe(true);
    expect(out.endsWith(`${ESC}${ESC}\\${ESC}\\`)).toBe(true);
  });

  it('rejects bytes that are not an image', async () => {
    await expect(renderPreview(Buffer.from('not an image'), { protocol: 'kitty', columns: 80 })).rejects.toThrow();
  });
});

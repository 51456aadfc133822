// The bad-input corpus: invalid invocations across every command. Each must exit 2, name the flag
// or file at fault on stderr, print nothing on stdout, and send no request at all. The corpus runs
// in-process (helpers/in-process.ts); a few cases also run as the built binary, for the wiring.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { cleanupTemps, imgcli, tempDir } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';

let mock: MockServer;
const dir = tempDir('imgcli-bad-input-');

beforeAll(async () => {
  mock = await startMockServer();
  const solid = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#888' } });
  await solid(64, 64).png().toFile(join(dir, 'square.png'));
  await solid(96, 64).png().toFile(join(dir, 'wide.png'));
  await solid(64, 64).jpeg().toFile(join(dir, 'photo.jpg'));
  await solid(64, 64).png().toFile(join(dir, 'rgb-mask.png'));
  await solid(32, 32).ensureAlpha(0).png().toFile(join(dir, 'small-mask.png'));
  await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toFile(join(dir, 'alpha-mask.png'));
  await solid(64, 64).gif().toFile(join(dir, 'anim.gif'));
  writeFileSync(join(dir, 'notes.png'), 'this is text, not an image\n');
  writeFileSync(join(dir, 'empty.png'), '');
  writeFileSync(join(dir, 'jobs-bad.jsonl'), '{"prompt": "x", "sise": "1024x1024"}\n');
  for (let i = 0; i < 17; i++)
    await solid(16, 16)
      .png()
      .toFile(join(dir, `many-${i}.png`));
});

afterAll(async () => {
  expect(mock.requests).toHaveLength(0);
  await mock.close();
  cleanupTemps();
});

const many = Array.from({ length: 17 }, (_, i) => `many-${i}.png`);

/** [argv after the global --base-url, what stderr must mention] */
const CORPUS: Array<[string[], RegExp]> = [
  // gen: flags, values, conflicts
  [['gen', 'x', '-n', '0'], /--count 0/],
  [['gen', 'x', '-n', '11'], /--count 11/],
  [['gen', 'x', '-n', 'two'], /--count takes a whole number/],
  [['gen', 'x', '-n', '1.5'], /--count takes a whole number/],
  [['gen', 'x', '-s', 'huge'], /--size huge/],
  [['gen', 'x', '-s', '1000x1000'], /--size 1000x1000.*multiples of 16/],
  [['gen', 'x', '-s', '4000x1000'], /--size 4000x1000/],
  [['gen', 'x', '-s', '512x512'], /--size 512x512/],
  [['gen', 'x', '-q', 'hd'], /--quality hd/],
  [['gen', 'x', '-q', 'ultra', '-m', 'dall-e-3'], /--quality ultra/],
  [['gen', 'x', '--style', 'vivid'], /--style is not accepted/],
  [['gen', 'x', '--style', 'pastel', '-m', 'dall-e-3'], /--style pastel/],
  [['gen', 'x', '--background', 'clear'], /--background clear/],
  [['gen', 'x', '--background', 'transparent', '-f', 'jpeg'], /--background transparent needs/],
  [['gen', 'x', '--background', 'transparent', '-o', 'a.jpg'], /--background transparent needs/],
  [['gen', 'x', '-f', 'bmp'], /--format bmp/],
  [['gen', 'x', '-f', 'png', '-o', 'a.webp'], /--format png conflicts with -o a\.webp/],
  [['gen', 'x', '-o', 'a.gif'], /-o a\.gif/],
  [['gen', 'x', '-o', 'a.tiff'], /-o a\.tiff/],
  [['gen', 'x', '--compression', '50'], /--compression works only with/],
  [['gen', 'x', '--compression', '101', '-f', 'jpeg'], /--compression takes 0 to 100/],
  [['gen', 'x', '--compression', 'high', '-f', 'jpeg'], /--compression takes a whole number/],
  [['gen', 'x', '--moderation', 'strict'], /--moderation strict/],
  [['gen', 'x', '--moderation', 'low', '-m', 'dall-e-2'], /--moderation is not accepted/],
  [['gen', 'x', '--response-format', 'url'], /--response-format is not accepted/],
  [['gen', 'x', '--response-format', 'png', '-m', 'dall-e-2'], /--response-format png/],
  [['gen', 'x', '-m', 'dall-e-3', '-n', '2'], /--count 2 is not valid for dall-e-3/],
  [['gen', 'x', '-m', 'dall-e-3', '-o', 'a.jpg'], /dall-e-3 only returns png/],
  [['gen', 'x'.repeat(1001), '-m', 'dall-e-2'], /1001 characters/],
  [['gen', 'x'.repeat(4001), '-m', 'dall-e-3'], /4001 characters/],
  [['gen', ''], /the prompt is empty/],
  [['gen', '   '], /the prompt is empty/],
  [['gen', '@missing-prompt.txt'], /missing-prompt\.txt: no such file/],
  [['gen', 'x', '-o', '-', '-n', '2'], /-o - writes one image/],
  [['gen', 'x', '-o', '-', '--json'], /--json and -o -/],
  [['gen', 'x', '--sise', '1024x1024'], /unknown option '--sise'/],
  [['gen', 'x', '--timeout', '0'], /--timeout/],
  [['gen', 'x', '--timeout', 'soon'], /--timeout/],
  [['gen', 'x', '--max-retries', '-1'], /--max-retries/],
  [['gen', 'x', '--max-retries', '99'], /--max-retries/],
  [['gen', 'x', '--param', 'noequals'], /--param/],
  [['gen', 'x', '--param', 'model=dall-e-3'], /--param model/],
  [['gen', 'x', '-o', 'square.png/out.png'], /square\.png/],
  [['gen', 'x', '-o', 'square.png', '--no-clobber'], /square\.png already exists/],
  [['gen', 'x', '--base-url', 'ftp://example.com'], /--base-url/],
  [['gen', 'x', '--base-url', 'not a url'], /--base-url/],
  [['gen', 'x', '--auth-header', 'cookie'], /--auth-header/],
  [['gen', 'x', '--azure-deployment', 'dep'], /--azure-api-version/],
  [['gen', 'x', '--stream', '-m', 'dall-e-3'], /--stream/],
  [['gen', 'x', '--partial-images', '4', '--stream'], /--partial-images/],
  [['generate', 'x'], /unknown command 'generate'/],
  // edit: files judged by content, counts, masks, flags
  [['edit', 'missing.png', '-p', 'x'], /missing\.png/],
  [['edit', 'notes.png', '-p', 'x'], /notes\.png/],
  [['edit', 'empty.png', '-p', 'x'], /empty\.png/],
  [['edit', 'anim.gif', '-p', 'x'], /anim\.gif/],
  [['edit', '.', '-p', 'x'], /\./],
  [['edit', 'square.png'], /-p/],
  [['edit', 'square.png', '-p', ''], /the prompt is empty/],
  [['edit', 'square.png', '-p', '@nope.txt'], /nope\.txt/],
  [['edit', ...many, '-p', 'x'], /17/],
  [['edit', 'square.png', 'wide.png', '-p', 'x', '-m', 'dall-e-2'], /dall-e-2/],
  [
    ['edit', 'wide.png', '-p', 'x', '-m', 'dall-e-2', '--mask', 'alpha-mask.png'],
    /wide\.png.*square|square.*wide\.png|--fit/,
  ],
  [['edit', 'photo.jpg', '-p', 'x', '-m', 'dall-e-2', '--mask', 'alpha-mask.png'], /photo\.jpg/],
  [['edit', 'square.png', '-p', 'x', '--mask', 'missing-mask.png'], /missing-mask\.png/],
  [['edit', 'square.png', '-p', 'x', '--mask', 'rgb-mask.png'], /rgb-mask\.png.*(alpha|transparen)/],
  [['edit', 'square.png', '-p', 'x', '--mask', 'small-mask.png'], /small-mask\.png.*32x32|32x32.*64x64/],
  [['edit', 'square.png', '-p', 'x', '--mask', 'photo.jpg'], /photo\.jpg/],
  [['edit', 'square.png', '-p', 'x', '--mask', 'notes.png'], /notes\.png/],
  [
    ['edit', 'square.png', '-p', 'x', '--mask', 'alpha-mask.png', '--mask-from', 'square.png'],
    /--mask and --mask-from/,
  ],
  [['edit', 'square.png', '-p', 'x', '--mask-from', 'wide.png'], /wide\.png|aspect/],
  [['edit', 'square.png', '-p', 'x', '--mask-from', 'missing-draw.png'], /missing-draw\.png/],
  [['edit', 'square.png', '-p', 'x', '--input-fidelity', 'high'], /--input-fidelity/],
  [['edit', 'square.png', '-p', 'x', '--input-fidelity', 'max', '-m', 'gpt-image-1.5'], /--input-fidelity max/],
  [['edit', 'square.png', '-p', 'x', '--moderation', 'low'], /--moderation/],
  // Every field is a flag of every image command; one no edit model takes is explained, not unknown.
  [
    ['edit', 'square.png', '-p', 'x', '--style', 'vivid'],
    /--style is not accepted by gpt-image-2 for edits; it is for generations only/,
  ],
  [['edit', 'square.png', '-p', 'x', '-m', 'dall-e-3'], /dall-e-3/],
  [['edit', 'square.png', '-p', 'x', '--fit', 'stretch'], /--fit/],
  [['edit', 'square.png', '-p', 'x', '-n', '0'], /--count 0/],
  [['edit', 'square.png', '-p', 'x', '-s', '999x999'], /--size 999x999/],
  [['edit', 'square.png', '-p', 'x', '-q', 'hd'], /--quality hd/],
  [['edit', 'square.png', '-p', 'x', '--response-format', 'url'], /--response-format/],
  [['edit', 'square.png', '-p', 'x'.repeat(1001), '-m', 'dall-e-2'], /1001 characters/],
  [['edit', 'square.png', '-p', 'x', '-o', '-', '-n', '3'], /-o - writes one image/],
  [['edit'], /image/],
  // vary
  [['vary'], /image/],
  [['vary', 'missing.png'], /missing\.png/],
  [['vary', 'notes.png'], /notes\.png/],
  [['vary', 'square.png', 'wide.png'], /too many arguments|unknown|one image/i],
  [['vary', 'square.png', '-m', 'dall-e-3'], /dall-e-3/],
  [['vary', 'wide.png', '-m', 'dall-e-2'], /wide\.png.*(square|--fit)/],
  [['vary', 'photo.jpg', '-m', 'dall-e-2'], /photo\.jpg/],
  [['vary', 'square.png', '-m', 'dall-e-2', '-s', '1536x1024'], /--size 1536x1024/],
  [['vary', 'square.png', '-m', 'dall-e-2', '-n', '11'], /--count 11/],
  // vary takes what its models take: -q goes through edits for GPT models, not to dall-e-2's variations.
  [['vary', 'square.png', '-m', 'dall-e-2', '-q', 'high'], /--quality is not accepted by dall-e-2 for variations/],
  [['vary', 'square.png', '--fit', 'fill'], /--fit/],
  [['vary', 'square.png', '--response-format', 'url'], /--response-format/],
  // mask
  [['mask', 'missing.png', '-o', 'm.png'], /missing\.png/],
  [['mask', 'notes.png', '-o', 'm.png'], /notes\.png/],
  [['mask', 'square.png'], /-o/],
  [['mask', 'square.png', '-o', 'm.jpg'], /m\.jpg/],
  [['mask', 'square.png', '-o', 'm.png', '--threshold', '300'], /--threshold/],
  [['mask', 'square.png', '-o', 'm.png', '--threshold', 'mid'], /--threshold/],
  [['mask', 'square.png', '-o', 'm.png', '--grow', '-3'], /--grow/],
  [['mask', 'square.png', '-o', 'm.png', '--grow', '2', '--shrink', '2'], /--grow.*--shrink|--shrink.*--grow/],
  [['mask', 'square.png', '-o', 'm.png', '--feather', 'soft'], /--feather/],
  [['mask', 'wide.png', '--like', 'square.png', '-o', 'm.png'], /aspect|--fit/],
  [['mask', 'square.png', '--like', 'missing.png', '-o', 'm.png'], /missing\.png/],
  [['mask', 'square.png', '--size', '64', '-o', 'm.png'], /--size/],
  [['mask', '--size', '64x64', '--rect', '0,0,100,10', '-o', 'm.png'], /--rect/],
  [['mask', '--size', '64x64', '--rect', '1,2,3', '-o', 'm.png'], /--rect/],
  [['mask', '--size', '64x64', '--ellipse', '100,100,5,5', '-o', 'm.png'], /--ellipse/],
  [['mask', '--rect', '0,0,10,10', '-o', 'm.png'], /--size|--like/],
  [['mask', '--from-alpha', 'missing.png', '-o', 'm.png'], /missing\.png/],
  [['mask', 'square.png', '--preview', 'p.png', '-o', 'm.png'], /--preview.*--like|--like/],
  [['mask', '--check', 'rgb-mask.png'], /rgb-mask\.png/],
  [['mask', '--check', 'small-mask.png', '--like', 'square.png'], /small-mask\.png|32x32/],
  [['mask', '--check', 'missing.png'], /missing\.png/],
  [['mask', 'square.png', '-o', 'm.png', '--fit', 'squash'], /--fit/],
  // info, config, models, mock-server
  [['info'], /image/],
  [['info', 'missing.png'], /missing\.png/],
  [['info', 'notes.png'], /notes\.png/],
  [['config', 'set', 'colour', 'red'], /colour/],
  [['config', 'set', 'timeout', 'forever'], /timeout/],
  [['config', 'set', 'max-retries', '50'], /max-retries/],
  [['config', 'set', 'base-url', 'nope'], /base-url/],
  [['config', 'set', 'size', 'big'], /size/],
  [['config', 'set', 'format', 'bmp'], /format/],
  [['config', 'get', 'colour'], /colour/],
  [['config', 'unset'], /key/],
  [['config', 'frobnicate'], /unknown command 'frobnicate'/],
  [['models', '--format', 'xml'], /unknown option '--format'/],
  [['mock-server', '--port', '70000'], /--port/],
  [['mock-server', '--port', 'eighty'], /--port/],
];

describe('bad input exits 2 and sends nothing', () => {
  it('has at least 100 cases', () => expect(CORPUS.length).toBeGreaterThanOrEqual(100));
  it.each(CORPUS.map(([args, re]) => [args.join(' ').slice(0, 80), args, re] as const))(
    '%s',
    async (_title, args, message) => {
      const r = await runInProcess(['--base-url', mock.url, ...args], { cwd: dir });
      expect(r.stderr).toMatch(message);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(mock.requests).toHaveLength(0);
    },
  );
});

// One case of each kind through the built binary: a rule, commander's own error, an unreadable
// file, a mask flag and a config value.
const SPAWNED = [
  'gen x -n 0',
  'gen x --sise 1024x1024',
  'edit notes.png -p x',
  'mask square.png -o m.png --feather soft',
  'config set format bmp',
].map((argv) => CORPUS.find(([args]) => args.join(' ') === argv)!);

describe.concurrent('the built binary exits 2 for bad input too', () => {
  it('takes its cases from the corpus', () => expect(SPAWNED.every(Boolean)).toBe(true));
  it.each(SPAWNED.map(([args, re]) => [args.join(' ').slice(0, 80), args, re] as const))(
    '%s',
    async (_title, args, message) => {
      const r = await imgcli(['--base-url', mock.url, ...args], { cwd: dir });
      expect(r.stderr).toMatch(message);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
    },
  );
});

describe('mock-server on a taken port', () => {
  it('exits 2 and says the port is in use', async () => {
    const r = await imgcli(['mock-server', '--port', String(mock.port)]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`port ${mock.port} on 127\\.0\\.0\\.1 is already in use`));
  });
});

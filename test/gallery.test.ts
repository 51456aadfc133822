// `imgcli gallery` in-process: which files it shows, what each card says, where the page goes and
// when an existing file is replaced, and that the page is self-contained (data: thumbnails, the
// inline style and script allowed by their hashes, nothing fetched). The page's behaviour in a
// browser is gallery-browser.test.ts's.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedProvenance, type Provenance } from '../src/provenance/index.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();
let dir: string;

const RECORD: Provenance = {
  command: 'gen',
  prompt: 'a <b>bold</b> "fox" & friends',
  model: 'gpt-image-2',
  endpoint: 'generations',
  parameters: { size: 'auto', quality: 'high', n: 2 },
  request_id: 'req_gallery_1',
  created: 1796126400,
  // 4160 output image tokens at $30 a million, plus 12 text tokens at $5: $0.12486 for both images.
  usage: { input_tokens: 12, output_tokens: 4160, total_tokens: 4172, input_tokens_details: { text_tokens: 12 } },
  fingerprint: `sha256:${'ab'.repeat(32)}`,
  tool: 'imgcli 0.1.0',
};

const gallery = (args: string[], cwd = dir) => imgcliInProcess(['gallery', ...args], { cwd });
const page = (path: string) => readFileSync(path, 'utf8');
/** The cards of a page, each as its data-path and its HTML. */
const cards = (html: string) =>
  [...html.matchAll(/<li class="card" data-path="([^"]*)"[\s\S]*?<\/li>/g)].map((m) => ({ path: m[1]!, html: m[0] }));

beforeAll(async () => {
  dir = tempDir('imgcli-gallery-');
  const solid = (w: number, h: number, colour: string) =>
    sharp({ create: { width: w, height: h, channels: 3, background: colour } });
  mkdirSync(join(dir, 'out/nested'), { recursive: true });
  mkdirSync(join(dir, 'out/.hidden'));
  writeFileSync(
    join(dir, 'out/made.png'),
    embedProvenance(await solid(1024, 1536, '#3060a0').png().toBuffer(), 'png', RECORD),
  );
  await solid(300, 200, '#c08040').jpeg().toFile(join(dir, 'out/nested/plain 1.jpg'));
  await solid(64, 64, '#20a060').webp().toFile(join(dir, 'out/nested/plain 10.webp'));
  await solid(64, 64, '#20a060').webp().toFile(join(dir, 'out/nested/plain 2.webp'));
  await solid(64, 64, '#000000').png().toFile(join(dir, 'out/made.partial-0.png'));
  await solid(64, 64, '#000000').png().toFile(join(dir, 'out/.hidden/secret.png'));
  writeFileSync(join(dir, 'out/broken.png'), Buffer.concat([readFileSync(join(dir, 'out/made.png')).subarray(0, 200)]));
  writeFileSync(join(dir, 'out/notes.txt'), 'not an image\n');
  writeFileSync(join(dir, 'notes.png'), 'not an image either\n');
});

describe('imgcli gallery: what it shows', () => {
  it('walks folders in natural order, leaving out hidden entries, partial images and other files; each card says what its provenance says', async () => {
    const r = await gallery(['out']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('gallery.html');
    expect(r.stderr).toMatch(
      /^warning: out\/broken\.png: cannot be decoded \(.+\)\ngallery: 5 images \(1 with provenance, 1 without a thumbnail\), \d+ KB$/,
    );
    const html = page(join(dir, 'gallery.html'));
    expect(cards(html).map((c) => c.path)).toEqual([
      'out/broken.png',
      'out/made.png',
      'out/nested/plain 1.jpg',
      'out/nested/plain 2.webp',
      'out/nested/plain 10.webp',
    ]);
    const made = cards(html)[1]!.html;
    // Text from a file is escaped; the request's cost is shared by its two images; dates are UTC.
    expect(made).toContain(
      '<p class="prompt" title="a &lt;b&gt;bold&lt;/b&gt; &quot;fox&quot; &amp; friends">a &lt;b&gt;bold&lt;/b&gt; &quot;fox&quot; &amp; friends</p>',
    );
    expect(made).toContain(
      '<dt>Model</dt><dd>gpt-image-2</dd><dt>Size</dt><dd>1024x1536 (asked auto)</dd><dt>Quality</dt><dd>high</dd><dt>Cost</dt><dd>$0.062</dd><dt>Date</dt><dd><time datetime="2026-12-01T12:00:00Z">2026-12-01 12:00 UTC</time></dd><dt>Request</dt><dd><code>req_gallery_1</code></dd>',
    );
    expect(made).toMatch(/ data-model="gpt-image-2" data-created="1796126400" data-cost="0.06243" /);
    expect(made).toContain('<a class="thumb" href="out/made.png" title="Open out/made.png">');
    const plain = cards(html)[2]!.html;
    expect(plain).toContain(
      '<p class="prompt missing">no provenance</p><dl><dt>Size</dt><dd>300x200</dd><dt>Format</dt><dd>jpeg</dd>',
    );
    // Relative links, each segment percent-encoded.
    expect(plain).toContain('href="out/nested/plain%201.jpg"');
    expect(cards(html)[0]!.html).toContain('<span class="none">cannot be decoded (');
  });

  it('thumbnails are embedded webp no larger than --thumb-size, never enlarged', async () => {
    const r = await gallery(['out/made.png', 'out/nested/plain 2.webp', '--thumb-size', '200', '-o', 'thumbs.html']);
    expect(r.exitCode).toBe(0);
    const sizes = await Promise.all(
      [
        ...page(join(dir, 'thumbs.html')).matchAll(
          /width="(\d+)" height="(\d+)" decoding="async" data-src="data:image\/webp;base64,([^"]+)"/g,
        ),
      ].map(async (m) => {
        const meta = await sharp(Buffer.from(m[3]!, 'base64')).metadata();
        return [Number(m[1]), Number(m[2]), meta.format, meta.width, meta.height];
      }),
    );
    expect(sizes).toEqual([
      [133, 200, 'webp', 133, 200],
      [64, 64, 'webp', 64, 64],
    ]);
  });

  it('is self-contained: no URL but data: ones, and the one inline style and script are exactly those the policy allows', async () => {
    await gallery(['out', '-o', 'self.html']);
    const html = page(join(dir, 'self.html'));
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/url\(/);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html.match(/<style/g)).toHaveLength(1);
    expect(html).not.toMatch(/ style="/);
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1];
    expect(policy).toBe(
      `default-src 'none'; img-src data:; style-src ${hash(style)}; script-src ${hash(script)}; base-uri 'none'; form-action 'none'`,
    );
  });

  it('links are relative to where the page is written; -o - writes it to stdout, relative to here', async () => {
    expect((await gallery(['out/made.png', '-o', 'review/sheet.html'])).stdout).toBe('review/sheet.html');
    expect(page(join(dir, 'review/sheet.html'))).toContain('<a class="thumb" href="../out/made.png"');
    const r = await gallery(['out/made.png', '-o', '-']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>\n[\s\S]*<a class="thumb" href="out\/made\.png"[\s\S]*<\/html>$/);
  });
});

describe('imgcli gallery: GIF, SVG, variations and offline images', () => {
  it('reads the provenance of a GIF and shows SVG files; titles a variation by its image; says no cost for an offline image', async () => {
    const ws = tempDir('imgcli-gallery-kinds-');
    const frames = await Promise.all(
      ['#3060a0', '#a06030'].map((background) =>
        sharp({ create: { width: 40, height: 30, channels: 3, background } })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif({ delay: [100, 100] })
      .toBuffer();
    writeFileSync(join(ws, 'koi.gif'), embedProvenance(gif, 'gif', { ...RECORD, prompt: 'a koi pond, looping' }));
    const svg = Buffer.from(
      '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="#3060a0"/></svg>\n',
    );
    writeFileSync(join(ws, 'boat.svg'), embedProvenance(svg, 'svg', { ...RECORD, prompt: 'a paper boat logo' }));
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#208040' } })
      .png()
      .toBuffer();
    const variation: Provenance = {
      ...RECORD,
      command: 'vary',
      endpoint: 'edits',
      prompt: 'Make a variation of this image that keeps its subject and composition.',
      inputs: [{ role: 'image', path: 'icons/icon.png', sha256: 'cd'.repeat(32), size: 100 }],
    };
    writeFileSync(join(ws, 'icon-variation.png'), embedProvenance(png, 'png', variation));
    // What the offline server makes carries origin "offline" in its provenance: nothing was billed.
    const offline = { ...RECORD, prompt: 'a stand-in', origin: 'offline' } as Provenance;
    writeFileSync(join(ws, 'stand-in.png'), embedProvenance(png, 'png', offline));
    const r = await gallery(['.'], ws);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^gallery: 4 images \(4 with provenance\), \d+ KB$/);
    const html = page(join(ws, 'gallery.html'));
    const byPath = Object.fromEntries(cards(html).map((c) => [c.path, c.html]));
    expect(Object.keys(byPath).sort()).toEqual(['boat.svg', 'icon-variation.png', 'koi.gif', 'stand-in.png']);
    expect(byPath['koi.gif']).toContain('>a koi pond, looping</p>');
    expect(byPath['koi.gif']).not.toContain('no provenance');
    expect(byPath['boat.svg']).toContain('>a paper boat logo</p>');
    expect(byPath['boat.svg']).toMatch(/data-src="data:image\/webp;base64,/);
    expect(byPath['icon-variation.png']).toContain(
      '<p class="prompt" title="Make a variation of this image that keeps its subject and composition.">variation of icon.png</p>',
    );
    expect(byPath['stand-in.png']).toContain('<dt>Cost</dt><dd>offline: no cost</dd>');
    expect(byPath['stand-in.png']).not.toMatch(/\$\d/);
    // The total counts only what was billed: three images at $0.062, not the offline one.
    expect(html).toContain('about $0.187 estimated · 1 made offline (no cost)');
  });
});

describe('imgcli gallery: where it writes', () => {
  it('gallery.html is replaced when imgcli wrote it, and left alone when it did not; -o replaces anything', async () => {
    const ws = tempDir();
    await sharp({ create: { width: 32, height: 32, channels: 3, background: '#888' } })
      .png()
      .toFile(join(ws, 'a.png'));
    expect((await gallery(['a.png'], ws)).exitCode).toBe(0);
    expect((await gallery(['a.png'], ws)).exitCode).toBe(0);
    writeFileSync(join(ws, 'gallery.html'), '<h1>my own page</h1>\n');
    const refused = await gallery(['a.png'], ws);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toBe(
      'error: gallery.html exists and is not a gallery imgcli wrote; it is left alone\nhint: Name another file with -o, or -o that file to replace it.',
    );
    expect(page(join(ws, 'gallery.html'))).toBe('<h1>my own page</h1>\n');
    expect((await gallery(['a.png', '-o', 'gallery.html'], ws)).exitCode).toBe(0);
    expect(page(join(ws, 'gallery.html'))).toContain('<meta name="generator" content="imgcli gallery');
  });

  it('bad paths: exit 2 naming each, nothing written', async () => {
    const ws = tempDir();
    for (const [args, message] of [
      [['missing.png'], /^error: cannot read missing\.png: no such file\n/],
      [
        [join(dir, 'notes.png')],
        /^error: cannot show .*notes\.png \(not an image\)\nhint: A gallery shows PNG, JPEG, WebP, GIF and SVG files\.$/,
      ],
      [[ws], /^error: no images in /],
      [[join(dir, 'out/made.png'), '--thumb-size', '20'], /^error: --thumb-size 20 is out of range; use 64 to 1024$/],
      [[join(dir, 'out/made.png'), '-o', dir], /^error: .* is a folder; the gallery is one HTML file\n/],
    ] as const) {
      const r = await gallery([...args], ws);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });

  it('a gallery of what gen made, read back from the files', async () => {
    const ws = tempDir();
    expect(
      (await imgcliInProcess(['--base-url', mock.url, 'gen', 'a koi pond', '-q', 'low', '-o', 'koi.png'], { cwd: ws }))
        .exitCode,
    ).toBe(0);
    expect((await gallery(['.'], ws)).exitCode).toBe(0);
    const [koi] = cards(page(join(ws, 'gallery.html')));
    expect(koi!.path).toBe('koi.png');
    expect(koi!.html).toMatch(
      /<dt>Model<\/dt><dd>gpt-image-2<\/dd><dt>Size<\/dt><dd>1024x1024<\/dd><dt>Quality<\/dt><dd>low<\/dd><dt>Cost<\/dt><dd>\$0\.\d{4}<\/dd><dt>Date<\/dt><dd><time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">/,
    );
  });
});

// Case 7: a gallery of 1,000 images. `imgcli gallery` over a folder of 1,000 1024x1024 PNGs that
// imgcli made (provenance read from each), against the floor of the work: a script that only
// makes the same thumbnails with sharp, as many at once. Then the page itself, opened in Chromium
// when it is installed: load time, and how many thumbnails were decoded before any scrolling.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { galleryImages } from '../fixtures.js';

export const title = '7. Gallery of 1,000';

const COUNT = 1000;

// The thumbnail recipe of src/gallery/read.ts, nothing else: read, resize, encode, in parallel.
const SHARP_ONLY = `
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
const { default: sharp } = await import(process.argv[2]);
const dir = process.argv[1];
const files = readdirSync(dir).filter((f) => f.endsWith('.png')).map((f) => join(dir, f));
let next = 0, bytes = 0;
const worker = async () => {
  while (next < files.length) {
    const input = readFileSync(files[next++]);
    const out = await sharp(input, { failOn: 'none' }).rotate().resize(320, 320, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 70, effort: 2 }).toBuffer();
    bytes += Buffer.from(out).toString('base64').length;
  }
};
await Promise.all(Array.from({ length: availableParallelism() + 1 }, worker));
if (!bytes) process.exit(1);
`;

async function inChromium(ctx, page) {
  const candidates = [process.env.PUPPETEER_EXECUTABLE_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    Boolean,
  );
  const executablePath = candidates.find((p) => existsSync(p));
  if (!executablePath) return 'page in Chromium: skipped (needs the Debian package chromium: apt-get install chromium)';
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    userDataDir: join(ctx.outDir, 'chromium-profile'),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1280, height: 800 });
    const started = performance.now();
    await tab.goto(`file://${page}`, { waitUntil: 'load' });
    const loadMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 300));
    const decoded = await tab.$$eval('.card img', (imgs) => imgs.filter((i) => i.hasAttribute('src')).length);
    // Typing into the filter re-tests every card: how long one keystroke takes to apply.
    const filterMs = await tab.evaluate(() => {
      const q = document.getElementById('q');
      const t = performance.now();
      q.value = 'picture 99';
      q.dispatchEvent(new Event('input'));
      document.body.getBoundingClientRect();
      return performance.now() - t;
    });
    return `page in Chromium (${executablePath}): load ${loadMs.toFixed(0)} ms, ${decoded} of ${COUNT} thumbnails decoded before scrolling, one filter keystroke ${filterMs.toFixed(0)} ms`;
  } finally {
    await browser.close();
  }
}

export async function plan(ctx) {
  if (!ctx.imgcliHas('gallery')) return { skip: 'gallery not available yet' };
  const url = await ctx.server({ latency: 0, payload: 'gradient' });
  const { dir, bytes } = await galleryImages(ctx, url, COUNT);
  const page = join(ctx.outDir, 'gallery.html');
  return {
    env: ctx.env(url),
    runs: ctx.quick ? 1 : 3,
    notes: [
      `case 7: ${COUNT} PNGs of 1024x1024 made by imgcli batch, ${(bytes / 1048576).toFixed(0)} MB in all, made once in ${dir}`,
    ],
    commands: [
      // The script runs in the output folder: it is handed the sharp this repo installed.
      {
        tool: 'sharp thumbnails alone (node)',
        cmd: [ctx.node, '--input-type=module', '-e', SHARP_ONLY, dir, import.meta.resolve('sharp')],
        reference: true,
      },
      {
        tool: 'imgcli gallery',
        cmd: [...ctx.imgcli, 'gallery', dir, '-o', page],
        bar: (r) => {
          const me = r.get('imgcli gallery').wall;
          const floor = r.get('sharp thumbnails alone (node)')?.wall;
          return {
            text: `≤ 1.25× the thumbnails alone (${floor ? (me / floor).toFixed(2) : '—'}×), under 60 s (${(me / 1000).toFixed(1)} s)`,
            pass: me <= 60_000 && (!floor || me <= 1.25 * floor),
          };
        },
      },
    ],
    check: async () => ({
      note: `page ${(statSync(page).size / 1048576).toFixed(1)} MB; ${await inChromium(ctx, page)}`,
    }),
  };
}

// The gallery page in a real browser: a headless Chromium (puppeteer-core, see helpers/browser.ts)
// opens a page `imgcli gallery` wrote from a batch made by the offline server, from file://, and
// checks the cards, a card's text, filtering, sorting, keyboard moves, lazy thumbnails, the links,
// light and dark contrast, no console errors and no request beyond the page itself. Screenshots
// land in the test's temp folder. Without Chromium this fails, saying what to install.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';
import { findChromium, launchChromium } from './helpers/browser.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();
let dir: string;
let browser: Browser | undefined;
/** Why there is no browser: every test fails with it, so a machine without Chromium cannot pass quietly. */
let missing: Error | undefined;
let url: string;

/** 40 generations: two with "fox" in the prompt, eight with gpt-image-2.5, qualities mixed. */
const JOBS = Array.from({ length: 40 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0');
  const prompt =
    i === 6 ? 'a red fox in the snow' : i === 21 ? 'a fox cub asleep under a fern' : `a lighthouse, study ${n}`;
  return {
    prompt,
    out: `out/img-${n}.png`,
    quality: ['low', 'medium'][i % 2],
    ...(i % 5 === 0 ? { model: 'gpt-image-2.5' } : {}),
  };
});
const TOTAL = JOBS.length + 2;

beforeAll(async () => {
  // The browser first: on a machine without one, every test fails at once, not after the batch below.
  try {
    browser = await launchChromium(tempDir('imgcli-chromium-profile-'));
  } catch (err) {
    missing = err as Error;
    return;
  }
  dir = tempDir('imgcli-gallery-browser-');
  writeFileSync(join(dir, 'jobs.jsonl'), JOBS.map((j) => JSON.stringify(j)).join('\n'));
  const made = await imgcliInProcess(['--base-url', mock.url, 'batch', 'jobs.jsonl', '--concurrency', '4'], {
    cwd: dir,
  });
  expect(made.exitCode, made.stderr).toBe(0);
  // Two images no imgcli made.
  await sharp({ create: { width: 400, height: 300, channels: 3, background: '#c08040' } })
    .jpeg()
    .toFile(join(dir, 'out/scan 1.jpg'));
  await sharp({ create: { width: 300, height: 400, channels: 3, background: '#4080c0' } })
    .png()
    .toFile(join(dir, 'out/scan 2.png'));
  const page = await imgcliInProcess(['gallery', 'out', '-o', 'out/gallery.html'], { cwd: dir });
  expect(page.exitCode, page.stderr).toBe(0);
  url = pathToFileURL(join(dir, 'out/gallery.html')).href;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  // The temp folder goes when the file's tests end; IMGCLI_TEST_SCREENSHOTS=<dir> keeps copies.
  const keep = process.env.IMGCLI_TEST_SCREENSHOTS;
  if (keep && dir) {
    mkdirSync(keep, { recursive: true });
    for (const shot of ['gallery-light.png', 'gallery-dark.png'])
      if (existsSync(join(dir, shot))) copyFileSync(join(dir, shot), join(keep, shot));
  }
});

/** A fresh page on the gallery, recording console errors, uncaught errors and every request. */
async function open(opts: { dark?: boolean; hash?: string } = {}) {
  if (!browser) throw missing!;
  const page: Page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.setViewport({ width: 1280, height: 800 });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: opts.dark ? 'dark' : 'light' }]);
  await page.goto(`${url}${opts.hash ?? ''}`, { waitUntil: 'load' });
  // Nothing but the page itself and its own data: URIs may be asked for.
  const outside = () => requests.filter((r) => !r.startsWith('data:') && r.split('#')[0] !== url);
  return { page, errors, outside };
}

/** Each card's path and whether it shows, in page order. */
const shownCards = (page: Page) =>
  page.$$eval('.card', (cards) =>
    cards.filter((c) => getComputedStyle(c).display !== 'none').map((c) => c.getAttribute('data-path')!),
  );

describe('the gallery page in Chromium', () => {
  it('needs Chromium: without it the tests fail and say which package to install', () => {
    expect(() => findChromium({}, ['/nowhere/chromium'])).toThrow(
      /the Debian package chromium \(sudo apt-get install -y chromium/,
    );
    expect(() => findChromium({ PUPPETEER_EXECUTABLE_PATH: '/nowhere/chrome' })).toThrow(
      /^PUPPETEER_EXECUTABLE_PATH=\/nowhere\/chrome does not exist/,
    );
    if (missing) throw missing;
  });

  it('shows one card per image, and a card says what its image is', async () => {
    const { page, errors, outside } = await open();
    expect(await page.$$eval('.card', (c) => c.length)).toBe(TOTAL);
    expect(await page.$eval('#count', (e) => e.textContent)).toBe(`${TOTAL} images`);
    const text = (path: string) =>
      page.$eval(`.card[data-path="${path}"]`, (c) => ({
        prompt: c.querySelector('.prompt')!.textContent,
        rows: [...c.querySelectorAll('dt')].map((dt) => `${dt.textContent}: ${dt.nextElementSibling!.textContent}`),
        file: c.querySelector('.file')!.textContent,
      }));
    const fox = await text('out/img-07.png');
    expect(fox.prompt).toBe('a red fox in the snow');
    expect(fox.rows).toEqual([
      'Model: gpt-image-2',
      'Size: 1024x1024',
      'Quality: low',
      expect.stringMatching(/^Cost: \$0\.\d{4}$/),
      expect.stringMatching(/^Date: \d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
      expect.stringMatching(/^Request: req_\w+$/),
    ]);
    expect(fox.file).toBe('out/img-07.png');
    expect(await text('out/scan 1.jpg')).toEqual({
      prompt: 'no provenance',
      rows: ['Size: 400x300', 'Format: jpeg', expect.stringMatching(/^File size: \d+ KB$/)],
      file: 'out/scan 1.jpg',
    });
    // The full image is one click away: a relative link to the file itself.
    const href = await page.$eval('.card[data-path="out/scan 1.jpg"] a.thumb', (a) => (a as HTMLAnchorElement).href);
    expect(fileURLToPath(href)).toBe(join(dir, 'out/scan 1.jpg'));
    await page.screenshot({ path: join(dir, 'gallery-light.png') });
    const shot = await sharp(readFileSync(join(dir, 'gallery-light.png'))).metadata();
    expect([shot.format, shot.width, shot.height]).toEqual(['png', 1280, 800]);
    expect(errors).toEqual([]);
    expect(outside()).toEqual([]);
  });

  it('filters by text and by model, hiding exactly the other cards, and keeps the view in the address', async () => {
    const { page, errors, outside } = await open();
    await page.type('#q', 'fox');
    expect(await shownCards(page)).toEqual(['out/img-07.png', 'out/img-22.png']);
    expect(await page.$eval('#count', (e) => e.textContent)).toBe(`2 of ${TOTAL} images`);
    await page.type('#q', ' snow');
    expect(await shownCards(page)).toEqual(['out/img-07.png']);
    expect(await page.evaluate(() => location.hash)).toBe('#q=fox%20snow');
    await page.$eval('#q', (q) => ((q as HTMLInputElement).value = ''));
    await page.type('#q', 'nothing like this');
    expect(await shownCards(page)).toEqual([]);
    expect(await page.$eval('#empty', (e) => (e as HTMLElement).hidden)).toBe(false);
    await page.keyboard.press('Escape');
    expect(await shownCards(page)).toHaveLength(TOTAL);
    await page.select('#model', 'gpt-image-2.5');
    expect(await shownCards(page)).toEqual(
      JOBS.flatMap((j, i) => (j.model ? [`out/img-${String(i + 1).padStart(2, '0')}.png`] : [])),
    );
    await page.select('#model', '(none)');
    expect(await shownCards(page)).toEqual(['out/scan 1.jpg', 'out/scan 2.png']);
    // A link with the view in it opens on that view.
    const again = await open({ hash: '#q=cub&model=gpt-image-2' });
    expect(await shownCards(again.page)).toEqual(['out/img-22.png']);
    expect(await again.page.$eval('#q', (q) => (q as HTMLInputElement).value)).toBe('cub');
    expect([...errors, ...again.errors]).toEqual([]);
    expect([...outside(), ...again.outside()]).toEqual([]);
  });

  it('sorts by cost and by date, cards without provenance last', async () => {
    const { page, errors } = await open();
    await page.select('#sort', 'costly');
    const costs = await page.$$eval('.card', (cards) => cards.map((c) => c.getAttribute('data-cost')));
    const known = costs.slice(0, JOBS.length).map(Number);
    expect(known).toEqual([...known].sort((a, b) => b - a));
    expect(known[0]).toBeGreaterThan(known.at(-1)!);
    expect(costs.slice(JOBS.length)).toEqual(['', '']);
    await page.select('#sort', 'oldest');
    const dates = (await page.$$eval('.card', (cards) => cards.map((c) => c.getAttribute('data-created'))))
      .slice(0, JOBS.length)
      .map(Number);
    expect(dates).toEqual([...dates].sort((a, b) => a - b));
    await page.select('#sort', 'name');
    expect((await shownCards(page)).slice(0, 3)).toEqual(['out/img-01.png', 'out/img-02.png', 'out/img-03.png']);
    expect(errors).toEqual([]);
  });

  it('moves by keyboard: / to the filter, arrows between cards as the grid lays them out', async () => {
    const { page, errors } = await open();
    const focused = () =>
      page.evaluate(
        () => document.activeElement?.closest('.card')?.getAttribute('data-path') ?? document.activeElement?.id,
      );
    await page.keyboard.press('/');
    expect(await focused()).toBe('q');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('out/img-01.png');
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('out/img-02.png');
    const columns = await page.$$eval(
      '.card',
      (cards) => cards.filter((c) => (c as HTMLElement).offsetTop === (cards[0] as HTMLElement).offsetTop).length,
    );
    expect(columns).toBeGreaterThan(1);
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe(`out/img-${String(2 + columns).padStart(2, '0')}.png`);
    await page.keyboard.press('End');
    expect(await focused()).toBe('out/scan 2.png');
    await page.keyboard.press('Home');
    expect(await focused()).toBe('out/img-01.png');
    // Enter follows the focused card's link to its image.
    expect(await page.evaluate(() => (document.activeElement as HTMLAnchorElement).getAttribute('href'))).toBe(
      'img-01.png',
    );
    expect(errors).toEqual([]);
  });

  it('loads thumbnails as they come into view', async () => {
    const { page, errors, outside } = await open();
    await page.waitForFunction(
      () =>
        (document.querySelector('.card img') as HTMLImageElement).complete &&
        (document.querySelector('.card img') as HTMLImageElement).naturalWidth > 0,
    );
    const before = await page.$$eval('.card img', (imgs) => imgs.map((i) => i.hasAttribute('src')));
    expect(before[0]).toBe(true);
    expect(before.at(-1)).toBe(false);
    expect(before.filter(Boolean).length).toBeLessThan(TOTAL / 2);
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForFunction(() => {
      const last = [...document.querySelectorAll('.card img')].at(-1) as HTMLImageElement;
      return last.hasAttribute('src') && last.complete && last.naturalWidth > 0;
    });
    expect(errors).toEqual([]);
    expect(outside()).toEqual([]);
  });

  it('is readable in light and dark mode: text contrast at least 4.5:1 on its background', async () => {
    const measure = (page: Page) =>
      page.evaluate(() => {
        const rgb = (c: string) =>
          c
            .match(/\d+(\.\d+)?/g)!
            .slice(0, 3)
            .map(Number);
        const lum = (c: string) => {
          const [r, g, b] = rgb(c).map((v) =>
            v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4,
          );
          return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
        };
        const ratio = (a: string, b: string) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
        const card = getComputedStyle(document.querySelector('.card')!).backgroundColor;
        const page = getComputedStyle(document.body).backgroundColor;
        const color = (sel: string) => getComputedStyle(document.querySelector(sel)!).color;
        return {
          background: page,
          ratios: [
            ratio(color('.prompt'), card),
            ratio(color('dd'), card),
            ratio(color('dt'), card),
            ratio(color('.file a'), card),
            ratio(color('.summary'), page),
            ratio(color('.prompt.missing'), card),
          ],
        };
      });
    const light = await open();
    const dark = await open({ dark: true });
    const [l, d] = [await measure(light.page), await measure(dark.page)];
    expect(l.background).not.toBe(d.background);
    for (const r of [...l.ratios, ...d.ratios]) expect(r).toBeGreaterThanOrEqual(4.5);
    await dark.page.screenshot({ path: join(dir, 'gallery-dark.png') });
    expect(existsSync(join(dir, 'gallery-dark.png'))).toBe(true);
    expect([...light.errors, ...dark.errors]).toEqual([]);
  });
});

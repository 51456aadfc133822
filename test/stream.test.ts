// `--stream` end to end: the command line, in-process, against the offline server. Each case checks the exit
// code, stdout, stderr, the files written (partials and finals) and the request that was sent.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';
import { makeFixtures, textFields } from './helpers/uploads.js';

const mock = useMockServer({ streamDelayMs: 5 });
let fx: Awaited<ReturnType<typeof makeFixtures>>;
let fxDir: string;
beforeAll(async () => {
  fxDir = tempDir();
  fx = await makeFixtures(fxDir);
});

async function run(args: string[], opts: Parameters<typeof imgcli>[1] = {}) {
  const cwd = opts.cwd ?? tempDir();
  const r = await imgcliInProcess(['--base-url', mock.url, ...args], { ...opts, cwd });
  return { ...r, cwd, files: readdirSync(cwd).sort() };
}
const lastBody = () => mock.apiRequests().at(-1)?.json as Record<string, unknown>;
const ESC = '\x1b';

/** Mean absolute difference per channel between two images of the same size. */
async function distance(a: string, b: string): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((p) => sharp(p).removeAlpha().raw().toBuffer()));
  let sum = 0;
  for (let i = 0; i < x!.length; i++) sum += Math.abs(x![i]! - y![i]!);
  return sum / x!.length;
}

describe('gen --stream', () => {
  it('sends stream and partial_images 2 by default; writes the partials beside the final; lists finals then partials', async () => {
    const r = await run(['gen', 'a fox', '--stream', '-q', 'low', '-o', 'fox.png']);
    expect(r.exitCode).toBe(0);
    expect(lastBody()).toEqual({
      model: 'gpt-image-2',
      prompt: 'a fox',
      quality: 'low',
      output_format: 'png',
      stream: true,
      partial_images: 2,
    });
    expect(mock.apiRequests()[0]!.headers.accept).toBe('text/event-stream');
    expect(r.stdout.split('\n')).toEqual(['fox.png', 'fox.partial-0.png', 'fox.partial-1.png']);
    expect(r.files).toEqual(['fox.partial-0.png', 'fox.partial-1.png', 'fox.png']);
    for (const f of r.files) expect((await sharp(join(r.cwd, f)).metadata()).width).toBe(1024);
    // progressively sharper: each partial is closer to the final than the one before
    const d0 = await distance(join(r.cwd, 'fox.partial-0.png'), join(r.cwd, 'fox.png'));
    const d1 = await distance(join(r.cwd, 'fox.partial-1.png'), join(r.cwd, 'fox.png'));
    expect(d0).toBeGreaterThan(d1);
    expect(d1).toBeGreaterThan(0);
    // usage from the completed event; no progress lines without --verbose off a TTY
    expect(r.stderr).toMatch(/^usage: \d+ input \+ 272 output = \d+ tokens/);
    expect(r.stderr).not.toMatch(/partial/);
  });

  it('--partial-images alone implies --stream; 0 sends only the final', async () => {
    const r = await run(['gen', 'a fox', '--partial-images', '0', '-o', 'fox.png']);
    expect(r.exitCode).toBe(0);
    expect(lastBody()).toMatchObject({ stream: true, partial_images: 0 });
    expect(r.stdout).toBe('fox.png');
    expect(r.files).toEqual(['fox.png']);
  });

  it('--partial-images 3 writes three partials', async () => {
    const r = await run(['gen', 'a fox', '--stream', '--partial-images', '3', '-o', 'fox.webp']);
    expect(r.exitCode).toBe(0);
    expect(lastBody()).toMatchObject({ stream: true, partial_images: 3, output_format: 'webp' });
    expect(r.files).toEqual(['fox.partial-0.webp', 'fox.partial-1.webp', 'fox.partial-2.webp', 'fox.webp']);
  });

  it('--no-partials keeps partials off the disk and out of the output', async () => {
    const r = await run(['gen', 'a fox', '--stream', '--no-partials', '--json', '-o', 'fox.png']);
    expect(r.exitCode).toBe(0);
    expect(lastBody()).toMatchObject({ stream: true, partial_images: 2 });
    expect(r.files).toEqual(['fox.png']);
    const doc = JSON.parse(r.stdout);
    expect(doc.files.map((f: { path: string }) => f.path)).toEqual(['fox.png']);
    expect(doc.partials).toEqual([]);
  });

  it('n = 2: several completed events, each image with its own partials; --json lists them apart', async () => {
    const r = await run(['gen', 'two foxes', '--stream', '-n', '2', '-q', 'low', '--json', '-o', 'out/']);
    expect(r.exitCode).toBe(0);
    expect(lastBody()).toMatchObject({ n: 2, stream: true, partial_images: 2 });
    const doc = JSON.parse(r.stdout);
    const stem = doc.files[0].path.replace(/-1\.png$/, '');
    expect(doc.files.map((f: { path: string }) => f.path)).toEqual([`${stem}-1.png`, `${stem}-2.png`]);
    expect(doc.partials).toEqual(
      [0, 1].flatMap((image) =>
        [0, 1].map((k) => ({
          path: `${stem}-${image + 1}.partial-${k}.png`,
          bytes: expect.any(Number),
          width: 1024,
          height: 1024,
          format: 'png',
          image_index: image,
          partial_image_index: k,
        })),
      ),
    );
    expect(readdirSync(join(r.cwd, 'out'))).toHaveLength(6);
    // every completed event carries the request's usage: it is taken once, not summed
    expect(doc.usage.output_tokens).toBe(544);
    expect(doc.cost_usd).toBeGreaterThan(0);
  });

  it('-o overwrites old partials like the final; with --no-clobber an old partial is kept and the new one named _2', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'fox.partial-0.png'), 'old');
    const again = await run(['gen', 'a fox', '--partial-images', '1', '-o', 'fox.png'], { cwd });
    expect(again.exitCode).toBe(0);
    expect(readFileSync(join(cwd, 'fox.partial-0.png')).subarray(1, 4).toString()).toBe('PNG');
    const kept = tempDir();
    writeFileSync(join(kept, 'fox.partial-0.png'), 'old');
    const r = await run(['gen', 'a fox', '--partial-images', '1', '--no-clobber', '-o', 'fox.png'], { cwd: kept });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['fox.png', 'fox.partial-0_2.png']);
    expect(readFileSync(join(kept, 'fox.partial-0.png'), 'utf8')).toBe('old');
  });

  it('-o - puts the final on stdout and writes no partials', async () => {
    const r = await run(['gen', 'a fox', '--stream', '-o', '-'], { binary: true });
    expect(r.exitCode).toBe(0);
    expect(
      Buffer.from(r.stdout as unknown as Uint8Array)
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect(r.files).toEqual([]);
  });

  it('--verbose off a TTY: one line per event', async () => {
    const r = await run(['gen', 'a fox', '--stream', '--verbose', '-n', '2', '-o', 'fox.png']);
    expect(r.exitCode).toBe(0);
    const events = r.stderr
      .split('\n')
      .filter((l) => /^\[imgcli\] (partial|image)/.test(l))
      .map((l) => l.replace(/ after [\d.]+ s/, ''));
    expect(events).toEqual([
      '[imgcli] partial 1/2 of image 1/2: fox-1.partial-0.png',
      '[imgcli] partial 2/2 of image 1/2: fox-1.partial-1.png',
      '[imgcli] image 1/2 completed: fox-1.png',
      '[imgcli] partial 1/2 of image 2/2: fox-2.partial-0.png',
      '[imgcli] partial 2/2 of image 2/2: fox-2.partial-1.png',
      '[imgcli] image 2/2 completed: fox-2.png',
    ]);
  });

  it('--preview when stderr is not a TTY: no escape sequences anywhere, even in kitty', async () => {
    for (const args of [['--stream'], []]) {
      const r = await run(['gen', 'a fox', ...args, '--preview', '-o', 'fox.png'], {
        env: { TERM: 'xterm-kitty', KITTY_WINDOW_ID: '1', TERM_PROGRAM: 'WezTerm' },
      });
      expect(r.exitCode).toBe(0);
      expect(r.stderr).not.toContain(ESC);
      expect(r.stdout).not.toContain(ESC);
    }
  });
});

describe('--dry-run --stream', () => {
  it('shows stream, partial_images and the event-stream accept header; sends nothing', async () => {
    const r = await run(['gen', 'a fox', '--stream', '--dry-run', '--json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.body).toMatchObject({ stream: true, partial_images: 2 });
    expect(doc.headers.accept).toBe('text/event-stream');
    expect(doc.curl).toMatch(/^curl -sS -N /);
    expect(mock.apiRequests()).toHaveLength(0);
    expect(r.files).toEqual([]);
  });
});

describe('refused before sending', () => {
  it('dall-e models cannot stream: exit 2, nothing sent', async () => {
    for (const args of [
      ['-m', 'dall-e-3', '--stream'],
      ['-m', 'dall-e-2', '--partial-images', '1'],
    ]) {
      const r = await run(['gen', 'a fox', ...args]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(
        /--(stream|partial-images) is not accepted by dall-e-[23] for generations; it is for gpt-image/,
      );
    }
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('--partial-images beyond 3, or not a number', async () => {
    const high = await run(['gen', 'a fox', '--partial-images', '4']);
    expect(high.exitCode).toBe(2);
    expect(high.stderr).toMatch(/--partial-images takes 0 to 3/);
    const word = await run(['gen', 'a fox', '--partial-images', 'two']);
    expect(word.exitCode).toBe(2);
    expect(word.stderr).toMatch(/--partial-images takes a whole number/);
    expect(mock.apiRequests()).toHaveLength(0);
  });
});

describe('edit --stream', () => {
  it('sends stream=true and partial_images in the form; image_edit events become files', async () => {
    const out = tempDir();
    const r = await run([
      'edit',
      join(fxDir, fx.photo),
      '-p',
      'a red scarf',
      '--stream',
      '--partial-images',
      '1',
      '-s',
      '1024x1024',
      '-o',
      join(out, 'scarf.png'),
    ]);
    expect(r.stderr).toMatch(/usage: /);
    expect(r.exitCode).toBe(0);
    expect(textFields(mock.apiRequests()[0])).toMatchObject({ stream: 'true', partial_images: '1' });
    expect(r.stdout.split('\n')).toEqual([join(out, 'scarf.png'), join(out, 'scarf.partial-0.png')]);
    expect(readdirSync(out).sort()).toEqual(['scarf.partial-0.png', 'scarf.png']);
    expect(readFileSync(join(out, 'scarf.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('dall-e-2 edits cannot stream', async () => {
    const r = await run(['edit', join(fxDir, fx.photo), '-p', 'x', '-m', 'dall-e-2', '--stream']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--stream is not accepted by dall-e-2 for edits/);
    expect(mock.apiRequests()).toHaveLength(0);
  });
});

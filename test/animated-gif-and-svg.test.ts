// gpt-image-2.6's gif and svg output end to end, in-process against the offline server: the
// request sent, the file written (its frames counted, its SVG parsed), --json and info, and the
// refusals that happen before anything is sent.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { gifFrameCount } from '../src/image/gif.js';
import { fits, maxFrames } from '../src/models/frame-sheet.js';
import { formatAdvice } from '../src/models/advice.js';
import { MODELS, endpointRules, resolveModel } from '../src/models/table.js';
import { readProvenance } from '../src/provenance/index.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({ streamDelayMs: 0 });
const FLARE = 'gpt-image-2.6-flare';

let cwd: string;
beforeAll(async () => {
  cwd = tempDir();
  await sharp({ create: { width: 256, height: 256, channels: 3, background: '#4080c0' } })
    .png()
    .toFile(join(cwd, 'photo.png'));
});

const run = (...args: string[]) => imgcliInProcess(['--base-url', mock.url, ...args], { cwd });
const body = () => mock.apiRequests().at(-1)?.json as Record<string, unknown>;

/** Frames as sharp decodes them, and as imgcli counts them. */
async function framesIn(path: string): Promise<{ pages?: number; counted?: number; delay?: number[]; loop?: number }> {
  const bytes = readFileSync(path);
  const meta = await sharp(bytes, { animated: true }).metadata();
  return { pages: meta.pages, counted: gifFrameCount(bytes), delay: meta.delay, loop: meta.loop };
}

describe('gif', () => {
  it('-o koi.gif asks gpt-image-2.6 for an animated GIF and writes it with its frames', async () => {
    const r = await run('gen', 'a koi pond', '-m', FLARE, '-o', 'koi.gif', '--json');
    expect(r.exitCode).toBe(0);
    expect(body()).toEqual({ model: FLARE, prompt: 'a koi pond', output_format: 'gif' });
    const doc = JSON.parse(r.stdout);
    expect(doc.files).toEqual([
      { path: 'koi.gif', bytes: expect.any(Number), width: 384, height: 384, format: 'gif', frames: 9 },
    ]);
    expect(await framesIn(join(cwd, 'koi.gif'))).toMatchObject({ pages: 9, counted: 9, loop: 0 });
    expect(readProvenance(readFileSync(join(cwd, 'koi.gif')))).toMatchObject({
      model: FLARE,
      prompt: 'a koi pond',
      parameters: { output_format: 'gif' },
    });
    const info = await run('info', 'koi.gif');
    expect(info.stdout).toMatch(/^koi\.gif \(gif 384x384, 9 frames\)\n {2}prompt: {10}a koi pond\n/);
  });

  it('--frames sets frame_count, and the GIF has that many frames', async () => {
    const r = await run('gen', 'a koi pond', '-m', FLARE, '-f', 'gif', '--frames', '4', '-o', 'koi4.gif', '--json');
    expect(r.exitCode).toBe(0);
    expect(body()).toMatchObject({ output_format: 'gif', frame_count: 4 });
    expect(JSON.parse(r.stdout).files[0]).toMatchObject({ path: 'koi4.gif', frames: 4 });
    expect(await framesIn(join(cwd, 'koi4.gif'))).toMatchObject({ pages: 4, counted: 4 });
  });

  it('--frame-duration sets frame_duration_ms, and every frame of the GIF shows that long', async () => {
    const r = await run('gen', 'a koi pond', '-m', FLARE, '-o', 'slow.gif', '--frames', '3', '--frame-duration', '250');
    expect(r.exitCode).toBe(0);
    expect(body()).toMatchObject({ output_format: 'gif', frame_count: 3, frame_duration_ms: 250 });
    expect(await framesIn(join(cwd, 'slow.gif'))).toMatchObject({ counted: 3, delay: [250, 250, 250] });
    // Any whole number from 20 is taken: the encoder rounds it to the nearest 10 ms (OpenAI's reference).
    expect((await run('gen', 'x', '-m', FLARE, '-f', 'gif', '--frame-duration', '25', '-o', 'odd.gif')).exitCode).toBe(
      0,
    );
    expect(body()).toMatchObject({ frame_duration_ms: 25 });
    expect((await run('gen', 'x', '-m', FLARE, '-f', 'gif', '--frame-duration', '15')).stderr).toBe(
      'error: --frame-duration 15 is not valid for gpt-image-2.6-flare; use 20 to 655350',
    );
    expect((await run('gen', 'x', '-m', FLARE, '-f', 'webp', '--frame-duration', '100')).stderr).toBe(
      'error: --frame-duration works only with --format gif (an animation), not webp',
    );
    expect(mock.apiRequests()).toHaveLength(2);
  });

  it('the offline server answers the longest frame a GIF holds (655,350 ms), drawn at 65,530 ms (its encoder takes at most 65,535)', async () => {
    const r = await run('gen', 'x', '-m', FLARE, '-o', 'long.gif', '--frames', '2', '--frame-duration', '655350');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(body()).toMatchObject({ frame_duration_ms: 655_350 });
    expect(await framesIn(join(cwd, 'long.gif'))).toMatchObject({ counted: 2, delay: [65_530, 65_530] });
  });

  it('--frames without gif, or beyond 2-16, is refused before sending', async () => {
    expect((await run('gen', 'x', '-m', FLARE, '--frames', '4')).stderr).toBe(
      'error: --frames works only with --format gif (an animation), not png',
    );
    expect((await run('gen', 'x', '-m', FLARE, '-f', 'gif', '--frames', '17')).stderr).toBe(
      'error: --frames 17 is not valid for gpt-image-2.6-flare; use 2 to 16',
    );
    expect((await run('gen', 'x', '-m', 'gpt-image-2', '--frames', '4')).stderr).toBe(
      'error: --frames is not accepted by gpt-image-2 for generations; it is for gpt-image-2.6',
    );
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('edits into a GIF too, and -f gif with -o names the extension', async () => {
    const r = await run(
      'edit',
      'photo.png',
      '-p',
      'make it snow',
      '-m',
      FLARE,
      '-f',
      'gif',
      '-s',
      '1024x1024',
      '--frames',
      '3',
      '-o',
      'snow.gif',
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('snow.gif');
    const parts = mock.apiRequests().at(-1)?.parts ?? [];
    expect(Object.fromEntries(parts.filter((p) => p.value !== undefined).map((p) => [p.name, p.value]))).toMatchObject({
      output_format: 'gif',
      frame_count: '3',
      size: '1024x1024',
    });
    expect(await framesIn(join(cwd, 'snow.gif'))).toMatchObject({ counted: 3 });
    expect(await sharp(join(cwd, 'snow.gif')).metadata()).toMatchObject({ width: 1024, height: 1024 });
  });

  it('refuses to stream a GIF before sending (OpenAI: a GIF comes whole), as the offline server does', async () => {
    for (const flags of [['--stream'], ['--partial-images', '1']]) {
      const r = await run('gen', 'a flag', '-m', FLARE, '-f', 'gif', ...flags, '-o', 'flag.gif');
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        'error: --stream and --partial-images do not work with --format gif: gpt-image-2.6-flare sends a gif whole, with no partial images',
      );
    }
    expect(mock.apiRequests()).toHaveLength(0);
    expect(readdirSync(cwd).filter((f) => f.startsWith('flag'))).toEqual([]);
    // --param gets it past imgcli; the server refuses it in its own words.
    const forced = await run('gen', 'a flag', '-m', FLARE, '-f', 'gif', '--param', 'stream=true', '-o', 'flag.gif');
    expect(forced.exitCode).toBe(3);
    expect(forced.stderr).toMatch(
      /^--param stream=true is sent as given.*\nerror: The API answered 400 \(invalid_value, param stream\): Streaming is not supported for output_format 'gif'; omit stream and partial_images\./s,
    );
  });

  it('warns (a reported rule) about a size and frame count whose frames cannot share one sheet, says what fits, and refuses it with --strict', async () => {
    const SHEET =
      "6 frames of 1024x1024 do not fit gpt-image-2.6-flare's frame sheet: the frames of a GIF share one sheet, and these make one 6144 px long (at most 3840); at 1024x1024 use --frames 2 to 3; for 6 frames use -s 1024x640; or -s auto to let the model choose";
    const six = await run('gen', 'a koi pond', '-m', FLARE, '-f', 'gif', '-s', '1024x1024', '--frames', '6');
    // Sent, with the rule and its source named (the offline server, like the relay that reported it, refuses it).
    expect(six.stderr.split('\n')[0]).toBe(
      `warning: ${SHEET} (reported: one relay: "six 1024x1024 frames were refused, the sheet would be 4096 px"; layout not documented by OpenAI, read 2026-12-06); sent anyway (--strict refuses, --no-warnings quiets this)`,
    );
    expect(mock.apiRequests()).toHaveLength(1);
    mock.requests.length = 0;
    const strict = await run(
      '--strict',
      'gen',
      'a koi pond',
      '-m',
      FLARE,
      '-f',
      'gif',
      '-s',
      '1024x1024',
      '--frames',
      '6',
    );
    expect(strict.exitCode).toBe(2);
    expect(strict.stderr).toMatch(
      new RegExp(
        `^error: ${SHEET.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(reported: .*; refused because of --strict\\); nothing was sent`,
      ),
    );
    const nine = await run(
      '--strict',
      'edit',
      'photo.png',
      '-p',
      'x',
      '-m',
      FLARE,
      '-o',
      'wide.gif',
      '-s',
      '1536x1024',
    );
    expect(nine.stderr).toMatch(
      /^error: 9 frames \(the default\) of 1536x1024 do not fit .* 9216 px long \(at most 3840\) and of 14,155,776 pixels \(at most 8,294,400\); at 1536x1024 use --frames 2 to 3; or -s auto/,
    );
    expect(mock.apiRequests()).toHaveLength(0);
    // What the message offers is taken as it is.
    const fits = await run(
      'gen',
      'a koi pond',
      '-m',
      FLARE,
      '-f',
      'gif',
      '-s',
      '1024x640',
      '--frames',
      '6',
      '-o',
      'strip.gif',
    );
    expect(fits.exitCode).toBe(0);
    expect(await framesIn(join(cwd, 'strip.gif'))).toMatchObject({ counted: 6 });
    expect(await sharp(join(cwd, 'strip.gif')).metadata()).toMatchObject({ width: 1024, height: 640 });
  });

  it('warns that GIF transparency is 1-bit, and sends the request anyway', async () => {
    const r = await run(
      'gen',
      'a sticker',
      '-m',
      FLARE,
      '-f',
      'gif',
      '--frames',
      '2',
      '--background',
      'transparent',
      '-o',
      'sticker.gif',
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: gif transparency is 1-bit: each pixel is opaque or fully clear, so soft edges and shadows come out hard \(png or webp keep them smooth\)\.$/m,
    );
    expect(body()).toMatchObject({ background: 'transparent', output_format: 'gif' });
    expect(await sharp(join(cwd, 'sticker.gif')).metadata()).toMatchObject({ hasAlpha: true });
    const png = await run('gen', 'a sticker', '-m', FLARE, '--background', 'transparent', '-o', 'sticker.png');
    expect(png.stderr).not.toMatch(/1-bit/);
  });

  it('with size auto, the offline server picks frames that fit the sheet', async () => {
    const r = await run('gen', 'confetti', '-m', FLARE, '-f', 'gif', '--frames', '16', '--json');
    expect(r.exitCode).toBe(0);
    const [file] = JSON.parse(r.stdout).files;
    expect(file).toMatchObject({ format: 'gif', frames: 16, width: 208, height: 208 });
  });

  it('is refused before sending for models that do not make GIFs, naming -o and who does', async () => {
    const r = await run('gen', 'a koi pond', '-o', 'koi2.gif');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      'error: -o koi2.gif asks for gif, which gpt-image-2 does not make (it makes png, jpeg, webp; gpt-image-2.6 takes gif)\nhint: Name the file .png, .jpg or .webp, or use -m gpt-image-2.6-flare.',
    );
    const f = await run('gen', 'a koi pond', '-m', 'gpt-image-2.5-flare', '-f', 'gif');
    expect(f.stderr).toBe(
      'error: --format gif is not valid for gpt-image-2.5-flare; use one of png, jpeg, webp (gpt-image-2.6 takes gif)',
    );
    expect(mock.apiRequests()).toHaveLength(0);
  });
});

describe('the frame sheet, as the table has it (in-process)', () => {
  const rules = endpointRules(resolveModel(FLARE), 'generations')!;
  const sheet = rules.formatRules!.gif!.sheet!;

  it('lays frames side by side along their short edge, inside 3840 px and 8,294,400 pixels', () => {
    expect(sheet).toEqual({ maxEdge: 3840, maxPixels: 8_294_400 });
    expect([fits(1024, 1024, 3, sheet), fits(1024, 1024, 4, sheet), fits(1024, 1024, 6, sheet)]).toEqual([
      true,
      false,
      false,
    ]);
    expect([fits(1024, 640, 6, sheet), fits(1536, 1024, 3, sheet), fits(3840, 2160, 2, sheet)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(maxFrames(1024, 1024, sheet, rules.frameCount!)).toBe(3);
    expect(maxFrames(480, 1440, sheet, rules.frameCount!)).toBe(8);
    expect(maxFrames(3840, 1280, sheet, rules.frameCount!)).toBe(1);
  });
});

describe('the 1-bit transparency warning, for every model of the table (in-process)', () => {
  it('comes exactly where the table says a format has all-or-nothing alpha', () => {
    for (const m of MODELS) {
      for (const endpoint of ['generations', 'edits'] as const) {
        const model = resolveModel(m.id);
        const rules = endpointRules(model, endpoint);
        if (!rules) continue;
        for (const format of rules.formats ?? []) {
          const warning = formatAdvice(model, endpoint, { output_format: format, background: 'transparent' });
          expect(Boolean(warning), `${m.id} ${endpoint} ${format}`).toBe(
            Boolean(rules.formatRules?.[format]?.binaryAlpha),
          );
          expect(formatAdvice(model, endpoint, { output_format: format, background: 'opaque' })).toBeUndefined();
        }
      }
    }
  });
});

describe('svg', () => {
  it('-f svg writes a valid SVG document with its provenance in <metadata>', async () => {
    const r = await run('gen', 'a paper boat', '-m', 'gpt-image-2.6-sunburst', '-f', 'svg', '--json');
    expect(r.exitCode).toBe(0);
    expect(body()).toMatchObject({ output_format: 'svg' });
    const [file] = JSON.parse(r.stdout).files;
    expect(file).toEqual({
      path: expect.stringMatching(/^a-paper-boat-\d{8}-\d{6}\.svg$/),
      bytes: expect.any(Number),
      width: 1024,
      height: 1024,
      format: 'svg',
    });
    const text = readFileSync(join(cwd, file.path), 'utf8');
    expect(text).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*>\n<metadata id="imgcli-provenance">/,
    );
    expect(text.trimEnd().endsWith('</svg>')).toBe(true);
    // It still renders: sharp (librsvg) reads the document.
    expect(await sharp(Buffer.from(text)).metadata()).toMatchObject({ format: 'svg', width: 1024, height: 1024 });
    expect(readProvenance(Buffer.from(text))).toMatchObject({
      model: 'gpt-image-2.6-sunburst',
      prompt: 'a paper boat',
    });
  });

  it('is one image per request and for generations only: refused before sending', async () => {
    const n = await run('gen', 'boats', '-m', FLARE, '-f', 'svg', '-n', '2');
    expect(n.exitCode).toBe(2);
    expect(n.stderr).toBe(
      'error: --count 2 with --format svg: gpt-image-2.6-flare makes one image per request in svg; use -n 1 (imgcli batch runs several requests)',
    );
    const e = await run('edit', 'photo.png', '-p', 'trace it', '-m', FLARE, '-o', 'trace.svg');
    expect(e.exitCode).toBe(2);
    expect(e.stderr).toMatch(
      /^error: -o trace\.svg asks for svg, which gpt-image-2\.6-flare does not make \(it makes png, jpeg, webp, gif\)/,
    );
    const f = await run('edit', 'photo.png', '-p', 'trace it', '-m', FLARE, '-f', 'svg');
    expect(f.stderr).toBe(
      'error: --format svg is not valid for gpt-image-2.6-flare; use one of png, jpeg, webp, gif (svg is for generations only)',
    );
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('-o - writes the SVG document to stdout', async () => {
    const r = await run('gen', 'a boat', '-m', FLARE, '-f', 'svg', '-o', '-');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/<\/svg>$/);
    writeFileSync(join(cwd, 'piped.svg'), r.stdout);
    expect((await run('info', 'piped.svg')).stdout).toMatch(/^piped\.svg \(svg 1024x1024\)\n/);
  });
});

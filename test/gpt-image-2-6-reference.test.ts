// GPT Image 2.6 as OpenAI's reference states it (the [2026-12-06] notes), in-process against the
// offline server: the GIF rules (refused: stream, mask, compression; warned: GIF edits; the
// default of 9 frames said by --dry-run; the 403 of an account without GIF preview access), the
// svg object (--svg-model, --svg-effort, nested in the body, config defaults and batch keys; what
// the cost covers), safety_identifier, the bare gpt-image-2.6 name, and the warning a remote batch
// of 2.6 jobs gets (one relay says the Batch API does not take 2.6). Requests the server
// received are asserted apart from stdout, stderr and the files.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { estimateCost } from '../src/models/prices.js';
import { resolveModel } from '../src/models/table.js';
import { gifFrameCount } from '../src/image/gif.js';
import { startMockServer } from '../src/mock/server.js';
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
  await sharp({ create: { width: 256, height: 256, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toFile(join(cwd, 'mask.png'));
});

const run = (...args: string[]) => imgcliInProcess(['--base-url', mock.url, ...args], { cwd });
const body = () => mock.apiRequests().at(-1)?.json as Record<string, unknown>;
const fields = () =>
  Object.fromEntries(
    (mock.apiRequests().at(-1)?.parts ?? []).filter((p) => p.value !== undefined).map((p) => [p.name, p.value]),
  );

describe('GIF, as OpenAI reference states it', () => {
  it('refuses a mask with a GIF before sending; the offline server refuses it too', async () => {
    for (const flag of [
      ['--mask', 'mask.png'],
      ['--mask-from', 'photo.png'],
    ]) {
      const r = await run('edit', 'photo.png', '-p', 'snow', '-m', FLARE, '-o', 'snow.gif', ...flag);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `error: ${flag[0]} with --format gif: an edit into a gif takes no mask (OpenAI's images reference)\nhint: Drop ${flag[0]} and say in the prompt what to change, or edit into png or webp with the mask.`,
      );
    }
    expect(mock.apiRequests()).toHaveLength(0);
    const forced = await run(
      'edit',
      'photo.png',
      '-p',
      'snow',
      '-m',
      FLARE,
      '--param',
      'output_format=gif',
      '--mask',
      'mask.png',
    );
    expect(forced.exitCode).toBe(3);
    expect(forced.stderr).toMatch(
      /error: The API answered 400 \(invalid_value, param mask\): mask is not supported with output_format 'gif'\./,
    );
  });

  it('refuses --compression with a GIF (and svg), as for png', async () => {
    const gif = await run('gen', 'koi', '-m', FLARE, '-f', 'gif', '--compression', '50');
    expect(gif.stderr).toBe('error: --compression works only with --format jpeg or webp; gif is lossless');
    const svg = await run('gen', 'koi', '-m', FLARE, '-f', 'svg', '--compression', '50');
    expect(svg.stderr).toBe('error: --compression works only with --format jpeg or webp; svg is text');
    expect([gif.exitCode, svg.exitCode]).toEqual([2, 2]);
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('sends a GIF edit with a warning (reported: one relay says generations only), --strict refuses it, and the offline server animates the edit', async () => {
    const r = await run('edit', 'photo.png', '-p', 'make it snow', '-m', FLARE, '--frames', '3', '-o', 'snow.gif');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('snow.gif');
    expect(r.stderr.split('\n')[0]).toBe(
      "warning: an edit into a gif may be refused: one relay says gpt-image-2.6-flare makes gif for generations only (reported: one relay says GIF output is for generations only; OpenAI's images generate and edit reference, as stored 2026-11-11 lists frame_count for edits too, read 2026-12-06); sent anyway (--strict refuses, --no-warnings quiets this)",
    );
    expect(fields()).toMatchObject({ output_format: 'gif', frame_count: '3' });
    expect(gifFrameCount(readFileSync(join(cwd, 'snow.gif')))).toBe(3);
    const quiet = await run(
      '--no-warnings',
      'edit',
      'photo.png',
      '-p',
      'snow',
      '-m',
      FLARE,
      '-o',
      'snow2.gif',
      '--frames',
      '2',
    );
    expect(quiet.stderr).not.toMatch(/warning/);
    mock.requests.length = 0;
    const strict = await run('--strict', 'edit', 'photo.png', '-p', 'snow', '-m', FLARE, '-o', 'snow3.gif');
    expect(strict.exitCode).toBe(2);
    expect(strict.stderr).toMatch(
      /refused because of --strict\); nothing was sent\nhint: Use imgcli gen for an animation, or edit into png or webp\.$/,
    );
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('--dry-run says that frame_count left out means 9 frames', async () => {
    const r = await run('gen', 'koi', '-m', FLARE, '-o', 'koi.gif', '--dry-run');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /\n# frame_count: not sent, so gpt-image-2\.6-flare uses its default, 9 \(--frames sets it\)\n/,
    );
    const json = JSON.parse((await run('gen', 'koi', '-m', FLARE, '-o', 'koi.gif', '--dry-run', '--json')).stdout);
    expect(json.defaults).toEqual([
      'frame_count: not sent, so gpt-image-2.6-flare uses its default, 9 (--frames sets it)',
    ]);
    const given = await run('gen', 'koi', '-m', FLARE, '-o', 'koi.gif', '--frames', '4', '--dry-run');
    expect(given.stdout).not.toMatch(/frame_count: not sent/);
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('the help says 9 frames when --frames is not given', async () => {
    const r = await run('gen', '--help');
    expect(r.stdout).toMatch(/--frames <n> +frames in the animation: 2-16, default 9/);
  });

  it('explains a 403 for lack of GIF preview access, naming what works without it', async () => {
    const server = await startMockServer({ gifAccess: false });
    try {
      const r = await imgcliInProcess(['--base-url', server.url, 'gen', 'koi', '-m', FLARE, '-o', 'koi.gif'], { cwd });
      expect(r.exitCode).toBe(4);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        /^error: The API answered 403 \(invalid_request_error, param output_format\): output_format 'gif' requires GIF preview access for the selected model \(gpt-image-2\.6-flare\)\. Your organization does not have access to this preview\.\nhint: This account has no GIF preview access for the model\. Without it, gpt-image-2\.6-flare and gpt-image-2\.6-sunburst still make png, jpeg, webp, svg \(drop -f gif and --frames\), and every other model works as before; ask OpenAI for GIF preview access to make GIFs\.\nrequest id: req_/,
      );
      const png = await imgcliInProcess(['--base-url', server.url, 'gen', 'koi', '-m', FLARE, '-o', 'koi.png'], {
        cwd,
      });
      expect(png.exitCode).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('SVG: the svg object', () => {
  it('--svg-model and --svg-effort go nested, as svg: {model, reasoning: {effort}}', async () => {
    const r = await run(
      'gen',
      'a paper boat',
      '-m',
      FLARE,
      '-o',
      'boat.svg',
      '--svg-model',
      'gpt-5-mini',
      '--svg-effort',
      'low',
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('boat.svg');
    expect(body()).toEqual({
      model: FLARE,
      prompt: 'a paper boat',
      output_format: 'svg',
      svg: { model: 'gpt-5-mini', reasoning: { effort: 'low' } },
    });
    expect(readFileSync(join(cwd, 'boat.svg'), 'utf8')).toMatch(/<metadata id="imgcli-provenance">/);
  });

  it('replays an SVG with its author: the recorded svg object becomes --svg-model and --svg-effort again', async () => {
    await run('gen', 'a kite', '-m', FLARE, '-o', 'kite.svg', '--svg-model', 'gpt-5', '--svg-effort', 'high');
    const sent = body();
    const r = await run('replay', 'kite.svg', '--dry-run', '--json');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).body).toEqual(sent);
    const changed = await run('replay', 'kite.svg', '--svg-effort', 'low', '--dry-run', '--json');
    expect(JSON.parse(changed.stdout).body.svg).toEqual({ model: 'gpt-5', reasoning: { effort: 'low' } });
  });

  it('refuses the svg fields without svg, and efforts outside the list, naming the values', async () => {
    const png = await run('gen', 'x', '-m', FLARE, '--svg-model', 'gpt-5');
    expect(png.stderr).toBe(
      'error: --svg-model works only with --format svg (a document written by a text model), not png',
    );
    const effort = await run('gen', 'x', '-m', FLARE, '-f', 'svg', '--svg-effort', 'minimal');
    expect(effort.stderr).toBe(
      'error: --svg-effort minimal is not valid for gpt-image-2.6-flare; use one of none, low, medium, high, xhigh, max',
    );
    const older = await run('gen', 'x', '-m', 'gpt-image-2.5-flare', '--svg-model', 'gpt-5');
    expect(older.stderr).toBe(
      'error: --svg-model is not accepted by gpt-image-2.5-flare for generations; it is for gpt-image-2.6',
    );
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('takes --background transparent with svg', async () => {
    const r = await run(
      'gen',
      'a sticker',
      '-m',
      FLARE,
      '-f',
      'svg',
      '--background',
      'transparent',
      '-o',
      'sticker.svg',
    );
    expect(r.exitCode).toBe(0);
    expect(body()).toMatchObject({ output_format: 'svg', background: 'transparent' });
  });

  it('takes svg-model and svg-effort from the config, only for svg output', async () => {
    const home = tempDir();
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toFile(join(home, 'x.png'));
    const inHome = (...args: string[]) => imgcliInProcess(['--base-url', mock.url, ...args], { cwd: home });
    expect((await inHome('config', 'set', 'svg-model', 'gpt-5-nano')).exitCode).toBe(0);
    expect((await inHome('config', 'set', 'svg-effort', 'high')).exitCode).toBe(0);
    expect((await inHome('config', 'set', 'svg-effort', 'minimal')).stderr).toMatch(
      /^error: svg-effort "minimal" is not valid: use one of none, low, medium, high, xhigh, max/,
    );
    await inHome('gen', 'a boat', '-m', FLARE, '-o', 'b.svg');
    expect(body()).toMatchObject({ svg: { model: 'gpt-5-nano', reasoning: { effort: 'high' } } });
    await inHome('gen', 'a boat', '-m', FLARE, '-o', 'b.png');
    expect(body()).not.toHaveProperty('svg');
  });

  it('batch jobs take svgModel and svgEffort (and their snake_case) as keys', async () => {
    writeFileSync(
      join(cwd, 'svgs.jsonl'),
      `${JSON.stringify({ prompt: 'a kite', model: FLARE, out: 'kite.svg', svg_model: 'gpt-5', svgEffort: 'max' })}\n`,
    );
    const r = await run('batch', 'svgs.jsonl');
    expect(r.exitCode).toBe(0);
    expect(body()).toMatchObject({ svg: { model: 'gpt-5', reasoning: { effort: 'max' } } });
  });

  it("says the cost covers the image tokens only, unless the answer's usage gives the author's tokens", () => {
    const model = resolveModel(FLARE);
    const usage = (text: number) => ({
      input_tokens: 10,
      output_tokens: 1000 + text,
      input_tokens_details: { text_tokens: 10, image_tokens: 0 },
      output_tokens_details: { image_tokens: 1000, text_tokens: text },
    });
    const request = (author?: string) => ({ output_format: 'svg', ...(author ? { svg: { model: author } } : {}) });
    expect(estimateCost(model, usage(0), request('gpt-5'))).toEqual({
      usd: 0.03005,
      rates_checked: '2026-12-01',
      basis:
        "image tokens only: the SVG author (gpt-5) is billed at its own rates, and the answer's usage does not give its tokens",
    });
    // gpt-5 writes at $10 per 1M output tokens (reported, dated): 2,000 tokens are $0.02.
    expect(estimateCost(model, usage(2000), request('gpt-5'))).toEqual({
      usd: 0.05005,
      rates_checked: '2026-12-01',
      basis: 'with 2000 tokens of the SVG author (gpt-5) at its own rate of $10 per 1M (reported, recorded 2026-12-06)',
    });
    expect(estimateCost(model, usage(2000), request('my-writer'))?.basis).toBe(
      'image tokens only: 2000 tokens of the SVG author (my-writer) are billed at its own rates, which imgcli does not have',
    );
    // Not an SVG: text output tokens are priced as before.
    expect(estimateCost(model, usage(0), { output_format: 'png' })?.basis).toBeUndefined();
  });

  it('--dry-run says the author is billed on top; the offline answer gives its tokens when it is named', async () => {
    const dry = await run('gen', 'a boat', '-m', FLARE, '-f', 'svg', '--svg-model', 'gpt-5', '--dry-run', '--json');
    expect(JSON.parse(dry.stdout).body).toMatchObject({ svg: { model: 'gpt-5' } });
    const live = await run('gen', 'a boat', '-m', FLARE, '-f', 'svg', '--svg-model', 'gpt-5', '--json');
    const doc = JSON.parse(live.stdout);
    expect(doc.usage.output_tokens_details.text_tokens).toBeGreaterThan(0);
  });
});

describe('safety_identifier and the model names of 2.6', () => {
  it('sends --safety-identifier as safety_identifier, beside --user', async () => {
    const r = await run('gen', 'a fox', '-m', FLARE, '--safety-identifier', 'user-123', '--user', 'u-1');
    expect(r.exitCode).toBe(0);
    expect(body()).toMatchObject({ safety_identifier: 'user-123', user: 'u-1' });
  });

  it('refuses the bare gpt-image-2.6 and dated 2.6 snapshots against OpenAI, naming flare and sunburst', async () => {
    const bare = await run('--provider', 'openai', 'gen', 'a fox', '-m', 'gpt-image-2.6');
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr.split('\n')[0]).toBe(
      'error: unknown model gpt-image-2.6: OpenAI has no bare gpt-image-2.6 alias; did you mean gpt-image-2.6-flare or -sunburst?',
    );
    const dated = await run('--provider', 'openai', 'gen', 'a fox', '-m', 'gpt-image-2.6-flare-2026-11-04');
    expect(dated.stderr.split('\n')[0]).toBe(
      'error: unknown model gpt-image-2.6-flare-2026-11-04: no dated gpt-image-2.6 snapshot exists; did you mean gpt-image-2.6-flare?',
    );
    expect(mock.apiRequests()).toHaveLength(0);
    // A gateway may have its own alias of that name: sent, with a notice.
    const gateway = await run('--provider', 'compatible', 'gen', 'a fox', '-m', 'gpt-image-2.6', '--dry-run');
    expect(gateway.exitCode).toBe(0);
    expect(gateway.stderr).toMatch(/Did you mean gpt-image-2\.6-flare or gpt-image-2\.6-sunburst\?/);
  });
});

describe('the Batch API and 2.6', () => {
  const inDir = (dir: string, ...args: string[]) => imgcliInProcess(['--base-url', mock.url, ...args], { cwd: dir });

  it('warns when a job uses a gpt-image-2.6 model (reported), naming 2.5; --strict refuses it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'photo.png'), readFileSync(join(cwd, 'photo.png')));
    const job = { command: 'edit', images: ['photo.png'], prompt: 'x', model: 'gpt-image-2.6-sunburst', out: 'o.png' };
    writeFileSync(join(dir, 'jobs.jsonl'), `${JSON.stringify(job)}\n`);
    const r = await inDir(dir, 'batch', 'jobs.jsonl', '--remote', '--dry-run');
    expect(r.exitCode).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(
      'warning: gpt-image-2.6-sunburst in a batch --remote: one relay says the Batch API does not take gpt-image-2.6 models; gpt-image-2.5-sunburst is the safe choice (reported: one relay: "Batch is not supported in 2.6; keep nightly batches on 2.5"; OpenAI\'s 2.6 pages do not say, read 2026-12-06); sent anyway (--strict refuses, --no-warnings quiets this)',
    );
    const strict = await inDir(dir, '--strict', 'batch', 'jobs.jsonl', '--remote');
    expect(strict.exitCode).toBe(2);
    expect(strict.stderr).toMatch(
      /line 1: gpt-image-2\.6-sunburst in a batch --remote: .*refused because of --strict\); use "model": "gpt-image-2\.5-sunburst", or run it in a local batch/,
    );
    expect(mock.apiRequests()).toHaveLength(0);
    // A local batch is not the Batch API: no warning.
    const local = await inDir(dir, 'batch', 'jobs.jsonl', '--dry-run');
    expect(local.stderr).not.toMatch(/relay/);
  });
});

// Markup edits (gpt-image-2.6: a transparent PNG over the first image, showing what to change),
// in-process against the offline server: the part "markup" of a multipart edit, "markup":
// {image_url | file_id} in a JSON edit and in a remote batch's request line, the checks a mask
// gets (PNG, alpha, the first image's size as it is seen), --fit, the upright copy sent for an
// image with an EXIF orientation, the refusals (with a mask, for a model without markup), and
// the offline server's answer, which changes only what is near the marks.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFlags } from '../src/markup/flags.js';
import { renderMarkup } from '../src/markup/render.js';
import { MARKUP_REACH } from '../src/mock/derive.js';
import { imgcli, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({ labels: false, batchTiming: { validatingMs: 0, perRequestMs: 0, finalizingMs: 0 } });
const FLARE = 'gpt-image-2.6-flare';
const BLUE = { r: 64, g: 128, b: 192 };

/** A layer with one box outline, drawn by the same code as `imgcli markup`. */
async function layer(width: number, height: number, box = '20,20,60,60'): Promise<Buffer> {
  return (await renderMarkup(parseFlags([{ type: 'box', value: box, style: 'width=4' }]), { width, height })).png;
}

let cwd: string;
beforeAll(async () => {
  cwd = tempDir();
  await sharp({ create: { width: 256, height: 256, channels: 3, background: BLUE } })
    .png()
    .toFile(join(cwd, 'photo.png'));
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .png()
    .toFile(join(cwd, 'ref.png'));
  writeFileSync(join(cwd, 'marks.png'), await layer(256, 256));
  writeFileSync(join(cwd, 'small.png'), await layer(128, 128));
  await sharp({ create: { width: 256, height: 256, channels: 3, background: '#ff0000' } })
    .png()
    .toFile(join(cwd, 'opaque.png'));
  await sharp({ create: { width: 256, height: 256, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toFile(join(cwd, 'mask.png'));
  // Stored 200x100 (landscape), EXIF orientation 6: seen upright as 100x200.
  await sharp({ create: { width: 200, height: 100, channels: 3, background: '#336699' } })
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toFile(join(cwd, 'turned.jpg'));
  writeFileSync(join(cwd, 'turned-marks.png'), await layer(100, 200, '0.1,0.1,0.5,0.3'));
  await sharp({ create: { width: 200, height: 100, channels: 3, background: '#336699' } })
    .tiff()
    .toFile(join(cwd, 'wide.tiff'));
  writeFileSync(join(cwd, 'wide-marks.png'), await layer(200, 100, '0.1,0.1,0.5,0.5'));
});

const run = (...args: string[]) => imgcliInProcess(['--base-url', mock.url, ...args], { cwd });
const last = () => mock.apiRequests().at(-1)!;
const part = (name: string) => last().parts?.find((p) => p.name === name);

describe('a markup edit', () => {
  it('goes as the multipart part "markup" beside the image, and the offline answer changes only near the marks', async () => {
    const r = await run(
      'edit',
      'photo.png',
      '--markup',
      'marks.png',
      '-m',
      FLARE,
      '-p',
      'a bookshelf here',
      '-s',
      '1024x1024',
      '-o',
      'out.png',
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('out.png');
    expect(r.stderr).not.toMatch(/warning|error/);
    const parts = last().parts!.map((p) => [p.name, p.filename ?? p.value, p.contentType]);
    expect(parts).toEqual([
      ['model', FLARE, undefined],
      ['prompt', 'a bookshelf here', undefined],
      ['size', '1024x1024', undefined],
      ['output_format', 'png', undefined],
      ['image', 'photo.png', 'image/png'],
      ['markup', 'marks.png', 'image/png'],
    ]);
    expect(Buffer.compare(part('markup')!.data!, readFileSync(join(cwd, 'marks.png')))).toBe(0);
    // The answer at 1024x1024: the box's edge (x 80-96 of 1024) is painted, far from it nothing changed.
    const { data, info } = await sharp(join(cwd, 'out.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    expect(at(900, 900)).toEqual([BLUE.r, BLUE.g, BLUE.b]);
    expect(at(512, 512)).toEqual([BLUE.r, BLUE.g, BLUE.b]);
    expect(at(88, 160)).not.toEqual([BLUE.r, BLUE.g, BLUE.b]);
    // Within the reach of the mark: painted; the marks themselves (red) are not in the answer.
    const reach = Math.round(MARKUP_REACH * 1024);
    expect(at(96 + reach - 2, 160)).not.toEqual([BLUE.r, BLUE.g, BLUE.b]);
    expect(at(88, 160)).not.toEqual([255, 0, 0]);
  });

  it('applies to the first image; the others go as references before it', async () => {
    const r = await run('edit', 'photo.png', 'ref.png', '--markup', 'marks.png', '-m', FLARE, '-p', 'x');
    expect(r.exitCode).toBe(0);
    expect(
      last()
        .parts!.filter((p) => p.filename)
        .map((p) => [p.name, p.filename]),
    ).toEqual([
      ['image[]', 'photo.png'],
      ['image[]', 'ref.png'],
      ['markup', 'marks.png'],
    ]);
  });

  it('goes as "markup": {"image_url"} in a JSON edit, and {"file_id"} when given one', async () => {
    const r = await run('edit', 'photo.png', '--markup', 'marks.png', '-m', FLARE, '-p', 'x', '--body', 'json');
    expect(r.exitCode).toBe(0);
    const body = last().json as Record<string, any>;
    expect(body.markup.image_url).toBe(
      `data:image/png;base64,${readFileSync(join(cwd, 'marks.png')).toString('base64')}`,
    );
    expect(body.images).toHaveLength(1);
    const id = (await run('files', 'upload', 'marks.png')).stdout;
    const byId = await run('edit', 'photo.png', '--markup', id, '-m', FLARE, '-p', 'x');
    expect(byId.exitCode).toBe(0);
    expect((last().json as Record<string, unknown>).markup).toEqual({ file_id: id });
  });

  it('is checked like a mask before sending: PNG with alpha, the size of the first image', async () => {
    const small = await run('edit', 'photo.png', '--markup', 'small.png', '-m', FLARE, '-p', 'x');
    expect(small.exitCode).toBe(2);
    expect(small.stderr).toBe(
      'error: --markup small.png is not a valid markup layer: it is 128x128 but the image is 256x256\nhint: Draw it again at the image\'s size: imgcli markup --like photo.png --box 0.1,0.2,0.4,0.5 --label "what to change" -o marks.png',
    );
    const opaque = await run('edit', 'photo.png', '--markup', 'opaque.png', '-m', FLARE, '-p', 'x');
    expect(opaque.stderr).toMatch(/^error: --markup opaque\.png is not a valid markup layer: it has no alpha channel/);
    const missing = await run('edit', 'photo.png', '--markup', 'nope.png', '-m', FLARE, '-p', 'x');
    expect(missing.stderr).toMatch(/^error: cannot read --markup nope\.png/);
    expect([small.exitCode, opaque.exitCode, missing.exitCode]).toEqual([2, 2, 2]);
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('is refused with a mask, and for a model without markup, before sending', async () => {
    const mask = await run('edit', 'photo.png', '--markup', 'marks.png', '--mask', 'mask.png', '-m', FLARE, '-p', 'x');
    expect(mask.exitCode).toBe(2);
    expect(mask.stderr.split('\n')[0]).toBe(
      'error: --markup and --mask are two ways to show what to change; use one (the sources that describe markup say the API takes it without a mask)',
    );
    const older = await run('edit', 'photo.png', '--markup', 'marks.png', '-p', 'x');
    expect(older.stderr).toBe(
      'error: --markup is not accepted by gpt-image-2 for edits; it is for gpt-image-2.6-flare and gpt-image-2.6-sunburst\nhint: Use -m gpt-image-2.6-flare, or draw the change as a mask (--mask-from) for gpt-image-2.',
    );
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('sends an image with an EXIF orientation upright, as the layer is drawn on it as it is seen', async () => {
    const r = await run('edit', 'turned.jpg', '--markup', 'turned-marks.png', '-m', FLARE, '-p', 'x');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(
      /^turned\.jpg: EXIF orientation 6; sending it upright \(a JPEG at quality 95\), as the markup is drawn on it$/m,
    );
    const image = await sharp(part('image')!.data!).metadata();
    expect([image.width, image.height, image.orientation]).toEqual([100, 200, undefined]);
    // The layer drawn on the stored (sideways) file is refused, saying why.
    writeFileSync(join(cwd, 'sideways.png'), await layer(200, 100, '0.1,0.1,0.5,0.3'));
    const sideways = await run('edit', 'turned.jpg', '--markup', 'sideways.png', '-m', FLARE, '-p', 'x');
    expect(sideways.stderr).toMatch(
      /it is 200x100 but the image is 100x200 \(the size of the file before its EXIF rotation, orientation 6; draw on the upright image\)/,
    );
  });

  it('--dry-run says under its curl command that curl would send the sideways file as stored', async () => {
    const r = await run('edit', 'turned.jpg', '--markup', 'turned-marks.png', '-m', FLARE, '-p', 'x', '--dry-run');
    expect(r.exitCode).toBe(0);
    const size = /^image: file turned\.jpg \(image\/jpeg, (\d+) bytes\)$/m.exec(r.stdout)?.[1];
    expect(Number(size)).toBeGreaterThan(0);
    expect(r.stdout).toContain(
      `  -F 'image=@turned.jpg;type=image/jpeg' \\\n  -F 'markup=@turned-marks.png;type=image/png'\n` +
        `# image: curl sends turned.jpg as stored; imgcli sends it re-encoded upright (EXIF orientation 6), ${size} bytes`,
    );
    // The layer is sent as it is stored: no word about it.
    expect(r.stdout).not.toMatch(/^# markup:/m);
    const fitted = await run(
      'edit',
      'wide.tiff',
      '--markup',
      'wide-marks.png',
      '-m',
      FLARE,
      '-p',
      'x',
      '--fit',
      'contain',
      '--dry-run',
    );
    expect(fitted.stdout).toMatch(
      /^# image: curl sends wide\.tiff as stored; imgcli sends it made into a \d+x\d+ PNG \(--fit contain\), \d+ bytes$/m,
    );
    expect(fitted.stdout).toMatch(
      /^# markup: curl sends wide-marks\.png as stored; imgcli sends it fitted with the first image \(--fit contain\), \d+ bytes$/m,
    );
    expect(mock.apiRequests()).toHaveLength(0);
  });

  it('follows --fit with the first image: contain pads the layer with transparency', async () => {
    const r = await run('edit', 'wide.tiff', '--markup', 'wide-marks.png', '-m', FLARE, '-p', 'x', '--fit', 'contain');
    expect(r.exitCode).toBe(0);
    const [image, markup] = await Promise.all([
      sharp(part('image')!.data!).metadata(),
      sharp(part('markup')!.data!).metadata(),
    ]);
    expect([image.width, image.height]).toEqual([200, 200]);
    expect([markup.width, markup.height, markup.hasAlpha]).toEqual([200, 200, true]);
    // The padding (top and bottom 50 rows) is transparent: nothing is drawn there.
    const { data } = await sharp(part('markup')!.data!).extractChannel(3).raw().toBuffer({ resolveWithObject: true });
    expect(data.subarray(0, 200 * 50).every((a) => a === 0)).toBe(true);
  });

  it('runs in a batch, local and remote (uploaded once, named by file id in the request line)', async () => {
    writeFileSync(
      join(cwd, 'jobs.jsonl'),
      `${JSON.stringify({ command: 'edit', images: ['photo.png'], markup: 'marks.png', model: FLARE, prompt: 'x', out: 'b.png' })}\n`,
    );
    const local = await run('batch', 'jobs.jsonl');
    expect(local.exitCode).toBe(0);
    expect(part('markup')?.filename).toBe('marks.png');
    mock.requests.length = 0;
    const job = {
      command: 'edit',
      images: ['photo.png'],
      markup: 'marks.png',
      model: FLARE,
      prompt: 'x',
      out: 'r.png',
    };
    writeFileSync(join(cwd, 'remote.jsonl'), `${JSON.stringify(job)}\n`);
    const remote = await imgcli(
      ['--base-url', mock.url, 'batch', 'remote.jsonl', '--remote', '--poll-interval', '0.05'],
      {
        cwd,
      },
    );
    expect(remote.exitCode).toBe(0);
    const state = JSON.parse(readFileSync(join(cwd, 'remote.jsonl.imgcli-batch.json'), 'utf8'));
    const markupId = Object.values(state.inputs as Record<string, { file_id: string; name: string }>).find(
      (i) => i.name === 'marks.png',
    )!.file_id;
    const res = await fetch(`${mock.url}/files/${state.parts[0].input_file_id}/content`, {
      headers: { authorization: 'Bearer sk-test' },
    });
    const line = JSON.parse((await res.text()).trim());
    expect(line.body.markup).toEqual({ file_id: markupId });
    expect(line.body.images).toHaveLength(1);
  });
});

// The offline mode says what it is: `--mock` reports "offline: no cost" (cost_usd 0 with a note in
// --json, in batch lines, summaries and the batch total), its images carry the prompt and size
// where the machine has fonts and are plain where it has none (fontconfig pointed at an empty
// configuration, the real fallback), and its edits change only the pixels the mask marks editable.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fontsAvailable, labelLines } from '../src/mock/labels.js';
import { drawLabel, synthPixels } from '../src/mock/synth.js';
import { imgcli, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const plainServer = useMockServer({ labels: false });

const rgb = async (path: string) => await sharp(path).raw().toBuffer({ resolveWithObject: true });

/** A solid image, and an RGBA mask (or image) transparent in a square in its middle. */
async function files(dir: string, size = 512): Promise<{ photo: string; mask: string; holed: string }> {
  const photo = join(dir, 'photo.png');
  await sharp({ create: { width: size, height: size, channels: 3, background: { r: 90, g: 140, b: 200 } } })
    .png()
    .toFile(photo);
  const px = Buffer.alloc(size * size * 4);
  for (let i = 0; i < size * size; i++) px.set([90, 140, 200, 255], i * 4);
  for (let y = size / 4; y < (3 * size) / 4; y++)
    for (let x = size / 4; x < (3 * size) / 4; x++) px[(y * size + x) * 4 + 3] = 0;
  const mask = join(dir, 'mask.png');
  await sharp(px, { raw: { width: size, height: size, channels: 4 } })
    .png()
    .toFile(mask);
  const holed = join(dir, 'holed.png');
  writeFileSync(holed, readFileSync(mask));
  return { photo, mask, holed };
}

const inHole = (x: number, y: number, size: number) =>
  x >= size / 4 && x < (3 * size) / 4 && y >= size / 4 && y < (3 * size) / 4;

describe('cost', () => {
  it('gen --mock says "offline: no cost", and --json has cost_usd 0 with the reason', async () => {
    const text = await imgcliInProcess(['gen', 'a fox', '--mock', '-o', 'a.png']);
    expect(text.exitCode).toBe(0);
    expect(text.stderr).toMatch(/^usage: \d+ input \+ \d+ output = \d+ tokens; offline: no cost$/);
    expect(text.stderr).not.toContain('$');
    const json = await imgcliInProcess(['gen', 'a fox', '--mock', '-o', 'b.png', '--json']);
    const doc = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(doc.cost_usd).toBe(0);
    expect(doc.cost_note).toBe('offline server (--mock): nothing was billed');
    expect(doc).not.toHaveProperty('cost_rates_checked');
  });

  it('batch --mock: the total, each line and the step summary say nothing was billed', async () => {
    const dir = tempDir();
    const summary = join(dir, 'summary.md');
    const r = await imgcliInProcess(['batch', '-', '-o', 'out/', '--mock'], {
      cwd: dir,
      input: '"a red fox"\n"a blue whale"\n',
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^batch: 2 of 2 jobs done, 0 failed, 0 not started in [\d.]+ s; offline: no cost$/m);
    expect(r.stderr).not.toContain('$');
    for (const line of r.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)) {
      expect(line).toMatchObject({
        status: 'ok',
        cost_usd: 0,
        cost_note: 'offline server (--mock): nothing was billed',
      });
    }
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('offline server (--mock): nothing was billed.');
    expect(md).not.toContain('Estimated cost');
    expect(md).not.toContain('$');
  });

  it('batch --mock --max-cost is a rehearsal: the budget counts what the real rates would make of the answers', async () => {
    const r = await imgcliInProcess(
      ['batch', '-', '-o', 'out/', '--mock', '-q', 'low', '--max-cost', '0.02', '--concurrency', '1'],
      { input: '"a"\n"b"\n"c"\n"d"\n"e"\n' },
    );
    const lines = r.stdout.split('\n').map((l) => JSON.parse(l) as { status: string; error: string | null });
    expect(lines.filter((l) => l.status === 'ok').length).toBeGreaterThan(0);
    const skipped = lines.filter((l) => l.status === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]!.error).toMatch(
      /would pass --max-cost 0\.02 \(about \$0\.\d{4} at the real rates so far; offline: no cost\)/,
    );
    expect(r.exitCode).toBe(7);
  });
});

describe('images', () => {
  it('writes the shortened prompt and the size on generations when fonts are available', async () => {
    const lines = labelLines(
      'a watercolor fox sitting in a field of tall grass at golden hour, highly detailed',
      '1024x1024',
      1024,
      1024,
    );
    expect(lines[0]).toMatch(/^a watercolor fox sitting in .*…$/);
    expect([...lines[0]!].length).toBeLessThan(60);
    expect(lines[1]).toBe('1024x1024 · imgcli offline');
    expect(labelLines('a fox', 'auto', 1024, 1024)).toEqual(['a fox', 'auto (1024x1024) · imgcli offline']);
    // Control characters are not drawn (nor put in the label's XML): each becomes a space.
    expect(labelLines('a\u0001fox\u001b[31m\u0007', 'auto', 1024, 1024)[0]).toBe('a fox [31m');

    const dir = tempDir();
    const r = await imgcli(['gen', 'a fox', '-s', '1536x1024', '--mock', '-o', 'fox.png', '--no-metadata'], {
      cwd: dir,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const got = await rgb(join(dir, 'fox.png'));
    const plain = synthPixels({ prompt: 'a fox', width: 1536, height: 1024 });
    const fonts = await fontsAvailable();
    // This machine's answer: labelled exactly as drawLabel draws it, or (no fonts) plain.
    const expected = fonts
      ? await drawLabel(plain.data, 1536, 1024, 3, labelLines('a fox', '1536x1024', 1536, 1024))
      : plain.data;
    expect(got.info.channels).toBe(3);
    expect(got.data.equals(expected), `fonts available: ${fonts}`).toBe(true);
    if (fonts) expect(got.data.equals(plain.data)).toBe(false);
  });

  it('makes plain images where no font can be found (fontconfig with an empty configuration, or none), silently', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fonts.conf'), '<?xml version="1.0"?>\n<fontconfig></fontconfig>\n');
    for (const config of [join(dir, 'fonts.conf'), join(dir, 'missing.conf')]) {
      const r = await imgcli(['gen', 'a fox', '--mock', '-o', 'fox.png', '--no-metadata'], {
        cwd: dir,
        env: { FONTCONFIG_FILE: config },
      });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr, config).not.toMatch(/fontconfig/i);
      const got = await rgb(join(dir, 'fox.png'));
      expect(got.data.equals(synthPixels({ prompt: 'a fox', width: 1024, height: 1024 }).data), config).toBe(true);
    }
  });

  it('the offline server makes plain images when told to (mock-server --no-labels)', async () => {
    const dir = tempDir();
    const r = await imgcliInProcess(['gen', 'a fox', '-o', 'fox.png', '--no-metadata'], {
      cwd: dir,
      env: { OPENAI_BASE_URL: plainServer.url },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(
      (await rgb(join(dir, 'fox.png'))).data.equals(synthPixels({ prompt: 'a fox', width: 1024, height: 1024 }).data),
    ).toBe(true);
    const help = await imgcliInProcess(['mock-server', '--help']);
    expect(help.stdout).toMatch(/--no-labels\s+do not write the prompt and size on the images/);
  });
});

describe('edits respect the mask', () => {
  it('--mask: only the pixels the mask leaves transparent change', async () => {
    const dir = tempDir();
    const { photo, mask } = await files(dir);
    const r = await imgcli(
      ['edit', photo, '--mask', mask, '-p', 'a red scarf', '-s', '1024x1024', '--mock', '-o', 'out.png'],
      { cwd: dir },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const { data, info } = await rgb(join(dir, 'out.png'));
    expect([info.width, info.height, info.channels]).toEqual([1024, 1024, 3]);
    let kept = 0;
    let changed = 0;
    for (let y = 0; y < 1024; y++) {
      for (let x = 0; x < 1024; x++) {
        const i = (y * 1024 + x) * 3;
        const same = data[i] === 90 && data[i + 1] === 140 && data[i + 2] === 200;
        if (inHole(x, y, 1024)) changed += same ? 0 : 1;
        else kept += same ? 1 : 0;
      }
    }
    // Every pixel outside the hole is the photo's own; every one inside was painted.
    expect(kept).toBe(1024 * 1024 - 512 * 512);
    expect(changed).toBe(512 * 512);
  });

  it("--mask-from: the drawing's black area is the only part that changes", async () => {
    const dir = tempDir();
    const { photo } = await files(dir);
    const drawing = join(dir, 'drawing.png');
    await sharp({ create: { width: 512, height: 512, channels: 3, background: '#ffffff' } })
      .composite([
        { input: { create: { width: 256, height: 256, channels: 3, background: '#000000' } }, left: 128, top: 128 },
      ])
      .png()
      .toFile(drawing);
    const r = await imgcli(['edit', photo, '--mask-from', drawing, '-p', 'a window', '--mock', '-o', 'out.png'], {
      cwd: dir,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const { data, info } = await rgb(join(dir, 'out.png'));
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    expect(at(5, 5)).toEqual([90, 140, 200]);
    expect(at(info.width - 5, info.height - 5)).toEqual([90, 140, 200]);
    expect(at(info.width / 2, info.height / 2)).not.toEqual([90, 140, 200]);
  });

  it("dall-e-2 with no mask: the image's own transparent pixels are the only ones painted", async () => {
    const dir = tempDir();
    const { holed } = await files(dir);
    const r = await imgcli(
      // dall-e-2 is retired on api.openai.com (which --mock impersonates by default): as a server that still has it.
      [
        'edit',
        holed,
        '-m',
        'dall-e-2',
        '-p',
        'a cat',
        '-s',
        '512x512',
        '--mock',
        '--provider',
        'compatible',
        '-o',
        'out.png',
      ],
      { cwd: dir },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const { data, info } = await sharp(join(dir, 'out.png')).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4)];
    expect(at(10, 10)).toEqual([90, 140, 200, 255]);
    const inside = at(256, 256);
    expect(inside[3]).toBe(255);
    expect(inside.slice(0, 3)).not.toEqual([90, 140, 200]);
  });

  it('without a mask, a GPT edit repaints the whole image', async () => {
    const dir = tempDir();
    const { photo } = await files(dir);
    const r = await imgcliInProcess(['edit', photo, '-p', 'make it night', '--mock', '-o', 'out.png'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const { data } = await rgb(join(dir, 'out.png'));
    expect([...data.subarray(0, 3)]).not.toEqual([90, 140, 200]);
  });
});

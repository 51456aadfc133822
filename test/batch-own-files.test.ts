// Item 2: a job's output may not overwrite the batch's own files. An "out" that is the jobs file,
// the remote batch's state file, its journal or its lock (compared by where the paths land, as
// outputs are), or the job's own input (an image, its mask or its markup layer), is refused before
// anything is sent: exit 2, the line named.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../src/markup/flags.js';
import { renderMarkup } from '../src/markup/render.js';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

async function batch(jobs: unknown[], extra: string[] = []) {
  const cwd = tempDir();
  const text = `${jobs.map((j) => JSON.stringify(j)).join('\n')}\n`;
  writeFileSync(join(cwd, 'jobs.jsonl'), text);
  const r = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl', ...extra], { cwd, timeout: 60_000 });
  return { ...r, cwd, text };
}

describe("a job's output over the batch's own files", () => {
  it.each([
    ['jobs.jsonl', 'the jobs file (jobs.jsonl)'],
    ['./sub/../jobs.jsonl', 'the jobs file (jobs.jsonl)'],
    ['jobs.jsonl.imgcli-batch.json', "the batch's state file (jobs.jsonl.imgcli-batch.json)"],
    ['jobs.jsonl.imgcli-batch.journal', "the batch's journal (jobs.jsonl.imgcli-batch.journal)"],
    ['jobs.jsonl.imgcli-batch.lock', "the batch's lock (jobs.jsonl.imgcli-batch.lock)"],
  ])('"out": %j is refused, locally and with --remote, nothing sent', async (out, what) => {
    for (const extra of [[], ['--remote']]) {
      const r = await batch(['a fox', { prompt: 'an owl', out }], extra);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`line 2: "out" ${out} is ${what}: a job's image must not replace it`);
      expect(readFileSync(join(r.cwd, 'jobs.jsonl'), 'utf8')).toBe(r.text);
      expect(mock.apiRequests()).toHaveLength(0);
    }
  });

  it('an edit whose output is its own input is refused', async () => {
    const cwd = tempDir();
    expect((await imgcli(['--base-url', mock.url, 'gen', 'a fox', '-o', 'a.png'], { cwd })).exitCode).toBe(0);
    const before = readFileSync(join(cwd, 'a.png'));
    writeFileSync(
      join(cwd, 'jobs.jsonl'),
      `${JSON.stringify({ command: 'edit', images: ['a.png'], prompt: 'a hat', out: './a.png' })}\n`,
    );
    const r = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('line 1: a.png is both an input and the "out" of this job');
    expect(readFileSync(join(cwd, 'a.png')).equals(before)).toBe(true);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it.each([
    ['mask', 'gpt-image-2'],
    ['markup', 'gpt-image-2.6-flare'],
  ])('an edit whose %s is its own "out" is refused, the file left as it was', async (key, model) => {
    const cwd = tempDir();
    await sharp({ create: { width: 256, height: 256, channels: 3, background: '#4080c0' } })
      .png()
      .toFile(join(cwd, 'photo.png'));
    const layer =
      key === 'mask'
        ? await sharp({ create: { width: 256, height: 256, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
            .png()
            .toBuffer()
        : (await renderMarkup(parseFlags([{ type: 'box', value: '20,20,60,60' }]), { width: 256, height: 256 })).png;
    writeFileSync(join(cwd, 'layer.png'), layer);
    writeFileSync(
      join(cwd, 'jobs.jsonl'),
      `${JSON.stringify({ command: 'edit', images: ['photo.png'], [key]: 'layer.png', model, prompt: 'x', out: 'layer.png' })}\n`,
    );
    const r = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('line 1: layer.png is both an input and the "out" of this job');
    expect(readFileSync(join(cwd, 'layer.png')).equals(layer)).toBe(true);
    expect(mock.apiRequests()).toHaveLength(0);
  });
});

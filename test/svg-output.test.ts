// An SVG answer is saved with its active content and external references removed (scripts, event
// handlers, javascript: URLs, foreignObject, links and styles loading from elsewhere), what went
// told on stderr and in --json; --raw-svg keeps the server's exact bytes. The gallery shows an SVG
// as an image (a thumbnail), never inline.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({ payload: 'flat', labels: false });

const HOSTILE = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64" viewBox="0 0 64 64" onload="alert(1)">
<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>
<script>alert(2)</script>
<rect id="box" width="64" height="64" fill="url(#g)" onclick="alert(3)"/>
<a href="javascript:alert(4)"><text x="1" y="10">hi</text></a>
<image href="https://tracker.example/p.png" width="1" height="1"/>
<use href="#box"/>
<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
<path d="M0 0L10 10" style="fill:url(https://evil.example/p.svg#x)"/>
<style>@import url(https://evil.example/x.css);</style>
</svg>
`;
const CLEAN = `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#123456"/></svg>\n`;

const answer = (svg: string) => ({
  status: 200,
  body: { created: 1, data: [{ b64_json: Buffer.from(svg).toString('base64') }], output_format: 'svg' },
});
const gen = (cwd: string, ...args: string[]) =>
  imgcli(['--base-url', mock.url, 'gen', 'a logo', '-m', 'gpt-image-2.6-sunburst', '--format', 'svg', ...args], {
    cwd,
    timeout: 60_000,
  });

describe('an SVG answer', () => {
  it('is saved without its active content and external references, each told', async () => {
    const cwd = tempDir();
    mock.enqueueFault(answer(HOSTILE));
    const r = await gen(cwd, '-o', 'logo.svg', '--json');
    expect(r.exitCode).toBe(0);
    const saved = readFileSync(join(cwd, 'logo.svg'), 'utf8');
    for (const gone of [
      '<script',
      'onload',
      'onclick',
      'javascript:',
      'foreignObject',
      'tracker.example',
      'evil.example',
    ])
      expect(saved).not.toContain(gone);
    // The picture itself stays: shapes, local references, the gradient.
    expect(saved).toContain('<rect id="box" width="64" height="64" fill="url(#g)"/>');
    expect(saved).toContain('<use href="#box"/>');
    expect(saved).toContain('<metadata id="imgcli-provenance">');
    const removed: string[] = JSON.parse(r.stdout).files[0].svg_removed;
    expect(removed).toEqual(
      expect.arrayContaining([
        '<script>',
        'onload "alert(1)" on <svg>',
        'onclick "alert(3)" on <rect>',
        'href "javascript:alert(4)" on <a>',
        '<foreignObject>',
        'href "https://tracker.example/p.png" on <image>',
        'style "fill:url(https://evil.example/p.svg#x)" on <path>',
        '<style> that loads from elsewhere',
      ]),
    );
    expect(r.stderr).toMatch(
      /warning: logo\.svg: removed from the server's SVG before saving: .*<script>.*<foreignObject>/,
    );
    expect(r.stderr).toContain('(--raw-svg keeps its exact bytes).');
    const info = await imgcli(['info', 'logo.svg', '--json'], { cwd });
    expect(JSON.parse(info.stdout)[0].provenance.prompt).toBe('a logo');
  });

  it("--raw-svg keeps the server's exact bytes (with --no-metadata, byte for byte)", async () => {
    const cwd = tempDir();
    mock.enqueueFault(answer(HOSTILE));
    const r = await gen(cwd, '-o', 'raw.svg', '--raw-svg', '--no-metadata');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toContain('removed');
    expect(readFileSync(join(cwd, 'raw.svg'), 'utf8')).toBe(HOSTILE);
  });

  it('a document with nothing to remove is saved as it came, without a word', async () => {
    const cwd = tempDir();
    mock.enqueueFault(answer(CLEAN));
    const r = await gen(cwd, '-o', 'clean.svg', '--no-metadata');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toContain('removed');
    expect(readFileSync(join(cwd, 'clean.svg'), 'utf8')).toBe(CLEAN);
  });

  it('a batch job takes "raw_svg"', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'jobs.jsonl'),
      `${JSON.stringify({ prompt: 'a logo', model: 'gpt-image-2.6-sunburst', format: 'svg', out: 'a.svg', metadata: false, raw_svg: true })}\n`,
    );
    mock.enqueueFault(answer(HOSTILE));
    const r = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl'], { cwd, timeout: 60_000 });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(cwd, 'a.svg'), 'utf8')).toBe(HOSTILE);
  });

  it('the gallery shows a saved SVG as a thumbnail image, never inline', async () => {
    const cwd = tempDir();
    mock.enqueueFault(answer(HOSTILE));
    await gen(cwd, '-o', 'logo.svg', '--raw-svg');
    const r = await imgcli(['gallery', 'logo.svg', '-o', 'g.html'], { cwd, timeout: 60_000 });
    expect(r.exitCode).toBe(0);
    const page = readFileSync(join(cwd, 'g.html'), 'utf8');
    expect(page).not.toContain('alert(');
    expect(page).not.toMatch(/<svg[^>]*onload/);
    expect(page).toMatch(/<img[^>]+src="data:image\/webp;base64,/);
  });
});

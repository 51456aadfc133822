// `imgcli batch photo.png`: a file that is not a jobs file is named as what it is, in one line; a
// text file full of bad lines lists the first few and counts the rest; nothing a file holds
// reaches the terminal raw (ESC, BEL and the other control characters are escaped).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';

const RAW_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f]/;

describe('batch on a file that is not a jobs file', () => {
  it('an image: one error naming its format, exit 2, nothing on stdout', async () => {
    const cwd = tempDir();
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#08f' } })
      .png()
      .toBuffer();
    writeFileSync(join(cwd, 'photo.png'), png);
    const r = await imgcli(['batch', 'photo.png', '--mock'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe('error: photo.png looks like a PNG image, not a JSONL jobs file');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^hint: A jobs file is text, one job per line/m);
  });

  it('a binary file (NUL bytes): named as binary', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'data.bin'), Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x07, 0x41, 0x0a, 0x00]));
    const r = await imgcli(['batch', 'data.bin', '--mock'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: data.bin looks like a binary file (it holds NUL bytes), not a JSONL jobs file');
    expect(r.stderr).not.toMatch(RAW_CONTROLS);
  });

  it('binary bytes piped to batch - are named as binary too', async () => {
    const cwd = tempDir();
    const r = await imgcli(['batch', '-', '--mock'], {
      cwd,
      input: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x1b, 0x0a]),
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: stdin looks like a binary file (it holds NUL bytes), not a JSONL jobs file');
    expect(r.stderr).not.toMatch(RAW_CONTROLS);
  });

  it('3,000 bad lines with ESC and BEL in them: ten listed, the rest counted, every control escaped', async () => {
    const cwd = tempDir();
    const bad = Array.from({ length: 3000 }, (_, i) => `\u001b]0;owned\u0007 line ${i} \u001b[2J`).join('\n');
    writeFileSync(join(cwd, 'jobs.jsonl'), bad);
    const r = await imgcli(['batch', 'jobs.jsonl', '--mock'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(RAW_CONTROLS);
    expect(r.stderr.length).toBeLessThan(4000);
    const listed = r.stderr.split('\n').filter((l) => /^line \d+: /.test(l));
    expect(listed).toHaveLength(10);
    expect(listed[0]).toContain('\\u001b');
    expect(r.stderr).toContain('... and 2990 more (3000 bad lines in all)');
    expect(r.stderr).toMatch(/^error: 3000 of 3000 jobs are not valid; nothing was sent:/);
  });
});

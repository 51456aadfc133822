// Output naming and atomic writes, in-process.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { commitStaged, stageBytes, writeAtomic } from '../src/output/disk.js';
import { formatFromOut, numbered, planOutputs, targetPath, timestamp } from '../src/output/naming.js';
import { slugify } from '../src/output/slug.js';
import { cleanupTemps, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);

describe('names', () => {
  it('slugifies prompts', () => {
    expect(slugify('A watercolor fox!')).toBe('a-watercolor-fox');
    expect(slugify('a fox, 2 owls & 3 cats')).toBe('a-fox-2-owls-and-3-cats');
    // one word stays one word, as before the transliteration table
    expect(slugify('FOO360 barBaz')).toBe('foo360-barbaz');
  });

  it('transliterates the prompt rather than dropping what is not ASCII', () => {
    expect(slugify('лиса в лесу')).toBe('lisa-v-lesu');
    expect(slugify('Привет, мир! Ёжик')).toBe('privet-mir-yozhik');
    expect(slugify('Füße über Straße')).toBe('fuesse-ueber-strasse');
    expect(slugify('Café  crème — brûlée')).toBe('cafe-creme-brulee');
    expect(slugify('Ça va, garçon? Une œuvre à Noël')).toBe('ca-va-garcon-une-oeuvre-a-noel');
    expect(slugify('Ελληνικά γράμματα')).toBe('ellinika-grammata');
    expect(slugify('Łódź, Đà Nẵng')).toBe('lodz-da-nang');
  });

  it('names a prompt it cannot transliterate by its hash, so such prompts still differ', () => {
    // The first 8 hex of sha256 of the prompt's UTF-8: `printf %s 山水画 | sha256sum`.
    expect(slugify('山水画')).toBe('image-dbda820e');
    expect(slugify('日本の風景')).toBe('image-40ded1a9');
    expect(slugify('🦊🌲')).toBe('image-dd831cd8');
    expect(slugify('🦊🌳')).toBe('image-4c950b71');
    // Some Latin survives, so it names the file.
    expect(slugify('fox 日本')).toBe('fox');
  });

  it('names an empty prompt plainly: there is nothing to tell apart', () => {
    expect(slugify('')).toBe('image');
    expect(slugify('  \n ')).toBe('image');
    expect(slugify('?!…')).toBe('image-980a0b49');
  });

  it('keeps at most 48 characters, cut at a word boundary', () => {
    expect(slugify('word '.repeat(30))).toBe(Array(9).fill('word').join('-'));
    // transliteration lengthens words (жук -> zhuk): the cut applies to the result
    expect(slugify('жук '.repeat(12))).toBe(Array(9).fill('zhuk').join('-'));
    // a single longer word is cut
    expect(slugify('a'.repeat(80))).toBe('a'.repeat(48));
    expect(slugify('ш'.repeat(30))).toBe('sh'.repeat(24));
  });

  it('formats local timestamps', () => {
    expect(timestamp(new Date(2026, 10, 21, 9, 5, 7))).toBe('20261121-090507');
  });

  it('numbers files only with more than one image', () => {
    expect(numbered('a/b.png', 1)).toEqual(['a/b.png']);
    expect(numbered('a/b.png', 3)).toEqual(['a/b-1.png', 'a/b-2.png', 'a/b-3.png']);
    expect(numbered('noext', 2)).toEqual(['noext-1', 'noext-2']);
  });

  it('plans outputs', async () => {
    const now = new Date(2026, 10, 21, 9, 5, 7);
    expect(await planOutputs({ count: 1, prompt: 'fox', now })).toEqual({
      kind: 'generated',
      dir: '.',
      stem: 'fox-20261121-090507',
      count: 1,
    });
    expect(await planOutputs({ count: 1, prompt: 'лиса в лесу', now })).toMatchObject({
      stem: 'lisa-v-lesu-20261121-090507',
    });
    expect(await planOutputs({ out: 'x/', count: 2, prompt: 'fox', now })).toMatchObject({
      kind: 'generated',
      dir: 'x/',
      count: 2,
    });
    expect(await planOutputs({ out: 'x', count: 1, prompt: '山水画', now, outIsDir: true })).toMatchObject({
      kind: 'generated',
      dir: 'x',
      stem: 'image-dbda820e-20261121-090507',
    });
    expect(await planOutputs({ out: 'x.png', count: 2, prompt: 'fox', now, noClobber: true })).toEqual({
      kind: 'files',
      paths: ['x-1.png', 'x-2.png'],
      noClobber: true,
    });
    expect(await planOutputs({ out: '-', count: 1, prompt: 'fox', now })).toEqual({ kind: 'stdout' });
    await expect(planOutputs({ out: '-', count: 2, prompt: 'fox', now })).rejects.toThrow(UsageError);
    const gen = await planOutputs({ count: 2, prompt: 'fox', now });
    if (gen.kind !== 'generated') throw new Error('plan');
    expect(targetPath(gen, 1, 'jpeg')).toBe('fox-20261121-090507-2.jpg');
  });

  it('reads the format from -o', () => {
    expect(formatFromOut('a.JPG')).toBe('jpeg');
    expect(formatFromOut('a.webp')).toBe('webp');
    expect(formatFromOut('a')).toBeUndefined();
    expect(formatFromOut('dir/')).toBeUndefined();
    expect(formatFromOut('a.gif')).toBe('gif');
    expect(formatFromOut('art/a.SVG')).toBe('svg');
    expect(() => formatFromOut('a.tiff')).toThrow(/png, jpeg, webp, gif or svg, not tiff/);
    expect(() => formatFromOut('a.bmp')).toThrow(UsageError);
  });
});

describe('atomic writes', () => {
  it('replaces an explicit path and leaves no temp file', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.png');
    writeFileSync(path, 'old');
    expect(await writeAtomic(path, Buffer.from('new'), { replace: true })).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['a.png']);
  });

  it('never clobbers a generated name: _2, _3 instead', async () => {
    const dir = tempDir();
    const path = join(dir, 'fox.png');
    writeFileSync(path, 'first');
    const second = await writeAtomic(path, Buffer.from('second'), { replace: false });
    const third = await commitStaged(await stageBytes(dir, Buffer.from('third')), path, false);
    expect(second).toBe(join(dir, 'fox_2.png'));
    expect(third).toBe(join(dir, 'fox_3.png'));
    expect(readFileSync(path, 'utf8')).toBe('first');
    expect(readdirSync(dir).sort()).toEqual(['fox.png', 'fox_2.png', 'fox_3.png']);
  });

  it('removes the temp file when the write fails', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    controller.abort();
    await expect(
      writeAtomic(join(dir, 'x.png'), Buffer.alloc(10), { replace: true, signal: controller.signal }),
    ).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'x.png'))).toBe(false);
  });
});

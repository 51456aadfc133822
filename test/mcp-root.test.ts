// `imgcli mcp`'s root, end to end: a tool writes only under --root and reads only from under it (and
// the --allow-read folders). A path outside, however it is spelled (absolute, with .., through a link
// inside the root that leads out, a dangling link, a jobs file's own "out"), is a tool error with the
// CLI's exit 2, and nothing is sent or written; so is an output inside .git, or one not named as an
// image (README.md). One server (and one with --allow-read) for the file.
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';
import { connectMcp, structured, type McpSession } from './helpers/mcp.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

let s: McpSession;
let outside: string;

beforeAll(async () => {
  outside = tempDir('imgcli-mcp-outside-');
  const root = tempDir('imgcli-mcp-root-');
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a6' } })
    .png()
    .toFile(join(outside, 'photo.png'));
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#a63' } })
    .png()
    .toFile(join(root, 'inside.png'));
  // Links inside the root: a folder that leads out, and a file link to a place outside that does not exist yet.
  symlinkSync(outside, join(root, 'exit'));
  symlinkSync(join(outside, 'planted.png'), join(root, 'trap.png'));
  mkdirSync(join(root, 'sub'));
  s = await connectMcp(['--base-url', mock.url], { dir: root });
  return () => s.close();
});

async function refused(name: string, args: Record<string, unknown>) {
  const r = await s.client.callTool({ name, arguments: args });
  expect(r.isError, JSON.stringify(structured(r))).toBe(true);
  const { error } = structured(r);
  expect(error).toMatchObject({ exit_code: 2, nothing_sent: true });
  return error as { message: string; next_step: string };
}

describe('writes only under the root', () => {
  it('an absolute path outside, a path with .., a link that leads out, a dangling link out: refused, nothing sent', async () => {
    const absolute = await refused('generate', { prompt: 'a fox', out: join(outside, 'fox.png') });
    expect(absolute.message).toBe(
      `out ${JSON.stringify(join(outside, 'fox.png'))} is outside ${s.dir}; imgcli mcp writes only there`,
    );
    expect(absolute.next_step).toMatch(/Name a path under .*, or start the server with another --root/);
    const climbs = await refused('generate', { prompt: 'a fox', out: 'sub/../../fox.png' });
    expect(climbs.message).toMatch(/^out "sub\/..\/..\/fox.png" climbs with \.\./);
    const link = await refused('generate', { prompt: 'a fox', out: 'exit/fox.png' });
    expect(link.message).toContain(`(it leads to ${join(outside, 'fox.png')})`);
    const dangling = await refused('generate', { prompt: 'a fox', out: 'trap.png' });
    expect(dangling.message).toContain(`(it leads to ${join(outside, 'planted.png')})`);
    // A folder given as -o is judged the same way.
    await refused('vary', { image: 'inside.png', count: 2, out: 'exit/' });
    // The tools that send nothing keep to the root too.
    const mask = await refused('mask', { size: '64x64', rect: ['0,0,32,32'], out: join(outside, 'm.png') });
    expect(mask.message).toMatch(/^out .* is outside/);
    const preview = await refused('markup', {
      like: 'inside.png',
      shapes: [{ type: 'box', at: [0, 0, 0.5, 0.5] }],
      out: 'k.png',
      preview: 'exit/k.jpg',
    });
    expect(preview.message).toMatch(/^preview "exit\/k.jpg" is outside .*\(it leads to /);
    expect(mock.requests).toHaveLength(0);
    expect(readdirSync(outside).sort()).toEqual(['photo.png']);
    expect(existsSync(join(s.dir, 'k.png'))).toBe(false);
  });

  it('never writes over a file that is not an image, nor inside .git: refused, nothing sent', async () => {
    writeFileSync(join(s.dir, 'README.md'), '# notes\n');
    mkdirSync(join(s.dir, '.git', 'hooks'), { recursive: true });
    writeFileSync(join(s.dir, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\n');
    symlinkSync(join(s.dir, '.git', 'hooks'), join(s.dir, 'hooks'));
    const readme = await refused('generate', { prompt: 'a fox', out: 'README.md' });
    expect(readme.message).toMatch(/^out "README.md" is not an image file/);
    expect(readme.next_step).toMatch(/\.png/);
    const hook = await refused('generate', { prompt: 'a fox', out: '.git/hooks/pre-commit' });
    expect(hook.message).toMatch(/^out "\.git\/hooks\/pre-commit" /);
    // Inside .git, an image name is refused too, and so is a link that leads there.
    const git = await refused('edit', { images: ['inside.png'], prompt: 'a hat', out: '.git/x.png' });
    expect(git.message).toMatch(/^out "\.git\/x.png" is inside a \.git folder/);
    await refused('generate', { prompt: 'a fox', out: 'hooks/fox.png' });
    await refused('generate', { prompt: 'a fox', out: 'art' });
    await refused('vary', { image: 'inside.png', out: 'notes.txt' });
    await refused('mask', { size: '64x64', rect: ['0,0,32,32'], out: 'README.md' });
    await refused('markup', {
      like: 'inside.png',
      shapes: [{ type: 'box', at: [0, 0, 0.5, 0.5] }],
      out: 'k.png',
      preview: 'k.txt',
    });
    writeFileSync(join(s.dir, 'readme-jobs.jsonl'), `${JSON.stringify({ prompt: 'a fox', out: 'README.md' })}\n`);
    const job = await refused('batch_submit', { jobs: 'readme-jobs.jsonl' });
    expect(job.message).toMatch(/^readme-jobs.jsonl line 1: "out" "README.md" is not an image file/);
    expect(mock.requests).toHaveLength(0);
    expect(readFileSync(join(s.dir, 'README.md'), 'utf8')).toBe('# notes\n');
    expect(readFileSync(join(s.dir, '.git', 'hooks', 'pre-commit'), 'utf8')).toBe('#!/bin/sh\n');
    expect(readdirSync(join(s.dir, '.git'))).toEqual(['hooks']);
    // An image file, or a folder named with a trailing /, is written as before.
    const folder = await s.client.callTool({
      name: 'generate',
      arguments: { prompt: 'a fox', out: 'art/', thumbnails: false },
    });
    expect(folder.isError, JSON.stringify(structured(folder))).toBeFalsy();
    expect(readdirSync(join(s.dir, 'art'))).toHaveLength(1);
  });

  it('a path inside the root, absolute or relative, is written', async () => {
    const r = await s.client.callTool({
      name: 'generate',
      arguments: { prompt: 'a fox', out: join(s.dir, 'sub', 'fox.png'), thumbnails: false },
    });
    expect(r.isError).toBeFalsy();
    expect(structured(r).files[0].path).toBe(join(s.dir, 'sub', 'fox.png'));
    expect(existsSync(join(s.dir, 'sub', 'fox.png'))).toBe(true);
    // Generated names land under the root: the server runs in it.
    const named = await s.client.callTool({ name: 'generate', arguments: { prompt: 'an owl', thumbnails: false } });
    expect(existsSync(join(s.dir, structured(named).files[0].path))).toBe(true);
    expect(mock.requests).toHaveLength(2);
  });

  it("a jobs file's own outputs and inputs are held to the root before its batch is submitted", async () => {
    writeFileSync(
      join(s.dir, 'jobs.jsonl'),
      `${JSON.stringify({ prompt: 'a fox', out: 'ok.png' })}\n${JSON.stringify({ prompt: 'an owl', out: '../owl.png' })}\n`,
    );
    const out = await refused('batch_submit', { jobs: 'jobs.jsonl' });
    expect(out.message).toMatch(/^jobs.jsonl line 2: "out" "..\/owl.png" climbs with \.\./);
    writeFileSync(
      join(s.dir, 'edits.jsonl'),
      `${JSON.stringify({ command: 'edit', images: [join(outside, 'photo.png')], prompt: 'add a hat', out: 'hat.png' })}\n`,
    );
    const input = await refused('batch_submit', { jobs: 'edits.jsonl' });
    expect(input.message).toMatch(/^edits.jsonl line 1: "images"\[0\] .* is outside .*; imgcli mcp reads only there/);
    expect(mock.requests).toHaveLength(0);
    expect(existsSync(join(s.dir, 'jobs.jsonl.imgcli-batch.json'))).toBe(false);
  });
});

describe('reads only from under the root, unless --allow-read', () => {
  it('an input outside is refused, with the flag that allows it', async () => {
    const edit = await refused('edit', { images: [join(outside, 'photo.png')], prompt: 'add a hat' });
    expect(edit.message).toBe(
      `images[0] ${JSON.stringify(join(outside, 'photo.png'))} is outside ${s.dir}; imgcli mcp reads only there`,
    );
    expect(edit.next_step).toMatch(/start the server with --allow-read <folder>/);
    await refused('info', { images: ['exit/photo.png'] });
    await refused('mask', { check: join(outside, 'photo.png') });
    // A markup layer is an input of edit, and markup's own image too.
    const layer = await refused('edit', {
      images: ['inside.png'],
      markup: join(outside, 'photo.png'),
      model: 'gpt-image-2.6-flare',
      prompt: 'do what the marks say',
    });
    expect(layer.message).toMatch(/^markup .* is outside .*; imgcli mcp reads only there/);
    await refused('markup', { like: 'exit/photo.png', shapes: [{ type: 'box', at: [0, 0, 0.5, 0.5] }], out: 'k.png' });
    expect(mock.requests).toHaveLength(0);
  });

  it('a prompt is the text given: @file and - read nothing', async () => {
    for (const prompt of [`@${join(outside, 'photo.png')}`, '-']) {
      const r = await s.client.callTool({ name: 'generate', arguments: { prompt, dry_run: true } });
      expect(structured(r).body.prompt).toBe(prompt);
      const edit = await s.client.callTool({
        name: 'edit',
        arguments: { images: ['inside.png'], prompt, dry_run: true },
      });
      expect(edit.isError, JSON.stringify(structured(edit))).toBeFalsy();
    }
    expect(mock.requests).toHaveLength(0);
  });

  it('--allow-read opens a folder to reads, never to writes', async () => {
    const reader = await connectMcp(['--base-url', mock.url, '--allow-read', outside], { dir: s.dir });
    try {
      const r = await reader.client.callTool({
        name: 'edit',
        arguments: { images: [join(outside, 'photo.png')], prompt: 'add a hat', out: 'hat.png', thumbnails: false },
      });
      expect(r.isError, JSON.stringify(structured(r))).toBeFalsy();
      expect(existsSync(join(s.dir, 'hat.png'))).toBe(true);
      const write = await reader.client.callTool({
        name: 'generate',
        arguments: { prompt: 'a fox', out: join(outside, 'fox.png') },
      });
      expect(structured(write).error.message).toMatch(/is outside .*; imgcli mcp writes only there/);
      expect(mock.requests.filter((q) => q.path === '/v1/images/edits')).toHaveLength(1);
      expect(mock.requests).toHaveLength(1);
    } finally {
      await reader.close();
    }
  });
});

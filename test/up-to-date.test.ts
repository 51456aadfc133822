// Make-friendly reruns end to end: provenance written into every file, --if-changed skipping an
// unchanged request and remaking a changed one, --check, --no-metadata, --summary.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

const run = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  imgcliInProcess(['--base-url', mock.url, ...args], { cwd, env });

describe('provenance', () => {
  it.each(['png', 'jpg', 'webp'])('round-trips through a .%s file and imgcli info', async (ext) => {
    const cwd = tempDir();
    const made = await run(cwd, ['gen', 'a tidy desk', '-o', `desk.${ext}`, '-q', 'low']);
    expect(made.exitCode).toBe(0);
    const info = await run(cwd, ['info', `desk.${ext}`, '--json']);
    expect(info.exitCode).toBe(0);
    const [entry] = JSON.parse(info.stdout);
    expect(entry.provenance).toMatchObject({
      prompt: 'a tidy desk',
      model: 'gpt-image-2',
      endpoint: 'generations',
      parameters: { quality: 'low' },
    });
    expect(entry.provenance.request_id).toMatch(/^req_/);
    expect(entry.provenance.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(entry.provenance.usage.total_tokens).toBeGreaterThan(0);
    expect((await sharp(join(cwd, `desk.${ext}`)).metadata()).width).toBe(1024);
  });

  it('keeps the revised prompt of a downloaded dall-e-3 image', async () => {
    const cwd = tempDir();
    expect((await run(cwd, ['gen', 'a lighthouse', '-m', 'dall-e-3', '-o', 'l.png'])).exitCode).toBe(0);
    const [entry] = JSON.parse((await run(cwd, ['info', 'l.png', '--json'])).stdout);
    expect(entry.provenance.revised_prompt).toMatch(/lighthouse/);
  });

  it('writes files bare with --no-metadata', async () => {
    const cwd = tempDir();
    expect((await run(cwd, ['gen', 'plain', '-o', 'p.png', '--no-metadata'])).exitCode).toBe(0);
    const info = await run(cwd, ['info', 'p.png']);
    expect(info.stdout).toMatch(/p\.png: no imgcli metadata \(png 1024x1024\)/);
  });
});

describe('--if-changed and --check', () => {
  it('skips an unchanged request and remakes the file when the prompt or a flag changes', async () => {
    const cwd = tempDir();
    expect((await run(cwd, ['gen', 'a fox', '-o', 'fox.png'])).exitCode).toBe(0);
    const skipped = await run(cwd, ['gen', 'a fox', '-o', 'fox.png', '--if-changed']);
    expect(skipped.exitCode).toBe(0);
    expect(skipped.stdout).toBe('fox.png');
    expect(skipped.stderr).toMatch(/up to date: fox\.png/);
    expect(mock.apiRequests()).toHaveLength(1);
    // transport-only fields do not count
    expect((await run(cwd, ['gen', 'a fox', '-o', 'fox.png', '--if-changed', '--user', 'ci'])).exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(1);
    expect((await run(cwd, ['gen', 'a red fox', '-o', 'fox.png', '--if-changed'])).exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(2);
    expect((await run(cwd, ['gen', 'a red fox', '-o', 'fox.png', '--if-changed', '-q', 'low'])).exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(3);
  });

  it('remakes an edit when an input byte changes', async () => {
    const cwd = tempDir();
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } })
      .png()
      .toFile(join(cwd, 'in.png'));
    const edit = () => run(cwd, ['edit', 'in.png', '-p', 'add a hat', '-o', 'out.png', '--if-changed']);
    expect((await edit()).exitCode).toBe(0);
    expect((await edit()).exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(1);
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123457' } })
      .png()
      .toFile(join(cwd, 'in.png'));
    expect((await edit()).exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(2);
  });

  it('--check sends nothing: exit 0 up to date, 1 stale or missing', async () => {
    const cwd = tempDir();
    const missing = await run(cwd, ['gen', 'a fox', '-o', 'fox.png', '--check']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/fox\.png does not exist; it would be regenerated/);
    expect((await run(cwd, ['gen', 'a fox', '-o', 'fox.png'])).exitCode).toBe(0);
    const fresh = await run(cwd, ['gen', 'a fox', '-o', 'fox.png', '--check'], { OPENAI_API_KEY: '' });
    expect(fresh.exitCode).toBe(0);
    const stale = await run(cwd, ['gen', 'a cat', '-o', 'fox.png', '--check']);
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toMatch(/different request/);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('needs a fixed -o', async () => {
    const r = await run(tempDir(), ['gen', 'a fox', '--if-changed']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--if-changed needs -o <file>/);
    expect(mock.apiRequests()).toHaveLength(0);
  });
});

describe('--summary', () => {
  it('appends a markdown table to GITHUB_STEP_SUMMARY', async () => {
    const cwd = tempDir();
    const summary = join(cwd, 'summary.md');
    const r = await run(cwd, ['gen', 'x', '-n', '2', '-o', 'x.png', '--summary'], { GITHUB_STEP_SUMMARY: summary });
    expect(r.exitCode).toBe(0);
    const md = readFileSync(summary, 'utf8');
    expect(md).toMatch(/\| x-1\.png \| gpt-image-2 \| 1024x1024 \| \$0\.\d{4} \| ok \|/);
    expect(md).toMatch(/\| x-2\.png \|/);
  });
});

describe('--summary on failure', () => {
  it('still writes a row and an annotation when the run fails', async () => {
    const cwd = tempDir();
    const summary = join(cwd, 'summary.md');
    const r = await run(cwd, ['gen', 'something forbidden', '-o', 'f.png', '--summary'], {
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_ACTIONS: 'true',
    });
    expect(r.exitCode).toBe(3);
    expect(readFileSync(summary, 'utf8')).toMatch(/\| image 1 \| gpt-image-2 \|  \|  \| failed: .*safety system/);
    expect(r.stderr).toMatch(/^::error title=imgcli::/m);
  });
});

describe('a key from the environment going to a profile server', () => {
  it('is said on stderr', async () => {
    const cwd = tempDir();
    const set = await imgcliInProcess(['config', 'set', '--profile', 'local', 'base-url', mock.url], { cwd });
    expect(set.exitCode).toBe(0);
    const r = await imgcliInProcess(['--profile', 'local', 'gen', 'x', '-o', 'x.png'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(
      /the API key from OPENAI_API_KEY is sent to 127\.0\.0\.1:\d+ \(the base URL of your profile local\)/,
    );
  });
});

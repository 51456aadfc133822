// --dry-run tells what a request would cost where the rate table can say (gen, edit, vary), and
// `batch --dry-run` checks every job, prints each request it would send as a JSON line with its
// estimate, totals them on stderr, and sends and writes nothing.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { RATES, PRICES_CHECKED } from '../src/models/prices.js';
import { FAKE_KEY, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

// gpt-image-2, 1024x1024 at high quality: 4160 image output tokens, plus the prompt's text.
const HIGH =
  (4160 * RATES['gpt-image-2']!.imageOutput + Math.ceil('a fox'.length / 4) * RATES['gpt-image-2']!.textInput) /
  1_000_000;

describe('gen, edit and vary --dry-run', () => {
  it('gen: the estimate as a comment above the curl command, and in --json', async () => {
    const text = await imgcliInProcess(['gen', 'a fox', '-q', 'high', '--dry-run'], {
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(
      `\n# estimated cost: about $${HIGH.toFixed(4)} (image output and prompt text at the rates of ${PRICES_CHECKED})\n# the same request with curl`,
    );
    const json = await imgcliInProcess(['gen', 'a fox', '-q', 'high', '--dry-run', '--json'], {
      env: { OPENAI_BASE_URL: mock.url },
    });
    const doc = JSON.parse(json.stdout) as { estimated_cost_usd: number; estimated_cost_note: string };
    expect(doc.estimated_cost_usd).toBeCloseTo(HIGH, 6);
    expect(doc.estimated_cost_note).toBe(`image output and prompt text at the rates of ${PRICES_CHECKED}`);
    expect(mock.requests).toHaveLength(0);
  });

  it('edit and vary: input images are said to come on top', async () => {
    const dir = tempDir();
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } })
      .png()
      .toFile(join(dir, 'photo.png'));
    for (const args of [
      ['edit', 'photo.png', '-p', 'a hat'],
      ['vary', 'photo.png'],
    ]) {
      const r = await imgcliInProcess([...args, '--dry-run', '--json'], {
        cwd: dir,
        env: { OPENAI_BASE_URL: mock.url },
      });
      expect(r.exitCode, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { estimated_cost_usd: number; estimated_cost_note: string };
      expect(doc.estimated_cost_usd).toBeGreaterThan(0);
      expect(doc.estimated_cost_note).toMatch(/; the input images are billed on top$/);
    }
  });

  it('says when the table has no rate, and that the offline server bills nothing', async () => {
    const unpriced = await imgcliInProcess(['gen', 'a fox', '-m', 'dall-e-3', '--dry-run'], {
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect(unpriced.stdout).toContain('# estimated cost: no estimate: imgcli has no rate for dall-e-3\n');
    const offline = await imgcliInProcess(['gen', 'a fox', '--mock', '--dry-run', '--json']);
    expect(JSON.parse(offline.stdout)).toMatchObject({
      estimated_cost_usd: 0,
      estimated_cost_note: 'offline: no cost',
    });
  });
});

describe('batch --dry-run', () => {
  async function jobs(lines: string[]) {
    const dir = tempDir();
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } })
      .png()
      .toFile(join(dir, 'photo.png'));
    writeFileSync(join(dir, 'jobs.jsonl'), `${lines.join('\n')}\n`);
    return dir;
  }

  it('prints every request it would send with its estimate, totals them, sends and writes nothing', async () => {
    const dir = await jobs([
      '"a fox"',
      '{"prompt": "a cat", "quality": "high", "out": "cat.png"}',
      '{"prompt": "a dog", "model": "dall-e-3"}',
      '{"command": "edit", "images": ["photo.png"], "prompt": "a hat", "out": "edits/"}',
    ]);
    const r = await imgcliInProcess(['batch', 'jobs.jsonl', '--dry-run', '-o', 'out/'], {
      cwd: dir,
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.line, l.command, l.dry_run, l.method, l.url])).toEqual([
      [1, 'gen', true, 'POST', `${mock.url}/images/generations`],
      [2, 'gen', true, 'POST', `${mock.url}/images/generations`],
      [3, 'gen', true, 'POST', `${mock.url}/images/generations`],
      [4, 'edit', true, 'POST', `${mock.url}/images/edits`],
    ]);
    expect(lines[1]!.body).toEqual({ model: 'gpt-image-2', prompt: 'a cat', quality: 'high', output_format: 'png' });
    expect(lines[3]!.multipart).toEqual(
      expect.arrayContaining([
        { name: 'image', file: { name: 'photo.png', type: 'image/png', size: expect.any(Number) } },
      ]),
    );
    expect(lines[2]).toMatchObject({
      estimated_cost_usd: null,
      estimated_cost_note: 'no estimate: imgcli has no rate for dall-e-3',
    });
    const priced = lines
      .filter((l) => typeof l.estimated_cost_usd === 'number')
      .map((l) => l.estimated_cost_usd as number);
    expect(priced).toHaveLength(3);
    const total = priced.reduce((a, b) => a + b, 0);
    expect(r.stderr.split('\n').at(-1)).toBe(
      `dry run: 4 requests would be sent; about $${total.toFixed(4)} estimated at the rates of ${PRICES_CHECKED} for 3 of them (no rate for line 3 (dall-e-3)); nothing was sent.`,
    );
    expect(r.stdout + r.stderr).not.toContain(FAKE_KEY);
    expect(mock.requests).toHaveLength(0);
    expect(readdirSync(dir).sort()).toEqual(['jobs.jsonl', 'photo.png']);
  });

  it('checks every job first: a bad line is exit 2, as without --dry-run', async () => {
    const dir = await jobs(['"a fox"', '{"prompt": "x", "size": "999x999"}']);
    const r = await imgcliInProcess(['batch', 'jobs.jsonl', '--dry-run'], {
      cwd: dir,
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/line 2: --size 999x999 is not valid/);
  });

  it('lists a job whose output is up to date instead of its request, and says a budget would be passed', async () => {
    const dir = await jobs([
      '{"prompt": "a cat", "out": "cat.png"}',
      '{"prompt": "a dog", "quality": "high", "out": "dog.png"}',
    ]);
    // Make cat.png for real, so it is up to date.
    const made = await imgcliInProcess(['gen', 'a cat', '-o', 'cat.png'], {
      cwd: dir,
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect(made.exitCode, made.stderr).toBe(0);
    mock.requests.length = 0;
    const r = await imgcliInProcess(['batch', 'jobs.jsonl', '--dry-run', '--max-cost', '0.01'], {
      cwd: dir,
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const [cat, dog] = r.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(cat).toMatchObject({
      line: 1,
      dry_run: true,
      status: 'up-to-date',
      files: [expect.objectContaining({ path: 'cat.png' })],
    });
    expect(cat).not.toHaveProperty('method');
    expect(dog).toMatchObject({ line: 2, method: 'POST' });
    expect(r.stderr).toMatch(
      /dry run: 1 request would be sent \(1 more up to date\); about \$0\.\d{4} estimated .*, more than --max-cost 0\.01: a real run would stop starting jobs before the end; nothing was sent\.$/,
    );
    expect(mock.requests).toHaveLength(0);
  });

  it('with --mock: offline, no cost', async () => {
    const dir = await jobs(['"a fox"']);
    const r = await imgcliInProcess(['batch', 'jobs.jsonl', '--dry-run', '--mock'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      line: 1,
      estimated_cost_usd: 0,
      estimated_cost_note: 'offline: no cost',
    });
    expect(r.stderr).toMatch(/dry run: 1 request would be sent; offline: no cost; nothing was sent\.$/);
  });
});

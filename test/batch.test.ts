// imgcli batch end to end against the offline server: validation first, a shared rate governor,
// failures, --fail-fast, --max-cost, resuming, and the GitHub step summary.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
const byLine = (rows: Array<Record<string, any>>) => [...rows].sort((a, b) => a.line - b.line);

async function batch(jobs: string, args: string[] = [], env: Record<string, string> = {}) {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'jobs.jsonl'), jobs);
  const r = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl', ...args], { cwd, env, timeout: 120_000 });
  return { ...r, cwd, rows: r.stdout ? byLine(lines(r.stdout)) : [] };
}

describe('imgcli batch', () => {
  it('runs 200 jobs: a 429 slows every worker, and no job runs twice', async () => {
    mock.setLatency(20);
    const jobs = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ prompt: `job ${i}`, out: `out/${i}.png` }),
    ).join('\n');
    // The 30th request is refused with retry-after 1 s; everyone must wait it out.
    let faulted = false;
    const before = mock.requests.length;
    const poll = setInterval(() => {
      if (!faulted && mock.requests.length - before >= 29) {
        mock.enqueueFault({
          status: 429,
          headers: { 'retry-after': '1' },
          body: {
            error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' },
          },
        });
        faulted = true;
      }
    }, 2);
    const r = await batch(jobs, [
      '-m',
      'dall-e-2',
      '-s',
      '256x256',
      '--response-format',
      'b64_json',
      '--concurrency',
      '8',
    ]);
    clearInterval(poll);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.exitCode).toBe(0);
    expect(r.rows).toHaveLength(200);
    expect(r.rows.every((row) => row.status === 'ok')).toBe(true);
    for (let i = 0; i < 200; i++) expect(existsSync(join(r.cwd, `out/${i}.png`))).toBe(true);
    const api = mock.apiRequests();
    expect(api).toHaveLength(201);
    const prompts = api.map((q) => (q.json as { prompt: string }).prompt);
    expect(new Set(prompts).size).toBe(200);
    // Everyone waited the 429 out, judged by arrival order, not by the clock. Between the refused
    // request and its retry, only requests already started could arrive: each of the 7 other
    // workers had at most one in flight and may have started one more before the 429 answer came
    // (every answer takes at least the 20 ms latency), then one each as the pause ended. Workers
    // that did not wait would have sent nearly all of the remaining 170 jobs in that second.
    const counts = new Map<string, number>();
    for (const p of prompts) counts.set(p, (counts.get(p) ?? 0) + 1);
    const retried = [...counts].find(([, n]) => n === 2)![0];
    const [refusedAt, retriedAt] = prompts.flatMap((p, i) => (p === retried ? [i] : []));
    expect(retriedAt! - refusedAt! - 1).toBeLessThanOrEqual(3 * 7);
  });

  it('reports every bad line first and sends nothing (exit 2)', async () => {
    const r = await batch(
      '"fine"\n{"prompt": "x", "size": "999x999"}\n{"command": "edit", "prompt": "x", "images": ["missing.png"]}\n{"prompt": "x", "sise": 1}\nnot json\n',
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/line 2: --size 999x999 is not valid/);
    expect(r.stderr).toMatch(/line 3: .*missing\.png/);
    expect(r.stderr).toMatch(/line 4: "sise" is not an option of gen/);
    expect(r.stderr).toMatch(/line 5: not valid JSON/);
    expect(r.stdout).toBe('');
    expect(mock.requests).toHaveLength(0);
  });

  it('refuses two jobs writing the same file', async () => {
    const r = await batch('{"prompt": "a", "out": "x.png"}\n{"prompt": "b", "out": "x.png"}\n');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/line 2: x\.png is also written by line 1/);
  });

  it('exits 7 when some jobs fail, with a JSON line for each', async () => {
    const r = await batch('"a calm lake"\n"something forbidden"\n{"prompt": "a hill", "out": "hill.png"}\n', [], {
      GITHUB_ACTIONS: 'true',
    });
    expect(r.exitCode).toBe(7);
    expect(r.rows.map((row) => [row.line, row.status])).toEqual([
      [1, 'ok'],
      [2, 'failed'],
      [3, 'ok'],
    ]);
    expect(r.rows[1]!.error).toMatch(/safety system/);
    expect(r.rows[0]!.request_id).toMatch(/^req_/);
    expect(r.rows[0]!.usage.total_tokens).toBeGreaterThan(0);
    expect(r.rows[0]!.cost_usd).toBeGreaterThan(0);
    expect(r.rows[2]!.files[0]).toMatchObject({ path: 'hill.png', format: 'png', width: 1024, height: 1024 });
    expect(r.stderr).toMatch(/^::error title=imgcli::line 2: /m);
  });

  it('exits with the failure code itself when every job fails', async () => {
    const r = await batch('"forbidden one"\n"forbidden two"\n');
    expect(r.exitCode).toBe(3);
    expect(r.rows.map((row) => row.status)).toEqual(['failed', 'failed']);
  });

  it('--fail-fast starts nothing after the first failure', async () => {
    const r = await batch('"one"\n"forbidden two"\n"three"\n"four"\n', ['--fail-fast', '--concurrency', '1']);
    expect(r.exitCode).toBe(7);
    expect(r.rows.map((row) => row.status)).toEqual(['ok', 'failed', 'skipped', 'skipped']);
    expect(r.rows[2]!.error).toMatch(/--fail-fast/);
    expect(mock.apiRequests()).toHaveLength(2);
  });

  it('--max-cost stops starting jobs once the estimate would pass the budget', async () => {
    // gpt-image-2 at low quality: about $0.008 a job
    const r = await batch('"a"\n"b"\n"c"\n"d"\n"e"\n', ['-q', 'low', '--max-cost', '0.02', '--concurrency', '1']);
    expect(r.exitCode).toBe(7);
    expect(r.rows.map((row) => row.status)).toEqual(['ok', 'ok', 'skipped', 'skipped', 'skipped']);
    expect(r.rows[2]!.error).toMatch(/--max-cost 0\.02/);
    expect(mock.apiRequests()).toHaveLength(2);
  });

  it('skips up-to-date jobs on a rerun and remakes the changed one', async () => {
    const cwd = tempDir();
    const write = (jobs: string) => writeFileSync(join(cwd, 'jobs.jsonl'), jobs);
    const run = () => imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl'], { cwd });
    write('{"prompt": "one", "out": "1.png"}\n{"prompt": "two", "out": "2.png"}\n');
    expect((await run()).exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(2);
    write('{"prompt": "one", "out": "1.png"}\n{"prompt": "two, changed", "out": "2.png"}\n');
    const again = await run();
    expect(again.exitCode).toBe(0);
    expect(byLine(lines(again.stdout)).map((row) => row.status)).toEqual(['up-to-date', 'ok']);
    expect(mock.apiRequests()).toHaveLength(3);
  });

  it('reads jobs from stdin and writes a GitHub step summary', async () => {
    const cwd = tempDir();
    const summary = join(cwd, 'summary.md');
    const r = await imgcli(['--base-url', mock.url, 'batch', '-', '-o', 'out/'], {
      cwd,
      input: '"a red fox"\n"a blue whale"\n',
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    expect(r.exitCode).toBe(0);
    const md = readFileSync(summary, 'utf8');
    expect(md).toMatch(/### imgcli batch/);
    expect(md).toMatch(/\| path \| model \| size \| cost \| status \|/);
    expect(md).toMatch(/\| out\/a-red-fox-\d{8}-\d{6}\.png \| gpt-image-2 \| 1024x1024 \| \$0\.\d{4} \| ok \|/);
    expect(md).toMatch(/Estimated cost: \$0\.\d{4}/);
  });
});

describe('imgcli batch, more', () => {
  it('passes "param" through and accepts "image" for edit jobs', async () => {
    const cwd = tempDir();
    await (await import('sharp'))
      .default({ create: { width: 32, height: 32, channels: 3, background: '#333' } })
      .png()
      .toFile(join(cwd, 'in.png'));
    writeFileSync(
      join(cwd, 'jobs.jsonl'),
      '{"prompt": "x", "model": "my-model", "param": {"seed": 42}, "out": "p.png"}\n{"command": "edit", "image": "in.png", "prompt": "hat", "out": "e.png"}\n',
    );
    const r = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl'], { cwd });
    const gen = mock.apiRequests().find((q) => q.path.endsWith('/generations'));
    expect(gen?.json).toMatchObject({ model: 'my-model', seed: 42 });
    expect(byLine(lines(r.stdout)).map((row) => row.line)).toEqual([1, 2]);
    expect(byLine(lines(r.stdout))[1]!.status).toBe('ok');
  });

  it('refuses --max-cost when a job has no known price', async () => {
    const r = await batch('"a"\n{"prompt": "b", "model": "gpt-image-1.5"}\n', ['--max-cost', '1']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--max-cost cannot be kept: imgcli knows no price for line 2 \(gpt-image-1\.5\)/);
    expect(mock.requests).toHaveLength(0);
  });
});

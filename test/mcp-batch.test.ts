// `imgcli mcp`'s remote batch tools, and the server against `imgcli mock-server` run as its own
// process (as a user points --base-url at it): batch_submit answers the batch ids at once,
// batch_status tells how far they are and with collect: true writes the images; the budget counts
// a batch at the batch price. With --mock the session's one offline server keeps the batches, so
// batch_submit waits for them there and batch_status still finds them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atBatchPrice, estimateRequestCost } from '../src/models/prices.js';
import { resolveModel } from '../src/models/table.js';
import { BIN, baseEnv, cleanupTemps, tempDir } from './helpers/cli.js';
import { connectMcp, structured, type McpSession } from './helpers/mcp.js';
import { until } from './helpers/wait.js';

afterAll(cleanupTemps);

const JOBS = [
  { prompt: 'a fox', out: 'out/fox.png', quality: 'low', size: '1024x1024' },
  { prompt: 'an owl', out: 'out/owl.png', quality: 'low', size: '1024x1024' },
];
/** What the two jobs cost at the batch price, by the price table. */
const BATCH_USD = JOBS.reduce((a, j) => a + atBatchPrice(estimateRequestCost(resolveModel('gpt-image-2'), j)!), 0);

const withJobs = (s: McpSession) =>
  writeFileSync(join(s.dir, 'jobs.jsonl'), `${JOBS.map((j) => JSON.stringify(j)).join('\n')}\n`);

describe('against imgcli mock-server (its own process)', () => {
  let server: ResultPromise;
  let url: string;
  let s: McpSession;
  beforeAll(async () => {
    const cwd = tempDir();
    server = execa('node', [BIN, 'mock-server', '--port', '0', '--batch-pace', '5'], {
      cwd,
      env: baseEnv(cwd),
      extendEnv: false,
      reject: false,
    });
    url = await new Promise<string>((resolve) =>
      server.stdout!.on('data', (d: Buffer) => {
        const m = /http:\/\/\S+/.exec(String(d));
        if (m) resolve(m[0]);
      }),
    );
    s = await connectMcp(['--base-url', url, '--max-cost', '1']);
    withJobs(s);
    return async () => {
      await s.close();
      server.kill('SIGTERM');
      await server;
    };
  });

  it('generate, a dry run, generate: the dry run leaves the session its connections', async () => {
    const first = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a cat', out: 'cat.png' } });
    expect(first.isError, JSON.stringify(structured(first))).toBeFalsy();
    const dry = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a fox', dry_run: true } });
    expect(structured(dry)).toMatchObject({ dry_run: true, url: `${url}/images/generations` });
    const r = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a fox', out: 'fox.png' } });
    expect(r.isError, JSON.stringify(structured(r))).toBeFalsy();
    expect(structured(r).files[0]).toMatchObject({ path: 'fox.png', format: 'png' });
    expect(existsSync(join(s.dir, 'fox.png'))).toBe(true);
  });

  it('batch_submit answers the batch ids at once; batch_status tells how far; collect: true writes the images', async () => {
    const before = structured(await s.client.callTool({ name: 'status', arguments: {} })).budget.spent_usd as number;
    const submitted = await s.client.callTool({ name: 'batch_submit', arguments: { jobs: 'jobs.jsonl' } });
    expect(submitted.isError, JSON.stringify(structured(submitted))).toBeFalsy();
    const doc = structured(submitted);
    expect(doc.batch_ids).toEqual([expect.stringMatching(/^batch_\w+$/)]);
    expect(doc.next_step).toMatch(/batch_status with jobs "jobs.jsonl"/);
    // Counted at once, by its estimate at the batch price: it will be billed as it runs.
    expect(doc.budget.spent_usd - before).toBeCloseTo(BATCH_USD, 6);
    expect(existsSync(join(s.dir, 'out', 'fox.png'))).toBe(false);
    const status = await s.client.callTool({ name: 'batch_status', arguments: { jobs: 'jobs.jsonl' } });
    expect(structured(status).batches).toEqual([
      expect.objectContaining({ id: doc.batch_ids[0], imgcli: expect.objectContaining({ jobs: 2, collected: false }) }),
    ]);
    const collected = await s.client.callTool({
      name: 'batch_status',
      arguments: { jobs: 'jobs.jsonl', collect: true },
    });
    const lines = structured(collected).lines as Array<{ status: string; files: Array<{ path: string }> }>;
    expect(lines.map((l) => [l.status, l.files[0]!.path]).sort()).toEqual([
      ['ok', 'out/fox.png'],
      ['ok', 'out/owl.png'],
    ]);
    expect(existsSync(join(s.dir, 'out', 'owl.png'))).toBe(true);
    // Thumbnails of a batch's images too.
    expect((collected.content as Array<{ type: string }>).filter((c) => c.type === 'image')).toHaveLength(2);
  });

  it('a batch over max_cost is not submitted', async () => {
    writeFileSync(join(s.dir, 'more.jsonl'), `${JSON.stringify({ prompt: 'a whale', quality: 'high' })}\n`);
    const r = await s.client.callTool({ name: 'batch_submit', arguments: { jobs: 'more.jsonl', max_cost: 0.001 } });
    expect(structured(r).error).toMatchObject({ exit_code: 2, nothing_sent: true });
    expect(structured(r).error.message).toMatch(/^not sent: this batch .* over max_cost 0.001/);
    expect(existsSync(join(s.dir, 'more.jsonl.imgcli-batch.json'))).toBe(false);
  });
});

describe('against a slow imgcli mock-server', () => {
  let server: ResultPromise;
  let s: McpSession;
  beforeAll(async () => {
    const cwd = tempDir();
    server = execa('node', [BIN, 'mock-server', '--port', '0', '--latency', '1500'], {
      cwd,
      env: baseEnv(cwd),
      extendEnv: false,
      reject: false,
    });
    const url = await new Promise<string>((resolve) =>
      server.stdout!.on('data', (d: Buffer) => {
        const m = /http:\/\/\S+/.exec(String(d));
        if (m) resolve(m[0]);
      }),
    );
    s = await connectMcp(['--base-url', url, '--max-cost', '1']);
    withJobs(s);
    return async () => {
      await s.close();
      server.kill('SIGTERM');
      await server;
    };
  });

  it('a batch_submit cancelled once its create was sent stays counted at its estimate', async () => {
    const state = join(s.dir, 'jobs.jsonl.imgcli-batch.json');
    const createSent = () => {
      try {
        return (JSON.parse(readFileSync(state, 'utf8')) as { parts: Array<{ create_sent?: boolean }> }).parts.some(
          (p) => p.create_sent,
        );
      } catch {
        return false;
      }
    };
    const job = await s.client.callTool({ name: 'batch_submit', arguments: { jobs: 'jobs.jsonl', wait: false } });
    const id = structured(job).job_id as string;
    await until(createSent, 'the batch create', 15_000);
    await s.client.callTool({ name: 'cancel', arguments: { job_id: id } });
    const end = await s.client.callTool({ name: 'status', arguments: { job_id: id, wait_seconds: 10 } });
    expect(structured(end).status).toBe('cancelled');
    const { budget } = structured(await s.client.callTool({ name: 'status', arguments: {} }));
    expect(budget.spent_usd).toBeCloseTo(BATCH_USD, 6);
    expect(budget.reserved_usd).toBe(0);
  });
});

describe('with --mock: the batches live on the session offline server', () => {
  let s: McpSession;
  beforeAll(async () => {
    s = await connectMcp(['--mock', '--max-cost', '1']);
    withJobs(s);
    return () => s.close();
  });

  it('batch_submit waits for the batch and writes its images; batch_status finds it; the budget counts it at the real rates', async () => {
    const dry = await s.client.callTool({ name: 'batch_submit', arguments: { jobs: 'jobs.jsonl', dry_run: true } });
    expect(structured(dry).lines).toHaveLength(2);
    expect(existsSync(join(s.dir, 'jobs.jsonl.imgcli-batch.json'))).toBe(false);
    const r = await s.client.callTool({ name: 'batch_submit', arguments: { jobs: 'jobs.jsonl' } });
    expect(r.isError, JSON.stringify(structured(r))).toBeFalsy();
    expect(structured(r).lines.map((l: { status: string }) => l.status)).toEqual(['ok', 'ok']);
    expect(existsSync(join(s.dir, 'out', 'fox.png'))).toBe(true);
    expect(structured(r).budget.spent_usd).toBeCloseTo(BATCH_USD, 6);
    const status = await s.client.callTool({ name: 'batch_status', arguments: { jobs: 'jobs.jsonl' } });
    expect(status.isError, JSON.stringify(structured(status))).toBeFalsy();
    expect(structured(status).batches).toEqual([expect.objectContaining({ status: 'completed' })]);
    expect(structured(status).warnings).toBeUndefined();
  });

  it('the session budget stops a batch that would pass it, before anything is sent', async () => {
    const big = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ prompt: `item ${i}`, quality: 'high', count: 10 }),
    );
    writeFileSync(join(s.dir, 'big.jsonl'), `${big.join('\n')}\n`);
    const r = await s.client.callTool({ name: 'batch_submit', arguments: { jobs: 'big.jsonl' } });
    expect(structured(r).error).toMatchObject({ exit_code: 2, nothing_sent: true });
    expect(structured(r).error.message).toMatch(
      /would pass the session's --max-cost 1 \(about \$0\.0\d+ at the real rates so far/,
    );
    expect(existsSync(join(s.dir, 'big.jsonl.imgcli-batch.json'))).toBe(false);
  });
});

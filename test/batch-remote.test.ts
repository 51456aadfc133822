// imgcli batch --remote end to end against the offline server's Batch API: 1,000 jobs (each distinct
// input image uploaded once, one request file and one batch per endpoint, every job's line and
// file right), splitting at the limits, failed and expired lines resubmitted alone, a batch that
// fails validation, the jobs refused up front, --max-cost at the batch price, and --dry-run.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readProvenance } from '../src/provenance/index.js';
import { flatColour } from '../src/mock/synth.js';
import { estimateCost } from '../src/models/prices.js';
import { resolveModel } from '../src/models/table.js';
import { FAKE_KEY, imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const INSTANT = { validatingMs: 0, perRequestMs: 0, finalizingMs: 0 };
const mock = useMockServer({ payload: 'flat', labels: false, batchTiming: INSTANT });

const rowsOf = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
const byLine = (rows: Array<Record<string, any>>) => [...rows].sort((a, b) => a.line - b.line);

async function remote(cwd: string, args: string[] = [], opts: { timeout?: number; env?: Record<string, string> } = {}) {
  const r = await imgcli(
    ['--base-url', mock.url, 'batch', 'jobs.jsonl', '--remote', '--poll-interval', '0.05', ...args],
    { cwd, env: opts.env, timeout: opts.timeout ?? 60_000 },
  );
  return { ...r, rows: r.stdout ? byLine(rowsOf(r.stdout)) : [] };
}

function folder(jobs: string[]): string {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'jobs.jsonl'), `${jobs.join('\n')}\n`);
  return cwd;
}

const purposeOf = (r: (typeof mock.requests)[number]) => r.parts?.find((p) => p.name === 'purpose')?.value;
const uploads = (purpose: string) =>
  mock.requests.filter((r) => r.method === 'POST' && r.path === '/v1/files' && purposeOf(r) === purpose);
const creates = () => mock.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches');
const state = (cwd: string) => JSON.parse(readFileSync(join(cwd, 'jobs.jsonl.imgcli-batch.json'), 'utf8'));

async function content(fileId: string): Promise<string> {
  const res = await fetch(`${mock.url}/files/${fileId}/content`, { headers: { authorization: `Bearer ${FAKE_KEY}` } });
  return res.text();
}

/** The colour of a one-colour PNG from the offline server's flat payload (its PLTE chunk). */
function paletteOf(png: Buffer): number[] {
  const at = png.indexOf('PLTE');
  return [...png.subarray(at + 4, at + 7)];
}

const gen = (i: number) =>
  JSON.stringify({ prompt: `catalogue item ${i}`, out: `out/${i}.png`, size: '1024x1024', quality: 'medium' });

describe('imgcli batch --remote', () => {
  it('runs 1,000 jobs: each input image uploaded once, one request file and one batch per endpoint, every line and file right', async () => {
    const cwd = tempDir();
    const colours = [
      [200, 40, 40],
      [40, 200, 40],
      [40, 40, 200],
    ] as const;
    for (const [i, c] of colours.entries())
      await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: c[0], g: c[1], b: c[2] } } })
        .png()
        .toFile(join(cwd, `in-${i}.png`));
    const holes = Buffer.alloc(64 * 64 * 4, 255);
    for (let p = 0; p < 64 * 16; p++) holes[p * 4 + 3] = 0;
    await sharp(holes, { raw: { width: 64, height: 64, channels: 4 } })
      .png()
      .toFile(join(cwd, 'mask.png'));
    const jobs = Array.from({ length: 1000 }, (_, i) => {
      const n = i + 1;
      if (n % 5 !== 0) return gen(n);
      const edit: Record<string, unknown> = {
        command: 'edit',
        images: [`in-${n % 3}.png`],
        prompt: `recolour item ${n}`,
        out: `out/${n}.png`,
      };
      if (n % 25 === 0) edit.mask = 'mask.png';
      return JSON.stringify(edit);
    });
    writeFileSync(join(cwd, 'jobs.jsonl'), `${jobs.join('\n')}\n`);
    const r = await remote(cwd, [], { timeout: 180_000 });
    expect(r.stderr).not.toMatch(/error|bug/i);
    expect(r.exitCode).toBe(0);
    expect(r.rows).toHaveLength(1000);

    // Requests: the 3 input images and the mask once each, one request file and one batch per
    // endpoint, and not one direct Images API call.
    expect(uploads('vision')).toHaveLength(4);
    expect(uploads('batch')).toHaveLength(2);
    expect(
      creates()
        .map((c) => (c.json as { endpoint: string }).endpoint)
        .sort(),
    ).toEqual(['/v1/images/edits', '/v1/images/generations']);
    expect(mock.requests.filter((q) => q.path.startsWith('/v1/images/'))).toHaveLength(0);

    const s = state(cwd);
    expect(statSync(join(cwd, 'jobs.jsonl.imgcli-batch.json')).mode & 0o777).toBe(0o600);
    expect(
      s.parts.map((p: { custom_ids: string[]; collected: boolean }) => [p.custom_ids.length, p.collected]),
    ).toEqual([
      [800, true],
      [200, true],
    ]);
    // The edits' request file names the uploads by id: no image travels in it.
    const edits = await content(s.parts[1].input_file_id);
    expect(edits.split('\n').filter(Boolean)).toHaveLength(200);
    expect(edits).not.toContain('data:image');
    const fileIds = new Set([...edits.matchAll(/"file_id":"(file-[^"]+)"/g)].map((m) => m[1]));
    expect(fileIds.size).toBe(4);

    const model = resolveModel('gpt-image-2');
    for (const row of r.rows) {
      const n = row.line as number;
      expect(row).toMatchObject({
        status: 'ok',
        command: n % 5 ? 'gen' : 'edit',
        error: null,
        custom_id: expect.stringMatching(new RegExp(`^line-${n}-[0-9a-f]{12}$`)),
      });
      expect(row.files).toEqual([
        expect.objectContaining({ path: `out/${n}.png`, width: 1024, height: 1024, format: 'png' }),
      ]);
      // The batch rate: half of what the same usage costs directly.
      expect(row.cost_usd).toBeCloseTo(estimateCost(model, row.usage)!.usd / 2, 5);
      const bytes = readFileSync(join(cwd, `out/${n}.png`));
      const record = readProvenance(bytes)!;
      expect(record).toMatchObject({
        batch_id: row.batch_id,
        custom_id: row.custom_id,
        request_id: row.request_id,
        model: 'gpt-image-2',
      });
      expect(record.prompt).toBe(n % 5 ? `catalogue item ${n}` : `recolour item ${n}`);
      // The picture is the one its own request made (the flat payload's colour comes from the prompt).
      if (n % 5) expect(paletteOf(bytes)).toEqual(flatColour({ prompt: `catalogue item ${n}` }));
    }
    expect(r.stderr).toMatch(
      /batch: 1000 of 1000 jobs done, 0 failed, 0 not submitted; 2 batches; about \$[\d.]+ at the batch price \(direct calls: about \$[\d.]+; saved about \$[\d.]+\)/,
    );
  }, 240_000);

  it('splits at the limits: one endpoint per request file, at most N requests and B bytes each', async () => {
    const cwd = folder(Array.from({ length: 8 }, (_, i) => gen(i + 1)));
    const r = await remote(cwd, ['--batch-max-requests', '3']);
    expect(r.exitCode).toBe(0);
    expect(creates()).toHaveLength(3);
    const parts = state(cwd).parts;
    expect(parts.map((p: { custom_ids: string[] }) => p.custom_ids.length)).toEqual([3, 3, 2]);
    for (const part of parts)
      expect((await content(part.input_file_id)).trim().split('\n')).toHaveLength(part.custom_ids.length);
    expect(r.rows.map((row) => row.status)).toEqual(Array(8).fill('ok'));

    mock.requests.length = 0;
    const bytes = folder(Array.from({ length: 6 }, (_, i) => gen(i + 1)));
    const lineBytes = Buffer.byteLength(
      `${JSON.stringify({ custom_id: 'line-1-000000000000', method: 'POST', url: '/v1/images/generations', body: { model: 'gpt-image-2', prompt: 'catalogue item 1', size: '1024x1024', quality: 'medium', output_format: 'png' } })}\n`,
    );
    const b = await remote(bytes, ['--batch-max-bytes', String(lineBytes * 2 + 10)]);
    expect(b.exitCode).toBe(0);
    const split = state(bytes).parts;
    expect(split.map((p: { custom_ids: string[] }) => p.custom_ids.length)).toEqual([2, 2, 2]);
    for (const part of split) expect(part.bytes).toBeLessThanOrEqual(lineBytes * 2 + 10);

    // One request larger than a file may be: refused before anything is sent.
    mock.requests.length = 0;
    const big = await remote(folder([gen(1)]), ['--batch-max-bytes', '100']);
    expect(big.exitCode).toBe(2);
    expect(big.stderr).toMatch(
      /line 1's request is \d+ bytes, more than a batch request file takes \(100\); nothing was sent/,
    );
    expect(uploads('batch')).toHaveLength(0);
  });

  it('reports failed lines (exit 7), writes nothing twice on a re-run, and --resubmit sends only the failed ones', async () => {
    const cwd = folder(Array.from({ length: 5 }, (_, i) => gen(i + 1)));
    mock.enqueueBatchFault({ failLines: [2, 4] });
    const summary = join(cwd, 'summary.md');
    const first = await remote(cwd, ['--gallery'], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    expect(first.exitCode).toBe(7);
    expect(first.rows.map((row) => row.status)).toEqual(['ok', 'failed', 'ok', 'failed', 'ok']);
    expect(first.rows[1].error).toMatch(/The API answered 500.*server had an error/);
    expect(first.stderr).toMatch(/--resubmit/);
    // In GitHub Actions: an annotation per failed job, the step summary's table, and the gallery of what was made.
    expect(first.stderr.match(/^::error/gm)).toHaveLength(2);
    const table = readFileSync(summary, 'utf8');
    expect(table).toMatch(/imgcli batch --remote/);
    expect(table).toMatch(/out\/1\.png/);
    expect(table).toMatch(/line 2.*failed/);
    expect(first.stderr).toMatch(/gallery: gallery\.html: 3 images/);
    expect(existsSync(join(cwd, 'gallery.html'))).toBe(true);
    expect(existsSync(join(cwd, 'out/2.png'))).toBe(false);

    mock.requests.length = 0;
    const again = await remote(cwd);
    expect(again.exitCode).toBe(7);
    expect(again.rows.map((row) => row.status)).toEqual(['ok', 'failed', 'ok', 'failed', 'ok']);
    expect(creates()).toHaveLength(0);
    expect(uploads('batch')).toHaveLength(0);

    const resubmit = await remote(cwd, ['--resubmit']);
    expect(resubmit.exitCode).toBe(0);
    expect(resubmit.rows.map((row) => row.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(creates()).toHaveLength(1);
    // Parts are numbered across the state file: the resubmission is the second of two.
    expect(resubmit.stderr).toMatch(/\(part 2 of 2, generations, 2 jobs\)/);
    // Two jobs are in both batches; the file still has five.
    const status = await imgcli(['--base-url', mock.url, 'batch', 'status', 'jobs.jsonl'], { cwd });
    expect(status.stdout).toMatch(/^jobs\.jsonl: 2 batches, 5 jobs$/m);
    const parts = state(cwd).parts;
    expect(parts[1]).toMatchObject({ resubmits: [1], custom_ids: [first.rows[1].custom_id, first.rows[3].custom_id] });
    const sent = (await content(parts[1].input_file_id))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).custom_id);
    expect(sent).toEqual([first.rows[1].custom_id, first.rows[3].custom_id]);
    // A resubmission keeps the jobs' custom_ids; the other jobs' lines are as they were.
    expect(resubmit.rows.map((row) => row.custom_id)).toEqual(first.rows.map((row) => row.custom_id));
    expect(resubmit.rows[0].batch_id).toBe(first.rows[0].batch_id);
    expect(resubmit.rows[1].batch_id).not.toBe(first.rows[1].batch_id);
  });

  it('an expired batch writes what ran, says why the rest did not, and --resubmit sends the rest', async () => {
    const cwd = folder(Array.from({ length: 5 }, (_, i) => gen(i + 1)));
    mock.enqueueBatchFault({ expireAfter: 3 });
    const r = await remote(cwd);
    expect(r.exitCode).toBe(7);
    expect(r.rows.filter((row) => row.status === 'ok')).toHaveLength(3);
    const expired = r.rows.filter((row) => row.status === 'failed');
    expect(expired).toHaveLength(2);
    for (const row of expired) expect(row.error).toMatch(/the batch expired before this request ran/);
    expect(r.stderr).toMatch(/expired/);
    const again = await remote(cwd, ['--resubmit']);
    expect(again.exitCode).toBe(0);
    expect(state(cwd).parts[1].custom_ids.sort()).toEqual(expired.map((row) => row.custom_id).sort());
  });

  it('a download of the results cut mid-way (or ended early without an error) is read again, past what was saved', async () => {
    // Cut a few bytes into a line and hundreds of bytes into one (past where its custom_id is read).
    for (const fault of [{ truncate: 4000 }, { cleanCut: 4000 }, { cleanCut: 4500 }] as const) {
      mock.requests.length = 0;
      const cwd = folder(Array.from({ length: 8 }, (_, i) => gen(i + 1)));
      mock.enqueueFault(fault, 1, /\/content$/);
      const r = await remote(cwd);
      expect(r.exitCode, JSON.stringify(fault)).toBe(0);
      expect(r.rows.map((row) => row.status)).toEqual(Array(8).fill('ok'));
      expect(r.stderr).toMatch(
        /the download of file-\w+ broke off .*; reading it again, past the [1-9]\d* results already saved/,
      );
      expect(r.stderr).not.toMatch(/cannot be read|warning/);
      expect(mock.requests.filter((q) => q.path.endsWith('/content'))).toHaveLength(2);
      expect(creates()).toHaveLength(1);
    }
  });

  it('a batch OpenAI failed says why, and exits 3 when every job is in it', async () => {
    const cwd = folder([gen(1), gen(2)]);
    mock.enqueueBatchFault({
      failValidation: [
        {
          code: 'invalid_request',
          message: 'The model gpt-image-2 is not available for batches in this project.',
          line: null,
        },
      ],
    });
    const r = await remote(cwd);
    expect(r.exitCode).toBe(3);
    expect(r.rows.map((row) => row.status)).toEqual(['failed', 'failed']);
    expect(r.rows[0].error).toMatch(
      /OpenAI failed the batch: invalid_request: The model gpt-image-2 is not available for batches/,
    );
    expect(r.stderr).toMatch(/batch batch_\w+ \(generations, 2 jobs\): failed/);
  });

  it('refuses up front what a batch cannot carry, naming the lines; nothing is sent', async () => {
    const cwd = folder([
      gen(1),
      JSON.stringify({ command: 'vary', image: 'logo.png', model: 'dall-e-2' }),
      JSON.stringify({ command: 'edit', images: ['logo.png'], prompt: 'x', model: 'dall-e-2' }),
      JSON.stringify({ prompt: 'bad', size: '999x999' }),
    ]);
    await sharp({ create: { width: 256, height: 256, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toFile(join(cwd, 'logo.png'));
    const r = await remote(cwd);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /line 2: vary with dall-e-2 goes to \/images\/variations, which the Batch API does not take; run it in a local batch/,
    );
    expect(r.stderr).toMatch(
      /line 3: dall-e-2 edits are multipart uploads only, and a batch carries JSON requests; run it in a local batch/,
    );
    expect(r.stderr).toMatch(/line 4: --size 999x999 is not valid/);
    expect(r.stdout).toBe('');
    expect(mock.requests).toHaveLength(0);
    expect(existsSync(join(cwd, 'jobs.jsonl.imgcli-batch.json'))).toBe(false);
  });

  it('refuses flags that do not go together, and stdin', async () => {
    const cwd = folder([gen(1)]);
    const concurrency = await remote(cwd, ['--concurrency', '8']);
    expect(concurrency.exitCode).toBe(2);
    expect(concurrency.stderr).toMatch(/--concurrency has no meaning with --remote/);
    const local = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl', '--resubmit'], { cwd });
    expect(local.exitCode).toBe(2);
    expect(local.stderr).toMatch(/--resubmit is for remote batches/);
    const stdin = await imgcli(['--base-url', mock.url, 'batch', '-', '--remote'], { cwd, input: '"a fox"\n' });
    expect(stdin.exitCode).toBe(2);
    expect(stdin.stderr).toMatch(/--remote needs a jobs file, not stdin/);
    const mocked = await imgcli(['batch', 'jobs.jsonl', '--remote', '--no-wait', '--mock'], { cwd });
    expect(mocked.exitCode).toBe(2);
    expect(mocked.stderr).toMatch(/--no-wait with --mock/);
    expect(mock.requests).toHaveLength(0);
  });

  it('--max-cost counts the batch price: what fits is submitted, the rest held back (exit 7)', async () => {
    // medium 1024x1024 is about $0.0317 direct, $0.0158 at the batch price.
    const cwd = folder([gen(1), gen(2), gen(3)]);
    const fits = await remote(cwd, ['--max-cost', '0.05']);
    expect(fits.exitCode).toBe(0);
    const held = folder([gen(1), gen(2), gen(3)]);
    mock.requests.length = 0;
    const r = await remote(held, ['--max-cost', '0.035']);
    expect(r.exitCode).toBe(7);
    expect(r.rows.map((row) => row.status)).toEqual(['ok', 'ok', 'skipped']);
    expect(r.rows[2].error).toMatch(/not submitted: it would pass --max-cost 0.035/);
    expect((await content(state(held).parts[0].input_file_id)).trim().split('\n')).toHaveLength(2);
  });

  it('--dry-run shows each request line and the estimate at the batch price; nothing is sent or written', async () => {
    const cwd = folder([gen(1), JSON.stringify({ command: 'edit', images: ['in.png'], prompt: 'x', out: 'e.png' })]);
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
      .png()
      .toFile(join(cwd, 'in.png'));
    const r = await remote(cwd, ['--dry-run']);
    expect(r.exitCode).toBe(0);
    expect(r.rows[0]).toMatchObject({
      dry_run: true,
      request: {
        method: 'POST',
        url: '/v1/images/generations',
        body: { model: 'gpt-image-2', prompt: 'catalogue item 1' },
      },
    });
    expect(r.rows[0].estimated_cost_usd).toBeCloseTo(r.rows[0].estimated_direct_usd / 2, 6);
    expect(r.rows[1].request.body.images).toEqual([{ file_id: '<upload of in.png>' }]);
    expect(r.stderr).toMatch(
      /dry run: 2 requests would be submitted in 2 batches \(1 generation, 1 edit\), after uploading 1 input image once each; about \$[\d.]+ at the batch price, against about \$[\d.]+ as direct calls/,
    );
    expect(mock.requests).toHaveLength(0);
    expect(existsSync(join(cwd, 'jobs.jsonl.imgcli-batch.json'))).toBe(false);
  });
});

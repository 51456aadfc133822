// The parts of a remote batch that can be checked on their own: splitting request lines into
// files, the waiting lines and the progress bar (in a real pseudo-terminal too), a state whose
// journal a kill left with a torn last line, and the result reader (lines skipped without
// decoding, a line that cannot be read among good ones, a last line without a newline).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readResultFile, type ReadLine } from '../src/api/batch-output.js';
import type { Sink } from '../src/api/b64-extract.js';
import { BATCH_LIMITS } from '../src/api/batches.js';
import { splitParts } from '../src/batch/remote/requests.js';
import { progressLine, statusLine } from '../src/batch/remote/submit.js';
import { batchRow } from '../src/batch/remote/inspect.js';
import { loadState, newState } from '../src/batch/remote/state.js';
import { fitLine } from '../src/batch/progress.js';
import { BIN, FAKE_KEY, baseEnv, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';
import { until } from './helpers/wait.js';

const clock = { ms: 0 };
const mock = useMockServer({
  payload: 'flat',
  labels: false,
  batchClock: () => clock.ms,
  batchTiming: { validatingMs: 0, perRequestMs: 1, finalizingMs: 0 },
});

const line = (customId: string, endpoint: 'generations' | 'edits', bytes: number, n: number) => ({
  customId,
  endpoint,
  bytes,
  line: n,
});

describe('splitting request lines into batch files', () => {
  it('keeps endpoints apart and cuts at the request and byte limits, in job order', () => {
    const lines = [
      line('a', 'generations', 99, 1),
      line('b', 'edits', 99, 2),
      line('c', 'generations', 99, 3),
      line('d', 'generations', 99, 4),
      line('e', 'edits', 99, 5),
    ];
    expect(splitParts(lines, BATCH_LIMITS).map((p) => [p.endpoint, p.customIds])).toEqual([
      ['generations', ['a', 'c', 'd']],
      ['edits', ['b', 'e']],
    ]);
    expect(splitParts(lines, { requests: 2, bytes: 10_000 }).map((p) => p.customIds)).toEqual([
      ['a', 'c'],
      ['d'],
      ['b', 'e'],
    ]);
    // 100 bytes a line with its newline: 250 bytes hold two.
    const byBytes = splitParts(lines, { requests: 100, bytes: 250 });
    expect(byBytes.map((p) => [p.customIds, p.bytes])).toEqual([
      [['a', 'c'], 200],
      [['d'], 100],
      [['b', 'e'], 200],
    ]);
    expect(() => splitParts([line('big', 'edits', 500, 7)], { requests: 10, bytes: 250 })).toThrow(
      /line 7's request is 501 bytes, more than a batch request file takes \(250\)/,
    );
  });
});

describe('waiting', () => {
  const part = {
    n: 2,
    endpoint: 'edits' as const,
    token: 't',
    custom_ids: ['x', 'y', 'z'],
    bytes: 1,
    sha256: '',
    batch_id: 'batch_abc',
    status: 'in_progress',
    counts: { total: 3, completed: 1, failed: 1 },
  };

  it('says each status change in a line, and draws one bar for every batch on a terminal', () => {
    expect(statusLine(part, 2, 65_000)).toBe(
      'batch batch_abc (part 2 of 2, edits, 3 jobs): in_progress, 1 done, 1 failed (1:05 elapsed)',
    );
    const other = {
      ...part,
      n: 1,
      endpoint: 'generations' as const,
      batch_id: 'batch_def',
      status: 'validating',
      counts: undefined,
      custom_ids: ['p'],
    };
    const bar = progressLine([other, part], 5_000);
    expect(bar).toBe('[##########----------] validating, in_progress: 2/4, 1 done, 1 failed, 0:05 elapsed');
    expect(fitLine(bar, 30)).toHaveLength(29);
  });

  it('on a terminal, the bar is drawn on stderr while the batch runs, and cleared before the results', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'jobs.jsonl'), '"a fox"\n"a whale"\n');
    const env = { ...baseEnv(cwd), TERM: 'xterm' } as Record<string, string | undefined>;
    delete env.CI;
    clock.ms = 10_000;
    const run = execa(
      'script',
      [
        '-q',
        '-c',
        `node "${BIN}" --base-url "${mock.url}" batch jobs.jsonl --remote --poll-interval 0.05 -o out/`,
        '/dev/null',
      ],
      { cwd, env, extendEnv: false, reject: false, stdin: 'ignore', timeout: 30_000 },
    );
    await until(
      () => mock.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/batches/batch_')).length >= 3,
      'a few looks at the batch',
    );
    clock.ms += 1_000;
    const r = await run;
    expect(r.stdout).toMatch(/\[-{20}\] in_progress: 0\/2, 0 done, 0 failed, 0:0\d elapsed/);
    expect(r.stdout).toContain('\r\x1b[K');
    expect(r.stdout).toMatch(/"status":"ok"/);
    expect(r.stdout).toMatch(/batch: 2 of 2 jobs done/);
  });
});

describe('the state file', () => {
  it('folds in the journal a killed run left, ignoring its torn last line', async () => {
    const dir = tempDir();
    const path = join(dir, 'jobs.jsonl.imgcli-batch.json');
    writeFileSync(
      path,
      JSON.stringify(
        newState({
          jobsFile: 'jobs.jsonl',
          fingerprint: 'sha256:x',
          server: 'https://api.openai.com/v1',
          tool: 'imgcli',
          now: new Date(0),
        }),
      ),
    );
    const result = {
      status: 'ok',
      part: 1,
      batch_id: 'batch_a',
      files: [],
      request_id: null,
      usage: null,
      cost_usd: null,
      error: null,
    };
    writeFileSync(
      join(dir, 'jobs.jsonl.imgcli-batch.journal'),
      `${JSON.stringify({ custom_id: 'line-1-a', ...result })}\n{"custom_id": "line-2-b", "sta`,
    );
    const state = await loadState(path);
    expect(Object.keys(state!.results)).toEqual(['line-1-a']);
    expect(await loadState(join(dir, 'none.imgcli-batch.json'))).toBeUndefined();
    writeFileSync(path, '{"version": 7}');
    await expect(loadState(path)).rejects.toThrow(/is not a batch state imgcli can read/);
  });
});

describe('reading a result file', () => {
  it('skips lines it already has without decoding them, reports an unreadable line and reads a last line without a newline', async () => {
    const b64 = Buffer.from('not really a png, but bytes all the same').toString('base64');
    const result = (id: string) =>
      JSON.stringify({
        id: `batch_req_${id}`,
        custom_id: id,
        response: { status_code: 200, request_id: `req_${id}`, body: { created: 1, data: [{ b64_json: b64 }] } },
        error: null,
      });
    const text = [result('keep-1'), result('skip-me'), '{"custom_id": "cut', result('keep-2')].join('\n');
    const cut = `${result('whole')}\n${result('cut-here').slice(0, 150)}`;
    const store = async (body: string) => {
      const form = new FormData();
      form.append('purpose', 'batch');
      form.append('file', new Blob([body]), 'results.jsonl');
      const upload = await fetch(`${mock.url}/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${FAKE_KEY}` },
        body: form,
      });
      return ((await upload.json()) as { id: string }).id;
    };
    const id = await store(text);
    const seen: ReadLine[] = [];
    const decoded: Record<string, Buffer[]> = {};
    let opened = 0;
    const sink = (customId: string | undefined): Sink => ({
      open: () => void opened++,
      write: (_slot, bytes) => void (decoded[customId ?? '?'] ??= []).push(bytes),
      close: () => {},
      markBroken: () => {},
    });
    const conn = {
      baseUrl: mock.url,
      apiKey: FAKE_KEY,
      timeoutMs: 10_000,
      maxRetries: 0,
      userAgent: 'test',
      signal: new AbortController().signal,
    };
    const read = await readResultFile(conn, id, {
      sink,
      skip: (cid) => cid === 'skip-me',
      onLine: async (l) => void seen.push(l),
    });
    expect(read).toEqual({ bytes: Buffer.byteLength(text), lines: 4 });
    expect(seen.map((l) => (l.kind === 'result' ? l.line.custom_id : `broken line ${l.lineNo}`))).toEqual([
      'keep-1',
      'broken line 3',
      'keep-2',
    ]);
    expect(opened).toBe(2);
    expect(Buffer.concat(decoded['keep-2']!).toString()).toBe('not really a png, but bytes all the same');
    const kept =
      seen[0]!.kind === 'result'
        ? (seen[0]!.line.response!.body as { data: Array<{ b64_json: string }> }).data[0]!.b64_json
        : '';
    expect(kept).toMatch(/^imgcli-spilled:/);
    // A body that stops inside its last line is a cut download, not a broken result.
    const lines: string[] = [];
    await expect(
      readResultFile(conn, await store(cut), {
        sink,
        onLine: async (l) => void lines.push(l.kind === 'result' ? l.line.custom_id : 'broken'),
      }),
    ).rejects.toThrow(/stopped inside line 2/);
    expect(lines).toEqual(['whole']);
  });
});

describe('batch list rows', () => {
  it('show a time beyond what a date holds (a server\'s 1e300, or 1e999 read as Infinity) as "-"', () => {
    for (const created_at of [1e300, Infinity, undefined])
      expect(
        batchRow({ id: 'batch_1', status: 'completed', created_at, endpoint: '/v1/images/generations' }).at(-1),
      ).toBe('-');
    expect(
      batchRow({ id: 'batch_1', status: 'completed', created_at: 1796126400, endpoint: '/v1/images/generations' }).at(
        -1,
      ),
    ).toBe('2026-12-01T12:00:00Z');
  });
});

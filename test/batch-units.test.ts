// Batch building blocks in-process: the jobs file, the pool, the progress line.
import { describe, expect, it } from 'vitest';
import { badLinesError, parseJobs } from '../src/batch/parse.js';
import { runPool, type Outcome } from '../src/batch/pool.js';
import { clock, renderProgress } from '../src/batch/progress.js';

describe('parseJobs', () => {
  it('reads bare prompts and objects with any spelling of a flag', () => {
    const { jobs } = parseJobs(
      '"a fox"\n\n# a comment\n{"command":"edit","prompt":"x","images":["a.png"],"response_format":"b64_json","n":2}\n{"prompt":"y","input-fidelity":"high","command":"edit","images":["b.png"]}\n',
    );
    expect(jobs).toEqual([
      { line: 1, command: 'gen', flags: { prompt: 'a fox' } },
      { line: 4, command: 'edit', flags: { prompt: 'x', images: ['a.png'], responseFormat: 'b64_json', count: 2 } },
      { line: 5, command: 'edit', flags: { prompt: 'y', inputFidelity: 'high', images: ['b.png'] } },
    ]);
  });

  it('reports every bad line with its number', () => {
    const { jobs, problems } = parseJobs('"ok"\n{bad json\n{"command":"paint"}\n{"prompt":"x","sise":"1"}\n[1]');
    expect(jobs).toHaveLength(1);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5]);
    expect(badLinesError(problems, 5).message).toMatch(
      /4 of 5 jobs are not valid[\s\S]*line 2: not valid JSON[\s\S]*line 3: "command" must be gen, edit or vary[\s\S]*line 4: "sise" is not an option of gen[\s\S]*line 5: a job is a JSON string/,
    );
    expect(() => parseJobs('\n\n')).toThrow(/no jobs/);
  });

  it('puts the line number on every problem of a line that has several', () => {
    const message = badLinesError([{ line: 3, message: ['--model is empty', 'the prompt is empty'] }], 4).message;
    expect(message.split('\n').slice(1)).toEqual(['line 3: --model is empty', 'line 3: the prompt is empty']);
  });
});

describe('runPool', () => {
  it('never runs more than the concurrency, and reports every item once', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await runPool([1, 2, 3, 4, 5, 6, 7], {
      concurrency: 3,
      signal: new AbortController().signal,
      run: async (n) => {
        running++;
        peak = Math.max(peak, running);
        // Yield to the event loop so the pool can start the others: no clock involved.
        await new Promise((r) => setImmediate(r));
        running--;
        if (n === 4) throw new Error('four');
        return n * 2;
      },
      onDone: (n, o: Outcome<number>) => {
        seen.push(n);
        if (n === 4) expect(o).toMatchObject({ kind: 'failed' });
        else expect(o).toEqual({ kind: 'ok', value: n * 2 });
      },
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('skips items when the hook says so', async () => {
    const outcomes: string[] = [];
    let failures = 0;
    await runPool([1, 2, 3, 4], {
      concurrency: 1,
      signal: new AbortController().signal,
      skipReason: () => (failures ? 'fail-fast' : undefined),
      run: async (n) => {
        if (n === 2) {
          failures++;
          throw new Error('x');
        }
        return n;
      },
      onDone: (_n, o) => outcomes.push(o.kind),
    });
    expect(outcomes).toEqual(['ok', 'failed', 'skipped', 'skipped']);
  });
});

describe('progress', () => {
  it('renders counts, elapsed and ETA', () => {
    expect(clock(65_000)).toBe('1:05');
    expect(clock(3_725_000)).toBe('1:02:05');
    expect(renderProgress({ total: 10, done: 4, failed: 1, skipped: 0, running: 2 }, 10_000, 10)).toBe(
      '[#####-----] 5/10: 4 done, 1 failed, 2 running, 0:10 elapsed, ETA 0:10',
    );
  });
});

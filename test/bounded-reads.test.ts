// Class 3: every read from the network is bounded (src/api/limits.ts). An endless b64_json string,
// an endless SSE line and an endless 500 body each stop at their limit with a clear message,
// one request, and nothing left behind.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../src/api/limits.js';
import { SseParser, SseTooLargeError } from '../src/api/sse.js';
import { FAKE_KEY, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

async function run(args: string[]) {
  const cwd = tempDir();
  const spill = tempDir();
  // TMPDIR: where -o - and the fallbacks would spill, so the test sees it stays empty too.
  const r = await imgcliInProcess(['--base-url', mock.url, ...args], { cwd, env: { TMPDIR: spill } });
  return { ...r, files: readdirSync(cwd), spilled: readdirSync(spill) };
}

describe('endless bodies stop at their limit', () => {
  it(`an endless b64_json string stops at ${LIMITS.imageBytes / 1024 / 1024} MB, removing its spill file`, async () => {
    mock.enqueueFault({ endless: 'b64_json' });
    const r = await run(['gen', 'x', '-o', 'out.png']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/^error: Image 1 in the answer passed 100 MB, more than imgcli accepts; stopped\.$/m);
    expect(r.files).toEqual([]);
    expect(r.spilled).toEqual([]);
    expect(mock.apiRequests()).toHaveLength(1);
    expect(r.stderr).not.toContain(FAKE_KEY);
  }, 60_000);

  it('an endless SSE line stops at the event limit', async () => {
    mock.enqueueFault({ endless: 'sse-line' });
    const r = await run(['gen', 'x', '-o', 'out.png', '--stream']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/^error: An event in the stream passed 64 MB, more than imgcli reads; stopped\.$/m);
    expect(r.files).toEqual([]);
    expect(mock.apiRequests()).toHaveLength(1);
  }, 60_000);

  it('an endless 500 body is cut at the error limit: the status still decides, no retry wait on a body', async () => {
    mock.enqueueFault({ endless: 'error-body' });
    const r = await run(['--max-retries', '0', 'gen', 'x', '-o', 'out.png']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/^error: The API answered 500: Internal error: QUFBQUFB.{100,}\.\.\.$/m);
    expect(r.files).toEqual([]);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('a stream whose JSON fallback is endless is bounded the same way as a plain answer', async () => {
    mock.enqueueFault({ endless: 'b64_json' });
    const r = await run(['gen', 'x', '-o', 'out.png', '--stream']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/passed 100 MB/);
    expect(r.files).toEqual([]);
  }, 60_000);
});

describe('the SSE parser', () => {
  it('throws once an event passes its limit, whether in one line or many data lines', () => {
    expect(() => new SseParser(100).push(`data: ${'x'.repeat(200)}`)).toThrow(SseTooLargeError);
    const many = new SseParser(100);
    expect(() => {
      for (let i = 0; i < 20; i++) many.push('data: 0123456789\n');
    }).toThrow(SseTooLargeError);
    // Events under the limit, one after another, never add up.
    const fine = new SseParser(100);
    for (let i = 0; i < 50; i++) expect(fine.push(`data: ${'y'.repeat(80)}\n\n`)).toHaveLength(1);
  });
});

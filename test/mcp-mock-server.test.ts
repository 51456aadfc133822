// `imgcli mcp` in front of a slow `imgcli mock-server` (its own process, --latency): progress
// notifications while the answer is awaited, and cancellation that reaches the wire. The mock
// server's log says how each request ended: "closed before the answer" is the request imgcli
// aborted, as Ctrl-C aborts it, rather than left running behind the agent's back.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, cleanupTemps, tempDir } from './helpers/cli.js';
import { connectMcp, structured, type McpSession } from './helpers/mcp.js';
import { until } from './helpers/wait.js';

afterAll(cleanupTemps);

/** How long the mock server takes to answer anything. */
const LATENCY_MS = 6000;

let server: ResultPromise;
let log = '';
let s: McpSession;

beforeAll(async () => {
  const cwd = tempDir();
  server = execa('node', [BIN, 'mock-server', '--port', '0', '--latency', String(LATENCY_MS)], {
    cwd,
    env: baseEnv(cwd),
    extendEnv: false,
    reject: false,
  });
  server.stderr!.on('data', (d: Buffer) => {
    log += String(d);
  });
  const url = await new Promise<string>((resolve) =>
    server.stdout!.on('data', (d: Buffer) => {
      const m = /http:\/\/\S+/.exec(String(d));
      if (m) resolve(m[0]);
    }),
  );
  s = await connectMcp(['--base-url', url, '--heartbeat', '0.2']);
  return async () => {
    await s.close();
    server.kill('SIGTERM');
    await server;
  };
});

/** The mock server's log lines for image requests. */
const imageRequests = () => log.split('\n').filter((l) => l.startsWith('POST /v1/images/'));

describe('a slow imgcli mock-server', () => {
  it('progress notifications come while the answer is awaited, in increasing order', async () => {
    const seen: Array<{ progress: number; message?: string }> = [];
    const r = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a fox', out: 'fox.png' } }, undefined, {
      onprogress: (p) => seen.push(p),
      resetTimeoutOnProgress: true,
    });
    expect(r.isError, JSON.stringify(structured(r))).toBeFalsy();
    expect(seen[0]!.message).toBe('generate: started');
    expect(seen.filter((p) => /^generate: working, \d+ s$/.test(p.message ?? '')).length).toBeGreaterThanOrEqual(5);
    // The image, once it came (a heartbeat may follow while its thumbnail is made).
    expect(seen.map((p) => p.message)).toContain('generate: image 1 saved');
    const steps = seen.map((p) => p.progress);
    expect(steps).toEqual(steps.map((_, i) => i + 1));
    await until(() => imageRequests().length === 1, 'the log line of the answered request');
    expect(imageRequests()[0]).toMatch(/^POST \/v1\/images\/generations \(\d+ bytes\) 200 \d+ ms req_/);
  });

  it("the client's cancellation closes the request before its answer; nothing is written; the server goes on", async () => {
    log = '';
    const controller = new AbortController();
    const call = s.client.callTool(
      { name: 'generate', arguments: { prompt: 'a whale', out: 'whale.png' } },
      undefined,
      {
        signal: controller.signal,
        // A second into the wait: the request is on the wire by then.
        onprogress: (p) => {
          if (/working, [1-9]/.test(p.message ?? '')) controller.abort();
        },
      },
    );
    await expect(call).rejects.toThrow(/abort/i);
    await until(() => imageRequests().length === 1, 'the log line of the aborted request');
    const [line] = imageRequests();
    expect(line).toMatch(/^POST \/v1\/images\/generations \(\d+ bytes\) closed before the answer (\d+) ms req_/);
    expect(Number(/closed before the answer (\d+) ms/.exec(line!)![1])).toBeLessThan(LATENCY_MS);
    expect(existsSync(join(s.dir, 'whale.png'))).toBe(false);
    const status = await s.client.callTool({ name: 'status', arguments: {} });
    expect(structured(status).budget).toMatchObject({ reserved_usd: 0 });
    expect(s.stderr()).not.toMatch(/bug in imgcli/);
  });

  it('the cancel tool stops a job (wait: false) the same way', async () => {
    log = '';
    const started = await s.client.callTool({
      name: 'generate',
      arguments: { prompt: 'an owl', out: 'owl.png', wait: false },
    });
    const { job_id: id } = structured(started);
    // The request is on its way (the server logs it only once it ends): 2.5 s of a 6 s answer leaves
    // room on both sides on a busy machine (sent late, or not yet answered).
    await new Promise((r) => setTimeout(r, 2500));
    expect(structured(await s.client.callTool({ name: 'cancel', arguments: { job_id: id } })).status).toBe(
      'cancelling',
    );
    const end = await s.client.callTool({ name: 'status', arguments: { job_id: id, wait_seconds: 10 } });
    expect(structured(end).status).toBe('cancelled');
    expect(structured(end).result.error).toMatchObject({ exit_code: 130 });
    await until(() => imageRequests().length === 1, 'the log line of the aborted request');
    expect(imageRequests()[0]).toMatch(/closed before the answer/);
    expect(existsSync(join(s.dir, 'owl.png'))).toBe(false);
  });
});

// Fault injection end to end: each case asserts the exit code, the stderr message, the exact
// number of requests the server saw, and that no partial or temp file remains.
import { readdirSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, FAKE_KEY, baseEnv, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';
import { until } from './helpers/wait.js';

const mock = useMockServer();

const rateLimit = {
  error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' },
};
const serverError = {
  error: {
    message: 'The server had an error while processing your request.',
    type: 'server_error',
    param: null,
    code: null,
  },
};

async function gen(args: string[], cwd = tempDir()) {
  const r = await imgcliInProcess(['--base-url', mock.url, 'gen', 'a fox', '-o', 'out.png', ...args], { cwd });
  return { ...r, files: readdirSync(cwd) };
}

const retryLines = (stderr: string) => stderr.split('\n').filter((l) => /retrying in/.test(l));

describe('retries', () => {
  it('waits for retry-after seconds on a 429, then succeeds', async () => {
    mock.enqueueFault({ status: 429, headers: { 'retry-after': '1' }, body: rateLimit });
    const r = await gen([]);
    expect(r.exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(2);
    // The wait the CLI chose, as it reports it, rather than how long the test happened to take.
    expect(retryLines(r.stderr)).toEqual(['429 rate_limit_exceeded: retrying in 1.0 s (attempt 2 of 3)']);
    expect(r.files).toEqual(['out.png']);
  });

  it('honours retry-after-ms', async () => {
    mock.enqueueFault({ status: 429, headers: { 'retry-after-ms': '300' }, body: rateLimit });
    const r = await gen([]);
    expect(r.exitCode).toBe(0);
    expect(retryLines(r.stderr)).toEqual(['429 rate_limit_exceeded: retrying in 0.3 s (attempt 2 of 3)']);
    expect(mock.apiRequests()).toHaveLength(2);
  });

  it('retries 500, 502 and 503, then succeeds', async () => {
    for (const status of [500, 502, 503])
      mock.enqueueFault({ status, headers: { 'retry-after-ms': '10' }, body: serverError });
    const r = await gen(['--max-retries', '3']);
    expect(r.exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(4);
    expect(retryLines(r.stderr)).toHaveLength(3);
  });

  it('gives up after --max-retries with exit 6', async () => {
    mock.enqueueFault({ status: 503, headers: { 'retry-after-ms': '10' }, body: serverError }, 5);
    const r = await gen(['--max-retries', '1']);
    expect(r.exitCode).toBe(6);
    expect(mock.apiRequests()).toHaveLength(2);
    expect(r.stderr).toMatch(/The API answered 503/);
    expect(r.stdout).toBe('');
    expect(r.files).toEqual([]);
  });

  it('never retries insufficient_quota', async () => {
    mock.enqueueFault({
      status: 429,
      body: {
        error: {
          message: 'You exceeded your current quota.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
      },
    });
    const r = await gen([]);
    expect(r.exitCode).toBe(5);
    expect(mock.apiRequests()).toHaveLength(1);
    expect(retryLines(r.stderr)).toEqual([]);
  });

  it('honours x-should-retry: false', async () => {
    mock.enqueueFault({ status: 500, headers: { 'x-should-retry': 'false' }, body: serverError });
    const r = await gen([]);
    expect(r.exitCode).toBe(6);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('does not resend a request whose connection closed before the answer (it may be billed)', async () => {
    mock.enqueueFault({ drop: 'before-response' });
    const r = await gen([]);
    expect(r.exitCode).toBe(6);
    expect(mock.apiRequests()).toHaveLength(1);
    expect(retryLines(r.stderr)).toEqual([]);
    expect(r.stderr).toMatch(/closed before any answer/);
    expect(r.stderr).toMatch(/may have received, and billed/);
    expect(r.files).toEqual([]);
  });

  it('retries when the connection cannot be made at all', async () => {
    const r = await imgcliInProcess([
      '--base-url',
      'http://127.0.0.1:9/v1',
      '--max-retries',
      '1',
      'gen',
      'x',
      '-o',
      'x.png',
    ]);
    expect(r.exitCode).toBe(6);
    expect(retryLines(r.stderr)).toEqual([expect.stringMatching(/network error \(ECONNREFUSED\): retrying in/)]);
    expect(r.stderr).toMatch(/Could not reach 127\.0\.0\.1:9/);
  });
});

describe('broken answers leave no file', () => {
  it('does not retry a timeout, and says how to raise it', async () => {
    mock.enqueueFault({ stallMs: 600_000 });
    const r = await gen(['--timeout', '1']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/within 1 s\.[\s\S]*Raise --timeout \(now 1 s;/);
    expect(r.stderr).toMatch(/may still have generated, and billed/);
    expect(mock.apiRequests()).toHaveLength(1);
    expect(r.files).toEqual([]);
  });

  it.each([
    ['a body cut mid-JSON', { truncate: 200 }, /broke while reading the answer/],
    ['invalid JSON', { body: '{"created": 1, "data": [' }, /not JSON/],
    [
      'invalid base64',
      { body: JSON.stringify({ created: 1, data: [{ b64_json: 'iVBORw0KGgo*%%' }] }) },
      /not valid base64/,
    ],
    [
      'truncated base64',
      { body: JSON.stringify({ created: 1, data: [{ b64_json: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ' }] }) },
      /cut short/,
    ],
    [
      'bytes that are not an image',
      { body: JSON.stringify({ created: 1, data: [{ b64_json: Buffer.from('hello world!').toString('base64') }] }) },
      /not an image/,
    ],
    ['empty data', { body: JSON.stringify({ created: 1, data: [] }) }, /without any image/],
    ['no data', { body: JSON.stringify({ created: 1 }) }, /without any image/],
  ])('%s: exit 6', async (_name, fault, message) => {
    mock.enqueueFault(fault);
    const r = await gen([]);
    expect(r.stderr).toMatch(message);
    expect(r.exitCode).toBe(6);
    expect(r.stdout).toBe('');
    expect(mock.apiRequests()).toHaveLength(1);
    expect(r.files).toEqual([]);
  });

  it('shows the status and first line of an HTML error page', async () => {
    mock.enqueueFault(
      {
        status: 502,
        body: '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
      },
      3,
    );
    const r = await gen(['--max-retries', '2']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/502.*502 Bad Gateway/);
    expect(mock.apiRequests()).toHaveLength(3);
  });

  it('says an image URL probably expired when it answers 403', async () => {
    mock.enqueueDownloadFault({ status: 403, body: 'AuthenticationFailed' });
    const r = await gen(['-m', 'dall-e-2']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/answered 403; it has probably expired \(image URLs live 60 minutes\)/);
    expect(r.files).toEqual([]);
  });
});

describe('interrupts', () => {
  // Every hold below (latency, retry-after, a stalled download) outlasts the test's own timeout,
  // so a run that exits at all was cut short by the signal: no clock is read to prove it.
  const HOLD_MS = 600_000;

  /** Starts the CLI, waits until `ready` says the moment has come (a safety-net deadline aside), then signals it. */
  async function interrupt(args: string[], ready: (stderr: string) => boolean, signal: NodeJS.Signals = 'SIGINT') {
    const cwd = tempDir();
    const child = execa('node', [BIN, '--base-url', mock.url, 'gen', 'a fox', '-o', 'out.png', ...args], {
      cwd,
      env: baseEnv(cwd),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await until(() => ready(stderr));
    child.kill(signal);
    const r = await child;
    return { ...r, files: readdirSync(cwd) };
  }

  const requestSent = () => mock.apiRequests().length > 0;

  it('Ctrl-C during the request: exit 130, nothing left behind', async () => {
    mock.setLatency(HOLD_MS);
    const r = await interrupt([], requestSent);
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toMatch(/Interrupted/);
    expect(r.stdout).toBe('');
    expect(r.files).toEqual([]);
  });

  it('Ctrl-C during a retry wait', async () => {
    mock.enqueueFault({ status: 429, headers: { 'retry-after': '59' }, body: rateLimit });
    const r = await interrupt([], (stderr) => /retrying in 59\.0 s/.test(stderr));
    expect(r.exitCode).toBe(130);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('Ctrl-C during a download', async () => {
    mock.enqueueDownloadFault({ stallMs: HOLD_MS });
    const r = await interrupt(['-m', 'dall-e-2'], () => mock.requests.some((q) => q.path.startsWith('/files/')));
    expect(r.exitCode).toBe(130);
    expect(r.files).toEqual([]);
  });

  it('SIGTERM exits 143', async () => {
    mock.setLatency(HOLD_MS);
    const r = await interrupt([], requestSent, 'SIGTERM');
    expect(r.exitCode).toBe(143);
    expect(r.files).toEqual([]);
  });
});

describe('the key never leaks', () => {
  it('is redacted in --verbose and absent from errors and --json', async () => {
    const ok = await gen(['--verbose', '--json']);
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toMatch(/API key sk-\.\.\.1234 for/);
    mock.enqueueFault({
      status: 401,
      body: {
        error: {
          message: 'Incorrect API key provided: sk-test-abc***1234.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      },
    });
    const denied = await gen(['--verbose']);
    expect(denied.exitCode).toBe(4);
    mock.enqueueFault({ drop: 'before-response' }, 3);
    const dropped = await gen(['--verbose']);
    expect(dropped.exitCode).toBe(6);
    for (const r of [ok, denied, dropped]) {
      expect(r.stdout).not.toContain(FAKE_KEY);
      expect(r.stderr).not.toContain(FAKE_KEY);
    }
  });
});

describe('answers that do not match the request', () => {
  const png = async () =>
    (
      await (await import('../src/mock/synth.js')).synthesizeImage({ prompt: 'x', width: 32, height: 32 })
    ).bytes.toString('base64');

  it('reports images that never came, keeping the ones that did', async () => {
    mock.enqueueFault({ body: JSON.stringify({ created: 1, data: [{ b64_json: await png() }] }) });
    const r = await gen(['-n', '3', '--json']);
    expect(r.exitCode).toBe(6);
    const doc = JSON.parse(r.stdout);
    expect(doc.files.map((f: { path: string }) => f.path)).toEqual(['out-1.png']);
    expect(doc.failed).toEqual([
      { index: 1, error: expect.stringMatching(/returned 1 of the 3 images/) },
      { index: 2, error: expect.stringMatching(/image 3 never came/) },
    ]);
  });

  it('saves only what was asked for, and never two images on stdout', async () => {
    const b64 = await png();
    mock.enqueueFault({ body: JSON.stringify({ created: 1, data: [{ b64_json: b64 }, { b64_json: b64 }] }) });
    const r = await imgcliInProcess(['--base-url', mock.url, 'gen', 'x', '-o', '-', '--no-metadata'], { binary: true });
    expect(r.exitCode).toBe(0);
    expect(Buffer.from(r.stdout as unknown as Uint8Array).equals(Buffer.from(b64, 'base64'))).toBe(true);
    expect(Buffer.from(r.stderr as unknown as Uint8Array).toString()).toMatch(/sent 2 images where 1 were asked for/);
  });
});

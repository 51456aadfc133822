// Streams that go wrong, end to end: error events, connections cut mid-way, short streams,
// servers that do not stream, Ctrl-C. Each case checks the exit code, stderr, how many requests
// were sent (a started stream is never resent) and that unfinished images leave no files.
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { streamFixture } from './helpers/chunks.js';
import { BIN, baseEnv, cleanupTemps, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { until } from './helpers/wait.js';

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer({ streamDelayMs: 5 });
});
afterAll(async () => {
  await mock.close();
  cleanupTemps();
});
afterEach(() => {
  mock.requests.length = 0;
  mock.clearFaults();
  mock.setStreamDelay(5);
});

async function gen(args: string[]) {
  const cwd = tempDir();
  const r = await imgcliInProcess(['--base-url', mock.url, 'gen', 'a fox', '--stream', '-o', 'fox.png', ...args], {
    cwd,
  });
  return { ...r, files: readdirSync(cwd).sort() };
}

const moderation = {
  message: 'Your request was rejected by the safety system.',
  type: 'image_generation_user_error',
  code: 'moderation_blocked',
};

describe('errors inside the stream', () => {
  it('an error event after a partial: exit 3 for a refusal, the partial removed, not retried', async () => {
    mock.enqueueFault({ streamError: moderation, afterEvents: 1 });
    const r = await gen([]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(
      /error: The server reported an error during the stream \(moderation_blocked\): Your request was rejected/,
    );
    expect(r.stderr).toMatch(/request id: req_/);
    expect(r.stdout).toBe('');
    expect(r.files).toEqual([]);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('a server_error event is the server in trouble: exit 6; quota: exit 5', async () => {
    mock.enqueueFault({
      streamError: { message: 'The server had an error while processing your request.', code: 'server_error' },
      afterEvents: 2,
    });
    const trouble = await gen([]);
    expect(trouble.exitCode).toBe(6);
    expect(trouble.files).toEqual([]);
    mock.enqueueFault({
      streamError: {
        message: 'You exceeded your current quota.',
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      },
      afterEvents: 0,
    });
    const quota = await gen([]);
    expect(quota.exitCode).toBe(5);
    expect(mock.apiRequests()).toHaveLength(2);
  });

  it('a connection cut mid-stream: exit 6, no final, no partials, not retried', async () => {
    mock.enqueueFault({ streamCut: 1 });
    const r = await gen(['--max-retries', '3']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/broke while reading the answer|ended before any completed image/);
    expect(r.stdout).toBe('');
    expect(r.files).toEqual([]);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('a stream that closes cleanly before any completed event: exit 6', async () => {
    mock.enqueueFault({
      body: 'event: image_generation.partial_image\ndata: {"type":"image_generation.partial_image","b64_json":"iVBORw0KGgo=","partial_image_index":0}\n\n',
      contentType: 'text/event-stream',
    });
    const r = await gen([]);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/The stream ended before any completed image/);
    expect(r.files).toEqual([]);
  });

  it('n = 2 cut after the first image: it is kept with its partials, the second leaves nothing', async () => {
    // events: partial, partial, completed (image 1), partial (image 2), then the cut
    mock.enqueueFault({ streamCut: 4 });
    const r = await gen(['-n', '2']);
    expect(r.exitCode).toBe(6);
    expect(r.stdout.split('\n')).toEqual(['fox-1.png', 'fox-1.partial-0.png', 'fox-1.partial-1.png']);
    expect(r.stderr).toMatch(/1 of 2 images saved; the others failed/);
    expect(r.files).toEqual(['fox-1.partial-0.png', 'fox-1.partial-1.png', 'fox-1.png']);
  });

  it('an error before the stream starts is retried like any other', async () => {
    mock.enqueueFault({
      status: 503,
      headers: { 'retry-after-ms': '10' },
      body: { error: { message: 'busy', type: 'server_error', param: null, code: null } },
    });
    const r = await gen([]);
    expect(r.exitCode).toBe(0);
    expect(mock.apiRequests()).toHaveLength(2);
    expect(r.files).toEqual(['fox.partial-0.png', 'fox.partial-1.png', 'fox.png']);
  });
});

describe('odd events', () => {
  it('a partial that is not an image is skipped with a warning; the final still lands', async () => {
    const png = await (await import('sharp'))
      .default({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const event = (type: string, extra: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...extra })}\n\n`;
    const body =
      event('image_generation.partial_image', {
        b64_json: Buffer.from('hello').toString('base64'),
        partial_image_index: 0,
      }) + event('image_generation.completed', { b64_json: png.toString('base64') });
    mock.enqueueFault({ body, contentType: 'text/event-stream' });
    const r = await gen([]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(
      /warning: Image 1 \(partial 1\) in the stream is not an image \(it starts: hello\)\. It was skipped\./,
    );
    expect(r.stdout).toBe('fox.png');
    expect(r.files).toEqual(['fox.png']);
  });
});

describe('a server that does not stream', () => {
  it('answers plain JSON to stream: true: its image is saved as usual', async () => {
    const png = (await import('sharp'))
      .default({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    mock.enqueueFault({ status: 200, body: { created: 1, data: [{ b64_json: (await png).toString('base64') }] } });
    const r = await gen(['--verbose']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/the server answered without streaming/);
    expect(r.stdout).toBe('fox.png');
    expect(r.files).toEqual(['fox.png']);
  });
});

describe('Ctrl-C during a stream', () => {
  /**
   * A server whose stream sends its first partial image and then holds the connection open: only
   * Ctrl-C can end the run, so no clock is needed to tell an interrupt from a finished stream.
   * It says when the client hung up.
   */
  async function stallingStream() {
    const first = streamFixture('generation.txt').toString('utf8').split('\n\n')[0]!;
    let hungUp!: () => void;
    const closed = new Promise<void>((resolve) => (hungUp = resolve));
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_stalled' });
        res.write(`${first}\n\n`);
      });
      res.on('close', hungUp);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/v1`,
      closed,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it('exits 130 and leaves nothing: no final, no partials, no temp files', async () => {
    const stalled = await stallingStream();
    try {
      const cwd = tempDir();
      const child = execa(
        'node',
        [BIN, '--base-url', stalled.url, 'gen', 'a fox', '--stream', '--partial-images', '3', '-o', 'fox.png'],
        { cwd, env: baseEnv(cwd), extendEnv: false, reject: false, stdin: 'ignore' },
      );
      await until(() => readdirSync(cwd).includes('fox.partial-0.png'), 'the first partial');
      expect(readdirSync(cwd)).toContain('fox.partial-0.png');
      child.kill('SIGINT');
      const r = await child;
      expect(r.exitCode).toBe(130);
      expect(r.stderr).toMatch(/Interrupted/);
      expect(r.stdout).toBe('');
      expect(readdirSync(cwd)).toEqual([]);
      // The stream never ends by itself: the CLI hung up because of the signal.
      await stalled.closed;
    } finally {
      await stalled.close();
    }
  });
});

// Text a server sends is data, never terminal control: its error message, code and param, a
// revised prompt, model ids (doctor, models --remote), batch statuses, metadata and errors (batch
// list, batch status, the --remote progress lines) and file names (files list) reach the
// terminal with every control character shown as \uXXXX; --json keeps the exact text.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({
  payload: 'flat',
  labels: false,
  batchTiming: { validatingMs: 0, perRequestMs: 0, finalizingMs: 0 },
});

/**
 * What a hostile server tried: a clipboard write (OSC 52), a window title, a hyperlink, a screen
 * clear and reset, a carriage-return overwrite, an 8-bit CSI, a bidi override, a bell, DEL, and a
 * line break that would start a line of its own.
 */
const HOSTILE =
  'A\x1b]52;c;ZXZpbA==\x07B\x1b]0;pwned\x07C\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\D\x1b[2J\x1bcE\rF\u202eG\x9b31mH\x7fI\nimgcli: all good';
/** What a person sees instead: the same characters, each control written out. */
const SHOWN =
  'A\\u001b]52;c;ZXZpbA==\\u0007B\\u001b]0;pwned\\u0007C\\u001b]8;;http://evil.example/\\u001b\\link\\u001b]8;;\\u001b\\D\\u001b[2J\\u001bcE\\u000dF\\u202eG\\u009b31mH\\u007fI\\u000aimgcli: all good';
/** Any character that would drive a terminal (line breaks aside, which are checked per test). */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let png: string;
beforeAll(async () => {
  png = (
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#335577' } })
      .png()
      .toBuffer()
  ).toString('base64');
});

const run = (args: string[], cwd?: string) => imgcli(['--base-url', mock.url, ...args], { cwd });

/** No control character anywhere, and no line that starts with what the server wrote after its line break. */
function clean(text: string): void {
  expect(text).not.toMatch(CONTROL);
  expect(text.split('\n').some((l) => l.startsWith('imgcli: all good'))).toBe(false);
}

describe('a server error (message, code, param)', () => {
  it('is told with its controls made visible, on its own line', async () => {
    mock.enqueueFault({
      status: 400,
      body: { error: { message: HOSTILE, type: 'invalid_request_error', code: `bad${HOSTILE}`, param: `p${HOSTILE}` } },
    });
    const r = await run(['gen', 'a fox', '-o', 'x.png']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    clean(r.stderr);
    expect(r.stderr).toContain(`: ${SHOWN}`);
    expect(r.stderr).toContain(`(bad${SHOWN}, param p${SHOWN})`);
    // The next step quotes the param too.
    expect(r.stderr).toContain(`hint: The server refused the value of "p${SHOWN}".`);
  });

  it('a request id header with controls is shown escaped too', async () => {
    // HTTP forbids C0 controls in a header: an 8-bit CSI (U+009B, a byte 0x9b) gets through.
    mock.enqueueFault(
      { status: 500, body: { error: { message: 'down' } }, headers: { 'x-request-id': 'req_1\x9b2J' } },
      3,
    );
    const r = await run(['gen', 'a fox', '-o', 'x.png', '--max-retries', '0']);
    expect(r.exitCode).toBe(6);
    clean(r.stderr);
    expect(r.stderr).toMatch(/request id: req_1.?\\u009b2J/);
  });
});

describe('a revised prompt', () => {
  it('is shown escaped on stderr, and exact in --json', async () => {
    const answer = { status: 200, body: { created: 1, data: [{ b64_json: png, revised_prompt: HOSTILE }] } };
    mock.enqueueFault(answer);
    const human = await run(['gen', 'a fox', '-o', 'x.png']);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toBe('x.png');
    clean(human.stderr);
    expect(human.stderr).toContain(`revised prompt: ${SHOWN}`);
    mock.enqueueFault(answer);
    const json = await run(['gen', 'a fox', '-o', 'y.png', '--json']);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout).revised_prompt).toBe(HOSTILE);
    expect(json.stdout).not.toMatch(CONTROL);
  });
});

describe('model ids a server lists', () => {
  const list = { status: 200, body: { object: 'list', data: [{ id: `gpt-image-9${HOSTILE}`, object: 'model' }] } };

  it('models --remote prints them escaped in its table, exact in --json', async () => {
    mock.enqueueFault(list);
    const r = await run(['models', '--remote']);
    expect(r.exitCode).toBe(0);
    clean(r.stdout);
    expect(r.stdout).toContain(`gpt-image-9${SHOWN}`);
    mock.enqueueFault(list);
    const json = await run(['models', '--remote', '--json']);
    expect(JSON.parse(json.stdout).models.map((m: { name: string }) => m.name)).toContain(`gpt-image-9${HOSTILE}`);
  });

  it('doctor prints them escaped', async () => {
    mock.enqueueFault(list);
    const r = await run(['doctor']);
    clean(r.stdout);
    clean(r.stderr);
    expect(r.stdout).toContain(`gpt-image-9${SHOWN}`);
  });
});

describe('file names in files list', () => {
  const files = {
    status: 200,
    body: {
      object: 'list',
      data: [
        { id: 'file-abc', object: 'file', bytes: 3, created_at: 1, filename: HOSTILE, purpose: `vision${HOSTILE}` },
      ],
      has_more: false,
    },
  };

  it('are escaped in the table (one row per file), exact in --json', async () => {
    mock.enqueueFault(files);
    const r = await run(['files', 'list']);
    expect(r.exitCode).toBe(0);
    clean(r.stdout);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(r.stdout).toContain(SHOWN);
    mock.enqueueFault(files);
    const json = await run(['files', 'list', '--json']);
    expect(JSON.parse(json.stdout).files[0].filename).toBe(HOSTILE);
  });

  it('a file name quoted in an error message is escaped', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'a.png'), Buffer.from(png, 'base64'));
    mock.enqueueFault({
      status: 400,
      body: { error: { message: `Invalid file format for purpose 'vision': ${HOSTILE}`, code: 'invalid_file_format' } },
    });
    const r = await run(['files', 'upload', 'a.png'], cwd);
    expect(r.exitCode).toBe(3);
    clean(r.stderr);
    expect(r.stderr).toContain(`'vision': ${SHOWN}`);
  });
});

describe('batches as a server shows them', () => {
  const batch = {
    id: 'batch_abc',
    object: 'batch',
    endpoint: `/v1/images/generations${HOSTILE}`,
    status: `failed${HOSTILE}`,
    created_at: 1796126400,
    request_counts: { total: 1, completed: 0, failed: 1 },
    metadata: { imgcli_jobs: HOSTILE },
    errors: { data: [{ code: `c${HOSTILE}`, message: HOSTILE, line: 1 }] },
  };

  it('batch list escapes statuses, endpoints and metadata', async () => {
    mock.enqueueFault({ status: 200, body: { object: 'list', data: [batch], has_more: false } });
    const r = await run(['batch', 'list']);
    expect(r.exitCode).toBe(0);
    clean(r.stdout);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(r.stdout).toContain(`failed${SHOWN}`);
  });

  it('batch status escapes the errors of a failed batch', async () => {
    mock.enqueueFault({ status: 200, body: { ...batch, status: 'failed' } });
    const r = await run(['batch', 'status', 'batch_abc']);
    expect(r.exitCode).toBe(0);
    clean(r.stdout);
    expect(r.stdout).toContain(`line 1: c${SHOWN}: ${SHOWN}`);
    mock.enqueueFault({ status: 200, body: { ...batch, status: 'failed' } });
    const json = await run(['batch', 'status', 'batch_abc', '--json']);
    expect(JSON.parse(json.stdout).batches[0].errors.data[0].message).toBe(HOSTILE);
  });

  it('the --remote status lines escape a status the server made up', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'jobs.jsonl'), `${JSON.stringify({ prompt: 'a fox', out: 'fox.png' })}\n`);
    mock.enqueueBatchFault({ showStatus: `in_progress${HOSTILE}`, showTimes: 2 });
    const r = await imgcli(['--base-url', mock.url, 'batch', 'jobs.jsonl', '--remote', '--poll-interval', '0.05'], {
      cwd,
      timeout: 60_000,
    });
    expect(r.exitCode).toBe(0);
    clean(r.stderr);
    expect(r.stderr).toContain(`in_progress${SHOWN}`);
  });
});

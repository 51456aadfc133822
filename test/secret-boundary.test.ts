// Class 2: secrets never reach the terminal, from any source. One redactor sits at the output
// boundary (terminal/boundary.ts) and every line to stdout and stderr passes it: the key, any
// Bearer/api-key value, URL userinfo and proxy credentials, whatever message carries them.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../src/api/redact.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const KEY = 'sk-proj-LEAKCHECKabcdefghijklmnop-zz99';
const mock = useMockServer();

async function seen(args: string[], env: Record<string, string | undefined> = {}) {
  const cwd = tempDir();
  const r = await imgcliInProcess(args, { cwd, env: { OPENAI_API_KEY: KEY, ...env } });
  return { ...r, all: `${r.stdout}\n${r.stderr}`, files: readdirSync(cwd) };
}

const expectNoSecret = (text: string, ...secrets: string[]) => {
  for (const s of [KEY, 'LEAKCHECK', ...secrets]) expect(text).not.toContain(s);
};

describe('no secret reaches stdout or stderr', () => {
  it('a 200 body that echoes the Authorization header', async () => {
    mock.enqueueFault({ echoHeaders: true });
    const r = await seen(['--base-url', mock.url, '--verbose', 'gen', 'x', '-o', 'x.png']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/not JSON \(it starts: .+\)/);
    expectNoSecret(r.all);
    expect(mock.apiRequests()).toHaveLength(1);
    expect(r.files).toEqual([]);
  });

  it('a non-JSON 500 that echoes the key and a Bearer token of some other credential', async () => {
    mock.enqueueFault({
      status: 500,
      body: `upstream said: Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123 and key ${KEY}`,
      headers: { 'x-should-retry': 'false' },
    });
    const r = await seen(['--base-url', mock.url, 'gen', 'x', '-o', 'x.png']);
    expect(r.exitCode).toBe(6);
    expectNoSecret(r.all, 'ghp_abcdefghijklmnopqrstuvwxyz0123');
    expect(r.stderr).toContain('Bearer ...0123');
  });

  it('an SSE error event whose message contains the key', async () => {
    mock.enqueueFault({
      streamError: { message: `upstream rejected key ${KEY} (api-key: azureSECRET1234)`, type: 'server_error' },
      afterEvents: 0,
    });
    const r = await seen(['--base-url', mock.url, 'gen', 'x', '-o', 'x.png', '--stream']);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toContain('upstream rejected key sk-...zz99');
    expectNoSecret(r.all, 'azureSECRET1234');
    expect(r.files).toEqual([]);
  });

  it('credentials inside a URL the user gave, with --verbose', async () => {
    const withUser = mock.url.replace('http://', 'http://alice:hunter2pass@');
    const r = await seen(['--base-url', withUser, '--verbose', 'gen', 'x', '-o', 'x.png', '--json']);
    expectNoSecret(r.all, 'hunter2pass');
    expect(r.stderr).toContain('http://***@127.0.0.1');
  });

  it('proxy credentials, in --verbose and in the error', async () => {
    const r = await seen(
      [
        '--base-url',
        'https://api.example.test/v1',
        '--verbose',
        '--max-retries',
        '0',
        '--timeout',
        '5',
        'gen',
        'x',
        '-o',
        'x.png',
      ],
      { HTTPS_PROXY: 'http://bob:proxySECRETpw@127.0.0.1:9' },
    );
    expect(r.exitCode).toBe(6);
    expectNoSecret(r.all, 'proxySECRETpw');
    expect(r.stderr).toContain('***@127.0.0.1:9');
  });

  it('the key from a config profile, echoed by a 401', async () => {
    const cwd = tempDir();
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(`${cwd}/config`, { mode: 0o700 });
    writeFileSync(
      `${cwd}/config/config.json`,
      JSON.stringify({ profiles: { work: { 'api-key': 'azure-PROFILEKEY-0123456789' } } }),
      { mode: 0o600 },
    );
    mock.enqueueFault({
      status: 401,
      body: {
        error: {
          message: 'bad key azure-PROFILEKEY-0123456789',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      },
    });
    const r = await imgcliInProcess(['--base-url', mock.url, '--profile', 'work', 'gen', 'x', '-o', 'x.png'], {
      cwd,
      env: { OPENAI_API_KEY: undefined },
    });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('bad key ...6789');
    expect(`${r.stdout}${r.stderr}`).not.toContain('PROFILEKEY');
  });
});

describe('the redactor', () => {
  const redactor = new Redactor();
  redactor.add(KEY);
  it.each([
    [`key ${KEY}.`, 'key sk-...zz99.'],
    ['Authorization: Bearer abcdefghijklmnop9876', 'Authorization: Bearer ...9876'],
    ['Proxy-Authorization: Basic YWxpY2U6c2VjcmV0cGFzcw==', 'Proxy-Authorization: Basic ...cw=='],
    ['{"api-key": "0123456789abcdef"}', '{"api-key": "...cdef"}'],
    [
      'https://alice:pw@host.example/v1 and http://token@proxy:3128',
      'https://***@host.example/v1 and http://***@proxy:3128',
    ],
    ['a stray sk-abcdefghijklmnopqrstuvwx key', 'a stray sk-...uvwx key'],
    // Ordinary text, and a curl command that names the variable, are left alone.
    [
      'curl -H "api-key: $OPENAI_API_KEY" -H "Authorization: Bearer $OPENAI_API_KEY"',
      'curl -H "api-key: $OPENAI_API_KEY" -H "Authorization: Bearer $OPENAI_API_KEY"',
    ],
    [
      'sent as an api-key header; Bearer auth (i.e. Authorization: Bearer YOUR_KEY)',
      'sent as an api-key header; Bearer auth (i.e. Authorization: Bearer YOUR_KEY)',
    ],
  ])('%s', (input, output) => {
    expect(redactor.redact(input)).toBe(output);
    // Idempotent: the boundary may see a line that was already scrubbed.
    expect(redactor.redact(output)).toBe(output);
  });
});

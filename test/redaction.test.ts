// The API key never leaks: not in errors (even when the server echoes it), --verbose, --json,
// --dry-run, `config get/list` or `models --remote`, whether it came from a flag, the
// environment or the config file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactKey, scrubSecret } from '../src/api/redact.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const KEY = 'sk-proj-LEAKCHECKabcdefghijklmnop-zz99';

const mock = useMockServer();

type Source = 'flag' | 'env' | 'config';

/** Runs with the key from one source; returns everything the user could see. */
async function seen(source: Source, args: string[]): Promise<{ exitCode: number | undefined; all: string }> {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'config'));
  writeFileSync(join(cwd, 'config', 'config.json'), JSON.stringify(source === 'config' ? { 'api-key': KEY } : {}));
  const env = { OPENAI_API_KEY: source === 'env' ? KEY : undefined };
  const r = await imgcliInProcess([...(source === 'flag' ? ['--api-key', KEY] : []), '--base-url', mock.url, ...args], {
    cwd,
    env,
  });
  return { exitCode: r.exitCode, all: `${r.stdout}\n${r.stderr}` };
}

const echoKey = {
  status: 401,
  body: {
    error: {
      message: `Incorrect API key provided: ${KEY}.`,
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
  },
};

describe.each<Source>(['flag', 'env', 'config'])('with the key from %s', (source) => {
  it.each([
    ['a successful run with --verbose --json', ['--verbose', 'gen', 'x', '-o', 'x.png', '--json'], 0, undefined],
    ['--dry-run', ['--verbose', 'gen', 'x', '--dry-run'], 0, undefined],
    ['--dry-run --json', ['gen', 'x', '--dry-run', '--json'], 0, undefined],
    ['models --remote --verbose --json', ['--verbose', 'models', '--remote', '--json'], 0, undefined],
    ['a 401 whose message echoes the key', ['--verbose', 'gen', 'x', '-o', 'x.png'], 4, echoKey],
    ['a network error', ['--base-url', 'http://127.0.0.1:9/v1', '--max-retries', '0', 'gen', 'x'], 6, undefined],
  ] as const)('%s shows sk-...zz99 at most', async (_what, args, code, fault) => {
    if (fault) mock.enqueueFault(fault);
    const r = await seen(source, [...args]);
    expect(r.exitCode).toBe(code);
    expect(r.all).not.toContain(KEY);
    expect(r.all).not.toContain('LEAKCHECK');
    if (fault) expect(r.all).toContain('Incorrect API key provided: sk-...zz99.');
  });
});

describe('redaction helpers', () => {
  it('keep the prefix and the last four characters at most', () => {
    expect(redactKey(KEY)).toBe('sk-...zz99');
    expect(redactKey('azure-0123456789')).toBe('...6789');
    expect(redactKey('sk-short')).toBe('sk-...');
    expect(redactKey(undefined)).toBe('(none)');
    expect(scrubSecret(`a ${KEY} b ${KEY}`, KEY)).toBe('a sk-...zz99 b sk-...zz99');
  });
});

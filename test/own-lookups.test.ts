// Lookups keyed by the user's or a file's text read own entries only: `--profile toString` is an
// unknown profile (exit 2), not every object's inherited method; a header, a --param key or a
// profile named like one (constructor, __proto__) is an entry like any other.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({ payload: 'flat', labels: false });

describe('--profile and IMGCLI_PROFILE', () => {
  for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__']) {
    it(`${name} is no profile when the file has none of that name (exit 2, nothing sent)`, async () => {
      const r = await imgcli(['--base-url', mock.url, '--profile', name, 'gen', 'a fox', '-o', 'x.png']);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`error: --profile ${name}: no such profile in`);
      const env = await imgcli(['--base-url', mock.url, 'gen', 'a fox', '-o', 'x.png'], {
        env: { IMGCLI_PROFILE: name },
      });
      expect(env.exitCode).toBe(2);
      expect(mock.requests).toEqual([]);
    });
  }

  it('profiles named constructor and __proto__ in the file are profiles like any other', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'config'));
    writeFileSync(
      join(cwd, 'config', 'config.json'),
      JSON.stringify({ profiles: { constructor: { quality: 'low' }, ['__proto__']: { quality: 'high' } } }),
    );
    const list = await imgcli(['config', 'list', '--json'], { cwd });
    expect(list.exitCode).toBe(0);
    expect(JSON.parse(list.stdout).profiles).toEqual({
      constructor: { quality: 'low' },
      ['__proto__']: { quality: 'high' },
    });
    for (const [name, quality] of [
      ['constructor', 'low'],
      ['__proto__', 'high'],
    ] as const) {
      const r = await imgcli(['--base-url', mock.url, '--profile', name, 'gen', 'a fox', '-o', 'x.png'], { cwd });
      expect(r.exitCode).toBe(0);
      expect(mock.requests.at(-1)!.json).toMatchObject({ quality });
    }
  });
});

describe('names from the command line', () => {
  it('--header constructor (and __proto__) are sent as headers, not a crash (exit 70)', async () => {
    const r = await imgcli([
      '--base-url',
      mock.url,
      '--header',
      'constructor: one',
      '--header',
      '__proto__: two',
      'gen',
      'a fox',
      '-o',
      'x.png',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toContain('error');
    // (Node's own server drops a header named __proto__ as it reads the request: only this one can be seen arriving.)
    expect(mock.requests[0]!.headers).toMatchObject({ constructor: 'one' });
  });

  it('--param toString=1 is a request field, not "the command\'s own input"', async () => {
    const r = await imgcli(['--base-url', mock.url, 'gen', 'a fox', '-o', 'x.png', '--param', 'toString=1']);
    expect(r.stderr).not.toContain("command's own input");
    expect(mock.requests[0]!.json).toMatchObject({ toString: 1 });
  });
});

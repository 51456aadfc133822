// The in-process harness against the built binary: for the same argv, folder and environment,
// both give the same exit code, stdout and stderr, byte for byte. This is what lets most of the
// bad-input and config cases run in-process while a few spawned runs prove the wiring.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, baseEnv, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';
import { runInProcess } from './helpers/in-process.js';

const mock = useMockServer();

describe('in-process runs answer like the binary', () => {
  it.each([
    ['a rule of the model table', ['gen', 'a fox', '-s', '999x999', '-m', 'gpt-image-1.5']],
    ['a commander usage error', ['gen', 'a fox', '--sise', '1024x1024']],
    ['a missing file, with its hint', ['edit', 'missing.png', '-p', 'x']],
    ['a broken config file', ['config', 'list']],
    ['a successful run with stdout', ['models', '--json']],
    ['help', ['mask', '--help']],
    ['--check: out of date, exit 1', ['gen', 'a fox', '-o', 'fox.png', '--check']],
    ['an API refusal with its request id', ['gen', 'a fox', '-m', 'no-such-model', '-o', 'fox.png']],
  ])('%s', async (_name, args) => {
    const cwd = tempDir();
    if (args[0] === 'config') writeFileSync(join(cwd, 'config.json'), '{"model": ');
    const env = args[0] === 'config' ? { IMGCLI_CONFIG_DIR: cwd } : {};
    const argv = ['--base-url', mock.url, ...args];
    const child = await execa('node', [BIN, ...argv], {
      cwd,
      env: { ...baseEnv(cwd), ...env },
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      stripFinalNewline: false,
    });
    const inner = await runInProcess(argv, { cwd, env });
    // Request ids are new for every request; the rest must match exactly.
    const same = (text: string) => text.replace(/req_[0-9a-f]{24}/g, 'req_<id>');
    expect({ exitCode: inner.exitCode, stdout: inner.stdout, stderr: same(inner.stderr) }).toEqual({
      exitCode: child.exitCode,
      stdout: child.stdout,
      stderr: same(child.stderr),
    });
    expect(child.exitCode === 0 ? child.stdout : child.stderr).not.toBe('');
    expect(mock.apiRequests()).toHaveLength(args.includes('no-such-model') ? 2 : 0);
  });
});

// `imgcli mcp --mock` driven by a client that is not ours: the MCP Inspector's command line
// (@modelcontextprotocol/inspector-cli, a devDependency) lists the tools and calls generate, as a
// person trying the server would. The Inspector runs in test/ (version 1.0.3 looks for its own
// package.json from its working folder's parent); the server's files go under --root.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, baseEnv, cleanupTemps, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);

const INSPECTOR = join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build', 'index.js');

async function inspect(root: string, method: string[]) {
  const r = await execa('node', [INSPECTOR, 'node', BIN, 'mcp', '--mock', '--root', root, ...method], {
    cwd: join(ROOT, 'test'),
    env: baseEnv(root),
    extendEnv: false,
    reject: false,
    timeout: 30_000,
  });
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, any>;
}

describe('the MCP Inspector as the client', () => {
  it('lists the tools and calls generate: a file under the root, its path in the answer, a thumbnail', async () => {
    const root = tempDir('imgcli-inspector-');
    const { tools } = await inspect(root, ['--method', 'tools/list']);
    expect(tools.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['generate', 'edit', 'vary', 'mask', 'models', 'info', 'batch_submit', 'batch_status']),
    );
    const r = await inspect(root, [
      '--method',
      'tools/call',
      '--tool-name',
      'generate',
      '--tool-arg',
      'prompt=a watercolor fox',
      'out=art/fox.png',
    ]);
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent.files).toEqual([
      { path: join('art', 'fox.png'), bytes: expect.any(Number), width: 1024, height: 1024, format: 'png' },
    ]);
    expect(r.content.map((c: { type: string }) => c.type)).toEqual(['text', 'image']);
    expect(existsSync(join(root, 'art', 'fox.png'))).toBe(true);
  });
});

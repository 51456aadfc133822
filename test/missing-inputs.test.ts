// Item 7: a missing input with --if-changed or --check is the usual usage error (exit 2, the path
// named, "Check the path."), not a raw ENOENT reported as a bug; the same for a mask, a folder
// given as an image, vary, and a batch job (also under --dry-run).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';

async function withPhoto() {
  const cwd = tempDir();
  expect((await imgcli(['gen', 'a fox', '-o', 'p.png', '--mock'], { cwd })).exitCode).toBe(0);
  mkdirSync(join(cwd, 'folder'));
  return cwd;
}

describe('missing inputs with --if-changed and --check', () => {
  it.each([
    [['edit', 'nope.png', '-p', 'x'], 'cannot read image nope.png: no such file'],
    [['edit', 'p.png', '--mask', 'nomask.png', '-p', 'x'], 'cannot read --mask nomask.png: no such file'],
    [['edit', 'p.png', '--mask-from', 'nomask.png', '-p', 'x'], 'cannot read --mask-from nomask.png: no such file'],
    [['edit', 'folder', '-p', 'x'], 'cannot read image folder: it is a folder'],
    [['vary', 'nope.png'], 'cannot read image nope.png: no such file'],
  ])('%j: exit 2 with the usual message', async (args, message) => {
    const cwd = await withPhoto();
    for (const flag of ['--if-changed', '--check']) {
      const r = await imgcli([...args, '-o', 'y.png', '--mock', flag], { cwd });
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`error: ${message}\nhint: Check the path.`);
    }
  });

  it('a batch edit job whose input nobody makes: exit 2 naming the line, also under --dry-run', async () => {
    const cwd = await withPhoto();
    writeFileSync(
      join(cwd, 'jobs.jsonl'),
      `"a fox"\n${JSON.stringify({ command: 'edit', images: ['nope.png'], prompt: 'x', out: 'y.png' })}\n`,
    );
    for (const extra of [[], ['--dry-run']]) {
      const r = await imgcli(['batch', 'jobs.jsonl', '--mock', ...extra], { cwd });
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('line 2: cannot read image nope.png: no such file');
      expect(r.stderr).not.toMatch(/ENOENT|bug/);
    }
  });
});

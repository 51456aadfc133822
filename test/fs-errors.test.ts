// "cannot read ..." errors: one wording for a missing file, a folder or a refused read,
// whichever command or flag read the path.
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readInput } from '../src/commands/mask/flags.js';
import { describeFsError } from '../src/fs-errors.js';
import type { Runtime } from '../src/runtime.js';
import { readPrompt } from '../src/terminal/input.js';
import { inspectImage } from '../src/upload/inputs.js';
import { cleanupTemps, imgcli, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  );
const errno = (code: string) => Object.assign(new Error(`${code}: raw text, open 'x'`), { code });

describe('describeFsError', () => {
  it('names the common failures in words and keeps any other in its own', async () => {
    const dir = tempDir();
    expect(describeFsError(await failure(readFile(join(dir, 'missing'))))).toBe('no such file');
    expect(describeFsError(await failure(readFile(dir)))).toBe('it is a folder');
    // The suite may run as root, which reads anything: these two are made up.
    expect(describeFsError(errno('EACCES'))).toBe('permission denied');
    expect(describeFsError(errno('EPERM'))).toBe('permission denied');
    expect(describeFsError(errno('ELOOP'))).toBe("ELOOP: raw text, open 'x'");
    expect(describeFsError('odd')).toBe('odd');
  });
});

describe('every reader says it the same way', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'prompt.txt'), 'a fox\n');
  // readPrompt reads no stream for @path.
  const rt = {} as Runtime;

  it('the prompt from @file', async () => {
    expect(await readPrompt([`@${join(dir, 'prompt.txt')}`], rt)).toBe('a fox');
    await expect(readPrompt([`@${join(dir, 'nope.txt')}`], rt)).rejects.toThrow(
      `cannot read the prompt from ${join(dir, 'nope.txt')}: no such file`,
    );
    await expect(readPrompt([`@${dir}`], rt)).rejects.toThrow(`cannot read the prompt from ${dir}: it is a folder`);
  });

  it('images to upload and mask inputs', async () => {
    await expect(inspectImage(join(dir, 'gone.png'))).rejects.toThrow(
      `cannot read image ${join(dir, 'gone.png')}: no such file`,
    );
    await expect(inspectImage(dir, '--mask')).rejects.toThrow(`cannot read --mask ${dir}: it is a folder`);
    await expect(readInput(dir, '--like')).rejects.toThrow(`cannot read --like ${dir}: it is a folder`);
    await expect(readInput(join(dir, 'gone.png'), '<input>')).rejects.toThrow(
      `cannot read ${join(dir, 'gone.png')}: no such file`,
    );
  });

  it('the batch jobs file', async () => {
    const r = await imgcli(['batch', dir, '--mock']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: cannot read the jobs file ${dir}: it is a folder$`, 'm'));
    expect(r.stdout).toBe('');
  });
});

// "Did you mean ...?" wherever a name is typed: model names (a slip is refused before anything is
// sent where the table is the server's list; a far or new name is sent), batch job keys, `imgcli
// help <name>`, short and long flags, config keys and profiles. And errors name only the flags
// the user gave. The rule itself (src/suggest.ts) is tested in-process.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_NAMES } from '../src/models/table.js';
import { closest, editDistance, modelSlipOf } from '../src/suggest.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({ extraModels: ['flux-dev', 'gpt-imag-2'] });

describe('the rule', () => {
  it('counts inserts, deletes, replacements and swapped neighbours as one edit each', () => {
    expect(editDistance('gpt-image-2', 'gpt-image-2')).toBe(0);
    expect(editDistance('gpt-imag-2', 'gpt-image-2')).toBe(1);
    expect(editDistance('sise', 'size')).toBe(1);
    expect(editDistance('cofnig', 'config')).toBe(1);
    expect(editDistance('flux-dev', 'dall-e-2')).toBeGreaterThan(2);
  });

  it('suggests the closest names within two edits, case aside, and nothing far', () => {
    expect(closest('sise', ['size', 'style', 'quality'])).toEqual(['size']);
    expect(closest('QUALITY', ['size', 'quality'])).toEqual(['quality']);
    expect(closest('zz', ['size', 'quality'])).toEqual([]);
    expect(closest('st', ['set', 'get', 'list'])).toEqual(['set']);
  });

  it('calls a model name a slip only when it is near a known one in more than its digits', () => {
    expect(modelSlipOf('gpt-imag-2', MODEL_NAMES)).toEqual(['gpt-image-2']);
    expect(modelSlipOf('gpt-image2', MODEL_NAMES)).toEqual(['gpt-image-2']);
    expect(modelSlipOf('GPT-Image-2', MODEL_NAMES)).toEqual(['gpt-image-2']);
    expect(modelSlipOf('dalle-3', MODEL_NAMES)).toEqual(['dall-e-3']);
    // Another version or snapshot is another model, not a typo.
    expect(modelSlipOf('gpt-image-3', MODEL_NAMES)).toEqual([]);
    expect(modelSlipOf('gpt-image-2.7-flare', MODEL_NAMES)).toEqual([]);
    expect(modelSlipOf('gpt-image-2-2027-01-05', MODEL_NAMES)).toEqual([]);
    expect(modelSlipOf('flux-dev', MODEL_NAMES)).toEqual([]);
    expect(modelSlipOf('gpt-image-2', MODEL_NAMES)).toEqual([]);
  });
});

describe('model names', () => {
  it('refuses a slip with --mock: exit 2, the suggestion, nothing sent', async () => {
    const r = await imgcliInProcess(['gen', 'a fox', '-m', 'gpt-imag-2', '--mock']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: unknown model gpt-imag-2; did you mean gpt-image-2\?\nhint: Run `imgcli models`/);
  });

  it('refuses a slip for api.openai.com before sending (shown with --dry-run, which would otherwise print the request)', async () => {
    for (const command of [
      ['gen', 'a fox'],
      ['edit', 'in.png', '-p', 'x'],
      ['vary', 'in.png'],
    ]) {
      const r = await imgcliInProcess([...command, '-m', 'dalle-2', '--dry-run']);
      expect(r.exitCode, command[0]).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/unknown model dalle-2; did you mean dall-e-2\?/);
    }
  });

  it('sends a new version of a known name as given (the server decides)', async () => {
    const r = await imgcliInProcess(['gen', 'a fox', '-m', 'gpt-image-3', '--dry-run', '--json']);
    expect(r.exitCode).toBe(0);
    expect((JSON.parse(r.stdout) as { body: { model: string } }).body.model).toBe('gpt-image-3');
    expect(r.stderr).toMatch(
      /gpt-image-3 is not in imgcli's model table; checking flags by the gpt-image-2\.6 rules\./,
    );
    expect(r.stderr).not.toMatch(/did you mean/i);
  });

  it('sends far names to a compatible server as today, and asks about near ones there without refusing', async () => {
    const far = await imgcliInProcess(['gen', 'a fox', '-m', 'flux-dev', '-o', 'a.png'], {
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect(far.exitCode, far.stderr).toBe(0);
    expect(far.stderr.split('\n')[0]).toBe("flux-dev is not in imgcli's model table; sending the flags as given.");
    expect(far.stderr).not.toMatch(/did you mean/i);
    const near = await imgcliInProcess(['gen', 'a fox', '-m', 'gpt-imag-2', '-o', 'b.png'], {
      env: { OPENAI_BASE_URL: mock.url },
    });
    expect(near.exitCode, near.stderr).toBe(0);
    expect(near.stderr).toMatch(
      /gpt-imag-2 is not in imgcli's model table; sending the flags as given\. Did you mean gpt-image-2\?/,
    );
    expect(mock.apiRequests().map((q) => (q.json as { model: string }).model)).toEqual(['flux-dev', 'gpt-imag-2']);
  });

  it('config set model notes a slip and stores it (the server it is used with decides)', async () => {
    const r = await imgcliInProcess(['config', 'set', 'model', 'gpt-imag-2']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/note: gpt-imag-2 is not in imgcli's model table\. Did you mean gpt-image-2\?/);
  });
});

describe('batch job keys', () => {
  it('suggests the key meant, in the way it was written; nothing is sent', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'jobs.jsonl'),
      '{"prompt": "a fox", "sise": "1024x1024"}\n{"prompt": "a cat", "response_fromat": "url", "model": "dall-e-2"}\n{"prompt": "a dog", "zzz": 1}\n',
    );
    const r = await imgcliInProcess(['batch', 'jobs.jsonl'], { cwd: dir, env: { OPENAI_BASE_URL: mock.url } });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('line 1: "sise" is not an option of gen; did you mean "size"?');
    expect(r.stderr).toContain('line 2: "response_fromat" is not an option of gen; did you mean "response_format"?');
    expect(r.stderr).toMatch(/line 3: "zzz" is not an option of gen \(it takes prompt, model, /);
    expect(mock.requests).toHaveLength(0);
  });
});

describe('commands and flags', () => {
  it('`imgcli help <unknown>` says so, suggests, and exits 2 without the whole help', async () => {
    const r = await imgcliInProcess(['help', 'nosuch']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    // Every command the program has, in its order.
    const { buildProgram } = await import('../src/cli.js');
    const names = (
      await buildProgram({
        signal: new AbortController().signal,
        env: {},
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        now: () => new Date(0),
      })
    ).commands
      .map((c) => c.name())
      .filter((n) => n !== 'help');
    expect(r.stderr).toMatch(
      new RegExp(`^error: unknown command 'nosuch'\\nhint: The commands of imgcli: ${names.join(', ')}; see`),
    );
    expect(r.stderr).not.toContain('Usage:');
    const near = await imgcliInProcess(['help', 'confg']);
    expect(near.exitCode).toBe(2);
    expect(near.stderr).toMatch(/^error: unknown command 'confg'; did you mean config\?/);
    const sub = await imgcliInProcess(['help', 'config', 'st']);
    expect(sub.stderr).toMatch(
      /^error: unknown command 'st'; did you mean set\?\nhint: The commands of imgcli config: set, get, unset, list, path;/,
    );
  });

  it("`imgcli help <command>` prints that command's help on stdout, exit 0", async () => {
    for (const path of [['gen'], ['config', 'set'], []]) {
      const r = await imgcliInProcess(['help', ...path]);
      expect(r.exitCode, path.join(' ')).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: imgcli ${path.length ? `${path.join(' ')} ` : ''}\\[options\\]`));
      expect(r.stderr).toBe('');
    }
  });

  it('suggests long flags for a short one that does not exist: -v is --version or --verbose', async () => {
    for (const args of [['-v'], ['gen', '-v', 'a fox']]) {
      const r = await imgcliInProcess(args);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: unknown option '-v'\n\(Did you mean --version \(-V\) or --verbose\?\)/);
    }
    const long = await imgcliInProcess(['gen', 'a fox', '--qualty', 'high']);
    expect(long.exitCode).toBe(2);
    expect(long.stderr).toMatch(/^error: unknown option '--qualty'\n\(Did you mean --quality\?\)/);
  });

  it('suggests config keys and profiles', async () => {
    const key = await imgcliInProcess(['config', 'get', 'sise']);
    expect(key.exitCode).toBe(2);
    expect(key.stderr).toMatch(/unknown config key "sise"; did you mean size\?/);
    const dir = tempDir();
    expect(
      (await imgcliInProcess(['config', 'set', '--profile', 'azure', 'model', 'gpt-image-2'], { cwd: dir })).exitCode,
    ).toBe(0);
    const profile = await imgcliInProcess(['--profile', 'azur', 'config', 'list'], { cwd: dir });
    expect(profile.exitCode).toBe(2);
    expect(profile.stderr).toMatch(/--profile azur: no such profile in .*; did you mean azure\?/);
  });
});

describe('errors name only the flags the user gave', () => {
  it('--stream with dall-e-3 is about --stream, not the --partial-images imgcli filled in', async () => {
    const r = await imgcliInProcess(['gen', 'x', '--stream', '-m', 'dall-e-3', '--mock']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: --stream is not accepted by dall-e-3 for generations/);
    expect(r.stderr).not.toContain('--partial-images');
    const given = await imgcliInProcess(['gen', 'x', '--partial-images', '1', '-m', 'dall-e-3', '--mock']);
    expect(given.exitCode).toBe(2);
    expect(given.stderr).toContain('--partial-images is not accepted by dall-e-3');
  });
});

// `imgcli completion bash|zsh|fish`: scripts generated from the commander program, so every
// command and visible flag completes, with values from the model and field tables. The bash
// script is sourced in bash and asked for COMPREPLY; zsh completes through a pseudo-terminal
// (zpty) and fish through `complete -C`, where those shells are installed.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli.js';
import { KEY_NAMES } from '../src/config/keys.js';
import { fieldByName, tableValues } from '../src/models/fields.js';
import { MODEL_NAMES } from '../src/models/table.js';
import type { Runtime } from '../src/runtime.js';
import { baseEnv, BIN, cleanupTemps, hasTool, imgcli, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);

const QUALITIES = tableValues(fieldByName('quality')!);
const SIZES = tableValues(fieldByName('size')!);

/** The commander program, as the CLI builds it. */
function programOf() {
  const rt = {
    env: {},
    stdin: Readable.from([]),
    stdout: process.stdout,
    stderr: process.stderr,
    signal: new AbortController().signal,
    now: () => new Date(0),
  } as unknown as Runtime;
  return buildProgram(rt);
}

/** A folder with `imgcli` on PATH, a config holding two profiles, and a few files. */
function sandbox() {
  const dir = tempDir('imgcli-completion-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'imgcli'), `#!/bin/sh\nexec node ${JSON.stringify(BIN)} "$@"\n`);
  chmodSync(join(bin, 'imgcli'), 0o755);
  mkdirSync(join(dir, 'config'));
  writeFileSync(
    join(dir, 'config', 'config.json'),
    JSON.stringify({ profiles: { azure: { model: 'gpt-image-2' }, local: { model: 'flux' } } }),
  );
  for (const f of ['photo.png', 'photo-2.png', 'notes.txt']) writeFileSync(join(dir, f), '');
  const env = { ...baseEnv(dir), PATH: `${bin}:${process.env.PATH ?? ''}` };
  return { dir, env };
}

async function script(shell: string, dir: string): Promise<string> {
  const r = await imgcli(['completion', shell], { cwd: dir });
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  const path = join(dir, `imgcli.${shell}`);
  writeFileSync(path, `${r.stdout}\n`);
  return path;
}

/** COMPREPLY for each command line (the last word is the one being completed), from a real bash. */
async function bashComplete(lines: string[][]): Promise<string[][]> {
  const { dir, env } = sandbox();
  const file = await script('bash', dir);
  const calls = lines.map(
    (words) =>
      `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _imgcli; printf '%s\\n' "\${COMPREPLY[*]}"`,
  );
  const r = await execa('bash', ['--norc', '--noprofile', '-c', `source '${file}'\n${calls.join('\n')}`], {
    cwd: dir,
    env,
    extendEnv: false,
  });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').map((l) => (l ? l.split(' ') : []));
}

describe('bash', () => {
  it('completes commands, flags and their values from the tables', async () => {
    const [
      commands,
      quality,
      high,
      models,
      keys,
      size,
      quiet,
      files,
      mask,
      profiles,
      equals,
      afterPrompt,
      shells,
      sub,
    ] = await bashComplete([
      ['imgcli', ''],
      ['imgcli', 'gen', '--quality', ''],
      ['imgcli', 'gen', '-q', 'h'],
      ['imgcli', '--profile', 'azure', 'edit', 'photo.png', '-m', 'gpt-image-2.'],
      ['imgcli', 'config', 'set', ''],
      ['imgcli', 'vary', 'photo.png', '-s', ''],
      ['imgcli', 'gen', '--qu'],
      ['imgcli', 'edit', 'pho'],
      ['imgcli', 'edit', 'photo.png', '--mask', 'pho'],
      ['imgcli', '--profile', ''],
      ['imgcli', 'gen', '--format', '=', 'w'],
      ['imgcli', 'gen', 'a fox', '--background', ''],
      ['imgcli', 'completion', ''],
      ['imgcli', 'config', 'u'],
    ]);
    expect(commands).toEqual((await programOf()).commands.map((c) => c.name()));
    expect(commands).toEqual(
      expect.arrayContaining(['gen', 'edit', 'vary', 'batch', 'config', 'models', 'doctor', 'completion', 'help']),
    );
    expect(quality).toEqual(QUALITIES);
    expect(high).toEqual(QUALITIES.filter((q) => q.startsWith('h')));
    expect(models).toEqual(MODEL_NAMES.filter((m) => m.startsWith('gpt-image-2.')));
    expect(keys).toEqual(KEY_NAMES);
    expect(size).toEqual(SIZES);
    expect(quiet.sort()).toEqual(['--quality', '--quiet']);
    expect(files.sort()).toEqual(['photo-2.png', 'photo.png']);
    expect(mask.sort()).toEqual(['photo-2.png', 'photo.png']);
    expect(profiles).toEqual(['azure', 'local']);
    expect(equals).toEqual(['webp']);
    expect(afterPrompt).toEqual(['auto', 'opaque', 'transparent']);
    expect(shells).toEqual(['bash', 'zsh', 'fish']);
    expect(sub).toEqual(['unset']);
  });

  it('completes a config value by its key: `config set quality <TAB>`', async () => {
    const [quality, model, auth, past, dir] = await bashComplete([
      ['imgcli', 'config', 'set', 'quality', ''],
      ['imgcli', 'config', 'set', '--profile', 'azure', 'model', 'dall'],
      ['imgcli', 'config', 'set', 'auth', ''],
      ['imgcli', 'config', 'set', 'quality', 'high', ''],
      ['imgcli', 'config', 'set', 'out-dir', 'pho'],
    ]);
    expect(quality).toEqual(QUALITIES);
    expect(model).toEqual(['dall-e-3', 'dall-e-2']);
    expect(auth).toEqual(['bearer', 'api-key']);
    expect(past).toEqual([]);
    expect(dir.sort()).toEqual(['photo-2.png', 'photo.png']);
  });

  it('cannot drift: every visible flag of every command completes, and hidden ones do not', async () => {
    const program = await programOf();
    const paths: Array<{ words: string[]; visible: string[]; hidden: string[] }> = [];
    const visit = (cmd: typeof program, words: string[]) => {
      const flags = (hidden: boolean) =>
        cmd.options.filter((o) => Boolean(o.hidden) === hidden && o.long).map((o) => o.long!);
      paths.push({ words, visible: [...flags(false), ...program.options.map((o) => o.long!)], hidden: flags(true) });
      for (const sub of cmd.commands) visit(sub, [...words, sub.name()]);
    };
    for (const cmd of program.commands) visit(cmd, [cmd.name()]);
    const replies = await bashComplete(paths.map((p) => ['imgcli', ...p.words, '--']));
    paths.forEach((p, i) => {
      for (const flag of p.visible) expect(replies[i], `${p.words.join(' ')} ${flag}`).toContain(flag);
      for (const flag of p.hidden) expect(replies[i], `${p.words.join(' ')} ${flag}`).not.toContain(flag);
    });
    // edit has no --style (dall-e-3's, for generations only): hidden, so not offered. (It has
    // --moderation since edits can go as JSON, which takes it.)
    expect(paths.find((p) => p.words.join(' ') === 'edit')!.hidden).toContain('--style');
  });
});

describe('zsh', () => {
  it('is a #compdef file that autoloads or sources, and completes in a real zsh where one is installed', async () => {
    const { dir, env } = sandbox();
    const file = await script('zsh', dir);
    const text = (await execa('cat', [file])).stdout;
    expect(text.split('\n')[0]).toBe('#compdef imgcli');
    expect(text).toMatch(/\n_imgcli\(\) \{\n/);
    expect(text).toMatch(/compdef _imgcli imgcli\n/);
    for (const q of QUALITIES) expect(text).toContain(q);
    if (!hasTool('zsh')) return;
    expect((await execa('zsh', ['-n', file])).exitCode).toBe(0);
    mkdirSync(join(dir, 'fpath'));
    writeFileSync(join(dir, 'fpath', '_imgcli'), text);
    // A real interactive zsh on a pseudo-terminal: compinit, then TAB after each line.
    const tab = async (line: string) => {
      const driver = [
        'zmodload zsh/zpty',
        `zpty -b z 'env -i PATH="$PATH" HOME=${dir} IMGCLI_CONFIG_DIR=${dir}/config TERM=dumb zsh -f -i'`,
        `zpty -w z 'PS1="> "; fpath=(${dir}/fpath $fpath); autoload -Uz compinit; compinit -u -D'`,
        `zpty -n -w z $'${line}\\t'`,
        // Read until the line is redrawn under the list of completions, at most 15 s.
        `want=${JSON.stringify(line.trimEnd())}; out=""`,
        // The prompt drawn again on a line of its own, under the list (the first one has escapes after "> ").
        `seen() { [[ \${out//$'\\r'/} == *$'\\n> '"$want"* ]]; }`,
        'for i in {1..150}; do while zpty -r -t z chunk; do out+=$chunk; done; seen && break; sleep 0.1; done',
        'print -r -- "$out" | tr -d \'\\r\'',
        'zpty -d z',
      ].join('\n');
      const r = await execa('zsh', ['-f', '-c', driver], { cwd: dir, env, extendEnv: false, timeout: 20_000 });
      return r.stdout;
    };
    // What zsh listed: the words between the line as typed and the line redrawn under the list.
    const listed = (out: string, line: string) =>
      (out.split(line.trimEnd()).at(-2) ?? '').split(/\s+/).filter((w) => /^[\w.-]+$/.test(w));
    const qualities = await tab('imgcli gen --quality ');
    expect(listed(qualities, 'imgcli gen --quality ').sort(), qualities.slice(-400)).toEqual([...QUALITIES].sort());
    const sizes = await tab('imgcli config set size ');
    expect(listed(sizes, 'imgcli config set size ').sort(), sizes.slice(-400)).toEqual([...SIZES].sort());
  });
});

describe('fish', () => {
  it('is a set of complete lines, and completes in a real fish where one is installed', async () => {
    const { dir, env } = sandbox();
    const file = await script('fish', dir);
    const text = (await execa('cat', [file])).stdout;
    expect(text).toMatch(
      /^complete -c imgcli -n '__imgcli_at \\'\\'' -f -a 'gen' -d 'generate images from a text prompt'$/m,
    );
    expect(text).toMatch(/^complete -c imgcli -n '__imgcli_at \\'gen\\'' -s q -l quality -x -a '[^']*\bxhigh\b/m);
    if (!hasTool('fish')) return;
    expect((await execa('fish', ['--no-execute', file])).exitCode).toBe(0);
    const complete = async (line: string) => {
      const r = await execa('fish', ['--no-config', '-c', `source '${file}'; complete -C '${line}'`], {
        cwd: dir,
        env,
        extendEnv: false,
      });
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]!);
    };
    expect(await complete('imgcli ')).toEqual(expect.arrayContaining(['gen', 'edit', 'config', 'completion']));
    expect((await complete('imgcli gen --quality ')).sort()).toEqual([...QUALITIES].sort());
    expect(await complete('imgcli config set si')).toEqual(['size']);
    expect((await complete('imgcli config set quality ')).sort()).toEqual([...QUALITIES].sort());
    expect(await complete('imgcli config set quality high ')).toEqual([]);
    expect(await complete('imgcli --profile ')).toEqual(['azure', 'local']);
    expect(await complete('imgcli gen -m dall')).toEqual(['dall-e-3', 'dall-e-2'].sort());
    expect((await complete('imgcli edit --mask pho')).sort()).toEqual(['photo-2.png', 'photo.png']);
  });
});

describe('imgcli completion', () => {
  it('needs a shell it knows: exit 2 otherwise, with a suggestion', async () => {
    const none = await imgcli(['completion']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/^error: completion needs a shell: bash, zsh or fish/);
    const typo = await imgcli(['completion', 'bahs']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/^error: no completion for bahs; did you mean bash\?/);
    expect(typo.stdout).toBe('');
  });
});

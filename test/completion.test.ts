// `imgcli completion bash|zsh|fish`: scripts generated from the commander program, so every
// command and visible flag completes, with values from the model and field tables. The bash
// script is sourced in bash and asked for COMPREPLY; zsh completes through a pseudo-terminal
// (zpty) and fish through `complete -C`, where those shells are installed.
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli.js';
import { KEY_NAMES, isProfileName } from '../src/config/keys.js';
import { completionSpec } from '../src/commands/completion/program-spec.js';
import { renderScript } from '../src/commands/completion/scripts.js';
import { SAFE_WORD } from '../src/commands/completion/spec.js';
import { PINNED } from './helpers/clock.js';
import { commandValues, fieldByName, tableValues } from '../src/models/fields.js';
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

/**
 * Profile names a hand-edited config may hold that `config set` refuses: each would run a command
 * if a shell evaluated it (the file it would touch is named after the trick).
 */
const HOSTILE_PROFILES = [
  '$(touch pwned-dollar)',
  '`touch pwned-tick`',
  'a;touch pwned-semi',
  '(touch pwned-fish)',
  '{touch,pwned-brace}',
  '*',
  'two words',
];

/** A folder with `imgcli` on PATH, a config holding two profiles (and hostile ones), a folder and a few files. */
function sandbox() {
  const dir = tempDir('imgcli-completion-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'imgcli'), `#!/bin/sh\nexec node ${JSON.stringify(BIN)} "$@"\n`);
  chmodSync(join(bin, 'imgcli'), 0o755);
  mkdirSync(join(dir, 'config'));
  writeFileSync(
    join(dir, 'config', 'config.json'),
    JSON.stringify({
      profiles: {
        azure: { model: 'gpt-image-2' },
        local: { model: 'flux' },
        ...Object.fromEntries(HOSTILE_PROFILES.map((name) => [name, {}])),
      },
    }),
  );
  for (const f of ['photo.png', 'photo-2.png', 'notes.txt']) writeFileSync(join(dir, f), '');
  mkdirSync(join(dir, 'renders'));
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
  expect(pwned(dir)).toEqual([]);
  return r.stdout.split('\n').map((l) => (l ? l.split(' ') : []));
}

/** Files a hostile profile name would have made, had a shell evaluated it. */
const pwned = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('pwned'));

const sizesOf = (command: 'gen' | 'edit', model?: string) => commandValues(fieldByName('size')!, [command], model);

describe.skipIf(!hasTool('bash'))('bash', () => {
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
    // vary's own sizes: those of dall-e-2's variations and the GPT models' edits, no dall-e-3 ones.
    expect(size).toEqual(commandValues(fieldByName('size')!, ['vary']));
    expect(size).not.toContain('1792x1024');
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

describe.skipIf(!hasTool('bash'))('bash, where a newcomer got stuck', () => {
  it('completes folders for gallery, --input-fidelity, no sizes for mask, files after @, and the sizes of the model -m names', async () => {
    const [gallery, fidelity, mini, mask, prompt, promptDir, dalle2, dalle3, editSizes, editPrompt] =
      await bashComplete([
        ['imgcli', 'gallery', ''],
        ['imgcli', 'edit', 'photo.png', '--input-fidelity', ''],
        ['imgcli', 'edit', 'photo.png', '-m', 'gpt-image-1-mini', '--input-fidelity', ''],
        ['imgcli', 'mask', '-s', ''],
        ['imgcli', 'gen', '@no'],
        ['imgcli', 'gen', 'a', 'fox', '@ren'],
        ['imgcli', 'gen', 'a', 'fox', '-m', 'dall-e-2', '-s', ''],
        ['imgcli', 'gen', '--model', '=', 'dall-e-3', '--size', ''],
        ['imgcli', 'edit', 'photo.png', '-s', ''],
        ['imgcli', 'edit', 'photo.png', '-p', '@pho'],
      ]);
    expect(gallery).toEqual(expect.arrayContaining(['renders', 'photo.png', 'notes.txt']));
    expect(fidelity).toEqual(['low', 'high']);
    expect(mini).toEqual(['low']);
    expect(mask).toEqual([]);
    expect(prompt).toEqual(['@notes.txt']);
    expect(promptDir).toEqual(['@renders/']);
    expect(dalle2).toEqual(['256x256', '512x512', '1024x1024']);
    expect(dalle3).toEqual(sizesOf('gen', 'dall-e-3'));
    expect(dalle3).toEqual(['1024x1024', '1792x1024', '1024x1792']);
    // edit has no dall-e-3 (generations only): its sizes are not offered there.
    expect(editSizes).toEqual(sizesOf('edit'));
    expect(editSizes).not.toContain('1792x1024');
    expect(editPrompt.sort()).toEqual(['@photo-2.png', '@photo.png']);
  });

  it('never evaluates what the config holds: only names `config set` takes are offered, and nothing runs', async () => {
    const [all, dollar, tick, onCommand] = await bashComplete([
      ['imgcli', '--profile', ''],
      ['imgcli', '--profile', '$'],
      ['imgcli', '--profile', '`'],
      ['imgcli', 'config', 'set', '--profile', ''],
    ]);
    expect(all).toEqual(['azure', 'local']);
    expect(dollar).toEqual([]);
    expect(tick).toEqual([]);
    expect(onCommand).toEqual(['azure', 'local']);
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
    // (A word with a description is listed as "word  -- description": the words are left of the --.)
    const listed = (out: string, line: string) =>
      (out.split(line.trimEnd()).at(-2) ?? '')
        .split('\n')
        .flatMap((l) => l.split(' -- ')[0]!.split(/\s+/))
        .filter((w) => /^[\w.@/-]+$/.test(w));
    const qualities = await tab('imgcli gen --quality ');
    expect(listed(qualities, 'imgcli gen --quality ').sort(), qualities.slice(-400)).toEqual([...QUALITIES].sort());
    const sizes = await tab('imgcli config set size ');
    expect(listed(sizes, 'imgcli config set size ').sort(), sizes.slice(-400)).toEqual([...SIZES].sort());
    // The model on the line decides the sizes; each model is described by its status.
    const dalle2 = await tab('imgcli gen -m dall-e-2 -s ');
    expect(listed(dalle2, 'imgcli gen -m dall-e-2 -s ').sort(), dalle2.slice(-400)).toEqual(
      ['1024x1024', '256x256', '512x512'].sort(),
    );
    const models = await tab('imgcli gen -m ');
    expect(models).toMatch(/gpt-image-2 +-- current, imgcli's default/);
    expect(models).toMatch(/dall-e-2 +-- shut down 2026-05-12, use gpt-image-2/);
    const fidelity = await tab('imgcli edit photo.png --input-fidelity ');
    expect(listed(fidelity, 'imgcli edit photo.png --input-fidelity ').sort()).toEqual(['high', 'low']);
    // Only the names `config set` takes, and none of the others runs anything.
    const profiles = await tab('imgcli --profile ');
    expect(listed(profiles, 'imgcli --profile ').sort(), profiles.slice(-400)).toEqual(['azure', 'local']);
    expect(pwned(dir)).toEqual([]);
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
    expect(text).toMatch(
      /^complete -c imgcli -n '__imgcli_at \\'gen\\'' -s q -l quality -x -a '\(__imgcli_list \\'gen --quality\\'\)'/m,
    );
    expect(text).toMatch(/^ +printf '%s\\t%s\\n' .*'xhigh' 'gpt-image-2\.6 and gpt-image-2\.5'/m);
    if (!hasTool('fish')) return;
    expect((await execa('fish', ['--no-execute', file])).exitCode).toBe(0);
    const completeLines = async (line: string) => {
      const r = await execa('fish', ['--no-config', '-c', `source '${file}'; complete -C '${line}'`], {
        cwd: dir,
        env,
        extendEnv: false,
      });
      expect(r.stderr).toBe('');
      return r.stdout.split('\n').filter(Boolean);
    };
    const complete = async (line: string) => (await completeLines(line)).map((l) => l.split('\t')[0]!);
    expect(await complete('imgcli ')).toEqual(expect.arrayContaining(['gen', 'edit', 'config', 'completion']));
    expect((await complete('imgcli gen --quality ')).sort()).toEqual([...QUALITIES].sort());
    expect(await complete('imgcli config set si')).toEqual(['size']);
    expect((await complete('imgcli config set quality ')).sort()).toEqual([...QUALITIES].sort());
    expect(await complete('imgcli config set quality high ')).toEqual([]);
    expect(await complete('imgcli --profile ')).toEqual(['azure', 'local']);
    expect(await complete('imgcli gen -m dall')).toEqual(['dall-e-3', 'dall-e-2'].sort());
    expect((await complete('imgcli edit --mask pho')).sort()).toEqual(['photo-2.png', 'photo.png']);
    // Where a newcomer got stuck: folders for gallery, --input-fidelity, files after @, no sizes for mask.
    expect(await complete('imgcli gallery ')).toEqual(expect.arrayContaining(['renders/', 'photo.png']));
    expect((await complete('imgcli edit photo.png --input-fidelity ')).sort()).toEqual(['high', 'low']);
    expect(await complete('imgcli gen @ren')).toEqual(['@renders/']);
    expect(await complete('imgcli mask -s ')).toEqual([]);
    // Each model by its status, each size by its shape, and the sizes of the model -m names.
    const described = async (line: string) =>
      Object.fromEntries(
        (await completeLines(line)).map((l) => l.split('\t') as [string, string]).map(([w, d]) => [w, d ?? '']),
      );
    const models = await described('imgcli gen -m ');
    expect(models['gpt-image-2']).toBe("current, imgcli's default");
    expect(models['dall-e-2']).toBe('shut down 2026-05-12, use gpt-image-2');
    expect(models['gpt-image-2.5']).toBe('gpt-image-2.5-flare: current');
    expect(new Set(Object.values(models)).size).toBeGreaterThan(3);
    const sizes = await described('imgcli gen -s ');
    expect(sizes['1536x1024']).toBe('landscape, GPT image models');
    expect(sizes['256x256']).toBe('square, dall-e-2');
    expect(Object.keys(await described('imgcli gen a fox -m dall-e-2 -s ')).sort()).toEqual(
      ['1024x1024', '256x256', '512x512'].sort(),
    );
    expect(Object.keys(await described('imgcli gen --model=dall-e-3 --size ')).sort()).toEqual(
      ['1024x1024', '1024x1792', '1792x1024'].sort(),
    );
    expect(pwned(dir)).toEqual([]);
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

describe('without a shell: the words and the scripts as text', () => {
  it('--list profiles prints only the names `config set --profile` takes', async () => {
    const { dir, env } = sandbox();
    const r = await imgcli(['completion', '--list', 'profiles'], { cwd: dir, env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['azure', 'local']);
    expect(r.stderr).toBe('');
  });

  it('no script expands a word it offers, and each keeps only profile-shaped names', async () => {
    const spec = completionSpec(await programOf(), PINNED);
    const [bash, zsh, fish] = (['bash', 'zsh', 'fish'] as const).map((shell) => renderScript(shell, spec));
    // compgen -W expands its words ($(...), backticks): bash compares them with [[ ]] instead.
    expect(bash).not.toContain('compgen -W');
    expect(bash).not.toMatch(/COMPREPLY=\(\$\(/);
    expect(bash).toContain(`local w re='${SAFE_WORD}'`);
    expect(bash).toMatch(/\[\[ "\$w" =~ \$re && "\$w" == "\$2"\* \]\] && COMPREPLY\+=\("\$w"\)/);
    expect(zsh).toContain(`local w re='${SAFE_WORD}'`);
    expect(zsh).toMatch(/\[\[ "\$w" =~ \$re \]\] && list\+=\("\$w"\)/);
    expect(fish).toContain(`completion --list profiles 2>/dev/null | string match -r -- '${SAFE_WORD}'`);
    // The rule the scripts apply is the one `config set --profile` applies.
    for (const name of ['azure', 'a.b_c-1', ...HOSTILE_PROFILES])
      expect(new RegExp(SAFE_WORD).test(name), name).toBe(isProfileName(name));
  });

  it('holds the words: folders for gallery, files after @, each model by its status, each model its own sizes', async () => {
    const spec = completionSpec(await programOf(), PINNED);
    const command = (path: string) => spec.commands.find((c) => c.path === path)!;
    const option = (path: string, flag: string) => command(path).options.find((o) => o.names.includes(flag))!.value!;
    expect(command('gallery').args).toEqual({ kind: 'files' });
    expect(command('models').args).toMatchObject({ kind: 'list', words: [...MODEL_NAMES] });
    expect(command('gen').args).toEqual({ kind: 'prompt' });
    expect(option('edit', '--prompt')).toEqual({ kind: 'prompt' });
    expect(option('mask', '--size')).toEqual({ kind: 'none' });
    expect(option('edit', '--input-fidelity')).toMatchObject({ kind: 'list', words: ['low', 'high'] });
    const model = option('gen', '--model');
    expect(model.kind === 'list' && model.descriptions).toMatchObject({
      'gpt-image-2': "current, imgcli's default",
      'dall-e-3': 'shut down 2026-05-12, use gpt-image-2',
    });
    const size = option('gen', '--size');
    expect(size.kind === 'list' && size.byModel?.find((g) => g.models.includes('dall-e-2'))?.words).toEqual(
      sizesOf('gen', 'dall-e-2'),
    );
    // In the scripts: bash and zsh pick the list by the model, fish prints the words with what each is.
    const bash = renderScript('bash', spec);
    expect(bash).toContain("'gen -s'|'gen --size')\n      case \"$3\" in\n");
    expect(bash).toMatch(/\n {8}'dall-e-2'\) echo '256x256 512x512 1024x1024' ;;\n/);
    const fish = renderScript('fish', spec);
    expect(fish).toContain("'gpt-image-2' 'current, imgcli\\'s default'");
  });
});

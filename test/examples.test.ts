// Every example in the README and in every command's --help runs as printed, offline: each
// source's examples run in order in a folder holding the files they name, against the offline
// server (OPENAI_BASE_URL points at it, so examples without --mock need no key or network).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { baseEnv, hasTool, imgcli, ROOT } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';
import { makePlayground } from './helpers/playground.js';

// Model names the examples give to "a compatible server" and to Azure deployments.
const mock = useMockServer({ extraModels: ['flux-dev', 'my-model', 'my-gpt-image-deployment'], streamDelayMs: 10 });

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const HAVE_JQ = hasTool('jq');
const HAVE_CURL = hasTool('curl');

/** The shell lines of the README's sh blocks that run imgcli (continuations joined). */
function readmeExamples(): string[] {
  const lines: string[] = [];
  for (const [, body] of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const joined = body!.replace(/\\\n\s*/g, '');
    for (const raw of joined.split('\n')) {
      // The first screen's command, run from a clone: `imgcli` is that bin/imgcli.js here.
      const line = raw.replace(/^npm ci && node bin\/imgcli\.js /, 'imgcli ');
      if (!/\bimgcli\b/.test(line)) continue;
      // npm's own commands and installs from the registry are not examples of imgcli (the packed CLI has its own test).
      if (/^\s*(npm|npx)\s/.test(line) || /\bnpx imgcli\b/.test(line)) continue;
      lines.push(line);
    }
  }
  return lines;
}

/** Each command path's `$ ` example lines, found by walking the help's Commands sections. */
async function helpExamples(path: string[] = []): Promise<Array<{ path: string[]; lines: string[] }>> {
  const r = await imgcli([...path, '--help']);
  expect(r.exitCode, path.join(' ')).toBe(0);
  // An example too long for the page continues on the next lines after a backslash, as in a shell.
  const lines = r.stdout
    .replace(/ \\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => /^\s+\$ /.test(l))
    .map((l) => l.replace(/^\s+\$ /, ''));
  const found = [{ path, lines }];
  const commands = /\nCommands:\n([\s\S]*?)(\n\n|$)/.exec(r.stdout)?.[1] ?? '';
  for (const row of commands.split('\n')) {
    const name = /^\s{2}([a-z][a-z-]*)/.exec(row)?.[1];
    if (name && name !== 'help') found.push(...(await helpExamples([...path, name])));
  }
  return found;
}

/**
 * The few places where an example names something a test cannot have, and what stands in:
 * the local server and Azure resource it names are the offline server; tests take free ports;
 * without jq or curl on the machine, the pipeline stops at checking imgcli's JSON.
 */
function adapt(line: string): string {
  const origin = mock.url.replace(/\/v1$/, '');
  let out = line
    .replaceAll('http://localhost:8080/v1', mock.url)
    .replaceAll('http://127.0.0.1:8080/v1', mock.url)
    .replaceAll('https://myres.openai.azure.com/openai', `${origin}/openai`)
    .replace(/--port 8080\b/, '--port 0');
  if (!HAVE_CURL) out = out.replace(/\| sh\b/, '| sh -n');
  if (!HAVE_JQ) out = out.replace(/\| jq\b.*$/, `| node -e "JSON.parse(require('fs').readFileSync(0, 'utf8'))"`);
  return out;
}

/** Lines already run (README and --help share many): each runs once, in the first place it appears. */
const ran = new Set<string>();

async function runExamples(lines: string[], label: string): Promise<void> {
  const jobs = /```json\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
  const pg = await makePlayground({ azureOrigin: mock.url.replace(/\/v1$/, ''), jobs });
  const env = {
    ...baseEnv(pg.dir),
    PATH: `${pg.bin}${delimiter}${process.env.PATH ?? ''}`,
    OPENAI_BASE_URL: mock.url,
    EDITOR: 'true',
  };
  // A lighthouse with provenance, for `imgcli info`, and an edit of photo.png, for `imgcli replay`.
  await execa('imgcli', ['gen', 'a lighthouse at dusk', '-o', 'lighthouse.png'], {
    cwd: pg.dir,
    env,
    extendEnv: false,
  });
  await execa('imgcli', ['edit', 'photo.png', '-p', 'add a red scarf', '-o', 'scarf.png'], {
    cwd: pg.dir,
    env,
    extendEnv: false,
  });
  for (const example of lines) {
    const line = adapt(example);
    if (ran.has(line.replace(/\s+#.*$/, ''))) continue;
    ran.add(line.replace(/\s+#.*$/, ''));
    if (/\bimgcli mock-server\b/.test(line)) {
      // A server runs until Ctrl-C: wait for its address, then interrupt it.
      const child = execa('bash', ['-c', `exec ${line}`], { cwd: pg.dir, env, extendEnv: false, reject: false });
      await new Promise<void>((resolve) =>
        child.stdout!.on('data', (d: Buffer) => /http:\/\//.test(String(d)) && resolve()),
      );
      child.kill('SIGINT');
      expect((await child).exitCode, `${label}: ${example}`).toBe(130);
      continue;
    }
    const r = await execa('bash', ['-o', 'pipefail', '-c', line], {
      cwd: pg.dir,
      env,
      extendEnv: false,
      reject: false,
      input: 'sk-example-0000000000000000abcd\n',
      timeout: 30_000,
    });
    expect(r.exitCode, `${label}: ${example}\n${r.stderr}`).toBe(0);
    expect(r.stderr, `${label}: ${example}`).not.toMatch(/bug in imgcli/);
  }
}

describe('examples', () => {
  it('the README: every sh example runs as printed', async () => {
    const lines = readmeExamples();
    expect(lines.length).toBeGreaterThan(40);
    await runExamples(lines, 'README');
  }, 300_000);

  it('the README: the Makefile recipe builds its targets', async () => {
    const make = /```make\n([\s\S]*?)```/.exec(README)?.[1];
    expect(make).toMatch(/^\t/m);
    const pg = await makePlayground({ azureOrigin: mock.url, jobs: '' });
    mkdirSync(join(pg.dir, 'prompts'));
    writeFileSync(join(pg.dir, 'prompts', 'app.txt'), 'an app icon\n');
    writeFileSync(join(pg.dir, 'prompts', 'settings.txt'), 'a gear icon\n');
    writeFileSync(join(pg.dir, 'Makefile'), make!);
    const env = {
      ...baseEnv(pg.dir),
      PATH: `${pg.bin}${delimiter}${process.env.PATH ?? ''}`,
      OPENAI_BASE_URL: mock.url,
    };
    const r = await execa('make', [], { cwd: pg.dir, env, extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const icon of ['icons/app.png', 'icons/settings.png']) expect(existsSync(join(pg.dir, icon)), icon).toBe(true);
  });

  it('the README: every source file it names exists', () => {
    const named = [
      ...new Set([...README.matchAll(/`((?:src|test|bin|fixtures)\/[\w./-]+\.(?:ts|js|json))`/g)].map((m) => m[1]!)),
    ];
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  it("--help: every command's examples run as printed", async () => {
    const pages = await helpExamples();
    expect(pages.map((p) => p.path.join(' '))).toEqual(
      expect.arrayContaining([
        '',
        'gen',
        'edit',
        'vary',
        'replay',
        'batch',
        'gallery',
        'show',
        'config',
        'config set',
        'models',
        'mock-server',
      ]),
    );
    for (const page of pages) await runExamples(page.lines, `imgcli ${page.path.join(' ')} --help`.replace('  ', ' '));
  }, 300_000);
});

// Every example in the README and in every command's --help runs as printed, offline: each
// source's examples run in order in a folder holding the files they name, against the offline
// server (OPENAI_BASE_URL points at it, so examples without --mock need no key or network).
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { baseEnv, hasTool, imgcli, ROOT, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { makePlayground, type Playground } from './helpers/playground.js';

// Model names the examples give to "a compatible server" and to Azure deployments.
// Each plays a real server (the examples reach it through OPENAI_BASE_URL): its answers are not
// marked as the offline server's, so `--if-changed` then `--check` find the image up to date.
const SERVER = {
  extraModels: ['flux-dev', 'my-model', 'my-gpt-image-deployment'],
  streamDelayMs: 10,
  markOffline: false,
};
const mock = useMockServer(SERVER);

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const HAVE_JQ = hasTool('jq');
const HAVE_CURL = hasTool('curl');

/** The shell lines of each of the README's sh blocks that run imgcli (continuations joined). */
function readmeBlocks(): string[][] {
  const blocks: string[][] = [];
  for (const [, body] of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const joined = body!.replace(/\\\n\s*/g, '');
    const lines: string[] = [];
    for (const raw of joined.split('\n')) {
      // The first screen's command, run from a clone: `imgcli` is that bin/imgcli.js here.
      const line = raw.replace(/^npm ci && node bin\/imgcli\.js /, 'imgcli ');
      if (!/\bimgcli\b/.test(line)) continue;
      // npm's own commands and installs from the registry are not examples of imgcli (the packed CLI has its own test).
      if (/^\s*(npm|npx)\s/.test(line) || /\bnpx imgcli\b/.test(line)) continue;
      lines.push(line);
    }
    if (lines.length > 0) blocks.push(lines);
  }
  return blocks;
}

const readmeExamples = () => readmeBlocks().flat();

/**
 * Each command path's `$ ` example lines, found by walking the help's Commands sections (a
 * command's subcommands are asked at once; the pages come back in the help's order).
 */
async function helpExamples(path: string[] = []): Promise<Array<{ path: string[]; lines: string[] }>> {
  const r = await imgcli([...path, '--help']);
  expect(r.exitCode, path.join(' ')).toBe(0);
  // An example too long for the page continues on the next lines after a backslash, as in a shell.
  const lines = r.stdout
    .replace(/ \\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => /^\s+\$ /.test(l))
    .map((l) => l.replace(/^\s+\$ /, ''));
  const commands = /\nCommands:\n([\s\S]*?)(\n\n|$)/.exec(r.stdout)?.[1] ?? '';
  const names = commands
    .split('\n')
    .flatMap((row) => /^\s{2}([a-z][a-z-]*)/.exec(row)?.[1] ?? [])
    .filter((name) => name !== 'help');
  const below = await Promise.all(names.map((name) => helpExamples([...path, name])));
  return [{ path, lines }, ...below.flat()];
}

const origin = (server: MockServer) => server.url.replace(/\/v1$/, '');

/**
 * The few places where an example names something a test cannot have, and what stands in:
 * the local server and Azure resource it names are the offline server; tests take free ports;
 * without jq or curl on the machine, the pipeline stops at checking imgcli's JSON.
 */
function adapt(line: string, server: MockServer = mock): string {
  let out = line
    .replaceAll('http://localhost:8080/v1', server.url)
    .replaceAll('http://127.0.0.1:8080/v1', server.url)
    .replaceAll('https://myres.openai.azure.com/openai', `${origin(server)}/openai`)
    .replace(/--port 8080\b/, '--port 0');
  if (!HAVE_CURL) out = out.replace(/\| sh\b/, '| sh -n');
  if (!HAVE_JQ) out = out.replace(/\| jq\b.*$/, `| node -e "JSON.parse(require('fs').readFileSync(0, 'utf8'))"`);
  return out;
}

/** The key a line is known by: adapted, without its comment. */
const key = (example: string) => adapt(example).replace(/\s+#.*$/, '');

/**
 * Lines run once, in the first place they appear among the given sources: the help pages skip
 * what the README or an earlier page ran, a README block what it ran itself. Worked out before
 * anything runs, so the sources can run side by side.
 */
function firstOccurrences(sources: string[][]): string[][] {
  const seen = new Set<string>();
  return sources.map((lines) =>
    lines.filter((example) => {
      if (seen.has(key(example))) return false;
      seen.add(key(example));
      return true;
    }),
  );
}

/**
 * A folder holding the files the examples name, plus a lighthouse with provenance (for `imgcli
 * info`) and an edit of photo.png (for `imgcli replay`): made once, then every source gets its own
 * copy, its config's Azure profile pointing at the source's server.
 */
let template: Promise<Playground> | undefined;
async function playground(server: MockServer): Promise<Playground> {
  template ??= (async () => {
    const jobs = /```json\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
    const pg = await makePlayground({ azureOrigin: origin(mock), jobs });
    const env = examplesEnv(pg, mock);
    await Promise.all([
      execa('imgcli', ['gen', 'a lighthouse at dusk', '-o', 'lighthouse.png'], { cwd: pg.dir, env, extendEnv: false }),
      execa('imgcli', ['edit', 'photo.png', '-p', 'add a red scarf', '-o', 'scarf.png'], {
        cwd: pg.dir,
        env,
        extendEnv: false,
      }),
    ]);
    return pg;
  })();
  const dir = tempDir('imgcli-examples-');
  cpSync((await template).dir, dir, { recursive: true });
  const config = join(dir, 'config', 'config.json');
  writeFileSync(config, readFileSync(config, 'utf8').replaceAll(origin(mock), origin(server)));
  return { dir, bin: join(dir, '.bin') };
}
const examplesEnv = (pg: Playground, server: MockServer) => ({
  ...baseEnv(pg.dir),
  PATH: `${pg.bin}${delimiter}${process.env.PATH ?? ''}`,
  OPENAI_BASE_URL: server.url,
  EDITOR: 'true',
});

/** Runs the tasks, at most `limit` at a time; after a failure, starts no more. */
async function inParallel(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  const queue = [...tasks];
  let failed = false;
  const lane = async () => {
    for (let task = queue.shift(); task && !failed; task = queue.shift()) {
      await task().catch((err: unknown) => {
        failed = true;
        throw err;
      });
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

/** One source's examples, in order, in a playground of their own. */
async function runExamples(lines: string[], label: string, server: MockServer): Promise<void> {
  if (lines.length === 0) return;
  const pg = await playground(server);
  const env = examplesEnv(pg, server);
  for (const example of lines) {
    const line = adapt(example, server);
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
    // 60 s: the examples share the cores with the rest of the suite (the 1,000-job --dry-run once
    // took over 30 s on Node 22 with the machine also busy with other work).
    const r = await execa('bash', ['-o', 'pipefail', '-c', line], {
      cwd: pg.dir,
      env,
      extendEnv: false,
      reject: false,
      input: 'sk-example-0000000000000000abcd\n',
      timeout: 60_000,
    });
    expect(r.exitCode, `${label}: ${example}\n${r.stderr}`).toBe(0);
    expect(r.stderr, `${label}: ${example}`).not.toMatch(/bug in imgcli/);
  }
}

// The two long tests run at the same time, and each runs a few of its sources at a time. Each sh
// block of the README runs in order in a playground of its own. The help pages of one command
// (`files`, `files upload`, ..., `files rm`) run in order against a server of their own: the files
// and batches one page leaves there are what a later page lists and deletes. Each page gets a
// playground of its own.
describe.concurrent('examples', () => {
  it('the README: every sh example runs as printed', async () => {
    const blocks = readmeBlocks();
    expect(blocks.flat().length).toBeGreaterThan(40);
    await inParallel(
      blocks.map((block, i) => () => runExamples(firstOccurrences([block])[0]!, `README, sh block ${i + 1}`, mock)),
      4,
    );
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
    const [, ...lines] = firstOccurrences([readmeExamples(), ...pages.map((p) => p.lines)]);
    const commands = new Map<string, Array<[number, { path: string[] }]>>();
    for (const [i, page] of pages.entries())
      commands.set(page.path[0] ?? '', [...(commands.get(page.path[0] ?? '') ?? []), [i, page]]);
    const runCommand = (group: Array<[number, { path: string[] }]>) => async () => {
      const server = await startMockServer(SERVER);
      try {
        for (const [i, page] of group)
          await runExamples(lines[i]!, `imgcli ${page.path.join(' ')} --help`.replace('  ', ' '), server);
      } finally {
        await server.close();
      }
    };
    await inParallel([...commands.values()].map(runCommand), 4);
  }, 300_000);
});

// The dependency rules hold themselves: `npm run deps`, run as package.json spells it, fails on a
// rule broken on purpose and names the rule and the files; a small tree that keeps every rule
// passes; and the real tree breaks none of them.
import { cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, it } from 'vitest';
import { ROOT, cleanupTemps, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);

const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts.deps!;
const [command, ...DEPS_ARGS] = script.trim().split(/\s+/);
if (command !== 'depcruise') throw new Error(`package.json "deps" should run depcruise; it runs: ${script}`);

const optionValue = (name: string): string | undefined => DEPS_ARGS[DEPS_ARGS.indexOf(name) + 1];
const RULES_FILE = optionValue('--config')!;
const BASELINE_FILE = DEPS_ARGS.includes('--ignore-known') ? optionValue('--ignore-known') : undefined;

function withoutBaseline(args: string[]): string[] {
  const i = args.indexOf('--ignore-known');
  return i < 0 ? args : [...args.slice(0, i), ...args.slice(i + 2)];
}

function runDeps(cwd: string, args: string[]) {
  return execa(process.execPath, [DEPCRUISE, ...args], {
    cwd,
    reject: false,
    env: { NO_COLOR: '1', FORCE_COLOR: '0' },
  });
}

/** A folder laid out like the project: the given src/ files, tsconfig, the rule files, node_modules. */
function project(files: Record<string, string> | 'copy of src'): string {
  const dir = tempDir('imgcli-deps-');
  if (files === 'copy of src') cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  else for (const [path, text] of Object.entries(files)) write(dir, path, text);
  for (const file of ['tsconfig.json', RULES_FILE, BASELINE_FILE]) if (file) cpSync(join(ROOT, file), join(dir, file));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function write(dir: string, path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}

interface Dependency {
  module: string;
  resolved: string;
  coreModule: boolean;
  couldNotResolve: boolean;
}
interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: Array<{ name: string }>;
}
interface CruiseResult {
  modules: Array<{ source: string; dependencies: Dependency[] }>;
  summary: { violations: Violation[]; error: number };
}

/** Same test as --ignore-known applies: a cycle is its set of modules, anything else from and to. */
function sameViolation(a: Violation, b: Violation): boolean {
  if (a.rule.name !== b.rule.name) return false;
  if (a.cycle && b.cycle) {
    const names = new Set(b.cycle.map((m) => m.name));
    return a.cycle.length === b.cycle.length && a.cycle.every((m) => names.has(m.name));
  }
  return a.from === b.from && a.to === b.to;
}

const describeViolation = (v: Violation): string =>
  `${v.rule.name}: ${v.cycle ? [v.from, ...v.cycle.map((m) => m.name)].join(' → ') : `${v.from} → ${v.to}`}`;

describe('dependency rules (npm run deps)', () => {
  it.concurrent('fail on rules broken on purpose, naming each rule and its files', async ({ expect }) => {
    const dir = project('copy of src');
    write(dir, 'src/api/colour.ts', "import chalk from 'chalk';\nexport const red = chalk.red;\n");
    write(dir, 'src/output/ring-a.ts', "import { b } from './ring-b.js';\nexport const a = () => b();\n");
    write(dir, 'src/output/ring-b.ts', "import { a } from './ring-a.js';\nexport const b = () => a();\n");
    write(
      dir,
      'src/pipeline/flag-parse.ts',
      "import { InvalidArgumentError } from 'commander';\nexport const bad = new InvalidArgumentError('x');\n",
    );
    write(
      dir,
      'src/models/cache.ts',
      "import { readFileSync } from 'node:fs';\nexport const cached = () => readFileSync('models.json');\n",
    );
    write(dir, 'src/pipeline/lost.ts', "export { gone } from './no-such-file.js';\n");
    write(dir, 'src/models/v4.ts', "import { z } from 'zod';\nexport const name = z.string();\n");
    write(
      dir,
      'src/output/fetch.ts',
      "import { request } from 'undici';\nexport const get = (u: string) => request(u);\n",
    );

    // Layers pointing up: each layer importing one above it.
    write(dir, 'src/batch/back-up.ts', "export { handlers } from '../commands/gen/run.js';\n");
    write(dir, 'src/pipeline/back-up.ts', "export { runBatch } from '../batch/run.js';\n");
    write(dir, 'src/output/back-up.ts', "export { runImages } from '../pipeline/run.js';\n");
    write(dir, 'src/plain.ts', "export { writeAtomic } from './output/disk.js';\n");

    const r = await runDeps(dir, DEPS_ARGS);
    const reported = [...r.stdout.matchAll(/^\s*error (\S+): (\S+) → ?(\S*)/gm)].map(
      ([, rule, from, to]) => `${rule}: ${from} → ${to}`,
    );
    expect(reported.sort()).toEqual(
      [
        'api-imports-only-node-undici-zod: src/api/colour.ts → node_modules/chalk/source/index.js',
        'ora-chalk-only-in-terminal: src/api/colour.ts → node_modules/chalk/source/index.js',
        // A cycle is reported once, from one of its modules, with the path on the lines below.
        'no-cycles: src/output/ring-a.ts → ',
        'commander-only-in-cli-and-commands: src/pipeline/flag-parse.ts → node_modules/commander/typings/esm.d.mts',
        'models-pure: src/models/cache.ts → fs',
        'imports-resolve: src/pipeline/lost.ts → ./no-such-file.js',
        'zod-through-its-v3-api: src/models/v4.ts → node_modules/zod/index.d.cts',
        'undici-by-its-own-modules: src/output/fetch.ts → node_modules/undici/index.d.ts',
        'layers-commands-only-from-cli: src/batch/back-up.ts → src/commands/gen/run.ts',
        'layers-batch-below-commands: src/pipeline/back-up.ts → src/batch/run.ts',
        'layers-pipeline-below-batch: src/output/back-up.ts → src/pipeline/run.ts',
        'layers-plain-modules-at-the-bottom: src/plain.ts → src/output/disk.ts',
      ].sort(),
    );
    expect(r.stdout).toMatch(
      /no-cycles: src\/output\/ring-a\.ts → \n\s+src\/output\/ring-b\.ts →\n\s+src\/output\/ring-a\.ts\n/,
    );
    // The exit code counts the errors, so each broken rule alone fails the run.
    expect(r.exitCode).toBe(12);
    expect(r.stdout).toMatch(/^x 12 dependency violations \(12 errors, 0 warnings\)/m);
  });

  it.concurrent('pass a tree that keeps every rule, and see its imports resolved', async ({ expect }) => {
    const dir = project({
      'src/cli.ts':
        "import { Command } from 'commander';\nimport { gen } from './commands/gen.js';\nnew Command().addCommand(gen);\n",
      'src/commands/gen.ts':
        "import { Command } from 'commander';\nimport { runJob } from '../jobs/run.js';\nimport { paint } from '../terminal/colour.js';\n" +
        "export const gen = new Command('gen').action(async () => paint(await runJob()));\n",
      'src/jobs/run.ts':
        "import { send } from '../api/http.js';\nimport { MODELS } from '../models/table.js';\nexport const runJob = () => send(MODELS[0]!);\n",
      'src/terminal/colour.ts':
        "import chalk from 'chalk';\nexport const paint = async (s: string) => {\n  const { default: ora } = await import('ora');\n  ora().succeed(chalk.green(s));\n};\n",
      'src/api/http.ts':
        "import { setTimeout } from 'node:timers/promises';\nimport request from 'undici/lib/api/api-request.js';\nimport { z } from 'zod/v3';\nimport { ApiError } from './errors.js';\n" +
        'export async function send(model: string): Promise<string> {\n  await setTimeout(0);\n  const r = await request(`http://127.0.0.1/${model}`);\n' +
        '  if (r.statusCode >= 400) throw new ApiError();\n  return z.string().parse(await r.body.text());\n}\n',
      'src/api/errors.ts': 'export class ApiError extends Error {}\n',
      'src/models/table.ts':
        "import { z } from 'zod/v3';\nimport { UsageError } from '../errors.js';\nimport type { Family } from './family.js';\n" +
        "export const MODELS: Family[] = ['gpt-image'];\nexport const check = (v: unknown) => { if (!z.string().safeParse(v).success) throw new UsageError('x'); };\n",
      'src/models/family.ts': "export type Family = 'gpt-image';\n",
      'src/errors.ts': 'export class UsageError extends Error {}\n',
    });

    const r = await runDeps(dir, [...withoutBaseline(DEPS_ARGS), '--output-type', 'json']);
    const result = JSON.parse(r.stdout) as CruiseResult;
    expect(result.summary.violations.map(describeViolation)).toEqual([]);
    expect(r.exitCode).toBe(0);
    // Every import resolved: a local file under src/, a package under node_modules/, or a builtin.
    const edges = result.modules
      .filter((m) => m.source.startsWith('src/'))
      .flatMap((m) =>
        m.dependencies.map(
          (d) =>
            `${m.source} → ${d.coreModule ? `node:${d.resolved}` : d.resolved.replace(/^node_modules\/([^/]+)\/.*$/, '$1')}`,
        ),
      );
    expect(edges.sort()).toEqual(
      [
        'src/api/http.ts → node:timers/promises',
        'src/api/http.ts → src/api/errors.ts',
        'src/api/http.ts → undici',
        'src/api/http.ts → zod',
        'src/cli.ts → commander',
        'src/cli.ts → src/commands/gen.ts',
        'src/commands/gen.ts → commander',
        'src/commands/gen.ts → src/jobs/run.ts',
        'src/commands/gen.ts → src/terminal/colour.ts',
        'src/jobs/run.ts → src/api/http.ts',
        'src/jobs/run.ts → src/models/table.ts',
        'src/models/table.ts → src/errors.ts',
        'src/models/table.ts → src/models/family.ts',
        'src/models/table.ts → zod',
        'src/terminal/colour.ts → chalk',
        'src/terminal/colour.ts → ora',
      ].sort(),
    );
  });

  it.concurrent('see every file and import of the real src/, and a baseline that lists exactly what it breaks', async ({
    expect,
  }) => {
    const r = await runDeps(ROOT, [...withoutBaseline(DEPS_ARGS), '--output-type', 'json']);
    const result = JSON.parse(r.stdout) as CruiseResult;
    const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(result.modules.filter((m) => m.source.startsWith('src/')).length).toBe(sources.length);
    const unresolved = result.modules.flatMap((m) =>
      m.dependencies.filter((d) => d.couldNotResolve).map((d) => `${m.source} → ${d.module}`),
    );
    expect(unresolved).toEqual([]);

    const known: Violation[] = BASELINE_FILE ? JSON.parse(readFileSync(join(ROOT, BASELINE_FILE), 'utf8')) : [];
    const found = result.summary.violations;
    expect(
      found.filter((v) => !known.some((k) => sameViolation(k, v))).map(describeViolation),
      'violations not in the baseline: fix them',
    ).toEqual([]);
    expect(
      known.filter((k) => !found.some((v) => sameViolation(k, v))).map(describeViolation),
      `fixed, so delete these entries from ${BASELINE_FILE} (and the file and --ignore-known once it is [])`,
    ).toEqual([]);
  });
});

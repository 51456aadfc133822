// `npm run bench [-- --quick] [-- --only 2,6] [-- --strict] [-- --keep]`: runs each case's
// commands as whole processes against the offline server (started in its own process), after
// one warm-up each, interleaved run by run so drift on a busy machine hits every tool alike,
// and prints a markdown table on stdout. Progress goes to stderr.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import sharp from 'sharp';
import * as startup from './cases/startup.js';
import * as oneGeneration from './cases/one-generation.js';
import * as bigResponse from './cases/big-response.js';
import * as bigUpload from './cases/big-upload.js';
import * as manyJobs from './cases/many-jobs.js';
import * as masks from './cases/masks.js';
import * as noopCheck from './cases/noop-check.js';
import * as gallery from './cases/gallery.js';
import * as batchResults from './cases/batch-results.js';
import { hasCommand, measure, median, rssMethod, stopRunning } from './measure.js';

const CASES = [startup, oneGeneration, bigResponse, bigUpload, manyJobs, masks, gallery, noopCheck, batchResults];
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

function parseArgs(argv) {
  const args = { quick: false, strict: false, keep: false, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--strict') args.strict = true;
    else if (a === '--keep') args.keep = true;
    else if (a === '--only') args.only = new Set(argv[++i].split(',').map(Number));
    else {
      process.stderr.write(
        `bench: unknown argument ${a}\nusage: npm run bench [-- --quick] [--only 1,3] [--strict] [--keep]\n`,
      );
      process.exit(2);
    }
  }
  return args;
}

const log = (line) => process.stderr.write(`${line}\n`);

// --- the offline server, one process per (latency, payload) ---------------------------------

function startServer(node, bin, { latency, payload }) {
  const child = spawn(node, [bin, 'mock-server', '--latency', String(latency), '--payload', payload], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      if (text.includes('\n')) resolve(text.split('\n')[0].trim());
    });
    child.on('exit', (code) => reject(new Error(`imgcli mock-server exited (${code}) before printing its URL`)));
  });
  return { child, url };
}

// --- what cases get -------------------------------------------------------------------------

function createContext(args) {
  const node = process.execPath;
  const bin = join(ROOT, 'bin', 'imgcli.js');
  const outDir = mkdtempSync(join(tmpdir(), 'imgcli-bench-out-'));
  const home = join(outDir, 'home');
  const servers = new Map();
  const found = new Map();
  const remember = (map, key, compute) => (map.has(key) ? map.get(key) : map.set(key, compute()).get(key));
  return {
    quick: args.quick,
    node,
    imgcli: [node, bin],
    benchDir: BENCH_DIR,
    outDir,
    has: (cmd) => remember(found, cmd, () => hasCommand(cmd)),
    /** Whether this build of imgcli has a subcommand (edit, batch... land over time). */
    // An unknown command with --help prints the main help, so look for the command's own usage line.
    imgcliHas: (sub) =>
      remember(found, `imgcli ${sub}`, () =>
        spawnSync(node, [bin, sub, '--help'], { encoding: 'utf8' }).stdout.startsWith(`Usage: imgcli ${sub} `),
      ),
    server: (opts) => remember(servers, JSON.stringify(opts), () => startServer(node, bin, opts)).url,
    /** A clean environment: the offline server, a fake key, no colour, and no real config. */
    env: (url) => ({
      PATH: process.env.PATH ?? '',
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      IMGCLI_CONFIG_DIR: join(home, 'imgcli'),
      OPENAI_BASE_URL: url,
      OPENAI_API_KEY: 'sk-bench-0000000000000000',
      NO_COLOR: '1',
      CI: '1',
    }),
    sameFiles,
    samePixels,
    close() {
      for (const { child } of servers.values()) child.kill('SIGTERM');
      if (!args.keep) rmSync(outDir, { recursive: true, force: true });
    },
  };
}

function readIfThere(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Whether the outputs that exist are byte for byte the same. */
function sameFiles(paths) {
  const files = paths.map((p) => [p.split('/').pop(), readIfThere(p)]).filter(([, b]) => b);
  if (files.length < 2) return undefined;
  const differ = files.slice(1).filter(([, b]) => !b.equals(files[0][1]));
  return differ.length
    ? { identical: false, note: `outputs differ: ${differ.map(([n]) => n).join(', ')} vs ${files[0][0]}` }
    : { identical: true, note: `outputs byte-identical (${files.map(([n]) => n).join(', ')})` };
}

/** Whether the outputs that exist decode to the same RGBA pixels (files may be encoded differently). */
async function samePixels(paths) {
  const decoded = [];
  for (const p of paths) {
    if (!readIfThere(p)) continue;
    const { data, info } = await sharp(p)
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    decoded.push({ name: p.split('/').pop(), data, info });
  }
  if (decoded.length < 2) return undefined;
  const [first] = decoded;
  const verdicts = decoded.slice(1).map((d) => {
    if (d.info.width !== first.info.width || d.info.height !== first.info.height)
      return `${d.name} is ${d.info.width}x${d.info.height}`;
    let diff = 0;
    for (let i = 0; i < d.data.length; i += 4) {
      if (
        d.data[i] !== first.data[i] ||
        d.data[i + 1] !== first.data[i + 1] ||
        d.data[i + 2] !== first.data[i + 2] ||
        d.data[i + 3] !== first.data[i + 3]
      )
        diff++;
    }
    return diff ? `${d.name}: ${diff} pixels differ` : '';
  });
  const problems = verdicts.filter(Boolean);
  return problems.length
    ? { identical: false, note: `vs ${first.name}: ${problems.join('; ')}` }
    : { identical: true, note: `RGBA pixels identical (${decoded.map((d) => d.name).join(', ')})` };
}

// --- running a case -------------------------------------------------------------------------

async function runCase(mod, ctx, method) {
  log(`\n${mod.title}`);
  const plan = await mod.plan(ctx);
  if (plan.skip) {
    log(`  skipped: ${plan.skip}`);
    return { title: mod.title, rows: [{ tool: '—', skip: plan.skip }], notes: [] };
  }
  const live = plan.commands.filter((c) => !c.skip);
  const samples = new Map(live.map((c) => [c.tool, []]));
  const failed = new Map();
  const once = async (c) => {
    const r = await measure(c.cmd, { cwd: ctx.outDir, env: plan.env ?? ctx.env(''), method });
    if (r.code !== 0 && !failed.has(c.tool))
      failed.set(c.tool, `exit ${r.code}: ${r.stderr.split('\n').slice(-3).join(' ').slice(0, 300)}`);
    return r;
  };
  for (const c of live) {
    log(`  warm-up: ${c.tool}`);
    await once(c);
  }
  for (let i = 0; i < plan.runs; i++) {
    for (const c of live) {
      if (failed.has(c.tool) || i >= (c.runs ?? plan.runs)) continue;
      const r = await once(c);
      if (r.code === 0) samples.get(c.tool).push(r);
      log(
        `  run ${i + 1}/${c.runs ?? plan.runs}: ${c.tool}: ${fmtMs(r.wallMs * (c.scale ?? 1))} (cpu ${fmtMs(r.cpuMs * (c.scale ?? 1))}), ${fmtRss(r.rssKb)}${r.code ? ` (exit ${r.code})` : ''}`,
      );
    }
  }

  // Per tool: medians and spread (a scaled command reports its time scaled to the full job).
  const results = new Map();
  for (const c of live) {
    const s = samples.get(c.tool);
    if (!s.length) continue;
    const walls = s.map((r) => r.wallMs * (c.scale ?? 1));
    const cpu = median(s.map((r) => r.cpuMs * (c.scale ?? 1)));
    results.set(c.tool, {
      wall: median(walls),
      min: Math.min(...walls),
      max: Math.max(...walls),
      cpu,
      rss: median(s.map((r) => r.rssKb)),
      n: s.length,
    });
  }
  const ref = live.find((c) => c.reference && results.has(c.tool));
  for (const r of results.values()) r.ratio = ref ? r.wall / results.get(ref.tool).wall : NaN;

  const checked = plan.check ? await plan.check() : undefined;
  const rows = plan.commands.map((c) => {
    if (c.skip) return { tool: c.tool, skip: c.skip };
    if (failed.has(c.tool)) return { tool: c.tool, failed: failed.get(c.tool), ours: Boolean(c.bar) };
    const r = results.get(c.tool);
    const verdict = c.bar ? c.bar(results, checked) : undefined;
    return { tool: c.tool, ...r, isRef: c === ref, bar: verdict?.text ?? '', pass: verdict?.pass };
  });
  const notes = [...(plan.notes ?? [])];
  if (checked) notes.push(`${mod.title}: ${checked.note}`);
  return { title: mod.title, rows, notes };
}

// --- the table ------------------------------------------------------------------------------

function fmtMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}
function fmtRss(kb) {
  return kb ? `${(kb / 1024).toFixed(0)} MiB` : 'n/a';
}

/** A markdown table cell: pipes in tool names (curl | jq) would split the row. */
const cell = (text) => String(text).replace(/\|/g, '\\|');

function table(cases) {
  const lines = [
    '| Case | Tool | Wall (median) | Spread (min–max) | CPU (median) | Peak RSS (median) | Wall vs ref | Bar | Result |',
    '|---|---|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const c of cases) {
    for (const [i, r] of c.rows.entries()) {
      const name = i === 0 ? c.title : '';
      const tool = cell(r.tool);
      if (r.skip) lines.push(`| ${name} | ${tool} | skipped: ${cell(r.skip)} | | | | | | skipped |`);
      else if (r.failed)
        lines.push(`| ${name} | ${tool} | failed (${cell(r.failed)}) | | | | | | ${r.ours ? 'MISS' : 'error'} |`);
      else {
        const ratio = r.isRef ? '1.00 (ref)' : Number.isNaN(r.ratio) ? '—' : `${r.ratio.toFixed(2)}×`;
        const result = r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS';
        lines.push(
          `| ${name} | ${tool} | ${fmtMs(r.wall)} | ${fmtMs(r.min)}–${fmtMs(r.max)} | ${fmtMs(r.cpu)} | ${fmtRss(r.rss)} | ${ratio} | ${r.bar} | ${result} |`,
        );
      }
    }
  }
  return lines.join('\n');
}

// --- main -----------------------------------------------------------------------------------

const args = parseArgs(process.argv.slice(2));
const method = rssMethod();
const ctx = createContext(args);
const stop = async () => {
  await stopRunning();
  ctx.close();
  process.exit(130);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

const started = Date.now();
const loadBefore = loadavg()[0];
const done = [];
try {
  for (const [i, mod] of CASES.entries()) {
    if (args.only && !args.only.has(i + 1)) continue;
    try {
      done.push(await runCase(mod, ctx, method));
    } catch (err) {
      log(`  ${mod.title} broke: ${err.stack ?? err}`);
      done.push({
        title: mod.title,
        rows: [{ tool: '—', failed: `the harness broke: ${err.message}`, ours: false }],
        notes: [],
      });
    }
  }
} finally {
  ctx.close();
}

const rssHow = method === 'time' ? 'GNU time %M (kernel maxrss)' : '/proc VmHWM polled every 3 ms';
process.stdout.write(`${table(done)}\n\n`);
process.stdout.write(
  [
    `${args.quick ? 'Quick run' : 'Full run'}, ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round((Date.now() - started) / 1000)} s in all.`,
    `Load average (1 min) ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end${Math.max(loadBefore, loadavg()[0]) > cpus().length ? ': above the core count, other work shared the machine, so wall times stretch (CPU times much less)' : ''}.`,
    `Wall: median of the runs after one warm-up (bars judge wall time); "vs ref" divides by the case's reference. CPU: user + system of the whole process tree. Peak RSS: ${rssHow}; for a pipeline, its largest process. 1 MiB = 1024 KiB.`,
    ...done.flatMap((c) => c.notes),
  ]
    .map((l) => `- ${l}`)
    .join('\n') + '\n',
);
const missed = done.some((c) => c.rows.some((r) => r.pass === false || (r.failed && r.ours)));
if (args.strict && missed) process.exitCode = 1;

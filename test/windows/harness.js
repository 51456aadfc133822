// The Windows smoke check's harness: runs node.exe (Windows Node) under Wine with the Windows copy
// of imgcli that test/windows/run.sh prepared, maps paths between Linux and Windows, and reports.
// Its settings come from run.sh in IMGCLI_WIN_* variables; nothing here downloads anything.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const required = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run test/windows/run.sh (npm run test:windows), not this file`);
  return value;
};

export const WINE = required('IMGCLI_WIN_WINE');
export const PREFIX = required('WINEPREFIX');
export const NODE_EXE = required('IMGCLI_WIN_NODE');
export const APP = required('IMGCLI_WIN_APP');
export const TOOLS = required('IMGCLI_WIN_TOOLS');
export const CACHE = required('IMGCLI_WIN_CACHE');
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WORK = join(CACHE, 'work');
const IO = join(CACHE, 'io');

// Wine maps the Unix root to drive Z:, so /work/x is Z:\work\x for a Windows program.
export const winPath = (linux) => `Z:${resolve(linux).replaceAll('/', '\\')}`;
const winUrl = (linux) => `file:///Z:${pathToFileURL(resolve(linux)).pathname}`;

// A Windows path back to Linux through the prefix's drive links (dosdevices/c: is drive_c, z: is /).
export function linuxPath(windows) {
  const m = /^([A-Za-z]):[\\/]?(.*)$/.exec(windows);
  if (!m) throw new Error(`not an absolute Windows path: ${windows}`);
  return join(PREFIX, 'dosdevices', `${m[1].toLowerCase()}:`, ...m[2].split(/[\\/]+/).filter(Boolean));
}

const PRELOAD = winUrl(fileURLToPath(new URL('wine-keepalive.js', import.meta.url)));
const IMGCLI = winPath(join(APP, 'bin', 'imgcli.js'));

// Unix variables reach Windows programs as they are, so the run gets a clean environment: no
// OPENAI_API_KEY, proxy, NODE_OPTIONS or Linux-path NODE_EXTRA_CA_CERTS from this machine.
// IMGCLI_CONFIG_DIR keeps the config (and the recovery folder) in the scratch folder; a check
// passes { IMGCLI_CONFIG_DIR: undefined } to see the Windows default under %APPDATA%.
function environment(extra = {}) {
  const env = {
    HOME: process.env.HOME,
    USER: process.env.USER,
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    WINEPREFIX: PREFIX,
    WINEDEBUG: '-all',
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    NO_COLOR: '1',
    CI: '1',
    IMGCLI_MOCK: '1',
    IMGCLI_CONFIG_DIR: winPath(join(WORK, 'config')),
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

export function resetScratch() {
  for (const dir of [WORK, IO]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
}

let runs = 0;

// node.exe's stdin, stdout and stderr are always files: Wine 8.0 hands a Linux pipe to a Windows
// program as a handle that libuv cannot open (process.stdout then throws EBADF), so the output is
// written to files under .tmp/windows/io and read back, and stdin is a file or /dev/null.
function stdioFiles(stdin) {
  const n = ++runs;
  const files = { in: '/dev/null', out: join(IO, `${n}.stdout`), err: join(IO, `${n}.stderr`) };
  if (stdin !== undefined) {
    files.in = join(IO, `${n}.stdin`);
    writeFileSync(files.in, stdin);
  }
  const fds = [openSync(files.in, 'r'), openSync(files.out, 'w'), openSync(files.err, 'w')];
  const collect = (code, signal) => {
    for (const fd of fds) closeSync(fd);
    const stdoutBytes = readFileSync(files.out);
    return {
      code: code ?? `signal ${signal}`,
      stdoutBytes,
      stdout: stdoutBytes.toString('utf8'),
      stderr: readFileSync(files.err, 'utf8'),
    };
  };
  return { fds, collect };
}

// Runs `node.exe <args>` and waits; { cwd, stdin, env, timeoutMs } as options.
export function nodeExe(args, { cwd = WORK, stdin, env, timeoutMs = 120_000 } = {}) {
  const io = stdioFiles(stdin);
  const r = spawnSync(WINE, [NODE_EXE, '--import', PRELOAD, ...args], {
    cwd,
    env: environment(env),
    stdio: io.fds,
    timeout: timeoutMs,
  });
  return io.collect(r.status, r.signal ?? r.error?.code);
}

export const imgcli = (args, options) => nodeExe([IMGCLI, ...args], options);

// Starts imgcli without waiting: the Ctrl-C check signals it while it runs. Wine runs node.exe in
// the process that spawn() started (the loader execs into it), so child.pid is node.exe's.
export function startImgcli(args, { cwd = WORK, env } = {}) {
  const io = stdioFiles(undefined);
  const child = spawn(WINE, [NODE_EXE, '--import', PRELOAD, IMGCLI, ...args], {
    cwd,
    env: environment(env),
    stdio: io.fds,
  });
  const done = new Promise((ok) => child.on('exit', (code, signal) => ok(io.collect(code, signal))));
  return { child, done };
}

// Runs a Windows program of run.sh's (test/windows/*.c) in the background.
export function startTool(name, args, { cwd = WORK } = {}) {
  const child = spawn(WINE, [join(TOOLS, name), ...args], { cwd, env: environment(), stdio: 'ignore' });
  child.on('error', () => {});
  return child;
}

// --- checks and their report

export class CheckFailed extends Error {}

export function ensure(condition, message, run) {
  if (condition) return;
  throw new CheckFailed(run ? `${message}\n${describe(run)}` : message);
}

// What a failed check shows of a run: its exit code and the first lines of each stream.
export function describe(run) {
  const excerpt = (text) =>
    text.trim() === '' ? '(empty)' : text.trim().split('\n').slice(0, 6).join('\n           ').slice(0, 900);
  return `exit ${run.code}\nstdout:    ${excerpt(run.stdout)}\nstderr:    ${excerpt(run.stderr)}`;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
export const isPng = (bytes) => bytes.subarray(0, 8).equals(PNG_SIGNATURE);
export const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
// imgcli writes to .imgcli-<tag>-<pid>-<random>.tmp beside the output, then renames.
export const tempFiles = (dir) => listing(dir).filter((name) => /^\.imgcli-.*\.tmp$/.test(name));

export const listing = (dir) => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

// A check is { name, run, known? }: `known` names the issue of a bug in src/ that makes it fail
// today. Such a failure is reported as a failure unless --allow-known is given.
export async function runChecks(checks, { allowKnown = false, only } = {}) {
  const started = Date.now();
  const counts = { passed: 0, failed: 0, known: 0, fixed: 0 };
  const selected = checks.filter((c) => !only || c.name.toLowerCase().includes(only.toLowerCase()));
  for (const [i, check] of selected.entries()) {
    const t0 = Date.now();
    let error;
    try {
      await check.run();
    } catch (err) {
      error = err;
    }
    const seconds = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    const label = `${String(i + 1).padStart(2)}. ${check.name}`;
    const tag = check.known ? `  [KNOWN BUG (issue: ${check.known})]` : '';
    if (!error) {
      counts.passed++;
      if (check.known) counts.fixed++;
      const note = check.known ? '  [known bug no longer seen: drop its marker]' : '';
      console.log(`PASS  ${label}  (${seconds})${note}`);
      continue;
    }
    counts.failed++;
    if (check.known) counts.known++;
    console.log(`FAIL  ${label}  (${seconds})${tag}`);
    const text = error instanceof CheckFailed ? error.message : (error?.stack ?? String(error));
    console.log(`      ${text.split('\n').join('\n      ')}`);
  }
  const total = ((Date.now() - started) / 1000).toFixed(0);
  console.log('');
  console.log(`windows: ${counts.passed} passed, ${counts.failed} failed`);
  const knownNote = counts.known ? `; ${counts.known} of the failures are known bugs in src/` : '';
  const fixedNote = counts.fixed ? `; ${counts.fixed} check(s) marked as known bugs passed` : '';
  console.log(`(${selected.length} checks in ${total} s${knownNote}${fixedNote})`);
  const unexpected = counts.failed - counts.known;
  if (unexpected > 0) return 1;
  if (counts.known > 0 && !allowKnown) {
    console.log('Known bugs count as failures; --allow-known lets the run pass with them.');
    return 1;
  }
  if (counts.known > 0) console.log('--allow-known: the known bugs above do not fail the run.');
  return 0;
}

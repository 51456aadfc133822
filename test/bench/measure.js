// Runs one command as a whole process and measures it from outside: wall time from Node's
// clock (spawn to exit), CPU time, and peak resident memory of the process tree.
//
// CPU time (user + system) is what the kernel adds to this process's cutime/cstime in
// /proc/self/stat when it reaps the child: the whole tree's, in 10 ms ticks. On a shared machine
// it moves far less than wall time, so the table shows both.
//
// Peak RSS comes from the kernel when GNU time is installed (`/usr/bin/time -f %M`: the
// getrusage maxrss of the child, which for a shell pipeline is that of its largest process).
// Without it, we poll /proc/<pid>/status VmHWM of the child and its descendants every few
// milliseconds and keep the largest: the same meaning, but growth in the last few ms before
// exit can be missed. Either way a pipeline reports its largest process, not the sum.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';
const POLL_MS = 3;
const TICK_MS = 10; // USER_HZ is 100 on every Linux architecture that matters here

/** CPU time of this process's reaped children so far (cutime + cstime), in ms. */
function childrenCpuMs() {
  try {
    // Fields after the ")" that ends the command name: state is field 3, cutime 16, cstime 17.
    const text = readFileSync('/proc/self/stat', 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/** Children being measured, so an interrupted run can stop them before it cleans up. */
const running = new Set();

/** Ends every command still being measured and waits (up to a second) for them to exit. */
export async function stopRunning() {
  const exits = [...running].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of running) killGroup(child, 'SIGTERM');
  await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, 1000))]);
}

/** Signals the child's whole process group: GNU time and sh do not pass signals on. */
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** 'time' when GNU time works here, else 'proc'; BENCH_RSS=proc|time forces one. */
export function rssMethod() {
  const forced = process.env.BENCH_RSS;
  if (forced === 'proc' || forced === 'time') return forced;
  if (!existsSync(GNU_TIME)) return 'proc';
  const dir = mkdtempSync(join(tmpdir(), 'imgcli-bench-'));
  try {
    const r = spawnSync(GNU_TIME, ['-f', '%M', '-o', join(dir, 'm'), 'true']);
    return r.status === 0 && /^\d+\s*$/.test(readFileSync(join(dir, 'm'), 'utf8')) ? 'time' : 'proc';
  } catch {
    return 'proc';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether a program is on PATH (or an existing path). */
export function hasCommand(name) {
  if (name.includes('/')) return existsSync(name);
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function vmHwmKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Follows a process tree, remembering each process's VmHWM as last seen. */
function treePoller(rootPid) {
  const peaks = new Map();
  const poll = () => {
    const stack = [rootPid];
    while (stack.length) {
      const pid = stack.pop();
      const hwm = vmHwmKb(pid);
      if (hwm > (peaks.get(pid) ?? 0)) peaks.set(pid, hwm);
      stack.push(...childrenOf(pid));
    }
  };
  poll();
  const timer = setInterval(poll, POLL_MS);
  return () => {
    clearInterval(timer);
    return Math.max(0, ...peaks.values());
  };
}

/**
 * Runs `cmd` once. `cmd` is an argv array, or a string run by `sh -c` (for pipelines).
 * Resolves to { wallMs, cpuMs, rssKb, code, stderr }; never rejects for a failing command.
 */
export async function measure(cmd, { cwd, env, method = 'proc', timeoutMs = 120_000 } = {}) {
  const argv = typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd;
  const dir = method === 'time' ? mkdtempSync(join(tmpdir(), 'imgcli-bench-')) : undefined;
  const full = dir ? [GNU_TIME, '-f', '%M', '-o', join(dir, 'rss'), ...argv] : argv;
  const cpuBefore = childrenCpuMs();
  const started = process.hrtime.bigint();
  // Its own process group, so a stop or a timeout reaches every process of a pipeline.
  const child = spawn(full[0], full.slice(1), { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const stopPolling = method === 'proc' && child.pid ? treePoller(child.pid) : undefined;
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
  const code = await new Promise((resolve) => {
    child.on('error', (err) => {
      stderr += String(err.message);
      resolve(-1);
    });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : -1)));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  clearTimeout(timer);
  // libuv reaped the child before 'exit' fired, so its CPU time is already counted.
  const cpuMs = childrenCpuMs() - cpuBefore;
  let rssKb = stopPolling?.() ?? 0;
  if (dir) {
    // GNU time writes "Command exited with non-zero status N" before the figure when it fails.
    const text = await readFile(join(dir, 'rss'), 'utf8').catch(() => '');
    rssKb = Number(text.trim().split('\n').pop()) || 0;
    rmSync(dir, { recursive: true, force: true });
  }
  return { wallMs, cpuMs, rssKb, code, stderr: stderr.trim() };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

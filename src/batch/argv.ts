// A batch job is a command line: its flags become the argv of gen, edit or vary, so a job means
// exactly what the same flags mean typed by hand (one parser, one set of rules).
import { JOB_KEYS, type RawJob } from './parse.js';

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function flagArgs(name: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (value === true) return [`--${kebab(name)}`];
  if (value === false) return name === 'metadata' || name === 'clobber' ? [`--no-${kebab(name)}`] : [];
  if (name === 'param' && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => ['--param', `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`]);
  }
  if (Array.isArray(value)) return value.flatMap((v) => flagArgs(name, v));
  return [`--${kebab(name)}`, String(value)];
}

/** The argv after the global options: `gen [flags] -- <prompt>`, `edit <images> [flags]`, `vary <image> [flags]`. */
export function jobArgv(job: RawJob, defaults: Record<string, unknown>): string[] {
  // A default only reaches the commands that have that option (vary has no --quality).
  const applicable = Object.fromEntries(Object.entries(defaults).filter(([k]) => k === 'metadata' || JOB_KEYS[job.command].includes(k)));
  const { prompt, images, image, ...flags } = { ...applicable, ...job.flags };
  const options = Object.entries(flags).flatMap(([name, value]) => flagArgs(name, value));
  const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
  if (job.command === 'gen') return ['gen', ...options, '--', ...(prompt === undefined ? [] : [String(prompt)])];
  const files = [...list(image), ...list(images)];
  const hint = prompt === undefined ? [] : ['-p', String(prompt)];
  return [job.command, ...options, ...hint, '--', ...files];
}

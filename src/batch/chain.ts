// Batch chaining: a job whose input is another job's output ("generate a.png, then edit a.png")
// runs after that job, as a make rule runs after the rules that make its prerequisites. Found
// before anything is built, from what each line declares (its "out" file, its images, mask and
// markup layer), paths compared by where they land; a job that reads its own output, and jobs that
// wait for each other, are refused.
import { numbered } from '../output/naming.js';
import type { JobFlags } from '../pipeline/build.js';
import { readSource } from '../upload/json-edit.js';
import type { Problem } from './parse.js';

/** What one line reads and writes, as written. */
export interface Declared {
  line: number;
  /** Local input files: images, mask, markup layer, mask drawing (URLs and file ids are no one's output). */
  inputs: string[];
  /** Its fixed output files (none for a folder). */
  outputs: string[];
}

/** The local files among a job's inputs: every file the request would send, and the drawing a mask is made from. */
export function localInputs(images: string[], flags: JobFlags): string[] {
  const paths: string[] = [];
  const layers = [flags.mask, flags.markup].filter((f) => f !== undefined);
  for (const arg of [...images, ...layers]) {
    try {
      const source = readSource(arg, 'image');
      if (source.kind === 'path') paths.push(source.path);
    } catch {
      // Not a usable reference: the builder says why, with the line.
    }
  }
  return flags.maskFrom === undefined ? paths : [...paths, flags.maskFrom];
}

/** The files a job with a fixed "out" writes (out.png, or out-1.png... with a count). */
export function declaredOutputs(flags: JobFlags, isFolder: boolean): string[] {
  if (typeof flags.out !== 'string' || flags.out === '-' || isFolder) return [];
  return numbered(flags.out, typeof flags.count === 'number' && flags.count > 1 ? flags.count : 1);
}

export interface Chain {
  /** For each line, the lines whose outputs it reads. */
  after: Map<number, number[]>;
  /** The lines in the order to build and start them: every producer before its readers, else file order. */
  order: number[];
  problems: Problem[];
}

/** Who reads whose output, in what order the lines can run, and the chains that cannot be. */
export function chainOf(lines: Declared[], keyOf: (path: string) => string): Chain {
  const makers = new Map<string, number>();
  for (const d of lines) for (const out of d.outputs) if (!makers.has(keyOf(out))) makers.set(keyOf(out), d.line);
  const after = new Map<number, number[]>();
  const problems: Problem[] = [];
  for (const d of lines) {
    const producers = new Set<number>();
    for (const input of d.inputs) {
      const maker = makers.get(keyOf(input));
      if (maker === undefined) continue;
      if (maker === d.line) {
        problems.push({
          line: d.line,
          message: `${input} is both an input and the "out" of this job: its result would replace what it reads (and a rerun would read that); write it to another file`,
        });
        continue;
      }
      producers.add(maker);
    }
    if (producers.size)
      after.set(
        d.line,
        [...producers].sort((a, b) => a - b),
      );
  }
  // Kahn's order, the lowest line first among those ready: file order wherever nothing waits.
  const waiting = new Map(lines.map((d) => [d.line, new Set(after.get(d.line) ?? [])]));
  const order: number[] = [];
  for (;;) {
    const ready = [...waiting].filter(([, deps]) => deps.size === 0).map(([line]) => line);
    if (!ready.length) break;
    const next = Math.min(...ready);
    order.push(next);
    waiting.delete(next);
    for (const deps of waiting.values()) deps.delete(next);
  }
  for (const [line, deps] of waiting)
    problems.push({
      line,
      message: `it reads the output of line ${[...deps].join(', ')}, which waits (directly or not) for this job's own output: the jobs can never run`,
    });
  return { after, order: [...order, ...waiting.keys()], problems };
}

// batch under Windows Node: a jobs file with Windows paths, the up-to-date skip on a rerun, and
// three ways of naming an output folder (a trailing backslash, an existing folder without one).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORK, ensure, imgcli, listing } from './harness.js';

// Writes a jobs file (one object or string a line), runs imgcli batch on it, parses stdout.
function batch(name, jobs, extra = []) {
  writeFileSync(join(WORK, name), `${jobs.map((j) => JSON.stringify(j)).join('\n')}\n`);
  const run = imgcli(['batch', name, ...extra]);
  const lines = run.stdout
    .split(/\r?\n/)
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { run, lines };
}

// One job that should write one PNG into `folder`.
function oneFileIn(folder, { run, lines }) {
  const job = lines[0];
  ensure(run.code === 0 && job?.status === 'ok', `the job ${job ? `failed: ${job.error}` : 'printed no line'}`, run);
  const files = listing(join(WORK, folder)).filter((f) => f.endsWith('.png'));
  ensure(files.length === 1, `${folder}/ holds ${JSON.stringify(files)}`, run);
}

export function batchChecks() {
  return [
    {
      name: 'batch: jobs with Windows paths (gen, edit with a mask), then a rerun finds them up to date',
      run() {
        const jobs = [
          { prompt: 'a red fox', out: 'batch\\fox.png' },
          {
            command: 'edit',
            images: ['fixtures\\photo.png'],
            mask: 'fixtures\\mask.png',
            prompt: 'a window',
            out: 'batch\\edit.png',
          },
        ];
        const first = batch('jobs.jsonl', jobs);
        ensure(first.run.code === 0, 'the batch failed', first.run);
        ensure(
          first.lines.length === 2 && first.lines.every((l) => l.status === 'ok'),
          'not every job is ok',
          first.run,
        );
        const written = listing(join(WORK, 'batch'));
        ensure(written.join() === 'edit.png,fox.png', `batch/ holds ${written}`, first.run);
        const again = batch('jobs.jsonl', jobs);
        ensure(again.run.code === 0, 'the rerun failed', again.run);
        const statuses = again.lines.map((l) => l.status);
        ensure(statuses.join() === 'up-to-date,up-to-date', `rerun statuses: ${statuses}`, again.run);
      },
    },
    {
      name: 'batch: a job with "out": "takes\\\\" (a folder, trailing backslash) writes into takes\\',
      run() {
        oneFileIn('takes', batch('jobs-takes.jsonl', [{ prompt: 'a whale', out: 'takes\\' }]));
      },
    },
    {
      name: 'batch: a job with "out": "existing" (an existing folder, no slash) writes into it',
      run() {
        mkdirSync(join(WORK, 'existing'), { recursive: true });
        oneFileIn('existing', batch('jobs-existing.jsonl', [{ prompt: 'an owl', out: 'existing' }]));
      },
    },
    {
      name: 'batch -o plain\\ (the default folder, trailing backslash) for a job without "out"',
      run() {
        oneFileIn('plain', batch('jobs-plain.jsonl', ['a plain prompt'], ['-o', 'plain\\']));
      },
    },
  ];
}

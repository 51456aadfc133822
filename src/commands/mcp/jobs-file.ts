// A jobs file handed to batch_submit names paths of its own: each job's "out" (written), its input
// images, mask and markup layer (read), and a prompt given as @file (read). Each is held to the root before
// anything is sent, as the tools' own paths are; the state file imgcli keeps goes beside the jobs
// file, which the caller checked as a place to write.
import { parseJobs } from '../../batch/parse.js';
import { UsageError } from '../../errors.js';
import { readRegularFile } from '../../image/input-file.js';
import { readSource } from '../../upload/json-edit.js';
import type { Root } from './root.js';

export async function checkJobsFile(path: string, root: Root): Promise<void> {
  const text = (await readRegularFile(path, 'jobs').catch(() => undefined))?.toString('utf8');
  // A file that cannot be read is the batch command's to report, in its words.
  if (text === undefined) return;
  let jobs;
  try {
    jobs = parseJobs(text).jobs;
  } catch (err) {
    if (err instanceof UsageError) return;
    throw err;
  }
  for (const job of jobs) {
    const at = (key: string) => `${path} line ${job.line}: ${key}`;
    const { out, image, images, mask, maskFrom, markup, prompt } = job.flags;
    if (typeof out === 'string') await root.check(out, { name: at('"out"'), kind: 'write', image: true });
    const inputs = [
      ...(typeof image === 'string' ? [['"image"', image]] : []),
      ...(Array.isArray(images) ? images.map((p, i) => [`"images"[${i}]`, p]) : []),
      ...(typeof images === 'string' ? [['"images"', images]] : []),
      ...(typeof mask === 'string' ? [['"mask"', mask]] : []),
      ...(typeof maskFrom === 'string' ? [['"mask_from"', maskFrom]] : []),
      ...(typeof markup === 'string' ? [['"markup"', markup]] : []),
    ] as Array<[string, unknown]>;
    for (const [key, value] of inputs)
      if (typeof value === 'string' && readSource(value, key).kind === 'path')
        await root.check(value, { name: at(key), kind: 'read' });
    if (typeof prompt === 'string' && prompt.startsWith('@') && prompt.length > 1)
      await root.check(prompt.slice(1), { name: at('"prompt" @file'), kind: 'read' });
  }
}

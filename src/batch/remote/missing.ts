// A remote batch re-run whose finished jobs' files are no longer there (deleted by hand, a cleaned
// folder): written again from the batch's output file while the server keeps it (regather, for
// nothing), or told as missing, with what to do. The state keeps their old results, so a later
// run looks again.
import { stat } from 'node:fs/promises';
import { regather, type CollectContext, type RemoteJob } from './collect.js';
import type { JobResult, Part } from './state.js';

const isFile = (path: string) =>
  stat(path).then(
    (st) => st.isFile(),
    () => false,
  );

/** The files a job's result names that are no longer there. */
export async function missingFiles(result: JobResult): Promise<string[]> {
  const paths = result.files.map((f) => f.path).filter((p): p is string => typeof p === 'string' && p !== '-');
  const gone: string[] = [];
  for (const path of paths) if (!(await isFile(path))) gone.push(path);
  return gone;
}

/**
 * Jobs whose files were deleted after the batch wrote them: written again from the batch's output
 * file, part by part, while the server keeps it (regather); returns those it could not bring back.
 */
export async function bringBack(
  ctx: CollectContext,
  gone: RemoteJob[],
  latest: Map<string, Part>,
): Promise<RemoteJob[]> {
  const byPart = new Map<Part, RemoteJob[]>();
  for (const job of gone) {
    const part = latest.get(job.customId)!;
    byPart.set(part, [...(byPart.get(part) ?? []), job]);
  }
  const lost: RemoteJob[] = [];
  for (const [part, jobs] of byPart) {
    ctx.say.info(
      `batch: ${jobs.length} file${jobs.length === 1 ? '' : 's'} of batch ${part.batch_id} no longer there; writing ${jobs.length === 1 ? 'it' : 'them'} again from its results`,
    );
    const ids = new Set(
      await regather(
        ctx,
        part,
        jobs.map((j) => j.customId),
      ),
    );
    lost.push(...jobs.filter((j) => ids.has(j.customId)));
  }
  return lost;
}

/** The result told for a job whose files are gone for good (status "missing" on its line): the error says what to do. */
export function missingResult(result: JobResult, paths: string[]): JobResult {
  const error = `${paths.join(', ')} ${paths.length === 1 ? 'is' : 'are'} no longer there, and batch ${result.batch_id}'s results are no longer on the server to write ${paths.length === 1 ? 'it' : 'them'} again: restore ${paths.length === 1 ? 'it' : 'them'}, or run with --resubmit to make ${paths.length === 1 ? 'it' : 'them'} again (billed)`;
  return { ...result, status: 'failed', files: [], error, failure: { kind: 'missing', path: paths[0] } };
}

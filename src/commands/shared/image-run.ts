// What gen, edit and vary do once commander has parsed them: settings and messenger, the typed
// job (build.ts), then the run and its report (run.ts). Loaded only when an image command runs.
import { resolveSettings, type GlobalFlags } from '../../config/settings.js';
import type { Runtime } from '../../runtime.js';
import { createMessenger, useColor } from '../../terminal/messenger.js';
import { buildJob, type JobFlags, type JobRequest } from '../../pipeline/build.js';
import { runAndReport } from '../../pipeline/run.js';

export async function runImageCommand(
  rt: Runtime,
  flags: GlobalFlags & JobFlags,
  req: Omit<JobRequest, 'flags'>,
): Promise<void> {
  const settings = await resolveSettings(flags, rt);
  const say = await createMessenger(rt.stderr, { ...settings, color: useColor(flags.color, rt) });
  const job = await buildJob({ ...req, flags }, { rt, settings, say });
  await runAndReport(rt, settings, job, { json: flags.json, summary: flags.summary }, say);
}

// What gen, edit and vary do once commander has parsed them: the typed job (pipeline/build.ts) from
// the flags and the run's settings, then the run and its report (pipeline/run.ts).
import { buildJob, type JobFlags, type JobRequest } from '../../pipeline/build.js';
import { withListedModel } from '../../pipeline/listed-model.js';
import { runAndReport } from '../../pipeline/run.js';
import type { Context } from './context.js';

export async function runImageCommand(ctx: Context, req: Omit<JobRequest, 'flags'>): Promise<void> {
  const flags = ctx.flags<JobFlags>();
  const say = await ctx.messenger();
  const settings = await withListedModel(await ctx.settings(), () => ctx.connection(), say);
  const job = await buildJob({ ...req, flags }, { rt: ctx.rt, settings, say });
  await runAndReport(ctx.rt, settings, job, { json: flags.json, summary: flags.summary }, say, () => ctx.connection());
}

// `imgcli replay`, run: plan from the image's record (plan.ts), then the same typed job as gen, edit
// or vary would build, sent and reported as theirs are.
import type { JobFlags } from '../../pipeline/build.js';
import { runAndReport } from '../../pipeline/run.js';
import type { Handler } from '../shared/context.js';
import { buildReplayJob, planReplay, readRecord } from './plan.js';

const replay: Handler = async (ctx, { args, command }) => {
  const [image, inputs] = args as [string, string[]];
  const own = command.opts<JobFlags & { model?: string; force?: boolean }>();
  // Only what was typed overrides the record; defaults (--no-clobber's true ...) are not choices.
  const given = Object.fromEntries(
    Object.entries(own).filter(([key]) => key !== 'force' && command.getOptionValueSource(key) === 'cli'),
  ) as JobFlags & { model?: string };
  const req = { image, images: inputs, given, force: Boolean(own.force) };
  const record = await readRecord(image);
  // A conversation turn's image: that turn again, from the same point of its thread.
  if (record.command === 'chat') return (await import('./chat-turn.js')).replayTurn(ctx, req, record);
  const plan = await planReplay(req, record);
  // The recorded model (or -m's) is sent; the config's image defaults are not: the record says what was asked.
  const resolved = await ctx.settings();
  const settings = {
    ...resolved,
    model: plan.model,
    sources: { ...resolved.sources, model: 'flag' as const },
    defaults: {},
  };
  const say = await ctx.messenger();
  const p = plan.source;
  // The local files that will be uploaded, named before anything is sent.
  const checked = plan.inputs.length
    ? `, ${plan.inputs.length} input${plan.inputs.length > 1 ? 's' : ''} ${plan.unchecked ? 'given' : 'checked'} (uploading ${plan.inputs.map((i) => i.path).join(', ')})`
    : '';
  say.info(
    `replaying ${image}: imgcli ${plan.command}, ${plan.model}${p.request_id ? `, first made as ${p.request_id}` : ''}${checked}${plan.overrides.length ? `; changed: ${plan.overrides.join(', ')}` : ''}`,
  );
  for (const line of plan.forced) say.warn(`--force: ${line}`);
  const job = await buildReplayJob(req, plan, { rt: ctx.rt, settings, say });
  await runAndReport(ctx.rt, settings, job, { json: given.json, summary: given.summary }, say, () => ctx.connection());
};

export const handlers: Record<string, Handler> = { replay };

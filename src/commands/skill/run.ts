// `imgcli skill`, run: the skill's text (text.ts) on stdout, or written as <dir>/imgcli/SKILL.md.
import { join } from 'node:path';
import { prepareDestination, writeAtomic } from '../../output/disk.js';
import type { Handler } from '../shared/context.js';
import { SKILL_NAME, skillText } from './text.js';

const skill: Handler = async (ctx, { command }) => {
  const { install } = command.opts<{ install?: string }>();
  const text = skillText(ctx.rt.now());
  if (install === undefined) {
    ctx.rt.stdout.write(text);
    return;
  }
  const path = join(install, SKILL_NAME, 'SKILL.md');
  await prepareDestination({ kind: 'files', paths: [path], noClobber: false });
  const written = await writeAtomic(path, Buffer.from(text), { replace: true, signal: ctx.rt.signal });
  ctx.rt.stdout.write(`${written}\n`);
};

export const handlers: Record<string, Handler> = { skill };

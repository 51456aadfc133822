// `imgcli doctor`, run: the checks (checks.ts), one line each on stdout or one --json document;
// exit 1 (the answer to "does it work?" is no) when any failed.
import { createMessenger } from '../../terminal/messenger.js';
import { printable } from '../../terminal/printable.js';
import { ProblemsFoundError } from '../../errors.js';
import { VERSION } from '../../version.js';
import type { Handler } from '../shared/context.js';
import { runChecks } from './checks.js';

const LABEL = { ok: 'ok', warn: 'warn', fail: 'FAIL', note: 'note', skip: 'skip' } as const;

const doctor: Handler = async (ctx) => {
  const { rt } = ctx;
  const flags = ctx.flags<{ json?: boolean }>();
  // Not the run's messenger: the offline server's own notices would only clutter the screen.
  const say = await createMessenger(rt.stderr, { quiet: true, verbose: flags.verbose, color: ctx.color });
  const report = await runChecks(rt, flags, say);
  if (flags.json)
    rt.stdout.write(`${JSON.stringify({ version: VERSION, date: rt.now().toISOString(), ...report }, null, 2)}\n`);
  else {
    const width = Math.max(...report.checks.map((c) => c.name.length));
    const lines = [`imgcli ${VERSION} doctor, ${rt.now().toISOString().slice(0, 10)}`];
    for (const c of report.checks) {
      // A detail or hint may quote the server (its error, the models it lists): made printable.
      lines.push(`  ${LABEL[c.status].padEnd(5)} ${c.name.padEnd(width)}  ${printable(c.detail)}`);
      if (c.hint && (c.status === 'fail' || c.status === 'warn'))
        lines.push(`  ${''.padEnd(5)} ${''.padEnd(width)}  -> ${printable(c.hint)}`);
    }
    rt.stdout.write(`${lines.join('\n')}\n`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.name);
  if (failed.length) throw new ProblemsFoundError(failed);
};

export const handlers: Record<string, Handler> = { doctor };

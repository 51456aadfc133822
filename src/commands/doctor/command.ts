// `imgcli doctor`: one screen that answers "why doesn't it work?" (the checks are in
// doctor/checks.ts); --json for scripts; exit 1 when something is wrong.
import { Command } from 'commander';
import type { GlobalFlags } from '../../config/settings.js';
import type { Runtime } from '../../runtime.js';
import { VERSION } from '../../version.js';

const EXAMPLES = `
Examples:
  $ imgcli doctor
  $ imgcli --profile azure doctor                # the settings a profile gives
  $ imgcli doctor --json | jq -r '.checks[] | select(.status == "fail") | .name'

It checks Node, sharp, the config file and its folder, the profile, where the API key comes
from (shown redacted), the base URL and proxy in effect, whether the server answers and takes
the key (GET /models: free, no image is made), which image models it lists and which of those
are retiring, and for api.openai.com the organization verification GPT image models need.
Exit 0 when nothing failed (warnings and notes allowed), 1 when a check failed.`;

const LABEL = { ok: 'ok', warn: 'warn', fail: 'FAIL', note: 'note', skip: 'skip' } as const;

export function doctorCommand(rt: Runtime): Command {
  return new Command('doctor')
    .description('Check what imgcli needs, from Node to the server and the key, and say what to fix.')
    .option('--json', 'print one JSON document (ok, checks, models) instead of the screen')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: { json?: boolean }, self: Command) => {
      const [{ runChecks }, { createMessenger, useColor }, { ProblemsFoundError }] = await Promise.all([
        import('./checks.js'),
        import('../../terminal/messenger.js'),
        import('../../errors.js'),
      ]);
      const flags = self.optsWithGlobals<GlobalFlags>();
      // The offline server's own notices would only clutter the screen.
      const say = await createMessenger(rt.stderr, {
        quiet: true,
        verbose: flags.verbose,
        color: useColor(flags.color, rt),
      });
      const report = await runChecks(rt, flags, say);
      if (opts.json)
        rt.stdout.write(`${JSON.stringify({ version: VERSION, date: rt.now().toISOString(), ...report }, null, 2)}\n`);
      else {
        const width = Math.max(...report.checks.map((c) => c.name.length));
        const lines = [`imgcli ${VERSION} doctor, ${rt.now().toISOString().slice(0, 10)}`];
        for (const c of report.checks) {
          lines.push(`  ${LABEL[c.status].padEnd(5)} ${c.name.padEnd(width)}  ${c.detail}`);
          if (c.hint && (c.status === 'fail' || c.status === 'warn'))
            lines.push(`  ${''.padEnd(5)} ${''.padEnd(width)}  -> ${c.hint}`);
        }
        rt.stdout.write(`${lines.join('\n')}\n`);
      }
      const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.name);
      if (failed.length) throw new ProblemsFoundError(failed);
    });
}

// `imgcli models`: the model table (status, endpoints, sizes, qualities, limits), optionally
// merged with what the configured server lists at GET /models.
import { Command } from 'commander';
import type { GlobalFlags } from '../../config/settings.js';
import type { Runtime } from '../../runtime.js';

interface ModelsFlags extends GlobalFlags {
  json?: boolean;
  markdown?: boolean;
  remote?: boolean;
  dryRun?: boolean;
  wide?: boolean;
}

const EXAMPLES = `
Examples:
  $ imgcli models                                  # the table imgcli checks requests against
  $ imgcli models --wide                           # every column, however narrow the terminal
  $ imgcli models --json | jq -r '.models[] | select(.status == "current") | .name'
  $ imgcli models --remote                         # ask the server (GET /models) and compare
  $ imgcli --profile azure models --remote --json
  $ imgcli models --remote --dry-run               # print the request instead of sending it
  $ IMGCLI_NOW=2027-01-01 imgcli models            # the statuses on another day

Status is for api.openai.com on today's date (or the date in IMGCLI_NOW), which the table's
last line names: there a retired model is refused and one retiring within 30 days gets a
warning. Other servers (Azure, gateways, local servers) may keep serving any of them.
--remote lists the server's answer next to the table and flags differences (a model not
listed, a different shutdown date, an image model imgcli does not know). On a terminal the table
fits its width (names without aliases, fewer columns); in a pipe or with --wide, every column.`;

export function modelsCommand(rt: Runtime): Command {
  const cmd = new Command('models')
    .description('List the image models imgcli knows: family, endpoints, status, sizes, qualities and limits.')
    .option('--remote', 'also ask the configured server (GET /models) and flag differences')
    .option('--dry-run', 'with --remote: print the request instead of sending it')
    .option('--json', 'print one JSON document on stdout')
    .option('--markdown', "print the table as markdown (the README's table is made with it)")
    .option('--wide', 'every column and alias even on a narrow terminal (always so when stdout is not a terminal)')
    .addHelpText('after', EXAMPLES);
  cmd.action(async (_opts: unknown, self: Command) => {
    const flags = self.optsWithGlobals<ModelsFlags>();
    const { catalogRows, formatCatalog, formatMarkdown, mergeRemote } = await import('../../models/catalog.js');
    const { FACTS_CHECKED } = await import('../../models/table.js');
    const now = rt.now();
    const date = now.toISOString().slice(0, 10);
    let rows = catalogRows(now);
    const doc: Record<string, unknown> = { facts_checked: FACTS_CHECKED, status_date: date };
    if (flags.remote) {
      const [
        { resolveSettings },
        { openConnection },
        { dryRun },
        { listModels },
        { createMessenger, useColor },
        { closeDispatchers },
      ] = await Promise.all([
        import('../../config/settings.js'),
        import('../../connection/connect.js'),
        import('../../pipeline/dry-run.js'),
        import('../../api/models.js'),
        import('../../terminal/messenger.js'),
        import('../../api/http.js'),
      ]);
      const settings = await resolveSettings(flags, rt);
      const say = await createMessenger(rt.stderr, { ...settings, color: useColor(flags.color, rt) });
      if (flags.dryRun) return dryRun(rt, settings, { method: 'GET', path: '/models' }, say, Boolean(flags.json));
      const { conn, close } = await openConnection(rt, settings, say);
      try {
        const { models } = await listModels(conn);
        const merged = mergeRemote(rows, models);
        rows = merged.rows;
        doc.base_url = settings.mock ? 'offline server (--mock)' : settings.baseUrl;
        doc.other_models = merged.others;
        if (merged.others.length && !flags.json)
          say.info(
            `the server also lists ${merged.others.length} other models (not image models imgcli knows); --json lists them.`,
          );
      } finally {
        await close();
        await closeDispatchers();
      }
    } else if (flags.dryRun) {
      const { UsageError } = await import('../../errors.js');
      throw new UsageError('models --dry-run only makes sense with --remote: without it nothing is sent');
    }
    if (flags.json) rt.stdout.write(`${JSON.stringify({ ...doc, models: rows }, null, 2)}\n`);
    else if (flags.markdown) rt.stdout.write(formatMarkdown(rows, date));
    else {
      // A terminal gets a table that fits it; a pipe or a file gets every column.
      const width = rt.stdout.isTTY && !flags.wide ? rt.stdout.columns || 80 : undefined;
      rt.stdout.write(formatCatalog(rows, { remote: Boolean(flags.remote), date, width }));
    }
  });
  return cmd;
}

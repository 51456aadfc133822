// `imgcli models`, run: the model table as rows (src/models/catalog.ts), with --remote merged with
// what the configured server lists at GET /models; a table that fits the terminal, markdown or JSON.
import { UsageError } from '../../errors.js';
import { catalogRows, formatCatalog, formatMarkdown } from '../../models/catalog.js';
import { FACTS_CHECKED } from '../../models/table.js';
import { providerById } from '../../models/providers.js';
import type { Handler } from '../shared/context.js';
import type { ModelsFlags } from './command.js';

const models: Handler = async (ctx) => {
  const { rt } = ctx;
  const flags = ctx.flags<ModelsFlags>();
  const now = rt.now();
  const date = now.toISOString().slice(0, 10);
  // The status of each model by the dates of the provider in effect (--provider, the config, the host).
  const named = ctx.flags().provider ?? (rt.env.IMGCLI_PROVIDER || undefined);
  const provider = await ctx.settings().then(
    (s) => s.provider,
    () => (named ? providerById(named) : undefined),
  );
  let rows = catalogRows(now, provider);
  const doc: Record<string, unknown> = {
    facts_checked: FACTS_CHECKED,
    status_date: date,
    ...(provider ? { provider: provider.id } : {}),
  };
  if (flags.remote) {
    // Loaded only with --remote: the table alone needs no HTTP core, zod or settings.
    const { remoteRows } = await import('./remote.js');
    const remote = await remoteRows(ctx, rows, flags);
    if (!remote) return;
    rows = remote.rows;
    Object.assign(doc, remote.doc);
  } else if (flags.dryRun) {
    throw new UsageError('models --dry-run only makes sense with --remote: without it nothing is sent');
  }
  if (flags.json) rt.stdout.write(`${JSON.stringify({ ...doc, models: rows }, null, 2)}\n`);
  else if (flags.markdown) rt.stdout.write(formatMarkdown(rows, date));
  else {
    // A terminal gets a table that fits it; a pipe or a file gets every column.
    const width = rt.stdout.isTTY && !flags.wide ? rt.stdout.columns || 80 : undefined;
    rt.stdout.write(formatCatalog(rows, { remote: Boolean(flags.remote), date, width }));
  }
};

export const handlers: Record<string, Handler> = { models };

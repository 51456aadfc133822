// `imgcli models --remote`: the table merged with what the configured server lists at GET /models
// (or, with --dry-run, that request printed instead of sent).
import { listModels } from '../../api/models.js';
import { mergeRemote, type CatalogRow } from '../../models/catalog.js';
import { dryRun } from '../../pipeline/dry-run.js';
import { printable } from '../../terminal/printable.js';
import type { Context } from '../shared/context.js';
import type { ModelsFlags } from './command.js';

/** The merged rows and what the --json document adds; undefined when --dry-run printed the request instead. */
export async function remoteRows(
  ctx: Context,
  rows: CatalogRow[],
  flags: ModelsFlags,
): Promise<{ rows: CatalogRow[]; doc: Record<string, unknown> } | undefined> {
  const [settings, say] = [await ctx.settings(), await ctx.messenger()];
  if (flags.dryRun) {
    await dryRun(ctx.rt, settings, { method: 'GET', path: '/models' }, say, Boolean(flags.json));
    return undefined;
  }
  const listed = (await listModels(await ctx.connection())).models;
  // The ids and dates a server lists are its text: printable in a table (--json keeps them exact).
  const models = flags.json
    ? listed
    : listed.map((m) => ({ ...m, id: printable(m.id), shutdownDate: m.shutdownDate && printable(m.shutdownDate) }));
  const merged = mergeRemote(rows, models, settings.provider);
  if (merged.others.length && !flags.json)
    say.info(
      `the server also lists ${merged.others.length} other models (not image models imgcli knows); --json lists them.`,
    );
  return {
    rows: merged.rows,
    doc: { base_url: settings.mock ? 'offline server (--mock)' : settings.baseUrl, other_models: merged.others },
  };
}

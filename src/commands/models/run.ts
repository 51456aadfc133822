// `imgcli models`, run: the model table as rows (src/models/catalog.ts), with --remote merged with
// what the configured server lists at GET /models; a table that fits the terminal (layout.ts),
// markdown or JSON. With a model name, that model whole.
import { UsageError } from '../../errors.js';
import { catalogRows, formatMarkdown, modelDetail } from '../../models/catalog.js';
import { DEFAULT_MODEL, FACTS_CHECKED, MODEL_NAMES } from '../../models/table.js';
import { providerById, type ProviderInfo } from '../../models/providers.js';
import { didYouMean } from '../../suggest.js';
import type { Context, Handler } from '../shared/context.js';
import type { ModelsFlags } from './command.js';
import { formatCatalog, formatDetail } from './layout.js';

const models: Handler = async (ctx, { args }) => {
  const [name] = args as [string | undefined];
  const { rt } = ctx;
  const flags = ctx.flags<ModelsFlags>();
  const now = rt.now();
  const date = now.toISOString().slice(0, 10);
  // The status of each model by the dates of the provider in effect (--provider, the config, the host).
  // "default" marks what gen uses without -m here (the config's, IMGCLI_MODEL, the provider's or imgcli's).
  const named = ctx.flags().provider ?? (rt.env.IMGCLI_PROVIDER || undefined);
  const settings = await ctx.settings().catch(() => undefined);
  const provider = settings ? settings.provider : named ? providerById(named) : undefined;
  const defaultModel = settings?.model ?? DEFAULT_MODEL;
  if (name !== undefined) return one(ctx, name, flags, date, provider, defaultModel);
  let rows = catalogRows(now, provider, defaultModel);
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
    const { text, tooNarrow } = formatCatalog(rows, { remote: Boolean(flags.remote), date, width });
    rt.stdout.write(text);
    if (tooNarrow)
      (await ctx.messenger()).info(
        `${width} columns are too few for the table (it needs ${tooNarrow}): printed whole, one model a line; \`imgcli models | less -S\` scrolls it sideways`,
      );
  }
};

/** `imgcli models <model>`: one model of the table whole, as text or --json. */
async function one(
  ctx: Context,
  name: string,
  flags: ModelsFlags,
  date: string,
  provider: ProviderInfo | undefined,
  defaultModel: string,
): Promise<void> {
  const { rt } = ctx;
  if (flags.remote || flags.markdown || flags.dryRun)
    throw new UsageError(
      `models ${name} shows one model of the table; --remote, --dry-run and --markdown are for the whole list`,
      `Run \`imgcli models${flags.remote ? ' --remote' : ''}\` for the list, or \`imgcli models ${name}\` alone.`,
    );
  const detail = modelDetail(name, rt.now(), provider, defaultModel);
  if (!detail)
    throw new UsageError(
      `imgcli's model table has no ${JSON.stringify(name)}${didYouMean(name, MODEL_NAMES)}`,
      'See `imgcli models` for the models it knows. Another name is sent as given, checked by its prefix (gpt-image-*, dall-e-*) where it has one.',
    );
  if (flags.json)
    rt.stdout.write(
      `${JSON.stringify({ facts_checked: FACTS_CHECKED, status_date: date, ...(provider ? { provider: provider.id } : {}), ...detail }, null, 2)}\n`,
    );
  else rt.stdout.write(formatDetail(detail, date, rt.stdout.isTTY ? rt.stdout.columns || 80 : 80));
}

export const handlers: Record<string, Handler> = { models };

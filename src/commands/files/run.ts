// `imgcli files upload|list|rm`, run: the work (work.ts) on the run's connection, and what each
// prints: ids one per line as they come (for a pipe), a table, or one --json document.
import { ApiError } from '../../api/errors.js';
import { UsageError } from '../../errors.js';
import { isoSeconds } from '../../output/times.js';
import { table } from '../../terminal/table.js';
import type { Handler } from '../shared/context.js';
import { checkFileIds, checkImages, connected, fileNotFound, listAll, removeFiles, uploadImages } from './work.js';

interface JsonFlag {
  json?: boolean;
}

const upload: Handler = async (ctx, { args }) => {
  const [paths] = args as [string[]];
  const { rt } = ctx;
  const flags = ctx.flags<JsonFlag>();
  const images = await checkImages(paths);
  const uploaded = await uploadImages(
    await connected(ctx),
    images,
    (u) => !flags.json && rt.stdout.write(`${u.file.id}\n`),
  );
  if (flags.json)
    rt.stdout.write(`${JSON.stringify({ files: uploaded.map((u) => ({ path: u.path, ...u.file })) }, null, 2)}\n`);
};

const list: Handler = async (ctx) => {
  const { rt } = ctx;
  const flags = ctx.flags<JsonFlag & { purpose?: string; limit?: number }>();
  if (flags.limit !== undefined && flags.limit < 1)
    throw new UsageError(`--limit ${flags.limit} lists nothing; give 1 or more`);
  const files = await listAll(await connected(ctx), { purpose: flags.purpose, max: flags.limit });
  if (flags.json) return void rt.stdout.write(`${JSON.stringify({ files }, null, 2)}\n`);
  if (files.length === 0)
    return (await ctx.messenger()).info(
      `no files${flags.purpose ? ` with purpose ${flags.purpose}` : ''} on the server`,
    );
  const rows = [
    ['ID', 'BYTES', 'CREATED', 'PURPOSE', 'FILENAME'],
    ...files.map((f) => [f.id, String(f.bytes ?? '-'), isoSeconds(f.created_at), f.purpose ?? '-', f.filename ?? '-']),
  ];
  rt.stdout.write(table(rows));
};

const rm: Handler = async (ctx, { args }) => {
  const [ids] = args as [string[]];
  const { rt } = ctx;
  const flags = ctx.flags<JsonFlag>();
  const { deleted, failed } = await removeFiles(
    await connected(ctx),
    checkFileIds(ids),
    (id) => !flags.json && rt.stdout.write(`${id}\n`),
  );
  if (flags.json)
    rt.stdout.write(
      `${JSON.stringify({ deleted, failed: failed.map((f) => ({ id: f.id, error: f.error.message })) }, null, 2)}\n`,
    );
  if (!failed.length) return;
  const say = await ctx.messenger();
  for (const f of failed.slice(1)) say.warn(`${f.id}: ${f.error.message}`);
  const first = failed[0]!;
  throw first.error instanceof ApiError && first.error.status === 404
    ? fileNotFound(first.error, first.id)
    : first.error;
};

export const handlers: Record<string, Handler> = { 'files upload': upload, 'files list': list, 'files rm': rm };

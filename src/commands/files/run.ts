// `imgcli files upload|list|rm`, run: the work (work.ts) on the run's connection, and what each
// prints: ids one per line as they come (for a pipe), a table, or one --json document.
import { ApiError } from '../../api/errors.js';
import { UsageError } from '../../errors.js';
import { isoSeconds } from '../../output/times.js';
import { table } from '../../terminal/table.js';
import type { Handler } from '../shared/context.js';
import { sizeText } from '../../api/limits.js';
import { ledgerFor, type UploadRecord } from '../../config/uploads.js';
import {
  checkFileIds,
  checkImages,
  connected,
  fileNotFound,
  listAll,
  planPrune,
  pruneUploads,
  recording,
  removeFiles,
  uploadImages,
} from './work.js';

interface JsonFlag {
  json?: boolean;
}

const upload: Handler = async (ctx, { args }) => {
  const [paths] = args as [string[]];
  const { rt } = ctx;
  const flags = ctx.flags<JsonFlag & { expiresAfter?: number | 'never' }>();
  const images = await checkImages(paths);
  const say = await ctx.messenger();
  const uploaded = await uploadImages(
    await connected(ctx),
    images,
    (u) => !flags.json && rt.stdout.write(`${u.file.id}\n`),
    recording(await ctx.settings(), flags.expiresAfter === 'never' ? null : flags.expiresAfter, rt, say.warn),
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

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const bytesOf = (records: UploadRecord[]) => records.reduce((n, r) => n + r.bytes, 0);
const freeing = (bytes: number) => (bytes ? `freeing ${sizeText(bytes, 'measured')}` : 'freeing nothing');

const prune: Handler = async (ctx) => {
  const { rt } = ctx;
  const flags = ctx.flags<JsonFlag & { dryRun?: boolean }>();
  const settings = await ctx.settings();
  const say = await ctx.messenger();
  const { ledger, server } = ledgerFor(settings);
  if (!ledger)
    throw new UsageError(
      '--mock: the offline server started for this run has no files from earlier runs to prune',
      'Prune against the server the files went to (its --base-url or --profile), or `imgcli mock-server` with --base-url.',
    );
  const plan = await planPrune(ledger, server, rt.now());
  for (const { record, why } of plan.kept) say.info(`kept ${record.id} (${record.filename}): ${why}`);
  if (flags.dryRun) {
    if (flags.json)
      return void rt.stdout.write(
        `${JSON.stringify({ dry_run: true, server, would_delete: plan.remove, would_free_bytes: bytesOf(plan.remove), expired: plan.expired, kept: plan.kept.map((k) => ({ ...k.record, why: k.why })) }, null, 2)}\n`,
      );
    for (const r of plan.remove) rt.stdout.write(`${r.id}  ${r.bytes}  ${r.purpose}  ${r.filename}\n`);
    say.info(
      `would delete ${plural(plan.remove.length, 'upload')} imgcli made on ${server}, ${freeing(bytesOf(plan.remove))}${plan.expired.length ? `; ${plural(plan.expired.length, 'more')} expired already` : ''}`,
    );
    return;
  }
  const conn = plan.remove.length ? await connected(ctx) : undefined;
  const result = await pruneUploads(conn, ledger, plan, (r) => !flags.json && rt.stdout.write(`${r.id}\n`));
  const freed = bytesOf(result.deleted);
  for (const { record, why } of result.differs) say.warn(`kept ${record.id}: ${why}`);
  if (flags.json)
    rt.stdout.write(
      `${JSON.stringify(
        {
          server,
          deleted: result.deleted,
          freed_bytes: freed,
          expired: plan.expired.map((r) => r.id),
          gone: result.gone.map((r) => r.id),
          kept: [...plan.kept, ...result.differs].map((k) => ({ id: k.record.id, why: k.why })),
          failed: result.failed.map((f) => ({ id: f.record.id, error: f.error.message })),
        },
        null,
        2,
      )}\n`,
    );
  const notes = [
    plan.expired.length ? `${plural(plan.expired.length, 'upload')} had expired already` : '',
    result.gone.length
      ? `${plural(result.gone.length, 'upload')} ${result.gone.length === 1 ? 'was' : 'were'} already gone`
      : '',
    plan.kept.length ? `${plural(plan.kept.length, 'upload')} kept for a remote batch` : '',
    result.differs.length ? `${plural(result.differs.length, 'file')} kept: not as imgcli recorded` : '',
  ].filter(Boolean);
  say.info(
    `deleted ${plural(result.deleted.length, 'upload')} imgcli made on ${server}, ${freeing(freed)}${notes.length ? `; ${notes.join('; ')}` : ''}`,
  );
  if (!result.failed.length) return;
  for (const f of result.failed.slice(1)) say.warn(`${f.record.id}: ${f.error.message}`);
  throw result.failed[0]!.error;
};

export const handlers: Record<string, Handler> = {
  'files upload': upload,
  'files list': list,
  'files rm': rm,
  'files prune': prune,
};

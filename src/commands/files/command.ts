// `imgcli files upload|list|rm`: the small part of the Files API that lets one large input image
// be uploaded once and edited many times by its id. Parse -> run (jobs/files.ts) -> print.
import { Command, Option } from 'commander';
import type { GlobalFlags } from '../../config/settings.js';
import { isoSeconds } from '../../output/times.js';
import type { Runtime } from '../../runtime.js';
import { parseWhole } from '../shared/image-options.js';

const EXAMPLES = `
Examples:
  $ imgcli files upload photo.png                      # prints the file id, e.g. file-AbC123...
  $ imgcli files upload photo.png | xargs -I{} imgcli edit {} -p "add a red scarf"
  $ imgcli files upload person.png shirt.png --json | jq -r '.files[].id'
  $ imgcli files list
  $ imgcli files list --purpose vision --json | jq -r '.files[].id'
  $ imgcli files rm "$(imgcli files upload logo.png)"   # upload, then delete again

An edit whose inputs are file ids (or https:// URLs) is sent as JSON, referring to the images
instead of uploading their bytes again: upload a large reference once, then edit it as often as
you like. Images are uploaded with purpose "vision"; each must be what edits take (PNG, JPEG or
WebP under 50 MB), and all are checked before the first is sent. With --mock the offline server
forgets its files when the command ends: run \`imgcli mock-server\` and use --base-url instead.`;

interface JsonFlag {
  json?: boolean;
}

export function filesCommand(rt: Runtime): Command {
  const cmd = new Command('files')
    .description('Upload, list and delete files with the Files API, so an edit can refer to an image by its id.')
    .addHelpText('after', EXAMPLES);

  cmd
    .command('upload')
    .summary('upload images (purpose vision); prints one file id per line')
    .description('Upload images with purpose "vision" and print one file id per line, in the order given.')
    .argument('<image...>', 'PNG, JPEG or WebP images, as edits take them')
    .option('--json', 'print one JSON document with the file objects instead of the ids')
    .addHelpText(
      'after',
      '\nExamples:\n  $ imgcli files upload photo.png\n  $ imgcli files upload photo.png | xargs -I{} imgcli edit {} -p "add a red scarf"',
    )
    .action(async (paths: string[], _opts: unknown, self: Command) => {
      const flags = self.optsWithGlobals<GlobalFlags & JsonFlag>();
      const { filesRun, checkImages, uploadImages } = await import('./run.js');
      const run = await filesRun(rt, flags);
      const images = await checkImages(paths);
      const uploaded = await run.connected((conn) =>
        uploadImages(conn, images, (u) => !flags.json && rt.stdout.write(`${u.file.id}\n`)),
      );
      if (flags.json)
        rt.stdout.write(`${JSON.stringify({ files: uploaded.map((u) => ({ path: u.path, ...u.file })) }, null, 2)}\n`);
    });

  cmd
    .command('list')
    .summary('list the files on the server')
    .description('List the files the server has (newest first): id, size, time, purpose and name.')
    .option('--purpose <purpose>', 'only files of this purpose, e.g. vision (images for edits) or batch')
    .addOption(new Option('--limit <n>', 'at most this many files').argParser(parseWhole('--limit')))
    .option('--json', 'print one JSON document with the file objects')
    .addHelpText(
      'after',
      "\nExamples:\n  $ imgcli files list\n  $ imgcli files list --purpose vision --json | jq -r '.files[].id'",
    )
    .action(async (_opts: unknown, self: Command) => {
      const flags = self.optsWithGlobals<GlobalFlags & JsonFlag & { purpose?: string; limit?: number }>();
      const { filesRun, listAll } = await import('./run.js');
      if (flags.limit !== undefined && flags.limit < 1) {
        const { UsageError } = await import('../../errors.js');
        throw new UsageError(`--limit ${flags.limit} lists nothing; give 1 or more`);
      }
      const run = await filesRun(rt, flags);
      const files = await run.connected((conn) => listAll(conn, { purpose: flags.purpose, max: flags.limit }));
      if (flags.json) return void rt.stdout.write(`${JSON.stringify({ files }, null, 2)}\n`);
      if (files.length === 0)
        return run.say.info(`no files${flags.purpose ? ` with purpose ${flags.purpose}` : ''} on the server`);
      const rows = [
        ['ID', 'BYTES', 'CREATED', 'PURPOSE', 'FILENAME'],
        ...files.map((f) => [
          f.id,
          String(f.bytes ?? '-'),
          isoSeconds(f.created_at),
          f.purpose ?? '-',
          f.filename ?? '-',
        ]),
      ];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      rt.stdout.write(
        rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n',
      );
    });

  cmd
    .command('rm')
    .summary('delete files by id; prints each id deleted')
    .description(
      'Delete files by id. Every id is tried; the ones deleted are printed, one per line, and any that failed are reported at the end.',
    )
    .argument('<id...>', 'file ids, e.g. file-AbC123')
    .option('--json', 'print one JSON document: deleted and failed ids')
    .addHelpText(
      'after',
      '\nExamples:\n  $ imgcli files rm "$(imgcli files upload logo.png)"\n  $ imgcli files list --purpose vision --json | jq -r \'.files[].id\' | xargs imgcli files rm',
    )
    .action(async (ids: string[], _opts: unknown, self: Command) => {
      const flags = self.optsWithGlobals<GlobalFlags & JsonFlag>();
      const { filesRun, checkFileIds, removeFiles, fileNotFound } = await import('./run.js');
      checkFileIds(ids);
      const run = await filesRun(rt, flags);
      const { deleted, failed } = await run.connected((conn) =>
        removeFiles(conn, ids, (id) => !flags.json && rt.stdout.write(`${id}\n`)),
      );
      if (flags.json)
        rt.stdout.write(
          `${JSON.stringify({ deleted, failed: failed.map((f) => ({ id: f.id, error: f.error.message })) }, null, 2)}\n`,
        );
      if (!failed.length) return;
      for (const f of failed.slice(1)) run.say.warn(`${f.id}: ${f.error.message}`);
      const first = failed[0]!;
      const { ApiError } = await import('../../api/errors.js');
      throw first.error instanceof ApiError && first.error.status === 404
        ? fileNotFound(first.error, first.id)
        : first.error;
    });
  return cmd;
}

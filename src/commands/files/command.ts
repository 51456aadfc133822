// `imgcli files upload|list|rm`: the small part of the Files API that lets one large input image
// be uploaded once and edited many times by its id. Declared here; run.ts runs it (work.ts the work).
import { Command, InvalidArgumentError, Option } from 'commander';
import { ValueError, parseExpiry } from '../../config/keys.js';
import { helpText } from '../shared/help-text.js';
import { parseWhole } from '../shared/image-options.js';

/** --expires-after: seconds, or 'never' (commander keeps no null). */
const expiry = (value: string): number | 'never' => {
  try {
    return parseExpiry(value) ?? 'never';
  } catch (err) {
    if (err instanceof ValueError)
      throw new InvalidArgumentError(`--expires-after ${value} is not valid: ${err.message}.`);
    throw err;
  }
};

const EXAMPLES = `
Examples:
  $ imgcli files upload photo.png                      # prints the file id, e.g. file-AbC123...
  $ imgcli files upload photo.png | xargs -I{} imgcli edit {} -p "add a red scarf"
  $ imgcli files upload person.png shirt.png --json | jq -r '.files[].id'
  $ imgcli files list
  $ imgcli files list --purpose vision --json | jq -r '.files[].id'
  $ imgcli files rm "$(imgcli files upload logo.png)"   # upload, then delete again
  $ imgcli files upload photo.png --expires-after 1d   # the server deletes it after a day
  $ imgcli files prune --dry-run                       # what imgcli uploaded here, and the bytes deleting it frees
  $ imgcli files prune

An edit whose inputs are file ids (or https:// URLs) is sent as JSON, referring to the images
instead of uploading their bytes again: upload a large reference once, then edit it as often as
you like. Images are uploaded with purpose "vision"; each must be what edits take (PNG, JPEG or
WebP under 50 MB), and all are checked before the first is sent. With --mock the offline server
forgets its files when the command ends: run \`imgcli mock-server\` and use --base-url instead.

What imgcli uploads (here, and batch --remote's input images and request files) expires on the
server by itself (expires_after, from its creation): edit inputs after 7 days, batch files after
30 (config files-expire-after and batch-files-expire-after: 1h to 30d, or never). imgcli writes
each upload down (uploads.jsonl beside the config file), so files prune deletes those on the
server in use, and only those, and says how many bytes that frees; files a remote batch still
needs are kept until it is collected.`;

export function command(): Command {
  const cmd = new Command('files')
    .description('Upload, list and delete files with the Files API, so an edit can refer to an image by its id.')
    .addHelpText('after', helpText(EXAMPLES));

  cmd
    .command('upload')
    .summary('upload images (purpose vision); prints one file id per line')
    .description('Upload images with purpose "vision" and print one file id per line, in the order given.')
    .argument('<image...>', 'PNG, JPEG or WebP images, as edits take them')
    .addOption(
      new Option(
        '--expires-after <time>',
        'the server deletes them this long after the upload: 1h to 30d, or never (default 7d; config files-expire-after)',
      ).argParser(expiry),
    )
    .option('--json', 'print one JSON document with the file objects instead of the ids')
    .addHelpText(
      'after',
      helpText(
        '\nExamples:\n  $ imgcli files upload photo.png\n  $ imgcli files upload photo.png | xargs -I{} imgcli edit {} -p "add a red scarf"',
      ),
    );

  cmd
    .command('list')
    .summary('list the files on the server')
    .description('List the files the server has (newest first): id, size, time, purpose and name.')
    .option('--purpose <purpose>', 'only files of this purpose, e.g. vision (images for edits) or batch')
    .addOption(new Option('--limit <n>', 'at most this many files').argParser(parseWhole('--limit')))
    .option('--json', 'print one JSON document with the file objects')
    .addHelpText(
      'after',
      helpText(
        "\nExamples:\n  $ imgcli files list\n  $ imgcli files list --purpose vision --json | jq -r '.files[].id'",
      ),
    );

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
      helpText(
        '\nExamples:\n  $ imgcli files rm "$(imgcli files upload logo.png)"\n  $ imgcli files list --purpose vision --json | jq -r \'.files[].id\' | xargs -r imgcli files rm   # -r: nothing listed, nothing run',
      ),
    );
  cmd
    .command('prune')
    .summary('delete the files imgcli uploaded to this server; prints each id deleted')
    .description(
      'Delete the files imgcli uploaded to the server in use (files upload, batch --remote), as its record of them says, and say how many bytes that frees. Files a remote batch still needs are kept; files uploaded by other tools are never touched.',
    )
    .option('--dry-run', 'list what would be deleted, and the bytes it would free; delete nothing')
    .option('--json', 'print one JSON document: deleted, expired, gone, kept and failed uploads, and the bytes freed')
    .addHelpText(
      'after',
      helpText(
        '\nExamples:\n  $ imgcli files prune --dry-run\n  $ imgcli files prune\n  $ imgcli files prune --json | jq .freed_bytes',
      ),
    );
  return cmd;
}

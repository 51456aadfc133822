// `imgcli info`: show the provenance imgcli embedded in images. Parse -> read -> print.
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { describeFsError } from '../fs-errors.js';
import type { Runtime } from '../runtime.js';
import type { Provenance } from '../provenance/index.js';

const EXAMPLES = `
Examples:
  $ imgcli info lighthouse.png
  $ imgcli info out/*.png out/*.jpg
  $ imgcli info lighthouse.png --json | jq -r '.[0].provenance.prompt'

imgcli embeds the prompt, revised prompt, model, parameters, request id, time, token usage and
a request fingerprint in every image it writes: PNG text chunks (iTXt, imgcli:*), XMP in JPEG
and WebP, an application extension and a comment in GIF, a <metadata> element in SVG. Other
images are listed as having no imgcli metadata. An unreadable path or a file
that is not an image is an error (exit 2), and then nothing is printed on stdout.`;

export interface InfoEntry {
  path: string;
  format: string;
  width: number | null;
  height: number | null;
  /** GIF only: how many frames it animates. */
  frames?: number;
  provenance: Provenance | null;
}

export function infoCommand(rt: Runtime): Command {
  return new Command('info')
    .summary('show the prompt, model and parameters saved in images imgcli wrote')
    .description('Show the provenance imgcli embedded in images: prompt, model, parameters, request id, time, usage.')
    .argument('<image...>', 'images to read (PNG, JPEG, WebP, GIF, SVG; other files are refused)')
    .option('--json', 'print a JSON array, one entry per image, instead of text')
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], _opts: unknown, self: Command) => {
      const { json } = self.opts<{ json?: boolean }>();
      const [{ readProvenance, isoTime }, { framesOf, sniffImage }, { readHead }] = await Promise.all([import('../provenance/index.js'), import('../image/format.js'), import('../image/head.js')]);
      const entries: InfoEntry[] = [];
      const problems: string[] = [];
      // Read every file before printing anything: a bad path fails the run with stdout empty.
      for (const path of paths) {
        try {
          const info = sniffImage(await readHead(path));
          if (!info) {
            problems.push(`${path} (not an image)`);
            continue;
          }
          const bytes = await readFile(path);
          const provenance = readProvenance(bytes);
          entries.push({ path, format: info.format, width: info.width ?? null, height: info.height ?? null, ...framesOf(bytes, info.format), provenance: provenance ?? null });
        } catch (err) {
          problems.push(`${path} (${describeFsError(err)})`);
        }
      }
      if (problems.length > 0) {
        const what = problems.length === 1 ? problems[0]!.replace(/ \((.*)\)$/, ': $1') : `${problems.length} of ${paths.length} files: ${problems.join('; ')}`;
        throw new UsageError(`cannot read ${what}`, 'Check the paths: imgcli info reads PNG, JPEG, WebP, GIF and SVG files.');
      }
      if (json) rt.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      // A blank line around each multi-line block; images without metadata stay a plain list.
      else rt.stdout.write(entries.map((e, i) => `${i > 0 && (e.provenance || entries[i - 1]!.provenance) ? '\n' : ''}${describe(e, isoTime)}`).join(''));
    });
}

const size = (e: InfoEntry) => `${e.format} ${e.width !== null && e.height !== null ? `${e.width}x${e.height}` : 'size unknown'}${e.frames !== undefined ? `, ${e.frames} frame${e.frames === 1 ? '' : 's'}` : ''}`;

/** One block per image: a heading, then label-value lines; continuation lines line up. */
function describe(e: InfoEntry, isoTime: (created: number) => string): string {
  const p = e.provenance;
  const path = printable(e.path);
  if (!p) return `${path}: no imgcli metadata (${size(e)})\n`;
  // The prompt and model have lines of their own; the parameters need not repeat them.
  const params = Object.fromEntries(Object.entries(p.parameters).filter(([k, v]) => !(k === 'prompt' && v === p.prompt) && !(k === 'model' && v === p.model)));
  const rows: Array<[string, string | undefined]> = [
    ['prompt', p.prompt],
    ['revised prompt', p.revised_prompt],
    ['model', p.model],
    ['endpoint', p.endpoint],
    ['parameters', pairs(params)],
    ['request id', p.request_id],
    ['created', isoTime(p.created)],
    ['usage', p.usage && pairs(p.usage)],
    ['fingerprint', p.fingerprint],
    ['tool', p.tool],
  ];
  const width = 'revised prompt'.length + 2;
  const lines = rows
    .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
    .map(([label, value]) => `  ${`${label}:`.padEnd(width)} ${printable(value).split('\n').join(`\n  ${' '.repeat(width)} `)}`);
  return `${path} (${size(e)})\n${lines.join('\n')}\n`;
}

/** key=value, comma-separated; nested objects flatten to dotted keys. */
function pairs(obj: Record<string, unknown>, prefix = ''): string {
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? pairs(v as Record<string, unknown>, `${prefix}${k}.`) : `${prefix}${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`))
    .filter(Boolean)
    .join(', ');
}

/** A file's text must not drive the terminal: control characters are shown as \u escapes. */
function printable(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

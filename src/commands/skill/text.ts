// The agent skill for imgcli, in the open Agent Skills format: SKILL.md, YAML front matter (name,
// description) then markdown. The words are here; the facts that change (the models and their
// status on the run's date, the flags and their values, the exit codes) are generated from the
// model, field and exit-code tables, so the skill cannot drift from the CLI it describes.
import { EXIT_CODES } from '../../exit-codes.js';
import { catalogRows, formatMarkdown } from '../../models/catalog.js';
import { IMAGE_FIELDS, fieldHelp, offeredBy, type ImageCommand } from '../../models/fields.js';
import { DEFAULT_MODEL } from '../../models/table.js';

export const SKILL_NAME = 'imgcli';

const DESCRIPTION =
  'Generate, edit and vary images from the command line with imgcli (OpenAI Images API or a compatible server): writes image files and prints their paths, checks every request before it is sent, estimates cost. Use when a task needs an image file made or changed (icons, illustrations, banners, mockups, animated GIFs, SVGs), an edit mask built or checked, or the prompt and cost recorded in an image imgcli wrote.';

/** One line per request field: its flag, the commands that take it, and its values from the tables. */
function flagLines(): string[] {
  const commands: ImageCommand[] = ['gen', 'edit', 'vary'];
  // A field only imgcli chat takes belongs to that command's help, not to this list.
  return IMAGE_FIELDS.filter((field) => commands.some((c) => offeredBy(field, c))).map((field) => {
    const takers = commands.filter((c) => offeredBy(field, c));
    const command = takers[0]!;
    const where = takers.length === commands.length ? '' : ` (${takers.join(', ')})`;
    return `- \`${field.flags.replace(/ <.*>$/, '')}\`${where}: ${fieldHelp(field, command)}`;
  });
}

/**
 * SKILL.md, with the model statuses as of `now`. The description is a double-quoted YAML scalar
 * (JSON's quoting is YAML's): as plain text its ": " would start a mapping and break the front matter.
 */
export function skillText(now: Date): string {
  const date = now.toISOString().slice(0, 10);
  const exits = EXIT_CODES.map((row) => `- \`${row.code}\` ${row.meaning}`);
  return `---
name: ${SKILL_NAME}
description: ${JSON.stringify(DESCRIPTION)}
---

# imgcli

imgcli sends one image request per command, writes the images as files and prints their paths on
stdout (everything else goes to stderr). Every request is checked against the model's rules before
anything is sent: a refused request costs nothing and exits 2.

## The way to run it

1. **Rehearse first**: add \`--dry-run --json\`. It prints the request and \`estimated_cost_usd\`;
   nothing is sent, nothing written.
   \`imgcli gen "a flat app icon, a paper boat" -s 1024x1024 -q low -o assets/icon.png --dry-run --json\`
2. **Run with \`--json\` and an explicit \`-o\`**, then read the paths from the JSON, not from a guess:
   \`imgcli gen "a flat app icon, a paper boat" -s 1024x1024 -q low -o assets/icon.png --json\`
   gives \`files[].path\`, \`bytes\`, \`width\`, \`height\`, \`format\`, \`revised_prompt\`, \`usage\`, \`cost_usd\`.
   \`-o dir/\` puts generated names in a folder; \`-n 3 -o a.png\` writes a-1.png to a-3.png.
3. **Edit**: \`imgcli edit photo.png -p "add a red scarf" -o photo-scarf.png --json\`; inside a mask:
   \`--mask mask.png\` (alpha 0 = edit) or \`--mask-from drawing.png\` (black = edit).
4. **Cap the spend**: \`imgcli batch jobs.jsonl --max-cost 2\` (one JSON job a line) starts no job past $2;
   \`--dry-run\` first prints every request with its estimate.
5. **Never pay twice**: \`-o file --if-changed\` skips a request whose output already holds its result.
   Do not rerun a command that failed with exit 6 just because it failed: read its hint first (the
   server may have billed it), and never loop on exit 2 or 3 with the same arguments.
6. **Offline**: \`--mock\` runs everything against the built-in offline server (no key, no cost,
   stand-in pictures): use it to try a script.

Prompts are the words after \`gen\`, or \`-p\` for edit and vary; \`@file\` reads one from a file.
Default model: ${DEFAULT_MODEL}; \`imgcli models <model>\` shows one model whole (its flags and values).

## Masks, checked offline

- Build: \`imgcli mask drawing.png --like photo.png -o mask.png\` (black = edit, white = keep), or
  shapes: \`imgcli mask --like photo.png --rect 0,512,1024,512 -o mask.png\`.
- Check, with no request sent: \`imgcli mask --check mask.png --like photo.png --json\`: exit 0 and
  \`"valid": true\` when the API will take it, exit 2 with the problem and the fix otherwise.
- See what it covers, free: \`imgcli edit photo.png --mask mask.png -p "..." --mock -o check.png\`.

## Exit codes

${exits.join('\n')}

On failure stderr has \`error:\` and a \`hint:\` line with the next step; stdout stays empty.

## Models (status as of ${date})

${formatMarkdown(catalogRows(now), date).trim()}

## Request flags of gen, edit and vary

${flagLines().join('\n')}

Also: \`-m <model>\`, \`-o <path>\`, \`--no-clobber\`, \`--param key=value\` (a field sent unchecked),
\`--stream\` (partial images as files), \`--if-changed\`, \`--check\`, \`--json\`, \`--dry-run\`.

## As an MCP server

\`imgcli mcp\` offers the same as tools (generate, edit, vary, mask, markup, models, info,
batch_submit, batch_status, status, cancel) with files written only under its root and a session budget
(\`--max-cost\`). When its tools are connected, prefer them: call with \`dry_run: true\` first, and
\`wait: false\` for long work (then \`status\` with the job id).
`;
}

/** The skill's front matter fields, for checks. */
export const SKILL_FRONT_MATTER = { name: SKILL_NAME, description: DESCRIPTION };

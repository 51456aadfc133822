// The agent skill (`imgcli skill`) and the agent setup (`imgcli mcp --help`, the README's Agents
// section): SKILL.md in the Agent Skills format (front matter that a YAML reader takes: name,
// description), its facts generated from the model, field and exit-code tables on the run's date,
// --install writing <dir>/imgcli/SKILL.md; the clients' config snippets valid, and the same in the README.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOOLS } from '../src/commands/mcp/tools.js';
import { SKILL_FRONT_MATTER } from '../src/commands/skill/text.js';
import { EXIT_CODES } from '../src/exit-codes.js';
import { IMAGE_FIELDS, offeredBy } from '../src/models/fields.js';
import { MODELS } from '../src/models/table.js';
import { ROOT, cleanupTemps, imgcli, tempDir } from './helpers/cli.js';
import { PINNED_NOW } from './helpers/clock.js';
import { runInProcess } from './helpers/in-process.js';
import { afterAll } from 'vitest';

afterAll(cleanupTemps);

/** The front matter's fields: each `key: value`, a value plain (no ": " nor " #", which YAML would read) or double-quoted. */
function frontMatter(text: string): Record<string, string> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!m) throw new Error('no front matter');
  const fields: Record<string, string> = {};
  for (const line of m[1]!.split('\n')) {
    const [, key, value] = /^([a-z-]+): (.*)$/.exec(line) ?? [];
    if (!key || value === undefined) throw new Error(`not a YAML field: ${line}`);
    if (value.startsWith('"')) fields[key] = JSON.parse(value) as string;
    else {
      expect(value, key).not.toMatch(/: | #|^[\[{&*!|>'%@`]/);
      fields[key] = value;
    }
  }
  return fields;
}

describe('imgcli skill', () => {
  it('prints SKILL.md: the Agent Skills front matter, then the tables as of the run date', async () => {
    const r = await runInProcess(['skill']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const fields = frontMatter(r.stdout);
    expect(fields).toEqual(SKILL_FRONT_MATTER);
    // The spec's limits: a lowercase name of letters, digits and hyphens up to 64, a description up to 1,024.
    expect(fields.name).toMatch(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/);
    expect(fields.description!.length).toBeLessThanOrEqual(1024);
    const date = PINNED_NOW.slice(0, 10);
    expect(r.stdout).toContain(`## Models (status as of ${date})`);
    for (const model of MODELS) expect(r.stdout, model.id).toContain(`\`${model.id}\``);
    // Every field gen, edit or vary takes (one only chat takes is chat's to tell).
    const flags = r.stdout.slice(r.stdout.indexOf('## Request flags of gen, edit and vary'));
    for (const field of IMAGE_FIELDS.filter((f) => (['gen', 'edit', 'vary'] as const).some((c) => offeredBy(f, c))))
      expect(flags, field.name).toContain(`- \`${field.flags.replace(/ <.*>$/, '')}\``);
    expect(flags).not.toContain('()');
    for (const row of EXIT_CODES) expect(r.stdout).toContain(`- \`${row.code}\` ${row.meaning}`);
    // A model shut down before the run's date reads so: the table is read on the run's clock.
    const later = await runInProcess(['skill'], { env: { IMGCLI_NOW: '2027-06-01T00:00:00Z' } });
    expect(later.stdout).toContain('## Models (status as of 2027-06-01)');
  });

  it('the commands it teaches run as it says: the rehearsal sends nothing and prints the estimate', async () => {
    const skill = (await runInProcess(['skill'])).stdout;
    const rehearsal = /`(imgcli gen [^`]*--dry-run --json)`/.exec(skill)![1]!;
    const words = rehearsal.match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"|"$/g, ''));
    const r = await imgcli(words.slice(1));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dry_run: true, estimated_cost_usd: expect.any(Number) });
    const check = /`(imgcli mask --check [^`]*)`/.exec(skill)![1]!;
    expect(check).toBe('imgcli mask --check mask.png --like photo.png --json');
  });

  it('--install <dir> writes <dir>/imgcli/SKILL.md (replacing an older one) and prints its path', async () => {
    const cwd = tempDir();
    const first = await imgcli(['skill', '--install', '.claude/skills'], { cwd });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toBe(join('.claude', 'skills', 'imgcli', 'SKILL.md'));
    const written = readFileSync(join(cwd, '.claude', 'skills', 'imgcli', 'SKILL.md'), 'utf8');
    expect(written).toBe((await runInProcess(['skill'])).stdout);
    const again = await imgcli(['skill', '--install', '.claude/skills'], {
      cwd,
      env: { IMGCLI_NOW: '2027-06-01T00:00:00Z' },
    });
    expect(again.exitCode).toBe(0);
    expect(readFileSync(join(cwd, '.claude', 'skills', 'imgcli', 'SKILL.md'), 'utf8')).toContain('as of 2027-06-01');
  });
});

describe('imgcli mcp --help and the README: how to add the server to an agent', () => {
  it('shows a valid config for Claude Code, Cursor, VS Code and Codex, the same as the README', async () => {
    const help = (await runInProcess(['mcp', '--help'])).stdout;
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const agents = readme.slice(readme.indexOf('\n## Agents'));
    expect(agents.length, 'the README has an Agents section').toBeLessThan(readme.length);
    const snippets = help.split('\n').filter((l) => /^\s+\{"(mcpServers|servers)"/.test(l));
    expect(snippets).toHaveLength(3);
    for (const line of snippets) {
      const config = JSON.parse(line) as Record<string, Record<string, { command: string; args: string[] }>>;
      const server = Object.values(config)[0]!.imgcli!;
      expect(server).toMatchObject({ command: 'imgcli', args: ['mcp', '--max-cost', '2'] });
      expect(agents).toContain(line.trim());
    }
    for (const client of ['Claude Code', 'Cursor', 'VS Code', 'Codex']) {
      expect(help).toContain(client);
      expect(agents).toContain(client);
    }
    expect(help).toContain('[mcp_servers.imgcli]');
    expect(agents).toContain('[mcp_servers.imgcli]\ncommand = "imgcli"\nargs = ["mcp", "--max-cost", "2"]');
    expect(agents).toContain('imgcli skill --install');
  });

  it('the help, the skill and the README name every tool the server lists', async () => {
    const names = [...TOOLS.map((t) => t.name), 'status', 'cancel'];
    const flat = (text: string) => text.replace(/\s+/g, ' ');
    const help = flat((await runInProcess(['mcp', '--help'])).stdout);
    const skill = flat((await runInProcess(['skill'])).stdout);
    const readme = flat(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const inHelp = /Tools: ([a-z_, ]+), and status and cancel/.exec(help)![1]!.split(', ');
    expect([...inHelp, 'status', 'cancel']).toEqual(names);
    expect(/as tools \(([a-z_, ]+)\)/.exec(skill)![1]!.split(', ')).toEqual(names);
    const inReadme = /\*\*Tools\*\*: (.*?), and `status` and `cancel`/.exec(readme)![1]!.match(/`[a-z_]+`/g)!;
    expect([...inReadme.map((n) => n.slice(1, -1)), 'status', 'cancel']).toEqual(names);
  });
});

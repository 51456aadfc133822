// `imgcli skill`, declared: print the agent skill (SKILL.md), or install it where agents read skills.
import { Command } from 'commander';
import { helpText } from '../shared/help-text.js';

const EXAMPLES = `
Examples:
  $ imgcli skill                                   # SKILL.md on stdout
  $ imgcli skill --install .claude/skills          # Claude Code, this project: .claude/skills/imgcli/SKILL.md
  $ imgcli skill --install ~/.claude/skills        # Claude Code, every project
  $ imgcli skill --install .agents/skills          # Codex and other agents that read .agents/skills

The skill is in the open Agent Skills format: a folder named imgcli holding SKILL.md, whose front
matter has its name and description. It says when to use imgcli and how: --dry-run first, --json,
-o paths, --max-cost, exit codes and what each means, checking a mask offline; the models and
flags in it are generated from imgcli's own tables, with the models' status as of today (or
IMGCLI_NOW). --install writes <dir>/imgcli/SKILL.md, making the folders, replacing an older
SKILL.md there, and prints its path. Usual folders: .claude/skills/ or ~/.claude/skills/ (Claude
Code), .agents/skills/ or ~/.agents/skills/ (Codex, and other agents that read Agent Skills
there); run it again after upgrading imgcli.`;

export function command(): Command {
  return new Command('skill')
    .description('Print the agent skill for imgcli (SKILL.md, Agent Skills format), or install it for an agent.')
    .option('--install <dir>', 'write <dir>/imgcli/SKILL.md (e.g. .claude/skills) instead of printing it')
    .addHelpText('after', helpText(EXAMPLES));
}

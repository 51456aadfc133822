// `imgcli mcp`, declared: the Model Context Protocol server over stdio, for coding agents. The run is
// run.ts's; the server, its tools and its rules are this folder's.
import { Command, InvalidArgumentError } from 'commander';
import { helpText } from '../shared/help-text.js';

const EXAMPLES = `
Examples:
  $ imgcli mcp --mock                             # offline: no key, no network (stops when stdin closes)
  $ imgcli mcp --max-cost 2 --root ~/project      # at most $2 this session, files only under ~/project
  $ imgcli mcp --allow-read ~/Pictures --mock     # inputs may also come from ~/Pictures

A client starts it and speaks JSON-RPC on its stdin and stdout; its own messages go to stderr.
Tools: generate, edit, vary, mask, markup, models, info, batch_submit, batch_status, and status
and cancel for the session's jobs and budget. Their arguments are the commands' flags in snake_case
(--no-clobber: no_clobber), with the same values and refusals; every tool takes dry_run (the
request and its estimate; nothing sent) and wait: false (a job id at once; status answers later).

Files are written only under --root (default: the folder it was started in); a path outside it
(absolute, with .., or through a link that leads out) is refused. Inputs are read only from under
the root and the --allow-read folders. --max-cost holds for the whole session, max_cost for one
call. A request the server may have received is never sent again on the agent's behalf.

Claude Code (.mcp.json in the project; or: claude mcp add imgcli -- imgcli mcp):
  {"mcpServers": {"imgcli": {"command": "imgcli", "args": ["mcp", "--max-cost", "2"]}}}
Cursor (.cursor/mcp.json, or ~/.cursor/mcp.json):
  {"mcpServers": {"imgcli": {"command": "imgcli", "args": ["mcp", "--max-cost", "2"]}}}
VS Code (.vscode/mcp.json):
  {"servers": {"imgcli": {"type": "stdio", "command": "imgcli", "args": ["mcp", "--max-cost", "2"]}}}
Codex (~/.codex/config.toml, or .codex/config.toml in a trusted project):
  [mcp_servers.imgcli]
  command = "imgcli"
  args = ["mcp", "--max-cost", "2"]

The key comes as for every command (OPENAI_API_KEY in the client's env block, or \`imgcli config
set api-key -\`). \`imgcli skill --install .claude/skills\` adds the agent skill too.`;

function parseUsd(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('--max-cost takes an amount in US dollars greater than 0, e.g. 2.50.');
  return n;
}

function parseHeartbeat(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.1 || n > 600)
    throw new InvalidArgumentError('--heartbeat takes seconds from 0.1 to 600, e.g. 5.');
  return n;
}

export function command(): Command {
  return new Command('mcp')
    .description(
      'Serve imgcli to coding agents over the Model Context Protocol (stdio): its commands as tools, files only under a root, a budget.',
    )
    .option('--root <dir>', 'the folder tools write under and read from (default: the current folder)')
    .option(
      '--allow-read <dir>',
      'another folder inputs may be read from (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--max-cost <usd>',
      'the most this session may spend, in US dollars: a request past it is not sent',
      parseUsd,
    )
    .option('--heartbeat <seconds>', 'progress notifications this often while a call waits (default 5)', parseHeartbeat)
    .addHelpText('after', helpText(EXAMPLES));
}

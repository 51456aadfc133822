// The input schema of a tool as tools/list gives it: its command's flags and arguments (schema.ts),
// and the properties the server adds: how a call runs (wait, thumbnails), dry_run for a command
// without one of its own, max_cost for a tool that may spend, and a tool's own (collect, shapes).
import type { Command } from 'commander';
import { SHAPES } from './markup-tool.js';
import { inputSchema, type JsonSchema } from './schema.js';
import type { ToolRow } from './tools.js';

/** The properties every tool has beyond its command's flags: how the server runs the call. */
const CALL_PROPERTIES: Record<string, JsonSchema> = {
  wait: {
    type: 'boolean',
    default: true,
    description:
      'false: answer at once with a job id, and run on; the status tool answers with the result later (for work that outlasts the client timeout)',
  },
  thumbnails: {
    type: 'boolean',
    default: true,
    description: 'a thumbnail (at most 256 px) of each image written, as image content (at most 4)',
  },
};
const MAX_COST: JsonSchema = {
  type: 'number',
  exclusiveMinimum: 0,
  description:
    "the most this call may cost, in US dollars: a request estimated above it is not sent (the server's --max-cost holds for the whole session)",
};
const DRY_RUN: JsonSchema = {
  type: 'boolean',
  description: 'check the arguments and paths and answer what would run; nothing runs, nothing is written',
};
const COLLECT: JsonSchema = {
  type: 'boolean',
  description:
    'attach to the batches and write every image when they end, as `imgcli batch <jobs> --remote` does (waits: use wait: false for a job id)',
};

/** The command a row's tool runs: its declaration, down its subcommand path. */
export function target(row: ToolRow): Command {
  let cmd = row.command();
  for (const name of row.path ?? []) cmd = cmd.commands.find((c) => c.name() === name)!;
  return cmd;
}

/** The input schema of a tool, as tools/list gives it. */
export function toolInputSchema(row: ToolRow): JsonSchema {
  const cmd = target(row);
  const own = new Set(cmd.options.map((o) => o.long));
  return inputSchema(cmd, row.rules, {
    ...(own.has('--dry-run') ? {} : { dry_run: DRY_RUN }),
    ...(row.paid ? { max_cost: MAX_COST } : {}),
    ...(row.name === 'batch_status' ? { collect: COLLECT } : {}),
    ...(row.name === 'markup' ? { shapes: SHAPES } : {}),
    ...CALL_PROPERTIES,
  });
}

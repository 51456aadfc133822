// An MCP client for the tests: the official SDK's own Client over stdio, spawning the built
// `imgcli mcp` as a coding agent would (a temp HOME and config, the pinned clock, a fake key), and
// keeping what the server wrote on stderr.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, baseEnv, tempDir } from './cli.js';

export interface McpSession {
  client: Client;
  /** The server's root (the folder it was started in, unless --root says otherwise). */
  dir: string;
  stderr(): string;
  close(): Promise<void>;
}

export interface McpOptions {
  dir?: string;
  env?: Record<string, string | undefined>;
}

/** Starts `imgcli mcp <args>` and connects the SDK's client to it. */
export async function connectMcp(args: string[], opts: McpOptions = {}): Promise<McpSession> {
  const dir = opts.dir ?? tempDir('imgcli-mcp-');
  mkdirSync(join(dir, 'config'), { recursive: true });
  const env = { ...baseEnv(dir), ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const transport = new StdioClientTransport({
    command: 'node',
    args: [BIN, 'mcp', ...args],
    cwd: dir,
    env: env as Record<string, string>,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => {
    stderr += String(d);
  });
  const client = new Client({ name: 'imgcli-tests', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    dir,
    stderr: () => stderr,
    close: () => client.close(),
  };
}

/** A tool call's structured content, typed loosely for assertions. */
export type Structured = Record<string, any>;

export const structured = (result: unknown): Structured =>
  (result as { structuredContent: Structured }).structuredContent;

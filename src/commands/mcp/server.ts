// The protocol side of `imgcli mcp`: the official SDK's low-level Server over stdio. tools/list
// answers the tool table (tools.ts) with schemas derived from the commands' declarations; tools/call
// runs a call in the session (session.ts) with progress notifications while it waits (a heartbeat,
// and one per image as it arrives) and the client's cancellation as its abort signal. stdout is the
// protocol's alone: every message of the server's own goes to stderr.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolRequest,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { holdDispatchers } from '../../api/http.js';
import { UsageError } from '../../errors.js';
import { terminalWrite } from '../../terminal/boundary.js';
import { VERSION } from '../../version.js';
import { failure, type ToolResult } from './results.js';
import type { Session } from './session.js';
import { toolInputSchema } from './tool-schema.js';
import { TOOLS } from './tools.js';

/** The tools the server adds to its commands': jobs (wait: false) and the session's budget. */
const OWN_TOOLS = [
  {
    name: 'status',
    title: 'Status of jobs and the budget',
    description:
      "A job's state, and its result once it ended (the answer the call would have given); without job_id, every job of the session, the budget spent and left, and the root.",
    inputSchema: {
      type: 'object',
      properties: {
        job_id: { type: 'string', description: 'the id a call with wait: false answered' },
        wait_seconds: {
          type: 'number',
          minimum: 0,
          maximum: 60,
          default: 0,
          description: 'wait up to this long for the job to end before answering',
        },
      },
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'cancel',
    title: 'Cancel a job',
    description: 'Stop a job as Ctrl-C stops the CLI: its request is aborted and nothing is left half-written.',
    inputSchema: {
      type: 'object',
      properties: { job_id: { type: 'string', description: 'the id a call with wait: false answered' } },
      required: ['job_id'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
];

const INSTRUCTIONS = `imgcli generates and edits images with the OpenAI Images API (or a compatible server) and writes them as files under the server's root; answers give paths, sizes, formats, usage and cost, with small thumbnails. Call a tool with dry_run: true first to see the request and its estimated cost. A tool error carries the CLI's message, its next step and exit code (2: nothing was sent). For long work, call with wait: false and ask the status tool later. The models tool lists the models and what each takes.`;

/** Serves the session over stdio until the client closes stdin (or the run is interrupted). */
export async function serve(session: Session, heartbeatMs: number): Promise<void> {
  const server = new Server(
    { name: 'imgcli', title: 'imgcli', version: VERSION },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  const tools = [
    ...TOOLS.map((row) => ({
      name: row.name,
      title: row.title,
      description: row.description,
      inputSchema: toolInputSchema(row),
      annotations: { title: row.title, ...row.annotations },
    })),
    ...OWN_TOOLS,
  ];
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  // The calls under way: when the client closes stdin, they finish (a request sent may be billed:
  // its images are written) before the server stops; SIGINT or SIGTERM stops them at once.
  const inflight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inflight.add(work);
    void work.finally(() => inflight.delete(work)).catch(() => undefined);
    return work;
  };
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => track(answer(request, extra)));
  const answer = async (
    request: CallToolRequest,
    extra: { signal: AbortSignal; sendNotification: (n: ServerNotification) => Promise<void> },
  ): Promise<ToolResult> => {
    const { name, arguments: args = {} } = request.params;
    const token = request.params._meta?.progressToken;
    let step = 0;
    const notify = (message: string) => {
      if (token === undefined) return;
      // Each notification's progress is larger than the last, as the protocol asks.
      void extra
        .sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: ++step, message },
        })
        .catch(() => undefined);
    };
    try {
      if (name === 'status')
        return await session.status(optionalString(args.job_id, 'job_id'), waitSeconds(args.wait_seconds));
      // Awaited here, so an unknown id is a tool error as status makes it, not a protocol error.
      if (name === 'cancel') return await session.cancel(String(args.job_id ?? ''));
      const row = TOOLS.find((t) => t.name === name);
      if (!row)
        return failure(
          new UsageError(`no tool named ${JSON.stringify(name)}`, `The tools: ${tools.map((t) => t.name).join(', ')}.`),
        );
      const started = Date.now();
      notify(`${name}: started`);
      const beat = setInterval(
        () => notify(`${name}: working, ${Math.round((Date.now() - started) / 1000)} s`),
        heartbeatMs,
      );
      try {
        return await session.call(row, args, { signal: extra.signal, progress: (line) => notify(`${name}: ${line}`) });
      } finally {
        clearInterval(beat);
      }
    } catch (err) {
      return failure(err);
    }
  };
  // The protocol's bytes pass the output boundary's redactor (no key can leave), not its escaping:
  // JSON-RPC escapes its own text.
  const out = { write: (text: string) => (terminalWrite(session.rt.stdout, text), true), once: () => undefined };
  const transport = new StdioServerTransport(session.rt.stdin, out as unknown as NodeJS.WriteStream);
  transport.onerror = (err) => terminalWrite(session.rt.stderr, `imgcli mcp: ${err.message}\n`);
  const ended = new Promise<void>((resolve) => {
    session.rt.stdin.once('end', resolve);
    session.rt.stdin.once('close', resolve);
    session.rt.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  // One connection pool for every call: a dry run's end does not close it under another call.
  const release = holdDispatchers();
  try {
    await server.connect(transport);
    await ended;
    // Calls that arrived with the last bytes start on the next turn: let them, then wait for all.
    await new Promise((resolve) => setImmediate(resolve));
    while (inflight.size && !session.rt.signal.aborted)
      await Promise.race([Promise.allSettled([...inflight]), aborted(session.rt.signal)]);
    await session.drain();
    await session.close();
  } finally {
    await release();
    await server.close();
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`${name} is text, not ${JSON.stringify(value)}`);
  return value;
}

function waitSeconds(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 60))
    throw new UsageError(`wait_seconds takes 0 to 60, not ${JSON.stringify(value)}`);
  return value;
}

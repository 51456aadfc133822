// `imgcli mock-server`, run: the offline server (src/mock/server.ts) in the foreground until Ctrl-C
// or SIGTERM; its URL on stdout, its request log on stderr.
import { InterruptedError, UsageError } from '../../errors.js';
import { startMockServer } from '../../mock/server.js';
import type { ProviderId } from '../../models/providers.js';
import type { Handler } from '../shared/context.js';

interface MockServerFlags {
  port?: number;
  host: string;
  latency?: number;
  streamDelay?: number;
  key?: string;
  auth: boolean;
  payload: 'gradient' | 'noise' | 'flat';
  labels: boolean;
  gifAccess: boolean;
  batchPace?: number;
  serveRetired?: boolean;
}

const mockServer: Handler = async (ctx) => {
  const { rt } = ctx;
  const opts = ctx.flags<MockServerFlags>();
  if (opts.port !== undefined && (opts.port < 0 || opts.port > 65535))
    throw new UsageError(`--port ${opts.port} is not a port; use 0 to 65535`);
  for (const [flag, value] of [
    ['--latency', opts.latency],
    ['--stream-delay', opts.streamDelay],
  ] as const) {
    if (value !== undefined && value < 0)
      throw new UsageError(`${flag} ${value} is negative; give milliseconds, 0 or more`);
  }
  const server = await startMockServer({
    now: rt.now,
    provider: (ctx.flags().provider ?? (rt.env.IMGCLI_PROVIDER || undefined)) as ProviderId | undefined,
    // As the provider on the run's date (a model it has shut down is refused), unless told to keep every model.
    retiredAsOf: opts.serveRetired ? undefined : rt.now,
    port: opts.port ?? 0,
    host: opts.host,
    latencyMs: opts.latency,
    streamDelayMs: opts.streamDelay,
    apiKey: opts.key,
    keyless: !opts.auth,
    payload: opts.payload,
    labels: opts.labels,
    gifAccess: opts.gifAccess,
    batchTiming: opts.batchPace === undefined ? undefined : { perRequestMs: opts.batchPace },
    log: (line) => rt.stderr.write(`${line}\n`),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw new UsageError(
        `port ${opts.port} on ${opts.host} is already in use`,
        'Pick another with --port, or leave --port out to get a free one.',
      );
    if (err.code === 'EACCES')
      throw new UsageError(
        `not allowed to listen on port ${opts.port}`,
        'Ports below 1024 need privileges: pick one above 1024.',
      );
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
      throw new UsageError(`--host ${opts.host} is not an address of this machine`);
    throw err;
  });
  rt.stdout.write(`${server.url}\n`);
  const as = ctx.flags().provider ? ` as ${ctx.flags().provider}` : '';
  rt.stderr.write(`imgcli mock-server listening at ${server.url}${as} (Ctrl-C to stop)\n`);
  // Runs until interrupted; cli.ts turns the abort into exit 130.
  await new Promise<void>((resolve) => rt.signal.addEventListener('abort', () => resolve(), { once: true }));
  await server.close();
  // Stopping is how a server ends: said so, with the signal's exit code (130, 143).
  const signal = rt.signal.reason instanceof InterruptedError ? rt.signal.reason.signal : 'SIGINT';
  throw new InterruptedError(signal, `mock-server stopped (${signal}).`);
};

export const handlers: Record<string, Handler> = { 'mock-server': mockServer };

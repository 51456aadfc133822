// The Files and Batch API answers are read within LIMITS.jsonBytes (16 MiB): a server that sends
// more, with or without a Content-Length, is refused with "too-large" and never buffered whole.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retrieveBatch } from '../src/api/batches.js';
import { ApiError } from '../src/api/errors.js';
import { retrieveFile } from '../src/api/files.js';
import type { Connection } from '../src/api/http.js';

const MiB = 1024 * 1024;
let server: Server;
let url: string;
let sent = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url?.includes('declared')) {
      res.setHeader('content-length', String(64 * MiB));
      res.write('{"id":"');
      return; // the length alone is refused: nothing more is needed
    }
    // Endless: 1 MiB at a time, until the client goes away (or 64 MiB, a safety net).
    const chunk = Buffer.alloc(MiB, 'a');
    res.write('{"id":"');
    const more = () => {
      while (sent < 64 * MiB && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end('"}');
    };
    more();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const conn = (): Connection => ({
  baseUrl: url,
  apiKey: 'sk-test',
  timeoutMs: 20_000,
  maxRetries: 0,
  userAgent: 'imgcli/test',
  signal: new AbortController().signal,
});

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('Files and Batch API answers are bounded', () => {
  it('refuses an endless answer once it passes 16 MiB, without reading the rest', async () => {
    sent = 0;
    const err = await refusal(retrieveFile(conn(), 'file-endless'));
    expect(err.problem).toBe('too-large');
    expect(err.message).toMatch(/passed 16 MB, more than imgcli reads/);
    expect(sent).toBeLessThan(40 * MiB);
  });

  it('refuses an answer whose Content-Length is over the limit before reading it', async () => {
    const err = await refusal(retrieveBatch(conn(), 'batch_declared'));
    expect(err.problem).toBe('too-large');
  });
});

// Class 13: a key sent in the clear gets a warning: a plain http:// base URL to a host that is
// not loopback, with a key, prints one warning line; 127.0.0.0/8, ::1 and localhost do not.
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../src/connection/connect.js';
import { imgcli } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

// Listening on every address, so the machine's own non-loopback address reaches it.
const mock = useMockServer({ host: '0.0.0.0' });
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning:'));

describe('a key over plain http', () => {
  it("to this machine's own non-loopback address: one warning line, and the run goes on", async () => {
    expect(lanAddress, 'this test needs a non-loopback IPv4 address').toBeDefined();
    const r = await imgcli(['--base-url', `http://${lanAddress}:${mock.port}/v1`, 'gen', 'x', '-o', 'x.png']);
    expect(r.exitCode).toBe(0);
    expect(warnings(r.stderr)).toEqual([
      `warning: the API key is sent unencrypted to ${lanAddress}:${mock.port} (the base URL is plain http://); use https:// unless this network is yours.`,
    ]);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it.each(['127.0.0.1', 'localhost'])('to %s: no warning', async (host) => {
    const r = await imgcli(['--base-url', `http://${host}:${mock.port}/v1`, 'gen', 'x', '-o', 'x.png']);
    expect(r.exitCode).toBe(0);
    expect(warnings(r.stderr)).toEqual([]);
  });

  it('knows loopback when it sees it', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      'api.localhost',
      '[::1]',
      '::1',
      '[::ffff:7f00:1]',
      '[::ffff:127.0.0.1]',
    ])
      expect(isLoopback(host), host).toBe(true);
    for (const host of ['10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1', '[::2]', 'localhost.example.com'])
      expect(isLoopback(host), host).toBe(false);
  });
});

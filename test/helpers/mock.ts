// One offline server per test file: started before the tests, reset after each (requests,
// faults, latency), closed at the end along with the temp folders.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startMockServer, type MockOptions, type MockServer } from '../../src/mock/server.js';
import { cleanupTemps } from './cli.js';

export function useMockServer(options?: MockOptions): MockServer {
  let server: MockServer | undefined;
  beforeAll(async () => {
    // It plays a real server here (tests reach it with --base-url): its answers are not marked as
    // the offline server's, so what it makes is up to date as a real server's would be.
    server = await startMockServer({ markOffline: false, ...options });
  });
  afterAll(async () => {
    await server?.close();
    cleanupTemps();
  });
  afterEach(() => {
    server!.requests.length = 0;
    server!.clearFaults();
    server!.setLatency(0);
  });
  // The server exists only once beforeAll has run; tests reach it through this stand-in.
  return new Proxy({} as MockServer, {
    get: (_target, key) => {
      const value = Reflect.get(server!, key);
      return typeof value === 'function' ? value.bind(server) : value;
    },
  });
}

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  test: {
    root,
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Node 22+'s compile cache for every process the tests start, in one place (helpers/cli.ts).
    env: { NODE_COMPILE_CACHE: `${root}node_modules/.cache/imgcli-test-compile-cache` },
  },
});

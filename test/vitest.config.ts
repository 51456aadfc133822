import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The offline server running inside the test process keeps its Fontconfig file under the
    // user's cache folder (src/image/fonts.ts): a temp one here, never the real ~/.cache.
    env: { XDG_CACHE_HOME: join(tmpdir(), 'imgcli-test-cache') },
  },
});

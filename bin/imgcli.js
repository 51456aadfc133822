#!/usr/bin/env node
// Plain-JS shim: the CLI lives in dist/ (built by `npm run build` after npm ci, and by prepack).
// Node 22.1 and later keep compiled code between runs (module.enableCompileCache; older Node has
// no such function): start-up then skips most of the parsing of commander and of imgcli's own
// modules. The cache goes in imgcli's cache folder, as the platform names it, not in Node's default
// under the OS temp folder, which imgcli leaves as it found it. NODE_DISABLE_COMPILE_CACHE=1 turns
// it off; a folder that cannot be made only means no cache (Node then returns a status, and the
// try covers a home folder that cannot be found).
import module from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

try {
  const { env, platform } = process;
  const xdg = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  const cache =
    platform === 'darwin'
      ? join(homedir(), 'Library', 'Caches', 'imgcli')
      : platform === 'win32'
        ? join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'imgcli', 'Cache')
        : join(xdg, 'imgcli');
  module.enableCompileCache?.(join(cache, 'compile-cache'));
} catch {
  // Start without the cache.
}
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv);

#!/usr/bin/env node
// Plain-JS shim: the CLI lives in dist/ (built by `npm run build` after npm ci, and by prepack).
// Node 22.1 and later keep compiled code between runs (module.enableCompileCache, a cache under
// the OS temp folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off): start-up then skips most of
// the parsing of commander and of imgcli's own modules. Older Node has no such function.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv);

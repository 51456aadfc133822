#!/usr/bin/env node
// Plain-JS shim: the CLI lives in dist/ (built by `npm run build`, run by `prepare`).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv);

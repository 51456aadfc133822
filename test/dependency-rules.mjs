// The dependency rules of src/ (see "The shape of the house" in the style guide), checked by
// `npm run deps` inside `npm test`. Paths are relative to the folder the check runs in, which
// holds src/, tsconfig.json and node_modules/.
//
// Every kind of import counts: static, dynamic `import()`, `export ... from`, and type-only
// imports (`import type`, `import('x').T`). A type-only import has no effect at run time, but
// it is still knowledge of another module, and it is one edit away from a real import.
// Packages are matched by their folder under node_modules/, so deep imports (`zod/v4`) count
// as the package. Node builtins are matched by kind ('core'), as `node:fs` and `fs` alike.
//
// The layers, top to bottom: cli.ts and commands/ (one folder per command) -> batch/ -> pipeline/ ->
// the services (connection/, upload/, output/, gallery/, provenance/, terminal/, config/, mask/,
// mock/, image/) -> api/, with models/ and the plain modules at src/'s top (errors, exit codes,
// runtime, suggestions, version) below them all. An import may only point down (or sideways
// among the services, without cycles); the "layers-*" rules say so one layer at a time.
//
// The tree breaks no rule. Should one ever have to be tolerated for a while, `depcruise-baseline`
// writes the known violations to a file that `--ignore-known <file>` in package.json's "deps"
// script then accepts; test/dependency-rules.test.ts checks that file against the tree.

const pkg = (...names) => `(^|/)node_modules/(${names.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'No import cycle anywhere in src/: modules in a cycle cannot be read, tested or loaded ' +
        'apart, and which one finishes loading first decides what is undefined.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'layers-commands-only-from-cli',
      severity: 'error',
      comment:
        'commands/ is the top layer: only cli.ts (its command table) and commands/ itself import it. ' +
        'What two commands share lives in commands/shared/, or in a layer below.',
      from: { path: '^src/', pathNot: ['^src/commands/', '^src/cli\\.ts$'] },
      to: { path: '^src/commands/' },
    },
    {
      name: 'layers-batch-below-commands',
      severity: 'error',
      comment: 'batch/ is used by commands/ (and itself); the pipeline and the services below know nothing of batches.',
      from: { path: '^src/', pathNot: ['^src/commands/', '^src/cli\\.ts$', '^src/batch/'] },
      to: { path: '^src/batch/' },
    },
    {
      name: 'layers-pipeline-below-batch',
      severity: 'error',
      comment:
        'pipeline/ (flags to an ImageJob, run, stream, dry run, freshness) is used by commands/ and batch/; ' +
        'the services below it (connection, upload, output, ...) do not reach back up into it.',
      from: { path: '^src/', pathNot: ['^src/commands/', '^src/cli\\.ts$', '^src/batch/', '^src/pipeline/'] },
      to: { path: '^src/pipeline/' },
    },
    {
      name: 'layers-plain-modules-at-the-bottom',
      severity: 'error',
      comment:
        "The plain modules at src/'s top (errors, exit codes, runtime, suggestions, version, fs errors) " +
        "are below every layer: they import only each other, models/ and the HTTP core's errors.",
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/cli\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/[^/]+\\.ts$', '^src/models/', '^src/api/errors\\.ts$'] },
    },
    {
      name: 'api-imports-only-node-undici-zod',
      severity: 'error',
      comment:
        'src/api/ is the HTTP core and knows no flag, command, terminal or config: it imports ' +
        'only node:* builtins, undici, zod and src/api/ itself.',
      from: { path: '^src/api/' },
      to: { pathNot: ['^src/api/', pkg('undici', 'zod')], dependencyTypesNot: ['core'] },
    },
    {
      name: 'models-pure',
      severity: 'error',
      comment:
        'The model table is data and imports nothing with side effects: src/models/ imports only ' +
        'src/models/, zod and src/errors.ts. src/errors.ts (plain error classes) is held to the ' +
        'same rule, so what models/ reaches through it stays pure too; it may also read the ' +
        "HTTP core's ApiError (src/api/errors.ts, plain classes and functions that import nothing).",
      from: { path: ['^src/models/', '^src/errors\\.ts$'] },
      to: { pathNot: ['^src/models/', '^src/errors\\.ts$', '^src/api/errors\\.ts$', pkg('zod')] },
    },
    {
      name: 'commander-only-in-cli-and-commands',
      severity: 'error',
      comment:
        'Only src/commands/ and src/cli.ts import commander: the rest of the code takes typed values, not a parser.',
      from: { path: '^src/', pathNot: ['^src/commands/', '^src/cli\\.ts$'] },
      to: { path: pkg('commander') },
    },
    {
      name: 'ora-chalk-only-in-terminal',
      severity: 'error',
      comment: 'Only src/terminal/ imports ora and chalk: colour, spinners, TTY and NO_COLOR are decided in one place.',
      from: { path: '^src/', pathNot: '^src/terminal/' },
      to: { path: pkg('ora', 'chalk') },
    },
    {
      name: 'zod-through-its-v3-api',
      severity: 'error',
      comment:
        'src/ imports zod as `zod/v3` (zod 4 ships it and keeps it): it loads 9 modules in about ' +
        '15 ms on Node 20, where `zod` (the v4 API) loads about 110 in 55-70 ms, on every run that ' +
        'validates a request (see "Performance" in the README).',
      from: { path: '^src/' },
      to: { path: pkg('zod'), pathNot: `${pkg('zod')}v3/` },
    },
    {
      name: 'undici-by-its-own-modules',
      severity: 'error',
      comment:
        'Outside the offline server, src/ loads undici through src/api/undici.ts (its Agent, ' +
        'EnvHttpProxyAgent and request modules), never its index, which loads all of undici ' +
        '(fetch, WebSocket, caches, HTTP/2, mocks) on every run that sends a request. Types may ' +
        'come from the index.',
      from: { path: '^src/', pathNot: '^src/mock/' },
      to: { path: `${pkg('undici')}index`, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'mcp-sdk-only-in-the-mcp-server',
      severity: 'error',
      comment:
        'The MCP SDK (and the zod v4 it loads) is for `imgcli mcp` alone: only its protocol module, ' +
        'src/commands/mcp/server.ts, imports it, so no other command loads it (test/startup.test.ts).',
      from: { path: '^src/', pathNot: '^src/commands/mcp/server\\.ts$' },
      to: { path: pkg('@modelcontextprotocol/sdk') },
    },
    {
      // Not an architecture rule: it keeps the rules above honest. An import that does not
      // resolve has no path under node_modules/ or src/, so no rule could ever match it.
      name: 'imports-resolve',
      severity: 'error',
      comment: 'Every import in src/ resolves to a file or a builtin; otherwise the rules above cannot see it.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Read the TypeScript sources themselves, so type-only imports are seen; `./x.js`
    // specifiers resolve to `./x.ts` as tsc's NodeNext resolution does.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // A node_modules/ that is a link (a shared install, a copy of the tree in a temp folder)
    // then gives the same paths as a real one, so the rules and the baseline match either way.
    preserveSymlinks: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'node', 'default'],
      extensions: ['.ts', '.js', '.d.ts'],
      mainFields: ['module', 'types', 'main'],
    },
    skipAnalysisNotInRules: true,
  },
};

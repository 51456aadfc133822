// `npm run test:windows [-- --allow-known] [-- --only <words>]`: the Windows smoke check. run.sh
// prepares Wine, node.exe and a Windows copy of imgcli, then runs this file with Linux Node; each
// check runs the built CLI under Windows Node against its offline server (IMGCLI_MOCK=1) in a
// scratch folder (.tmp/windows/work) and prints PASS or FAIL. Exit 1 on any failure; checks that
// fail because of a known bug in src/ are marked, and --allow-known lets the run pass with them.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchChecks } from './checks-batch.js';
import { imageChecks } from './checks-images.js';
import { pathChecks } from './checks-paths.js';
import { configChecks, signalChecks } from './checks-system.js';
import { ROOT, WORK, ensure, imgcli, nodeExe, resetScratch, runChecks } from './harness.js';

function parseArgs(argv) {
  const args = { allowKnown: false, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--allow-known') args.allowKnown = true;
    else if (argv[i] === '--only' && argv[i + 1]) args.only = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}; use --allow-known or --only <words>`);
  }
  return args;
}

// Made with the Linux build, so that the edit, vary, mask and batch checks do not hang on the
// Windows gen checks: fixtures/photo.png and fixtures/mask.png (the bottom half editable).
function linuxImgcli(args) {
  const env = { ...process.env, IMGCLI_MOCK: '1', IMGCLI_CONFIG_DIR: join(WORK, '.linux-config'), NO_COLOR: '1' };
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/imgcli.js'), ...args], { cwd: WORK, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the Linux build failed: imgcli ${args.join(' ')}\n${r.stderr}`);
}

function prepare() {
  resetScratch();
  const probe = nodeExe([
    '-p',
    'JSON.stringify({ platform: process.platform, version: process.version, env: process.env })',
  ]);
  ensure(probe.code === 0, 'node.exe did not run under Wine', probe);
  linuxImgcli(['gen', 'a harbour photo', '-o', 'fixtures/photo.png']);
  linuxImgcli(['mask', '--like', 'fixtures/photo.png', '--rect', '0,512,1024,512', '-o', 'fixtures/mask.png']);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  return { windows: JSON.parse(probe.stdout), version };
}

const args = parseArgs(process.argv.slice(2));
const context = prepare();
const { windows, version } = context;
console.log(`windows: imgcli ${version} on Node ${windows.version} (${windows.platform}) under Wine\n`);

const checks = [
  {
    name: 'imgcli --version runs under Windows Node (process.platform win32)',
    run() {
      ensure(windows.platform === 'win32', `process.platform is ${windows.platform}, not win32`);
      const r = imgcli(['--version']);
      ensure(r.code === 0 && r.stdout.trim() === version, `expected ${version} and exit 0`, r);
    },
  },
  ...pathChecks(context),
  ...imageChecks(context),
  ...batchChecks(context),
  ...configChecks(context),
  ...signalChecks(context),
];
process.exitCode = await runChecks(checks, args);

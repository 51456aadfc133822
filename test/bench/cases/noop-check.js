// Case 8: the no-op check a Makefile runs for every target on every `make`: `gen ... -o f.png
// --if-changed` and `--check` on an up-to-date file, and `edit --check` with 16 input files of
// about 40 MB (their bytes are hashed for the fingerprint), against bare node and against a
// script that only hashes those files. Then `make -B -j2` over 200 up-to-date targets: every
// recipe runs, and imgcli's check is what the build costs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uploadImages } from '../fixtures.js';

export const title = '8. No-op check';

const TARGETS = 200;

// The time to hash the files alone: what the 16-file check cannot do without.
const HASH = `const { createHash } = require('node:crypto'); const { createReadStream } = require('node:fs');
(async () => { for (const p of process.argv.slice(1)) { const h = createHash('sha256'); for await (const c of createReadStream(p)) h.update(c); h.digest('hex'); } })();`;

export async function plan(ctx) {
  const url = await ctx.server({ latency: 0, payload: 'gradient' });
  const env = ctx.env(url);
  const dir = join(ctx.outDir, 'noop');
  mkdirSync(join(dir, 'prompts'), { recursive: true });
  const run = (args) => execFileSync(ctx.imgcli[0], [ctx.imgcli[1], ...args], { cwd: dir, env, stdio: 'ignore' });
  // The outputs, made once: from here on every check finds them up to date.
  run(['gen', 'bench check', '-s', '1024x1024', '-q', 'low', '-o', 'f.png']);
  const { paths } = await uploadImages(16);
  run(['edit', ...paths, '-p', 'bench check', '-o', 'e.png']);
  const rules = [];
  for (let i = 1; i <= TARGETS; i++) {
    writeFileSync(join(dir, 'prompts', `t${i}.txt`), `bench target ${i}\n`);
    rules.push(`out/t${i}.png`);
  }
  const imgcli = ctx.imgcli.map((a) => `'${a}'`).join(' ');
  writeFileSync(
    join(dir, 'Makefile'),
    `ALL := ${rules.join(' ')}\n\nall: $(ALL)\n\nout/%.png: prompts/%.txt\n\t${imgcli} gen @$< -s 1024x1024 -q low -o $@ --if-changed\n`,
  );
  execFileSync('make', ['-j2'], { cwd: dir, env, stdio: 'ignore' });
  const node = (r) => r.get('node -e 0');
  const bar = (tool) => (r) => ({
    text: `≤ 1.5× node (${(r.get(tool).wall / node(r).wall).toFixed(2)}×)`,
    pass: r.get(tool).wall <= 1.5 * node(r).wall,
  });
  return {
    env,
    runs: ctx.quick ? 5 : 20,
    notes: [`case 8: make -B -j2 runs all ${TARGETS} recipes; each finds its output up to date and sends nothing`],
    commands: [
      { tool: 'node -e 0', cmd: [ctx.node, '-e', '0'], reference: true },
      {
        tool: 'gen --if-changed',
        cmd: [
          ...ctx.imgcli,
          'gen',
          'bench check',
          '-s',
          '1024x1024',
          '-q',
          'low',
          '-o',
          join(dir, 'f.png'),
          '--if-changed',
        ],
        bar: bar('gen --if-changed'),
      },
      {
        tool: 'gen --check',
        cmd: [...ctx.imgcli, 'gen', 'bench check', '-s', '1024x1024', '-q', 'low', '-o', join(dir, 'f.png'), '--check'],
        bar: bar('gen --check'),
      },
      { tool: 'hash the 16 files (node)', cmd: [ctx.node, '-e', HASH, ...paths] },
      {
        tool: 'edit --check (16 files)',
        cmd: [...ctx.imgcli, 'edit', ...paths, '-p', 'bench check', '-o', join(dir, 'e.png'), '--check'],
        bar: (r) => {
          // The hash script is node's start-up plus the hashing: the bar is hashing + 1.5x node.
          const limit = r.get('hash the 16 files (node)').wall + 0.5 * node(r).wall;
          return {
            text: `≤ hash + 1.5× node (${(r.get('edit --check (16 files)').wall / limit).toFixed(2)}× of it)`,
            pass: r.get('edit --check (16 files)').wall <= limit,
          };
        },
      },
      {
        tool: `make -B -j2 (${TARGETS} up-to-date targets)`,
        cmd: `make -B -j2 -s -C '${dir}' > /dev/null`,
        runs: ctx.quick ? 1 : 3,
      },
    ],
  };
}

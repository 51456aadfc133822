// Case 8: a remote batch's results of about 500 MB. One batch of 190 photo-sized 1024x1024 PNGs
// is submitted to the offline server once (`imgcli batch --remote --no-wait`) and left to finish;
// each measured run starts from a copy of that state file, so it attaches to the finished batch
// and does only the work in question: stream the output file (about 2.7 MB of base64 per line),
// decode every image to its file with provenance, journal each result. Peak RSS must stay flat,
// far below the file's size; curl downloading the same file to /dev/null is the floor of the wall.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const title = '8. Batch results of 500 MB';

const JOBS = 190;
/** The offline server keeps the last 24 pictures it made: 20 prompts make it fast, the file stays as large. */
const PROMPTS = 20;
const RSS_BAR_MIB = 200;

export async function plan(ctx) {
  const help = spawnSync(ctx.imgcli[0], [...ctx.imgcli.slice(1), 'batch', '--help'], { encoding: 'utf8' }).stdout;
  if (!help.includes('--remote')) return { skip: 'batch --remote not available yet' };
  const url = await ctx.server({ latency: 0, payload: 'noise' });
  const env = ctx.env(url);
  const template = join(ctx.outDir, 'batch-template');
  mkdirSync(template, { recursive: true });
  const lines = Array.from({ length: JOBS }, (_, i) => JSON.stringify({ prompt: `bench batch ${i % PROMPTS}`, out: `out/${i + 1}.png` }));
  writeFileSync(join(template, 'jobs.jsonl'), `${lines.join('\n')}\n`);
  const imgcli = (args) => spawnSync(ctx.imgcli[0], [...ctx.imgcli.slice(1), ...args], { cwd: template, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const submitted = imgcli(['batch', 'jobs.jsonl', '--remote', '--no-wait']);
  if (submitted.status !== 0) throw new Error(`case 8: submitting the batch failed: ${submitted.stderr}`);
  let batch;
  for (let waited = 0; waited < 600; waited++) {
    batch = JSON.parse(imgcli(['batch', 'status', 'jobs.jsonl', '--json']).stdout).batches[0];
    if (batch.status === 'completed') break;
    await sleep(1000);
  }
  if (batch?.status !== 'completed') throw new Error(`case 8: the batch did not complete (${batch?.status})`);
  const file = await (await fetch(`${url}/files/${batch.output_file_id}`, { headers: { authorization: `Bearer ${env.OPENAI_API_KEY}` } })).json();
  const mib = file.bytes / 1048576;
  const gen = ctx.imgcli.map((a) => `'${a}'`).join(' ');
  // A fresh folder per run: the state as --no-wait left it (nothing written yet), then the run collects.
  const run = `rm -rf run && mkdir run && cp '${template}/jobs.jsonl' '${template}/jobs.jsonl.imgcli-batch.json' run/ && cd run && exec ${gen} batch jobs.jsonl --remote --poll-interval 1 > results.jsonl`;
  const tool = 'imgcli batch --remote (collect)';
  return {
    env,
    runs: ctx.quick ? 1 : 3,
    notes: [`case 8: the output file is ${mib.toFixed(0)} MiB (${JOBS} lines, each a 1024x1024 noise PNG of about 2 MB as base64); each run writes the ${JOBS} images with provenance`],
    commands: [
      ctx.has('curl')
        ? { tool: 'curl (download only)', cmd: ['curl', '-sf', '-o', '/dev/null', '-H', `authorization: Bearer ${env.OPENAI_API_KEY}`, `${url}/files/${batch.output_file_id}/content`], reference: true }
        : { tool: 'curl (download only)', skip: 'curl is not installed (Debian package curl)' },
      {
        tool,
        cmd: run,
        bar: (r) => {
          const me = r.get(tool);
          const rssMib = me.rss / 1024;
          return { text: `peak RSS < ${RSS_BAR_MIB} MiB for a ${mib.toFixed(0)} MiB file (${rssMib.toFixed(0)} MiB, ${(rssMib / mib).toFixed(2)}× the file)`, pass: rssMib < RSS_BAR_MIB };
        },
      },
    ],
  };
}

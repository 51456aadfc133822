// Case 9: a remote batch's results of about 500 MB. One batch of 190 photo-sized 1024x1024 PNGs
// is submitted to the offline server once (`imgcli batch --remote --no-wait`) and left to finish;
// each measured run starts from a copy of that state file, so it attaches to the finished batch
// and does only the work in question: stream the output file (about 2.7 MB of base64 per line),
// decode every image to its file with provenance, journal each result. Peak RSS must stay flat,
// far below the file's size, and barely above that of a file ten times smaller; curl downloading
// the same file to /dev/null is the floor of the wall.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const title = '9. Batch results of 500 MB';

const JOBS = 190;
/** The offline server keeps the last 24 pictures it made: 20 prompts make it fast, the file stays as large. */
const PROMPTS = 20;
const RSS_BAR_MIB = 200;
/** Flat: ten times the file, at most this much more memory. */
const GROWTH_BAR = 1.5;
const SMALL = 19;

/** Submits one batch of `jobs` jobs and waits for it; returns the folder with its state, and its output file. */
async function finishedBatch(ctx, env, url, jobs) {
  const template = join(ctx.outDir, `batch-template-${jobs}`);
  mkdirSync(template, { recursive: true });
  const lines = Array.from({ length: jobs }, (_, i) =>
    JSON.stringify({ prompt: `bench batch ${i % PROMPTS}`, out: `out/${i + 1}.png` }),
  );
  writeFileSync(join(template, 'jobs.jsonl'), `${lines.join('\n')}\n`);
  const imgcli = (args) =>
    spawnSync(ctx.imgcli[0], [...ctx.imgcli.slice(1), ...args], {
      cwd: template,
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  const submitted = imgcli(['batch', 'jobs.jsonl', '--remote', '--no-wait']);
  if (submitted.status !== 0) throw new Error(`case 9: submitting the batch failed: ${submitted.stderr}`);
  let batch;
  for (let waited = 0; waited < 600; waited++) {
    batch = JSON.parse(imgcli(['batch', 'status', 'jobs.jsonl', '--json']).stdout).batches[0];
    if (batch.status === 'completed') break;
    await sleep(1000);
  }
  if (batch?.status !== 'completed') throw new Error(`case 9: the batch did not complete (${batch?.status})`);
  const file = await (
    await fetch(`${url}/files/${batch.output_file_id}`, { headers: { authorization: `Bearer ${env.OPENAI_API_KEY}` } })
  ).json();
  return { template, fileId: batch.output_file_id, mib: file.bytes / 1048576 };
}

export async function plan(ctx) {
  const help = spawnSync(ctx.imgcli[0], [...ctx.imgcli.slice(1), 'batch', '--help'], { encoding: 'utf8' }).stdout;
  if (!help.includes('--remote')) return { skip: 'batch --remote not available yet' };
  const url = await ctx.server({ latency: 0, payload: 'noise' });
  const env = ctx.env(url);
  const big = await finishedBatch(ctx, env, url, JOBS);
  const small = await finishedBatch(ctx, env, url, SMALL);
  const gen = ctx.imgcli.map((a) => `'${a}'`).join(' ');
  // A fresh folder per run: the state as --no-wait left it (nothing written yet), then the run collects.
  const collect = (b) =>
    `rm -rf run && mkdir run && cp '${b.template}/jobs.jsonl' '${b.template}/jobs.jsonl.imgcli-batch.json' run/ && cd run && exec ${gen} batch jobs.jsonl --remote --poll-interval 1 > results.jsonl`;
  const tool = `imgcli batch --remote (collect ${JOBS})`;
  const smallTool = `imgcli batch --remote (collect ${SMALL})`;
  return {
    env,
    runs: ctx.quick ? 1 : 3,
    notes: [
      `case 9: output files of ${big.mib.toFixed(0)} MiB (${JOBS} lines, each a 1024x1024 noise PNG of about 2 MB as base64) and ${small.mib.toFixed(0)} MiB (${SMALL} lines); each run writes the images with provenance`,
    ],
    commands: [
      ctx.has('curl')
        ? {
            tool: 'curl (download only)',
            cmd: [
              'curl',
              '-sf',
              '-o',
              '/dev/null',
              '-H',
              `authorization: Bearer ${env.OPENAI_API_KEY}`,
              `${url}/files/${big.fileId}/content`,
            ],
            reference: true,
          }
        : { tool: 'curl (download only)', skip: 'curl is not installed (Debian package curl)' },
      { tool: smallTool, cmd: collect(small) },
      {
        tool,
        cmd: collect(big),
        bar: (r) => {
          const rss = r.get(tool).rss / 1024;
          const before = r.get(smallTool)?.rss / 1024;
          const growth = before ? rss / before : NaN;
          return {
            text: `peak RSS < ${RSS_BAR_MIB} MiB for ${big.mib.toFixed(0)} MiB (${rss.toFixed(0)} MiB), ≤ ${GROWTH_BAR}× that of a file ${(big.mib / small.mib).toFixed(0)}× smaller (${growth.toFixed(2)}×)`,
            pass: rss < RSS_BAR_MIB && growth <= GROWTH_BAR,
          };
        },
      },
    ],
  };
}

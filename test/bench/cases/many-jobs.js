// Case 5: many jobs. 200 generations at 150 ms server latency through `imgcli batch` with 8
// workers, against the ideal 200 x 0.15 / 8 = 3.75 s, and a shell loop of single `imgcli gen`
// calls (run on fewer jobs and scaled to 200, or the loop alone would take a minute).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const title = '5. Many jobs';

const JOBS = 200;
const LATENCY_MS = 150;
const CONCURRENCY = 8;

export async function plan(ctx) {
  if (!ctx.imgcliHas('batch')) return { skip: 'batch not available yet' };
  // One prompt for every job: the server renders it once, so the figure is the client's.
  const url = await ctx.server({ latency: LATENCY_MS, payload: 'gradient' });
  const jobsFile = join(ctx.outDir, 'jobs.jsonl');
  const lines = Array.from({ length: JOBS }, (_, i) =>
    JSON.stringify({ prompt: 'bench batch', out: join(ctx.outDir, 'batch', `job-${i + 1}.png`) }),
  );
  writeFileSync(jobsFile, `${lines.join('\n')}\n`);
  const loopJobs = ctx.quick ? 10 : 40;
  const scale = JOBS / loopJobs;
  const idealMs = (JOBS * LATENCY_MS) / CONCURRENCY;
  const gen = ctx.imgcli.map((a) => `'${a}'`).join(' ');
  return {
    env: ctx.env(url),
    runs: ctx.quick ? 1 : 3,
    notes: [
      `case 5: ideal = ${JOBS} × ${LATENCY_MS} ms / ${CONCURRENCY} = ${(idealMs / 1000).toFixed(2)} s; the shell loop ran ${loopJobs} jobs, its time is scaled ×${scale} (RSS is per process)`,
    ],
    commands: [
      {
        tool: `shell loop of imgcli gen (×${scale})`,
        cmd: `for i in $(seq 1 ${loopJobs}); do ${gen} gen 'bench batch' --no-metadata -o '${join(ctx.outDir, 'loop')}'-$i.png > /dev/null || exit 1; done`,
        scale,
        runs: 1,
        reference: true,
      },
      {
        tool: `imgcli batch -c ${CONCURRENCY}`,
        cmd: [...ctx.imgcli, 'batch', jobsFile, '--concurrency', String(CONCURRENCY), '--no-metadata'],
        bar: (r) => {
          const me = r.get(`imgcli batch -c ${CONCURRENCY}`).wall;
          const loop = r.get(`shell loop of imgcli gen (×${scale})`)?.wall;
          const speedup = loop ? `, ${(loop / me).toFixed(1)}× faster than the loop` : '';
          return {
            text: `≤ 1.15× ideal ${(idealMs / 1000).toFixed(2)} s (${(me / idealMs).toFixed(2)}×)${speedup}`,
            pass: me <= 1.15 * idealMs,
          };
        },
      },
    ],
  };
}

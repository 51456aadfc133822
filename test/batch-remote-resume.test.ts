// Coming back to a remote batch: Ctrl-C while waiting, kill -9 during the results' download, and
// kill -9 between sending the create and recording the batch id; each re-run attaches to the
// batch it finds (never a second create) and writes every image once. Also --no-wait with
// `batch status`, `batch cancel` and `batch list`, a jobs file that changed under a running batch,
// two runs at once, and a jobs file named like a subcommand. The offline server's batches move
// on a clock the test holds.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN, baseEnv, imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';
import { until } from './helpers/wait.js';
import { at } from './helpers/clock.js';
import { encodePng } from './helpers/png.js';

const clock = { ms: 1_000_000 };
const mock = useMockServer({
  payload: 'flat',
  labels: false,
  batchClock: () => clock.ms,
  batchTiming: { validatingMs: 0, perRequestMs: 0, finalizingMs: 0 },
});
/** Batches stay in_progress until the test moves the clock on. */
const hold = () => mock.setBatchTiming({ perRequestMs: 1 });
const instant = () => mock.setBatchTiming({ perRequestMs: 0 });

const rowsOf = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>)
    .sort((a, b) => a.line - b.line);
const gens = (n: number, out = (i: number) => `out/${i}.png`) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `item ${i + 1}`, out: out(i + 1) }));

function folder(jobs: string[], name = 'jobs.jsonl'): string {
  const cwd = tempDir();
  writeFileSync(join(cwd, name), `${jobs.join('\n')}\n`);
  return cwd;
}

const run = (cwd: string, args: string[] = [], jobs = 'jobs.jsonl', env?: Record<string, string>) =>
  imgcli(['--base-url', mock.url, 'batch', jobs, '--remote', '--poll-interval', '0.05', ...args], {
    cwd,
    env,
    timeout: 60_000,
  });
/** A run the test can interrupt or kill: the process itself, not only its result. */
const start = (cwd: string) =>
  execa('node', [BIN, '--base-url', mock.url, 'batch', 'jobs.jsonl', '--remote', '--poll-interval', '0.05'], {
    cwd,
    env: baseEnv(cwd),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
  });
const cli = (cwd: string, args: string[]) => imgcli(['--base-url', mock.url, ...args], { cwd });
const creates = () => mock.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches');
const posts = (path: string) => mock.requests.filter((r) => r.method === 'POST' && r.path === path);
const state = (cwd: string, jobs = 'jobs.jsonl') =>
  JSON.parse(readFileSync(join(cwd, `${jobs}.imgcli-batch.json`), 'utf8'));
const polled = () => mock.requests.some((r) => r.method === 'GET' && /^\/v1\/batches\/batch_/.test(r.path));

describe('coming back to a remote batch', () => {
  it('Ctrl-C while waiting exits 130 and keeps the state; the re-run attaches (no second create) and writes the images', async () => {
    hold();
    const cwd = folder(gens(4));
    const child = start(cwd);
    await until(polled, 'a look at the batch');
    child.kill('SIGINT');
    const stopped = await child;
    expect(stopped.exitCode).toBe(130);
    expect(stopped.stderr).toMatch(/Interrupted/);
    expect(stopped.stderr).toMatch(/run the same command again to come back to it/);
    const saved = state(cwd).parts[0];
    expect(saved).toMatchObject({ batch_id: expect.stringMatching(/^batch_/), status: 'in_progress' });
    expect(saved.collected).toBeUndefined();

    mock.requests.length = 0;
    clock.ms += 1_000;
    const again = await run(cwd);
    expect(again.exitCode).toBe(0);
    expect(creates()).toHaveLength(0);
    expect(posts('/v1/files')).toHaveLength(0);
    expect(rowsOf(again.stdout).map((r) => [r.status, r.batch_id])).toEqual(Array(4).fill(['ok', saved.batch_id]));
    for (let i = 1; i <= 4; i++) expect(existsSync(join(cwd, `out/${i}.png`))).toBe(true);
  });

  it('kill -9 during the results download: the re-run reads on where it stopped, without a new batch, and writes every image once', async () => {
    instant();
    // Generated names: an image written twice would show up as a second file.
    const cwd = folder(gens(30, () => 'out/'));
    mock.enqueueFault({ hang: 15_000 }, 1, /\/content$/);
    const child = start(cwd);
    const journal = join(cwd, 'jobs.jsonl.imgcli-batch.journal');
    await until(
      () => existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 5,
      'some results journaled',
    );
    child.kill('SIGKILL');
    await child;
    const before = readdirSync(join(cwd, 'out')).filter((n) => n.endsWith('.png'));
    expect(before.length).toBeGreaterThan(3);
    expect(before.length).toBeLessThan(30);
    expect(state(cwd).parts[0]).toMatchObject({ status: 'completed' });

    mock.requests.length = 0;
    const again = await run(cwd);
    expect(again.exitCode).toBe(0);
    expect(creates()).toHaveLength(0);
    const rows = rowsOf(again.stdout);
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.status === 'ok')).toBe(true);
    const after = readdirSync(join(cwd, 'out')).filter((n) => n.endsWith('.png'));
    expect(after).toHaveLength(30);
    expect(after.filter((n) => /_2\.png$/.test(n))).toEqual([]);
    expect(new Set(rows.flatMap((r) => r.files.map((f: { path: string }) => f.path))).size).toBe(30);
    expect(existsSync(journal)).toBe(false);
    expect(readdirSync(cwd).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('an image written just before a kill, but not yet journaled, is found by its provenance and not written again', async () => {
    instant();
    const cwd = folder(gens(3, () => 'out/'));
    const first = await run(cwd);
    expect(first.exitCode).toBe(0);
    // What a kill -9 between an image's rename and its journal line leaves: the file, without its result.
    const saved = state(cwd);
    const [id, result] = Object.entries(saved.results)[0] as [string, { files: Array<{ path: string }> }];
    delete saved.results[id];
    saved.parts[0].collected = false;
    saved.parts[0].collecting = true;
    writeFileSync(join(cwd, 'jobs.jsonl.imgcli-batch.json'), JSON.stringify(saved));
    mock.requests.length = 0;
    // A day later: generated names would carry another time, so the file is found by its provenance.
    const again = await run(cwd, [], 'jobs.jsonl', at('2026-12-02T08:00:00Z'));
    expect(again.exitCode).toBe(0);
    expect(creates()).toHaveLength(0);
    expect(readdirSync(join(cwd, 'out')).sort()).toEqual([
      'item-1-20261201-120000.png',
      'item-2-20261201-120000.png',
      'item-3-20261201-120000.png',
    ]);
    expect(rowsOf(again.stdout).find((r) => r.custom_id === id)).toMatchObject({
      status: 'ok',
      files: [expect.objectContaining({ path: result.files[0]!.path })],
    });
  });

  it('kill -9 after the create reached the server but before its id was recorded: the re-run finds the batch by its token', async () => {
    instant();
    const cwd = folder(gens(3));
    // The server makes the batch at once but holds its answer: the client dies waiting for it.
    mock.enqueueFault({ answerAfterMs: 60_000 }, 1, /^\/v1\/batches$/);
    const child = start(cwd);
    await until(() => creates().length === 1, 'the create');
    child.kill('SIGKILL');
    await child;
    const part = state(cwd).parts[0];
    expect(part).toMatchObject({ create_sent: true, input_file_id: expect.stringMatching(/^file-/) });
    expect(part.batch_id).toBeUndefined();

    mock.requests.length = 0;
    const again = await run(cwd);
    expect(again.exitCode).toBe(0);
    expect(creates()).toHaveLength(0);
    expect(mock.requests.some((r) => r.method === 'GET' && r.path === '/v1/batches')).toBe(true);
    expect(again.stderr).toMatch(/found batch_\w+, created by an earlier run that stopped before it could record it/);
    const found = state(cwd).parts[0];
    expect(found.batch_id).toMatch(/^batch_/);
    expect(rowsOf(again.stdout).map((r) => r.batch_id)).toEqual([found.batch_id, found.batch_id, found.batch_id]);
  });

  it('--no-wait prints the batch id; batch status shows it (and --json); the plain run then writes the images', async () => {
    hold();
    const cwd = folder(gens(3));
    const submitted = await run(cwd, ['--no-wait']);
    expect(submitted.exitCode).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^batch_\w+$/);
    // The destination was checked (and made) before anything was paid for; nothing is in it yet.
    expect(readdirSync(join(cwd, 'out'))).toEqual([]);

    const status = await cli(cwd, ['batch', 'status', 'jobs.jsonl']);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/^jobs\.jsonl: 1 batch, 3 jobs$/m);
    expect(status.stdout).toMatch(new RegExp(`^${id}\\s+in_progress\\s+generations\\s+0/3\\s+0 done, 0 failed`, 'm'));
    const json = await cli(cwd, ['batch', 'status', id, '--json']);
    expect(JSON.parse(json.stdout).batches[0]).toMatchObject({
      id,
      status: 'in_progress',
      request_counts: { total: 3 },
    });

    clock.ms += 1_000;
    const done = await cli(cwd, ['batch', 'status']);
    expect(done.stdout).toMatch(new RegExp(`^${id}\\s+completed\\s+generations\\s+3/3\\s+3 done, 0 failed`, 'm'));
    expect(done.stderr).toMatch(/run `imgcli batch jobs\.jsonl --remote` to write the results/);
    const list = await cli(cwd, ['batch', 'list', '--limit', '3']);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+completed\\s+generations.*jobs\\.jsonl$`, 'm'));

    mock.requests.length = 0;
    const written = await run(cwd);
    expect(written.exitCode).toBe(0);
    expect(creates()).toHaveLength(0);
    expect(rowsOf(written.stdout).map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    // Nothing left to wait for: --no-wait says so and prints nothing.
    const idle = await run(cwd, ['--no-wait']);
    expect(idle.exitCode).toBe(0);
    expect(idle.stdout).toBe('');
    expect(idle.stderr).toMatch(/nothing is pending/);
  });

  it('batch status of a jobs file asks only the server its batches are on: another one is refused, naming it', async () => {
    hold();
    const cwd = folder(gens(2));
    expect((await run(cwd, ['--no-wait'])).exitCode).toBe(0);
    mock.requests.length = 0;
    const elsewhere = await imgcli(['--base-url', 'http://127.0.0.1:9/v1', 'batch', 'status', 'jobs.jsonl'], { cwd });
    expect(elsewhere.exitCode).toBe(2);
    expect(elsewhere.stderr).toContain(
      `error: jobs.jsonl.imgcli-batch.json records batches on ${mock.url}, and this command talks to http://127.0.0.1:9/v1`,
    );
    expect(elsewhere.stderr).toContain(
      `hint: Add --base-url ${mock.url} (or the --profile the batches were submitted with).`,
    );
    const offline = await imgcli(['batch', 'cancel', 'jobs.jsonl', '--mock'], { cwd });
    expect(offline.exitCode).toBe(2);
    expect(mock.requests).toHaveLength(0);
    instant();
  });

  it('an interrupted --mock rehearsal with edits runs again from scratch: its uploads went with its offline server', async () => {
    const cwd = folder([
      JSON.stringify({ prompt: 'one', out: 'out/1.png' }),
      JSON.stringify({ command: 'edit', images: ['in.png'], prompt: 'two', out: 'out/2.png' }),
    ]);
    writeFileSync(
      join(cwd, 'in.png'),
      encodePng({ width: 64, height: 64, colorType: 6, bitDepth: 8, samples: new Uint8Array(64 * 64 * 4).fill(200) }),
    );
    const mockRun = () => imgcli(['batch', 'jobs.jsonl', '--remote', '--mock'], { cwd, timeout: 60_000 });
    expect((await mockRun()).exitCode).toBe(0);
    // As a run stopped while waiting leaves it: the edits' batch recorded, not yet collected.
    const st = state(cwd);
    const edits = st.parts.find((p: { endpoint: string }) => p.endpoint === 'edits');
    Object.assign(edits, { status: 'in_progress', collected: false, output_file_id: undefined });
    for (const id of edits.custom_ids) delete st.results[id];
    writeFileSync(join(cwd, 'jobs.jsonl.imgcli-batch.json'), JSON.stringify(st));
    rmSync(join(cwd, 'out', '2.png'));
    const again = await mockRun();
    expect(again.stderr).toMatch(/the offline server of an earlier --mock run ended with it/);
    expect(again.exitCode).toBe(0);
    expect(existsSync(join(cwd, 'out', '2.png'))).toBe(true);
  });

  it('batch cancel: the requests done before it are written, the rest fail as cancelled (exit 7) and --resubmit sends them', async () => {
    hold();
    const cwd = folder(gens(5));
    await run(cwd, ['--no-wait']);
    clock.ms += 2;
    const cancel = await cli(cwd, ['batch', 'cancel', 'jobs.jsonl']);
    expect(cancel.exitCode).toBe(0);
    expect(cancel.stdout).toMatch(/cancelling/);
    // The row says cancelling; the note under it says the same, not yet "cancelled".
    expect(cancel.stdout).toMatch(/: being cancelled: the requests done before the cancel keep their results/);
    clock.ms += 1_000;
    const r = await run(cwd);
    expect(r.exitCode).toBe(7);
    const rows = rowsOf(r.stdout);
    expect(rows.filter((row) => row.status === 'ok')).toHaveLength(2);
    expect(
      rows.filter((row) => row.status === 'failed').every((row) => /cancelled before this request ran/.test(row.error)),
    ).toBe(true);
    instant();
    const resubmit = await run(cwd, ['--resubmit']);
    expect(resubmit.exitCode).toBe(0);
    expect(state(cwd).parts[1].custom_ids).toHaveLength(3);
  });

  it('batch cancel of a batch that ended between the look and the cancel (409) shows it as it is, exit 0', async () => {
    hold();
    const cwd = folder(gens(1));
    await run(cwd, ['--no-wait']);
    mock.enqueueFault(
      {
        status: 409,
        body: {
          error: {
            message: "Cannot cancel a batch with status 'completed'.",
            type: 'invalid_request_error',
            param: null,
            code: null,
          },
        },
      },
      1,
      /\/cancel$/,
    );
    const cancel = await cli(cwd, ['batch', 'cancel', 'jobs.jsonl', '--json']);
    expect(cancel.exitCode).toBe(0);
    expect(JSON.parse(cancel.stdout).batches[0]).toMatchObject({
      status: 'in_progress',
      imgcli: { part: 1, jobs: 1, collected: false, jobs_file: 'jobs.jsonl' },
    });
    expect(mock.requests.filter((r) => r.path.endsWith('/cancel'))).toHaveLength(1);
  });

  it('an image that cannot be written where asked is kept in the recovery folder, and the next run writes it from the results, paying nothing', async () => {
    hold();
    const cwd = folder([
      JSON.stringify({ prompt: 'one', out: 'a/1.png' }),
      JSON.stringify({ prompt: 'two', out: 'b/2.png' }),
    ]);
    await run(cwd, ['--no-wait']);
    // The folder b turns into a file while the batch runs.
    rmSync(join(cwd, 'b'), { recursive: true });
    writeFileSync(join(cwd, 'b'), 'not a folder');
    clock.ms += 1_000;
    const r = await run(cwd);
    expect(r.exitCode).toBe(7);
    const rows = rowsOf(r.stdout);
    expect(rows[0]).toMatchObject({ status: 'ok' });
    expect(rows[1]).toMatchObject({
      status: 'failed',
      recovered_path: expect.stringContaining(join('config', 'recovered')),
    });
    expect(existsSync(rows[1]!.recovered_path)).toBe(true);
    expect(r.stderr).toMatch(
      /1 job could not be written where asked.*run the same command again once the destination is fixed/,
    );
    rmSync(join(cwd, 'b'));
    mock.requests.length = 0;
    const again = await run(cwd);
    expect(again.exitCode).toBe(0);
    expect(creates()).toHaveLength(0);
    expect(rowsOf(again.stdout).map((row) => row.status)).toEqual(['ok', 'ok']);
    expect(existsSync(join(cwd, 'b', '2.png'))).toBe(true);
  });

  it('batch status says why a batch expired; an unknown batch id is a 404 with a next step', async () => {
    instant();
    const cwd = folder(gens(4));
    mock.enqueueBatchFault({ expireAfter: 1 });
    expect((await run(cwd)).exitCode).toBe(7);
    const status = await cli(cwd, ['batch', 'status', 'jobs.jsonl']);
    expect(status.stdout).toMatch(/batch_\w+: it expired: the 24-hour window closed with 0 requests not run/);
    const unknown = await cli(cwd, ['batch', 'status', 'batch_doesnotexist']);
    expect(unknown.exitCode).toBe(3);
    expect(unknown.stderr).toMatch(
      /The server has no batch batch_doesnotexist: `imgcli batch list` shows the batches it has/,
    );
  });

  it("refuses a jobs file that changed under a running batch, and a second run at once; takes over a dead run's lock", async () => {
    hold();
    const cwd = folder(gens(2));
    await run(cwd, ['--no-wait']);
    writeFileSync(join(cwd, 'jobs.jsonl'), `${gens(3).join('\n')}\n`);
    mock.requests.length = 0;
    const changed = await run(cwd);
    expect(changed.exitCode).toBe(2);
    expect(changed.stderr).toMatch(
      /jobs\.jsonl \(or a default given to batch, such as -m or -q\) changed since its batches were submitted/,
    );
    expect(mock.requests).toHaveLength(0);

    writeFileSync(join(cwd, 'jobs.jsonl'), `${gens(2).join('\n')}\n`);
    const lock = join(cwd, 'jobs.jsonl.imgcli-batch.lock');
    writeFileSync(lock, `${process.pid} ${hostname()}\n`);
    const busy = await run(cwd);
    expect(busy.exitCode).toBe(2);
    expect(busy.stderr).toMatch(new RegExp(`another imgcli \\(pid ${process.pid}\\) is working on this batch`));
    writeFileSync(lock, `2147483646 ${hostname()}\n`);
    clock.ms += 1_000;
    const taken = await run(cwd);
    expect(taken.exitCode).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it('a jobs file named status: `batch ./status --remote` runs it, `batch status` is the subcommand', async () => {
    instant();
    const cwd = folder(gens(1), 'status');
    const r = await run(cwd, [], './status');
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(cwd, 'status.imgcli-batch.json'))).toBe(true);
    const status = await cli(cwd, ['batch', 'status']);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/^status: 1 batch, 1 job$/m);
  });
});

// What imgcli uploads expires and is written down, and `imgcli files prune` deletes it: in-process
// against the offline server (its clock moved by the test): expires_after on files upload and on
// batch --remote's input images and request files (7 and 30 days, configurable), the ledger
// beside the config file, prune's deletions, the bytes it frees, and what it leaves alone (other
// servers' files, other tools' files, a remote batch not yet collected).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEY, tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

let clock = new Date('2026-12-01T12:00:00Z');
const mock = useMockServer({
  now: () => clock,
  payload: 'flat',
  labels: false,
  batchTiming: { validatingMs: 0, perRequestMs: 0, finalizingMs: 0 },
});
const T0 = Math.floor(new Date('2026-12-01T12:00:00Z').getTime() / 1000);

let cwd: string;
beforeAll(async () => {
  cwd = tempDir();
  for (const [name, colour] of [
    ['a.png', '#224466'],
    ['b.png', '#664422'],
  ])
    await sharp({ create: { width: 32, height: 32, channels: 3, background: colour! } })
      .png()
      .toFile(join(cwd, name!));
});

/** A run at `at` (the client's clock; the server's is set with `clock`), in `dir`. */
const run = (args: string[], at = '2026-12-01T12:00:00Z', dir = cwd) =>
  imgcliInProcess(['--base-url', mock.url, ...args], { cwd: dir, env: { IMGCLI_NOW: at } });
const posts = () => mock.apiRequests().filter((r) => r.method === 'POST' && r.path === '/v1/files');
const expiryOf = (r: (typeof mock.requests)[number]) =>
  Object.fromEntries((r.parts ?? []).filter((p) => p.name.startsWith('expires_after')).map((p) => [p.name, p.value]));
const ledger = (dir = cwd) =>
  readFileSync(join(dir, 'config', 'uploads.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const deletes = () => mock.apiRequests().filter((r) => r.method === 'DELETE');

describe('uploads expire', () => {
  it('files upload sends expires_after: 7 days unless --expires-after or the config says otherwise', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.png'), readFileSync(join(cwd, 'a.png')));
    expect((await run(['files', 'upload', 'a.png'], undefined, dir)).exitCode).toBe(0);
    expect(expiryOf(posts().at(-1)!)).toEqual({
      'expires_after[anchor]': 'created_at',
      'expires_after[seconds]': '604800',
    });
    await run(['files', 'upload', 'a.png', '--expires-after', '36h'], undefined, dir);
    expect(expiryOf(posts().at(-1)!)['expires_after[seconds]']).toBe('129600');
    await run(['files', 'upload', 'a.png', '--expires-after', 'never'], undefined, dir);
    expect(expiryOf(posts().at(-1)!)).toEqual({});
    expect((await run(['config', 'set', 'files-expire-after', '2d'], undefined, dir)).exitCode).toBe(0);
    await run(['files', 'upload', 'a.png'], undefined, dir);
    expect(expiryOf(posts().at(-1)!)['expires_after[seconds]']).toBe('172800');
    const bad = await run(['files', 'upload', 'a.png', '--expires-after', '45d'], undefined, dir);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(
      /--expires-after 45d is not valid: give a time from 1h to 30d \(e\.g\. 7d, 36h, 3600s\), or never\./,
    );
    expect(posts()).toHaveLength(4);
  });

  it('writes every upload down beside the config file, with its server, size and expiry', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.png'), readFileSync(join(cwd, 'a.png')));
    const id = (await run(['files', 'upload', 'a.png'], undefined, dir)).stdout;
    expect(ledger(dir)).toEqual([
      {
        id,
        server: mock.url,
        purpose: 'vision',
        bytes: readFileSync(join(dir, 'a.png')).length,
        filename: 'a.png',
        created_at: T0,
        expires_at: T0 + 7 * 86_400,
        by: 'files upload',
      },
    ]);
  });
});

describe('imgcli files prune', () => {
  it('deletes the uploads imgcli made on this server, and only those, saying the bytes freed', async () => {
    const dir = tempDir();
    for (const f of ['a.png', 'b.png']) writeFileSync(join(dir, f), readFileSync(join(cwd, f)));
    const ids = (await run(['files', 'upload', 'a.png', 'b.png'], undefined, dir)).stdout.split('\n');
    // A file another tool uploaded: imgcli never touches it.
    const form = new FormData();
    form.append('purpose', 'vision');
    form.append('file', new Blob([readFileSync(join(dir, 'a.png'))], { type: 'image/png' }), 'theirs.png');
    const theirs = (await (
      await fetch(`${mock.url}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${FAKE_KEY}` } })
    ).json()) as { id: string };
    const bytes = ['a.png', 'b.png'].reduce((n, f) => n + readFileSync(join(dir, f)).length, 0);
    mock.requests.length = 0;

    const dry = await run(['files', 'prune', '--dry-run'], undefined, dir);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout.split('\n').map((l) => l.split('  ')[0])).toEqual(ids);
    expect(dry.stderr).toBe(`would delete 2 uploads imgcli made on ${mock.url}, freeing 1 KB`);
    expect(mock.apiRequests()).toHaveLength(0);

    const r = await run(['files', 'prune', '--json'], undefined, dir);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.deleted.map((d: { id: string }) => d.id)).toEqual(ids);
    expect(doc.freed_bytes).toBe(bytes);
    expect(deletes().map((d) => d.path)).toEqual(ids.map((id) => `/v1/files/${id}`));
    const left = (await run(['files', 'list', '--json'], undefined, dir)).stdout;
    expect(JSON.parse(left).files.map((f: { id: string }) => f.id)).toContain(theirs.id);
    expect(JSON.parse(left).files.map((f: { id: string }) => f.id)).not.toContain(ids[0]);

    const again = await run(['files', 'prune'], undefined, dir);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe(`deleted 0 uploads imgcli made on ${mock.url}, freeing nothing`);
  });

  it('forgets, without asking the server, what has expired, and counts what was deleted elsewhere as gone', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.png'), readFileSync(join(cwd, 'a.png')));
    writeFileSync(join(dir, 'b.png'), readFileSync(join(cwd, 'b.png')));
    await run(['files', 'upload', 'a.png', '--expires-after', '1h'], undefined, dir);
    const [b] = (await run(['files', 'upload', 'b.png'], undefined, dir)).stdout.split('\n');
    await run(['files', 'rm', b!], undefined, dir);
    mock.requests.length = 0;
    const r = await run(['files', 'prune'], '2026-12-02T12:00:00Z', dir);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe(
      `deleted 0 uploads imgcli made on ${mock.url}, freeing nothing; 1 upload had expired already; 1 upload was already gone`,
    );
    // Only the one not known to have expired was asked for: the server has it no more (its record, 404).
    expect(mock.apiRequests().map((r) => `${r.method} ${r.path}`)).toEqual([`GET /v1/files/${b}`]);
  });

  it('reads its record as a bounded regular file and skips hand-edited lines that are not records it wrote', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.png'), readFileSync(join(cwd, 'a.png')));
    const [a] = (await run(['files', 'upload', 'a.png'], undefined, dir)).stdout.split('\n');
    const ledger = join(dir, 'config', 'uploads.jsonl');
    const bad = [
      { id: 'toString', server: mock.url },
      {
        id: 'file-neg',
        server: mock.url,
        purpose: 'vision',
        filename: 'x.png',
        by: 'files upload',
        bytes: -5,
        created_at: T0,
        expires_at: null,
      },
      {
        id: 'file-str',
        server: mock.url,
        purpose: 'vision',
        filename: 'x.png',
        by: 'files upload',
        bytes: '1e999',
        created_at: T0,
        expires_at: null,
      },
    ];
    writeFileSync(ledger, `${readFileSync(ledger, 'utf8')}${bad.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const dry = await run(['files', 'prune', '--dry-run'], undefined, dir);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout.split('\n').map((l) => l.split('  ')[0])).toEqual([a]);
    expect(dry.stderr).not.toMatch(/NaN|undefined/);
    // A FIFO in its place is refused at once (exit 2), never waited on; a folder likewise.
    rmSync(ledger);
    execFileSync('mkfifo', [ledger]);
    const fifo = await run(['files', 'prune', '--dry-run'], undefined, dir);
    expect(fifo.exitCode).toBe(2);
    expect(fifo.stderr).toMatch(/the record of uploads .*a pipe/);
    rmSync(ledger);
    mkdirSync(ledger);
    const folder = await run(['files', 'prune', '--dry-run'], undefined, dir);
    expect(folder.exitCode).toBe(2);
  });

  it("deletes a file only when the server's record of it (name, size) is the upload imgcli recorded, and counts the server's bytes", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.png'), readFileSync(join(cwd, 'a.png')));
    writeFileSync(join(dir, 'b.png'), readFileSync(join(cwd, 'b.png')));
    const [a] = (await run(['files', 'upload', 'a.png'], undefined, dir)).stdout.split('\n');
    const [b] = (await run(['files', 'upload', 'b.png'], undefined, dir)).stdout.split('\n');
    // A hand-edited line: b's record now says another name and size than the server's file has.
    const ledger = join(dir, 'config', 'uploads.jsonl');
    const lines = readFileSync(ledger, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const bytesOfA = lines.find((l) => l.id === a)!.bytes as number;
    for (const l of lines) if (l.id === b) Object.assign(l, { filename: 'other.png', bytes: 999 });
    writeFileSync(ledger, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    mock.requests.length = 0;
    const r = await run(['files', 'prune', '--json'], undefined, dir);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.deleted.map((d: { id: string }) => d.id)).toEqual([a]);
    expect(doc.freed_bytes).toBe(bytesOfA);
    expect(doc.kept).toEqual([{ id: b, why: expect.stringMatching(/named "b\.png", not "other\.png".*left alone/) }]);
    expect(deletes().map((d) => d.path)).toEqual([`/v1/files/${a}`]);
    expect(r.stderr).toMatch(new RegExp(`^warning: kept ${b}: the server's file is named "b\\.png"`, 'm'));
  });

  it('says --mock has nothing to prune (its server forgets its files)', async () => {
    const r = await imgcliInProcess(['--mock', 'files', 'prune'], { cwd: tempDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: --mock: the offline server started for this run has no files/);
  });
});

describe('batch --remote uploads', () => {
  const jobs = (dir: string, model = 'gpt-image-2.5-flare') =>
    writeFileSync(
      join(dir, 'jobs.jsonl'),
      `${JSON.stringify({ command: 'edit', images: ['a.png'], prompt: 'x', model, out: 'out.png' })}\n`,
    );

  it('expire (inputs 7 days, request files 30), are recorded with their state file, and are kept by prune until collected', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.png'), readFileSync(join(cwd, 'a.png')));
    jobs(dir);
    const sent = await run(['batch', 'jobs.jsonl', '--remote', '--no-wait'], undefined, dir);
    expect(sent.exitCode).toBe(0);
    const [input, requests] = posts();
    expect(input!.parts!.find((p) => p.name === 'purpose')?.value).toBe('vision');
    expect(expiryOf(input!)['expires_after[seconds]']).toBe('604800');
    expect(requests!.parts!.find((p) => p.name === 'purpose')?.value).toBe('batch');
    expect(expiryOf(requests!)['expires_after[seconds]']).toBe('2592000');
    const recorded = ledger(dir);
    expect(recorded.map((r) => [r.purpose, r.by, r.batch_state])).toEqual([
      ['vision', 'batch --remote', join(dir, 'jobs.jsonl.imgcli-batch.json')],
      ['batch', 'batch --remote', join(dir, 'jobs.jsonl.imgcli-batch.json')],
    ]);
    mock.requests.length = 0;
    const kept = await run(['files', 'prune'], undefined, dir);
    expect(kept.stderr.split('\n')[0]).toMatch(
      /^kept file-\w+ \(a\.png\): its remote batch has not been collected \(.*jobs\.jsonl\.imgcli-batch\.json: imgcli batch jobs\.jsonl --remote collects it\)$/,
    );
    expect(deletes()).toHaveLength(0);
    expect((await run(['batch', 'jobs.jsonl', '--remote', '--poll-interval', '0.05'], undefined, dir)).exitCode).toBe(
      0,
    );
    const pruned = await run(['files', 'prune'], undefined, dir);
    expect(pruned.stdout.split('\n')).toEqual(recorded.map((r) => r.id));
    expect(existsSync(join(dir, 'out.png'))).toBe(true);
  });

  it('uploads an input again when the one an earlier run made has expired (or will within a day)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.png'), readFileSync(join(cwd, 'a.png')));
    jobs(dir);
    await run(['config', 'set', 'files-expire-after', '1h'], undefined, dir);
    expect((await run(['batch', 'jobs.jsonl', '--remote', '--poll-interval', '0.05'], undefined, dir)).exitCode).toBe(
      0,
    );
    writeFileSync(join(dir, 'jobs.jsonl'), readFileSync(join(dir, 'jobs.jsonl'), 'utf8').replace('"x"', '"y"'));
    const vision = () => posts().filter((p) => p.parts!.find((q) => q.name === 'purpose')?.value === 'vision');
    mock.requests.length = 0;
    // Ten minutes on, the input (1h) still has more than half its life: it is used again.
    await run(['batch', 'jobs.jsonl', '--remote', '--poll-interval', '0.05'], '2026-12-01T12:10:00Z', dir);
    expect(vision()).toHaveLength(0);
    writeFileSync(join(dir, 'jobs.jsonl'), readFileSync(join(dir, 'jobs.jsonl'), 'utf8').replace('"y"', '"z"'));
    mock.requests.length = 0;
    // Forty-five minutes on, it expires before a batch could be sure to run: uploaded again, once.
    clock = new Date('2026-12-01T12:45:00Z');
    try {
      await run(['batch', 'jobs.jsonl', '--remote', '--poll-interval', '0.05'], '2026-12-01T12:45:00Z', dir);
    } finally {
      clock = new Date('2026-12-01T12:00:00Z');
    }
    expect(vision()).toHaveLength(1);
  });
});

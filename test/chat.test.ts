// `imgcli chat` end to end: the command line (in-process, as a user runs it) against the offline
// server, which keeps its threads while it runs. Each case checks the exit code, stdout, stderr, the
// files and the thread written, and what the server received (previous_response_id above all).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { InterruptedError } from '../src/errors.js';
import { io } from '../src/output/disk.js';
import { readProvenance } from '../src/provenance/index.js';
import type { Runtime } from '../src/runtime.js';
import { baseEnv, imgcli, tempDir } from './helpers/cli.js';
import { captured, imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';
import { until } from './helpers/wait.js';

const mock = useMockServer({ streamDelayMs: 5 });
const RESP = /^resp_[0-9a-f]{24}$/;

async function chat(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const cwd = opts.cwd ?? tempDir();
  const r = await imgcliInProcess(['--base-url', mock.url, 'chat', ...args], { cwd, env: opts.env });
  return { ...r, cwd };
}
/** The Responses requests the server received, in order. */
const sent = () =>
  mock
    .apiRequests()
    .filter((r) => r.path === '/v1/responses')
    .map((r) => r.json as Record<string, unknown>);
const threadIn = (cwd: string, name: string) =>
  JSON.parse(readFileSync(join(cwd, '.imgcli-chat', `${name}.json`), 'utf8')) as {
    thread: string;
    server: string;
    turns: Array<Record<string, unknown> & { files?: Array<{ path: string; sha256: string }> }>;
  };
const provenanceOf = (path: string) => readProvenance(readFileSync(path))!;

let photo: string;
let mask: string;
beforeAll(async () => {
  const dir = tempDir();
  photo = join(dir, 'photo.png');
  mask = join(dir, 'mask.png');
  await sharp({ create: { width: 512, height: 512, channels: 3, background: '#3366aa' } })
    .png()
    .toFile(photo);
  // Opaque, with a transparent middle: where the tool may paint.
  const pixels = Buffer.alloc(1024 * 1024 * 4, 255);
  for (let y = 384; y < 640; y++) for (let x = 384; x < 640; x++) pixels[(y * 1024 + x) * 4 + 3] = 0;
  await sharp(pixels, { raw: { width: 1024, height: 1024, channels: 4 } })
    .png()
    .toFile(mask);
});

describe('a conversation, turn after turn', () => {
  it('three turns: each continues the one before (previous_response_id), writes its image with provenance, and the thread records them', async () => {
    const cwd = tempDir();
    const one = await chat(['a lighthouse at dusk'], { cwd });
    const two = await chat(['make it night'], { cwd });
    const three = await chat(['add a keeper in the window'], { cwd });
    for (const r of [one, two, three]) expect(r.exitCode, r.stderr).toBe(0);
    expect([one.stdout, two.stdout, three.stdout]).toEqual([
      'a-lighthouse-at-dusk-20261201-120000.png',
      'make-it-night-20261201-120000.png',
      'add-a-keeper-in-the-window-20261201-120000.png',
    ]);
    // The server's side: the mainline model, the tool, and each turn chained to the response before it.
    const bodies = sent();
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toEqual({
      model: 'gpt-5.4-mini-2026-03-17',
      input: 'a lighthouse at dusk',
      tools: [{ type: 'image_generation', model: 'gpt-image-2' }],
      tool_choice: { type: 'image_generation' },
    });
    const thread = threadIn(cwd, 'a-lighthouse-at-dusk');
    const ids = thread.turns.map((t) => t.response_id as string);
    for (const id of ids) expect(id).toMatch(RESP);
    expect(new Set(ids).size).toBe(3);
    expect(bodies.map((b) => b.previous_response_id)).toEqual([undefined, ids[0], ids[1]]);
    expect(thread.turns.map((t) => [t.turn, t.status, t.prompt, t.previous_response_id])).toEqual([
      [1, 'ok', 'a lighthouse at dusk', undefined],
      [2, 'ok', 'make it night', ids[0]],
      [3, 'ok', 'add a keeper in the window', ids[1]],
    ]);
    expect(thread.server).toBe(mock.url);
    // Each image: its turn, thread and response in the provenance, its sha256 in the thread (never its bytes).
    for (const [i, r] of [one, two, three].entries()) {
      const path = join(cwd, r.stdout);
      const p = provenanceOf(path);
      expect(p).toMatchObject({
        command: 'chat',
        endpoint: 'responses',
        model: 'gpt-image-2',
        thread: 'a-lighthouse-at-dusk',
        turn: i + 1,
        mainline: 'gpt-5.4-mini-2026-03-17',
        response_id: ids[i],
      });
      expect(p.previous_response_id).toBe(i ? ids[i - 1] : undefined);
      const { createHash } = await import('node:crypto');
      expect(thread.turns[i]!.files![0]!.sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
    expect(readFileSync(join(cwd, '.imgcli-chat', 'a-lighthouse-at-dusk.json'), 'utf8').length).toBeLessThan(8000);
    // stderr: the turn, the revised prompt, what the model said, and both models' usage, each named.
    expect(three.stderr).toMatch(/^turn 3 of thread a-lighthouse-at-dusk: response resp_/m);
    expect(three.stderr).toMatch(/^revised prompt: .*add a keeper in the window/m);
    expect(three.stderr).toMatch(
      /^usage: mainline gpt-5\.4-mini-2026-03-17 \d+ input \+ \d+ output = \d+ tokens; image gpt-image-2 \d+ input \+ \d+ output = \d+ tokens/m,
    );
  });

  it('--json: one document with the thread, the turn, both response ids, the file, and usage and cost in two parts', async () => {
    const cwd = tempDir();
    await chat(['a fox'], { cwd });
    const r = await chat(['make it orange', '--json', '-q', 'low'], { cwd });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      thread: 'a-fox',
      turn: 2,
      response_id: expect.stringMatching(RESP),
      previous_response_id: threadIn(cwd, 'a-fox').turns[0]!.response_id,
      mainline: 'gpt-5.4-mini-2026-03-17',
      model: 'gpt-image-2',
      endpoint: 'responses',
      files: [{ path: 'make-it-orange-20261201-120000.png', format: 'png', width: 1024, height: 1024 }],
      usage: {
        mainline: { model: 'gpt-5.4-mini-2026-03-17', input_tokens: expect.any(Number) },
        image: { model: 'gpt-image-2', output_tokens: expect.any(Number) },
      },
      cost_parts: { mainline_usd: expect.any(Number), image_usd: expect.any(Number) },
    });
    expect(doc.cost_usd).toBeCloseTo(doc.cost_parts.mainline_usd + doc.cost_parts.image_usd, 6);
    expect(sent().at(-1)!.tools).toEqual([{ type: 'image_generation', model: 'gpt-image-2', quality: 'low' }]);
  });

  it('--thread keeps several conversations; --new starts afresh and keeps the old one aside', async () => {
    const cwd = tempDir();
    expect((await chat(['--thread', 'poster', 'a poster of a fox'], { cwd })).exitCode).toBe(0);
    expect((await chat(['--thread', 'logo', 'a round logo'], { cwd })).exitCode).toBe(0);
    const poster = threadIn(cwd, 'poster').turns[0]!.response_id;
    const logo = threadIn(cwd, 'logo').turns[0]!.response_id;
    // The last thread used here is logo; --thread poster goes back to poster.
    expect((await chat(['--thread', 'poster', 'less saturated'], { cwd })).exitCode).toBe(0);
    expect((await chat(['bigger'], { cwd })).exitCode).toBe(0);
    expect(sent().map((b) => b.previous_response_id)).toEqual([
      undefined,
      undefined,
      poster,
      threadIn(cwd, 'poster').turns[1]!.response_id,
    ]);
    expect(threadIn(cwd, 'logo').turns).toHaveLength(1);
    const fresh = await chat(['--new', '--thread', 'poster', 'a poster of an owl'], { cwd });
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    expect(fresh.stderr).toMatch(/thread poster starts afresh; its earlier turns are kept as thread poster-2/);
    expect(sent().at(-1)!.previous_response_id).toBeUndefined();
    expect(threadIn(cwd, 'poster').turns.map((t) => t.prompt)).toEqual(['a poster of an owl']);
    expect(threadIn(cwd, 'poster-2').turns.map((t) => t.prompt)).toEqual([
      'a poster of a fox',
      'less saturated',
      'bigger',
    ]);
    // --new without a name: named from the prompt.
    const named = await chat(['--new', 'a round logo'], { cwd });
    expect(named.exitCode).toBe(0);
    expect(named.stderr).toMatch(/^turn 1 of thread a-round-logo:/m);
    expect(logo).toMatch(RESP);
    expect(readdirSync(join(cwd, '.imgcli-chat')).sort()).toEqual([
      'a-round-logo.json',
      'last',
      'logo.json',
      'poster-2.json',
      'poster.json',
    ]);
  });

  it('--new keeps the old thread aside only when a turn goes out: not on a dry run, not when the turn is refused', async () => {
    const cwd = tempDir();
    const long = 'p'.repeat(64);
    expect((await chat(['--thread', long, 'a poster'], { cwd })).exitCode).toBe(0);
    const names = () => readdirSync(join(cwd, '.imgcli-chat')).sort();
    const before = names();
    const dry = await chat(['--new', '--thread', long, 'an owl', '--dry-run'], { cwd });
    expect(dry.exitCode, dry.stderr).toBe(0);
    const refused = await chat(['--new', '--thread', long, 'an owl', '-q', 'banana'], { cwd });
    expect(refused.exitCode).toBe(2);
    expect(names()).toEqual(before);
    expect(threadIn(cwd, long).turns.map((t) => t.prompt)).toEqual(['a poster']);
    // A 64-character name kept aside still is a thread name (shortened to fit): --log reads it.
    const fresh = await chat(['--new', '--thread', long, 'an owl'], { cwd });
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    const aside = `${'p'.repeat(62)}-2`;
    expect(fresh.stderr).toContain(`its earlier turns are kept as thread ${aside}`);
    expect((await chat(['--log', '--thread', aside], { cwd })).stdout).toMatch(/ok: a poster/);
  });

  it("-o never lands in .imgcli-chat (the thread's own files), and a FIFO as its last-thread marker is refused, not waited on", async () => {
    const cwd = tempDir();
    expect((await chat(['--thread', 't', 'a'], { cwd })).exitCode).toBe(0);
    const record = readFileSync(join(cwd, '.imgcli-chat', 't.json'));
    for (const out of ['.imgcli-chat/t.json', '.imgcli-chat/last', './.imgcli-chat/x.png', '.imgcli-chat']) {
      const r = await chat(['--thread', 't', 'b', '-o', out, '-f', 'png'], { cwd });
      expect(r.exitCode, out).toBe(2);
      expect(r.stderr, out).toMatch(/is inside \.imgcli-chat\/, where imgcli keeps the threads; nothing was sent/);
    }
    expect(readFileSync(join(cwd, '.imgcli-chat', 't.json')).equals(record)).toBe(true);
    rmSync(join(cwd, '.imgcli-chat', 'last'));
    execFileSync('mkfifo', [join(cwd, '.imgcli-chat', 'last')]);
    const fifo = await chat(['c'], { cwd });
    expect(fifo.exitCode).toBe(2);
    expect(fifo.stderr).toMatch(/the last-thread marker .*a pipe/);
  });

  it('--image adds input images to the message; --mask goes as the tool input_image_mask', async () => {
    const cwd = tempDir();
    const first = await chat(['this scene at night', '--image', photo], { cwd });
    expect(first.exitCode, first.stderr).toBe(0);
    const withImage = sent()[0]!;
    expect(withImage.input).toEqual([
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'this scene at night' },
          { type: 'input_image', image_url: expect.stringMatching(/^data:image\/png;base64,iVBOR/), detail: 'auto' },
        ],
      },
    ]);
    const masked = await chat(['a moon in the middle', '--mask', mask, '--action', 'edit'], { cwd });
    expect(masked.exitCode, masked.stderr).toBe(0);
    const tool = (sent()[1]!.tools as Array<Record<string, unknown>>)[0]!;
    expect(tool).toMatchObject({
      type: 'image_generation',
      action: 'edit',
      input_image_mask: { image_url: expect.stringMatching(/^data:image\/png;base64,/) },
    });
    expect(sent()[1]!.input).toBe('a moon in the middle');
    expect(provenanceOf(join(cwd, masked.stdout)).inputs?.map((i) => i.role)).toEqual(['mask']);
    // A mask with nothing to edit: refused before sending.
    const alone = await chat(['--new', 'a moon', '--mask', mask]);
    expect(alone.exitCode).toBe(2);
    expect(alone.stderr).toMatch(/--mask marks where to edit an image, and this turn has none/);
    expect(sent()).toHaveLength(2);
  });

  it('--stream: partial images from response.image_generation_call.partial_image, written beside the final', async () => {
    const cwd = tempDir();
    const r = await chat(['a koi pond', '--stream', '-o', 'koi.png'], { cwd });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(sent()[0]).toMatchObject({ stream: true, tools: [{ partial_images: 2 }] });
    expect(mock.apiRequests()[0]!.headers.accept).toBe('text/event-stream');
    expect(r.stdout.split('\n')).toEqual(['koi.png', 'koi.partial-0.png', 'koi.partial-1.png']);
    for (const f of ['koi.png', 'koi.partial-0.png', 'koi.partial-1.png'])
      expect((await sharp(join(cwd, f)).metadata()).width).toBe(1024);
    expect(threadIn(cwd, 'a-koi-pond').turns[0]).toMatchObject({
      status: 'ok',
      response_id: expect.stringMatching(RESP),
    });
    // A stream must ask for at least one partial image (reference section 11).
    const none = await chat(['a koi pond', '--partial-images', '0'], { cwd });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/^error: --partial-images takes 1 to 3$/m);
    expect(sent()).toHaveLength(1);
  });

  it('--log shows the thread (text, or the file as JSON); --dry-run sends nothing and records nothing', async () => {
    const cwd = tempDir();
    await chat(['a lighthouse at dusk'], { cwd });
    await chat(['make it night'], { cwd });
    const dry = await chat(['one more take', '--dry-run'], { cwd });
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toMatch(/^POST .*\/v1\/responses$/m);
    expect(dry.stdout).toContain('"previous_response_id"');
    expect(sent()).toHaveLength(2);
    const log = await chat(['--log'], { cwd });
    expect(log.exitCode).toBe(0);
    const ids = threadIn(cwd, 'a-lighthouse-at-dusk').turns.map((t) => t.response_id);
    expect(log.stdout.split('\n')).toEqual([
      expect.stringMatching(
        /^thread a-lighthouse-at-dusk \(.*a-lighthouse-at-dusk\.json\): 2 turns on http:\/\/127\.0\.0\.1:\d+\/v1, last 2026-12-01T12:00:00\.000Z$/,
      ),
      'turn 1  ok: a lighthouse at dusk',
      expect.stringMatching(
        new RegExp(
          `^ {8}a-lighthouse-at-dusk-20261201-120000\\.png  response ${ids[0]}  gpt-image-2 with gpt-5\\.4-mini-2026-03-17  about \\$0\\.\\d{4}$`,
        ),
      ),
      'turn 2  ok: make it night',
      expect.stringMatching(new RegExp(`^ {8}make-it-night-20261201-120000\\.png  response ${ids[1]} `)),
    ]);
    const json = await chat(['--log', '--json'], { cwd });
    expect(JSON.parse(json.stdout)).toEqual(threadIn(cwd, 'a-lighthouse-at-dusk'));
    const nothing = await chat(['--log']);
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toMatch(/^error: there is no thread in this folder yet\nhint: Start one: imgcli chat/);
  });

  it('imgcli replay of a turn image sends that turn again from the same point of the thread, and leaves the thread as it was', async () => {
    const cwd = tempDir();
    await chat(['a lighthouse at dusk'], { cwd });
    const two = await chat(['make it night', '-q', 'low'], { cwd });
    await chat(['add a keeper'], { cwd });
    const before = readFileSync(join(cwd, '.imgcli-chat', 'a-lighthouse-at-dusk.json'), 'utf8');
    const r = await imgcliInProcess(['--base-url', mock.url, 'replay', two.stdout], { cwd });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('make-it-night-20261201-120000-replay-20261201-120000.png');
    const [original, replayed] = [sent()[1]!, sent()[3]!];
    expect(replayed).toEqual(original);
    expect(replayed.previous_response_id).toBe(JSON.parse(before).turns[0].response_id);
    expect(r.stderr).toMatch(
      /^replaying make-it-night-.*: turn 2 of thread a-lighthouse-at-dusk, continuing response resp_\w+; the thread itself is unchanged$/m,
    );
    expect(provenanceOf(join(cwd, r.stdout))).toMatchObject({
      command: 'chat',
      turn: 2,
      thread: 'a-lighthouse-at-dusk',
    });
    expect(readFileSync(join(cwd, '.imgcli-chat', 'a-lighthouse-at-dusk.json'), 'utf8')).toBe(before);
    // Its responses live on this server: replayed against the offline one (or another), nothing is sent.
    const elsewhere = await imgcliInProcess(['--mock', 'replay', two.stdout], { cwd });
    expect(elsewhere.exitCode).toBe(2);
    expect(elsewhere.stderr).toMatch(
      /is turn 2 of thread a-lighthouse-at-dusk, held by http:\/\/127\.0\.0\.1:\d+\/v1, and this run talks to the offline server \(--mock\); nothing was sent\nhint: Replay it there: imgcli replay \S+ --base-url http/,
    );
  });
});

describe('billing-safe', () => {
  it('under --mock a turn whose image could not be put in place is recovered without "paid for" (nothing was billed)', async () => {
    const cwd = tempDir();
    const { rename, sleep } = io;
    io.sleep = async () => {};
    io.rename = (async (from: string, to: string) => {
      if (String(to).endsWith('held.png'))
        throw Object.assign(new Error('EBUSY: resource busy or locked'), { code: 'EBUSY', syscall: 'rename' });
      return rename(from, to);
    }) as typeof io.rename;
    try {
      const r = await imgcliInProcess(['--mock', 'chat', 'a fox', '-o', 'held.png'], { cwd });
      expect(r.exitCode).toBe(74);
      expect(r.stderr).toMatch(/the image was saved to .*recovered/);
      expect(r.stderr).not.toMatch(/paid/i);
    } finally {
      Object.assign(io, { rename, sleep });
    }
  });

  it('a turn that times out after the server received it is not resent, is recorded uncertain, and the next command says what to do', async () => {
    const cwd = tempDir();
    await chat(['a lighthouse at dusk'], { cwd });
    mock.enqueueFault({ stallMs: 600_000 }, 1, /\/responses$/);
    const cut = await imgcliInProcess(
      ['--base-url', mock.url, '--timeout', '1', 'chat', 'make it night', '-q', 'high', '-s', '1536x1024'],
      { cwd },
    );
    expect(cut.exitCode).toBe(6);
    expect(cut.stdout).toBe('');
    expect(sent()).toHaveLength(2);
    expect(cut.stderr).toMatch(/turn 2 went out and no complete answer came: it may have been made and billed/);
    expect(cut.stderr).toMatch(
      /hint: imgcli chat --log shows the thread; the next turn continues from turn 1\. To send this one again \(it may be billed twice\): imgcli --base-url http:\/\/127\.0\.0\.1:\d+\/v1 chat --thread a-lighthouse-at-dusk 'make it night' -m gpt-image-2 --mainline gpt-5\.4-mini-2026-03-17 --size 1536x1024 --quality high \(with a longer --timeout/,
    );
    const thread = threadIn(cwd, 'a-lighthouse-at-dusk');
    expect(thread.turns.map((t) => t.status)).toEqual(['ok', 'uncertain']);
    expect(thread.turns[1]!.error).toMatch(/within 1 s/);
    expect(readdirSync(cwd).filter((f) => f.endsWith('.png'))).toHaveLength(1);
    // The next command tells it, then continues from the last good turn.
    const next = await chat(['add a keeper'], { cwd });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).toMatch(
      /^warning: turn 2 \("make it night"\) is uncertain: it went out and no answer came, so it may have been made and billed; this turn continues from turn 1\. To send it again: imgcli --base-url \S+ chat --thread a-lighthouse-at-dusk 'make it night' -m gpt-image-2 --mainline \S+ --size 1536x1024 --quality high$/m,
    );
    expect(sent()[2]!.previous_response_id).toBe(thread.turns[0]!.response_id);
    const log = await chat(['--log'], { cwd });
    expect(log.stdout).toMatch(
      /^turn 2 {2}uncertain \(sent, no answer: it may have been made and billed; never resent by itself\): make it night$/m,
    );
  });

  it('a stream cut after the response was created: uncertain, with the response id it said; one cut after the image arrived keeps the image', async () => {
    const cwd = tempDir();
    mock.enqueueFault({ streamCut: 3 }, 1, /\/responses$/);
    const cut = await chat(['a lighthouse at dusk', '--stream'], { cwd });
    expect(cut.exitCode).toBe(6);
    expect(sent()).toHaveLength(1);
    const [turn] = threadIn(cwd, 'a-lighthouse-at-dusk').turns;
    expect(turn).toMatchObject({ status: 'uncertain', response_id: expect.stringMatching(RESP) });
    expect(cut.stderr).toMatch(/the thread records it as uncertain \(response resp_\w+\)/);
    expect(readdirSync(cwd).filter((f) => f.endsWith('.png'))).toEqual([]);
    // Cut after the finished call (and before response.completed): the image is whole, so the turn is made.
    mock.enqueueFault({ streamCut: 9 }, 1, /\/responses$/);
    const late = await chat(['--new', 'a fox', '--stream', '--no-partials', '-o', 'fox.png'], { cwd });
    expect(late.exitCode, late.stderr).toBe(0);
    expect(late.stdout).toBe('fox.png');
    expect(late.stderr).toMatch(/the stream broke after the image arrived .*; its usage is not known/);
    expect(threadIn(cwd, 'a-fox').turns[0]).toMatchObject({ status: 'ok', response_id: expect.stringMatching(RESP) });
  });

  it('a turn the server refuses is recorded failed (nothing made), and a stale response id says how to start afresh', async () => {
    const cwd = tempDir();
    await chat(['a lighthouse at dusk'], { cwd });
    mock.enqueueFault(
      {
        status: 400,
        body: {
          error: {
            message: 'Previous response with id x not found.',
            type: 'invalid_request_error',
            param: 'previous_response_id',
            code: 'previous_response_not_found',
          },
        },
      },
      1,
      /\/responses$/,
    );
    const r = await chat(['make it night'], { cwd });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/hint: The server does not hold the response this thread continues .* imgcli chat --new/);
    expect(threadIn(cwd, 'a-lighthouse-at-dusk').turns.map((t) => t.status)).toEqual(['ok', 'failed']);
  });

  it('a first turn refused before sending leaves no .imgcli-chat folder behind; an existing one is kept', async () => {
    const r = await chat(['a fox', '-q', 'banana']);
    expect(r.exitCode).toBe(2);
    expect(existsSync(join(r.cwd, '.imgcli-chat'))).toBe(false);
    const ok = await chat(['a fox']);
    const refused = await chat(['make it night', '-q', 'banana'], { cwd: ok.cwd });
    expect(refused.exitCode).toBe(2);
    expect(readdirSync(join(ok.cwd, '.imgcli-chat')).sort()).toEqual(['a-fox.json', 'last']);
  });
});

describe('servers', () => {
  it('a provider without the Responses API is told before sending; --strict refuses, nothing sent', async () => {
    const strict = await imgcliInProcess(['--base-url', mock.url, '--provider', 'gemini', '--strict', 'chat', 'a fox']);
    expect(strict.exitCode).toBe(2);
    expect(strict.stderr).toMatch(
      /^error: Google Gemini \(OpenAI compatibility\) has no \/responses \(the Responses API and its image_generation tool\)/,
    );
    expect(strict.stderr).toMatch(/hint: imgcli chat needs the Responses API/);
    const vllm = await imgcliInProcess([
      '--base-url',
      mock.url,
      '--provider',
      'vllm-omni',
      '--strict',
      'chat',
      'a fox',
      '--dry-run',
    ]);
    expect(vllm.exitCode).toBe(2);
    // Azure's dated API has no /responses under a deployment (confirmed by its path shape).
    const azure = await imgcliInProcess([
      '--base-url',
      `${mock.url.replace(/\/v1$/, '')}/openai`,
      '--azure-deployment',
      'img',
      '--azure-api-version',
      '2025-04-01-preview',
      'chat',
      'a fox',
    ]);
    expect(azure.exitCode).toBe(2);
    expect(azure.stderr).toMatch(
      /imgcli chat speaks Azure's v1 API, not the dated one \(--azure-deployment\); nothing was sent/,
    );
    expect(sent()).toEqual([]);
    // Without --strict (the row is reported, not confirmed): a warning before the request goes.
    const warned = await imgcliInProcess(['--base-url', mock.url, '--provider', 'gemini', 'chat', 'a fox']);
    expect(warned.stderr).toMatch(/^warning: Google Gemini \(OpenAI compatibility\) has no \/responses .*sent anyway/m);
    expect(sent()).toHaveLength(1);
  });

  it('--mock rehearses a conversation across commands: the offline server takes the earlier turns back from the thread', async () => {
    const cwd = tempDir();
    const one = await imgcliInProcess(['--mock', 'chat', 'a watercolor fox'], { cwd });
    const two = await imgcliInProcess(['--mock', 'chat', 'make it night'], { cwd });
    expect([one.exitCode, two.exitCode]).toEqual([0, 0]);
    expect(two.stderr).toMatch(/^turn 2 of thread a-watercolor-fox:/m);
    expect(two.stderr).toMatch(/offline: no cost/);
    expect(threadIn(cwd, 'a-watercolor-fox').server).toBe('offline (--mock)');
    expect(provenanceOf(join(cwd, two.stdout)).origin).toBe('offline');
    // The thread belongs to its server: a real one would not know these response ids.
    const elsewhere = await chat(['add a moon'], { cwd });
    expect(elsewhere.exitCode).toBe(2);
    expect(elsewhere.stderr).toMatch(
      /thread a-watercolor-fox is held by the offline server \(--mock\), and this run talks to http/,
    );
    expect(sent()).toEqual([]);
  });
});

describe('the offline server: POST /v1/responses with the image tool', () => {
  const post = (body: unknown) =>
    fetch(`${mock.url}/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test-abcdefghijklmnop1234', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const turn = { model: 'gpt-5.4-mini', input: 'a fox', tools: [{ type: 'image_generation', model: 'gpt-image-2' }] };

  it('keeps its responses while it runs; refuses an id it does not hold as the API does; needs the tool', async () => {
    const first = (await (await post(turn)).json()) as { id: string; output: Array<Record<string, unknown>> };
    expect(first.id).toMatch(RESP);
    expect(first.output.map((o) => o.type)).toEqual(['image_generation_call', 'message']);
    const next = await post({ ...turn, input: 'at night', previous_response_id: first.id });
    expect(next.status).toBe(200);
    const stale = await post({ ...turn, previous_response_id: 'resp_000000000000000000000000' });
    expect(stale.status).toBe(400);
    expect(await stale.json()).toMatchObject({
      error: { param: 'previous_response_id', code: 'previous_response_not_found' },
    });
    const toolless = await post({ ...turn, tools: [] });
    expect(toolless.status).toBe(400);
  });

  it('streams created, the partial images, the finished call and response.completed', async () => {
    const r = await post({ ...turn, stream: true, tools: [{ ...turn.tools[0], partial_images: 2 }] });
    expect(r.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = [...(await r.text()).matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(events).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.image_generation_call.in_progress',
      'response.image_generation_call.generating',
      'response.image_generation_call.partial_image',
      'response.image_generation_call.partial_image',
      'response.image_generation_call.completed',
      'response.output_item.done',
      'response.output_item.done',
      'response.completed',
    ]);
  });
});

/** Runs `imgcli chat` in-process with stdin a terminal that a test types into, line by line. */
function interactive(cwd: string, args: string[] = []) {
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  stdin.isTTY = true;
  const stdout = captured();
  const stderr = captured();
  const controller = new AbortController();
  const rt: Runtime = {
    signal: controller.signal,
    env: baseEnv(cwd),
    stdin,
    stdout: stdout.stream,
    stderr: stderr.stream,
    now: () => new Date(0),
  };
  const before = process.cwd();
  process.chdir(cwd);
  const done = runCli(rt, ['node', 'imgcli', '--base-url', mock.url, 'chat', ...args]).finally(() =>
    process.chdir(before),
  );
  const err = () => stderr.bytes().toString('utf8');
  return {
    done,
    err,
    out: () => stdout.bytes().toString('utf8'),
    /** Waits for the prompt of `turn`, then types `text`. */
    async type(turn: string, text: string) {
      await until(() => err().includes(`${turn}> `), `the prompt ${turn}>`);
      stdin.write(text);
    },
    interrupt: () => controller.abort(new InterruptedError('SIGINT')),
  };
}

describe('the interactive loop (a terminal, no prompt)', () => {
  it('a line per turn, each continuing the last; a refused turn is told and the loop goes on; Ctrl-D ends it with exit 0', async () => {
    const cwd = tempDir();
    const t = interactive(cwd, ['--thread', 'sketch', '-o', 'sketch.png']);
    await t.type('sketch 1', 'a lighthouse at dusk\n');
    await t.type('sketch 2', '   \n');
    await t.type('sketch 2', 'make it night\n');
    await until(() => t.err().includes('sketch 3> '), 'the third prompt');
    mock.enqueueFault(
      {
        status: 400,
        body: { error: { message: 'Your request was rejected by the safety system.', code: 'moderation_blocked' } },
      },
      1,
      /\/responses$/,
    );
    await t.type('sketch 3', 'something refused\n');
    await t.type('sketch 3', '\x04');
    expect(await t.done).toBe(0);
    // -o names each turn's file after its turn.
    expect(t.out().split('\n').filter(Boolean)).toEqual(['sketch-1.png', 'sketch-2.png']);
    expect(t.err()).toMatch(/thread sketch: new; a line per turn, Ctrl-D to end/);
    // The line editor's own cursor sequences reach the terminal as sequences, never made visible as text.
    expect(t.err()).toContain('\x1b[');
    expect(t.err()).not.toContain('\\u001b');
    expect(t.err()).toMatch(/warning: this turn did not make an image: .*rejected by the safety system/);
    expect(threadIn(cwd, 'sketch').turns.map((x) => x.status)).toEqual(['ok', 'ok', 'failed']);
    const ids = threadIn(cwd, 'sketch').turns.map((x) => x.response_id);
    expect(sent().map((b) => b.previous_response_id)).toEqual([undefined, ids[0], ids[1]]);
  });

  it('Ctrl-C at the prompt ends it (exit 130); Ctrl-C during a turn records the turn as uncertain', async () => {
    const cwd = tempDir();
    const t = interactive(cwd, ['--thread', 'sketch']);
    await t.type('sketch 1', '\x03');
    expect(await t.done).toBe(130);
    expect(sent()).toEqual([]);
    mock.setLatency(30_000);
    const u = interactive(cwd, ['--thread', 'sketch']);
    await u.type('sketch 1', 'a lighthouse at dusk\n');
    await until(() => sent().length === 1, 'the request');
    u.interrupt();
    expect(await u.done).toBe(130);
    expect(u.err()).toMatch(/turn 1 went out and no complete answer came/);
    expect(u.err()).toMatch(/Interrupted \(SIGINT\)/);
    expect(threadIn(cwd, 'sketch').turns.map((x) => x.status)).toEqual(['uncertain']);
    expect(existsSync(join(cwd, '.imgcli-chat', 'sketch.json.lock'))).toBe(false);
  });

  it('where stdin is not a terminal it never waits for a line: no prompt is a usage error', async () => {
    const r = await chat([]);
    expect(r.exitCode).toBe(2);
    expect(sent()).toEqual([]);
  });
});

describe('chat --help', () => {
  it('documents itself with runnable examples (they run in examples.test.ts), the thread, and the costs', async () => {
    const r = await imgcli(['chat', '--help']);
    expect(r.exitCode).toBe(0);
    const examples = r.stdout
      .replace(/ \\\n\s*/g, ' ')
      .split('\n')
      .filter((l) => /^\s+\$ imgcli chat/.test(l));
    expect(examples.length).toBeGreaterThanOrEqual(8);
    for (const flag of ['--thread', '--new', '--log', '--image', '--mask', '--stream', '--json', '--mock'])
      expect(
        examples.some((l) => l.includes(flag)),
        flag,
      ).toBe(true);
    for (const flag of [
      '--mainline <model>',
      '--action <action>',
      '--image <file>',
      '--partial-images <n>',
      '-m, --model',
    ])
      expect(r.stdout).toContain(flag);
    // One image a turn: no --count, and no --user on the tool.
    expect(r.stdout).not.toMatch(/^\s+-n, --count/m);
    expect(r.stdout).toMatch(/\.imgcli-chat\/<name>\.json/);
  });
});

import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/errors.js';
import { readImageStream, type ImageStreamEvent } from '../src/api/image-stream.js';
import { hintFor } from '../src/exit-codes.js';
import {
  asyncBody,
  mulberry32,
  randomChunks,
  randomInt,
  splitAt,
  streamFixture,
  withLineEnds,
} from './helpers/chunks.js';

type Outcome = { events: ImageStreamEvent[]; error?: unknown };

async function run(chunks: readonly (Uint8Array | string)[], requestId?: string): Promise<Outcome> {
  const events: ImageStreamEvent[] = [];
  try {
    for await (const e of readImageStream(asyncBody(chunks), requestId)) events.push(e);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

async function events(chunks: readonly (Uint8Array | string)[]): Promise<ImageStreamEvent[]> {
  const out = await run(chunks);
  if (out.error) throw out.error;
  return out.events;
}

/** What a test compares: the error's class and message, not its stack. */
function summary(o: Outcome): unknown {
  const e = o.error as Error | undefined;
  return { events: o.events, error: e && { name: e.name, message: e.message } };
}

const b64Of = (name: string, type: string): string[] =>
  streamFixture(name)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l.includes(type))
    .map((l) => JSON.parse(l.slice(6)).b64_json);

describe('readImageStream on recorded-style streams', () => {
  it('reads a generation: two partials in order, then the completed image with its usage', async () => {
    const got = await events([streamFixture('generation.txt')]);
    const [p0, p1] = b64Of('generation.txt', 'partial_image');
    expect(got.map((e) => [e.type, e.family, e.type === 'partial' ? e.partialIndex : -1])).toEqual([
      ['partial', 'image_generation', 0],
      ['partial', 'image_generation', 1],
      ['completed', 'image_generation', -1],
    ]);
    expect(got[0]!.b64).toBe(p0);
    expect(got[1]!.b64).toBe(p1);
    const done = got[2]!;
    expect(done.type === 'completed' && done.usage).toMatchObject({ total_tokens: 1334, output_tokens: 1272 });
    // Unknown keys survive in raw.
    expect(done.raw).toMatchObject({ size: '1024x1024', note: 'café ☕ 🖼️ 画像' });
    expect(Buffer.from(done.b64, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it('reads an edit as the image_edit family', async () => {
    const got = await events([streamFixture('edit.txt')]);
    expect(got.map((e) => `${e.family}:${e.type}`)).toEqual(['image_edit:partial', 'image_edit:completed']);
    expect(got[0]!.raw.input_fidelity).toBe('high');
  });

  it('yields every completed image when n > 1', async () => {
    const got = await events([streamFixture('generation-n2.txt')]);
    expect(got.map((e) => e.type)).toEqual(['completed', 'completed']);
    expect(got.map((e) => e.b64)).toEqual(b64Of('generation-n2.txt', 'completed'));
  });

  const ALL = ['generation.txt', 'edit.txt', 'generation-n2.txt', 'error-event.txt', 'error-key.txt', 'truncated.txt'];
  for (const name of ALL) {
    it(`${name}: the same outcome at every two-chunk split, with \\n and \\r\\n`, async () => {
      const expected = summary(await run([streamFixture(name)]));
      for (const eol of ['\n', '\r\n'] as const) {
        const bytes = withLineEnds(streamFixture(name), eol);
        for (let at = 0; at <= bytes.length; at++) {
          const got = summary(await run(splitAt(bytes, at)));
          if (JSON.stringify(got) !== JSON.stringify(expected))
            expect({ eol, at, got }).toEqual({ eol, at, got: expected });
        }
      }
    });
  }

  it('gives the same outcome at 200 random multi-chunk splits', async () => {
    const rand = mulberry32(42);
    for (let round = 0; round < 200; round++) {
      const name = ALL[round % ALL.length]!;
      const bytes = withLineEnds(streamFixture(name), round % 3 === 0 ? '\r' : round % 3 === 1 ? '\r\n' : '\n');
      const got = summary(await run(randomChunks(bytes, rand, 1 + randomInt(rand, 120))));
      expect(got, `round ${round}`).toEqual(summary(await run([streamFixture(name)])));
    }
  });
});

describe('readImageStream event handling', () => {
  const completed = (b64 = 'QUJD') => `data: {"type":"image_generation.completed","b64_json":"${b64}"}\n\n`;

  it('falls back to the event name when the JSON has no type, and prefers the JSON type', async () => {
    const got = await events([
      'event: image_edit.partial_image\ndata: {"b64_json":"QQ=="}\n\n',
      'event: message\ndata: {"type":"image_edit.completed","b64_json":"Qg=="}\n\n',
    ]);
    expect(got.map((e) => [e.type, e.family])).toEqual([
      ['partial', 'image_edit'],
      ['completed', 'image_edit'],
    ]);
    // No partial_image_index: the arrival order stands in.
    expect(got[0]!.type === 'partial' && got[0]!.partialIndex).toBe(0);
  });

  it('skips unknown event types and unknown families', async () => {
    const got = await events([
      'event: ping\ndata: {}\n\n',
      'data: {"type":"image_generation.progress","percent":50}\n\n',
      'data: {"type":"response.created"}\n\n',
      'data: {"note":"no type at all"}\n\n',
      completed(),
    ]);
    expect(got.map((e) => e.type)).toEqual(['completed']);
  });

  it('handles comments, multi-line data and [DONE] after the last image', async () => {
    const got = await events([
      ': keep-alive\n\n',
      'data: {"type":"image_generation.completed",\ndata:  "b64_json":"QUJD"}\n\n',
      'data: [DONE]\n\n',
      'data: not json, never read\n\n',
    ]);
    expect(got.map((e) => e.b64)).toEqual(['QUJD']);
  });

  it('leaves out usage that is not an object, without failing', async () => {
    const got = await events(['data: {"type":"image_generation.completed","b64_json":"QUJD","usage":"lots"}\n\n']);
    expect(got[0]).not.toHaveProperty('usage');
    expect(got[0]!.raw.usage).toBe('lots');
  });
});

describe('readImageStream errors', () => {
  it('throws ApiError for `event: error`, with code, message, hint and request id', async () => {
    const out = await run([streamFixture('error-event.txt')], 'req_123');
    expect(out.events).toHaveLength(1);
    const err = out.error as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      kind: 'http',
      code: 'moderation_blocked',
      type: 'image_generation_user_error',
      requestId: 'req_123',
      retryable: false,
    });
    expect(err.message).toMatch(/safety system/);
    expect(hintFor(err)).toMatch(/Rephrase/);
  });

  it('throws ApiError for any JSON with an error key, even with no event name', async () => {
    const out = await run([streamFixture('error-key.txt')]);
    expect(out.events.map((e) => e.type)).toEqual(['partial']);
    expect(out.error).toBeInstanceOf(ApiError);
    expect(out.error).toMatchObject({ code: 'server_error', message: expect.stringMatching(/error while processing/) });
  });

  it('throws ApiError for a Responses-style bare error and for `event: error` with text data', async () => {
    const bare = await run([
      'data: {"type":"error","code":"insufficient_quota","message":"You exceeded your quota."}\n\n',
    ]);
    expect(bare.error).toBeInstanceOf(ApiError);
    expect(bare.error).toMatchObject({ code: 'insufficient_quota' });
    expect(hintFor(bare.error)).toMatch(/credits/);
    const text = await run(['event: error\ndata: upstream <b>timeout</b>\n\n']);
    expect(text.error).toBeInstanceOf(ApiError);
    expect((text.error as ApiError).message).toMatch(/upstream/);
    const noData = await run(['event: error\ndata: {}\n\n']);
    expect(noData.error).toBeInstanceOf(ApiError);
  });

  it('throws an answer ApiError for an event that is not JSON or not a JSON object', async () => {
    for (const data of ['{"type":"image_generation.completed",', '<html>502</html>', '[1,2]', '42', 'null', '']) {
      const out = await run([`data: ${data}\n\n`], 'req_9');
      expect(out.error, data).toBeInstanceOf(ApiError);
      expect(out.error, data).toMatchObject({ kind: 'answer', problem: 'not-json' });
      expect((out.error as ApiError).requestId).toBe('req_9');
    }
  });

  it('throws an answer ApiError for a partial or completed event without b64_json', async () => {
    for (const type of ['image_generation.partial_image', 'image_edit.completed']) {
      for (const extra of ['', ',"b64_json":null', ',"b64_json":""', ',"b64_json":7']) {
        const out = await run([`data: {"type":"${type}"${extra}}\n\n`]);
        expect(out.error, `${type}${extra}`).toBeInstanceOf(ApiError);
        expect(out.error, `${type}${extra}`).toMatchObject({ kind: 'answer', problem: 'event-without-image' });
        expect((out.error as Error).message).toMatch(/no b64_json/);
      }
    }
  });

  it('throws an answer ApiError when the body ends with no completed image', async () => {
    const cases: (readonly string[] | readonly Buffer[])[] = [
      [streamFixture('truncated.txt')],
      [],
      [': keep-alive\n\n'],
      ['data: [DONE]\n\n'],
    ];
    for (const chunks of cases) {
      const out = await run(chunks, 'req_t');
      expect(out.error).toBeInstanceOf(ApiError);
      expect(out.error).toMatchObject({
        kind: 'answer',
        problem: 'stream-ended-early',
        message: 'The stream ended before any completed image.',
        requestId: 'req_t',
      });
    }
    expect((await run([streamFixture('truncated.txt')])).events).toHaveLength(2);
  });

  it('throws an answer ApiError when the body is cut in the middle of an event', async () => {
    const bytes = streamFixture('generation.txt');
    const out = await run([bytes.subarray(0, bytes.length - 100)]);
    expect(out.error).toBeInstanceOf(ApiError);
    expect((out.error as ApiError).kind).toBe('answer');
    expect((out.error as Error).message).toMatch(/not JSON/);
  });
});

describe('property: random chunkings of valid and broken streams', () => {
  it('only ever throws ApiError (an in-stream error or an unusable answer), and always finishes', async () => {
    const rand = mulberry32(0xc0ffee);
    const names = [
      'generation.txt',
      'edit.txt',
      'generation-n2.txt',
      'error-event.txt',
      'error-key.txt',
      'truncated.txt',
    ];
    const outcomes = { ok: 0, api: 0, response: 0 };
    for (let round = 0; round < 400; round++) {
      let bytes = Buffer.from(
        withLineEnds(streamFixture(names[randomInt(rand, names.length)]!), rand() < 0.5 ? '\n' : '\r\n'),
      );
      const damage = round % 4; // a quarter stays valid
      if (damage >= 1) bytes = bytes.subarray(0, randomInt(rand, bytes.length + 1));
      if (damage >= 2)
        for (let k = 1 + randomInt(rand, 8); k > 0 && bytes.length > 0; k--)
          bytes[randomInt(rand, bytes.length)] = randomInt(rand, 256);
      if (damage === 3)
        bytes = Buffer.concat([bytes, Buffer.from(`\n\ndata: ${'{"error"'.slice(0, randomInt(rand, 9))}\n\n`)]);
      const chunks = randomChunks(bytes, rand, 1 + randomInt(rand, 200));
      let timer: NodeJS.Timeout | undefined;
      // A safety net for a reader that never finishes, generous enough never to fire on a slow machine.
      const deadline = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 10_000)));
      const out = await Promise.race([run(chunks), deadline]);
      clearTimeout(timer);
      expect(out, `round ${round}`).not.toBe('hung');
      const { error } = out as Outcome;
      if (error === undefined) outcomes.ok++;
      else if (error instanceof ApiError && error.kind === 'answer') outcomes.response++;
      else if (error instanceof ApiError) outcomes.api++;
      else expect.fail(`round ${round}: unexpected ${String(error)}`);
    }
    // The generator really produced all three outcomes.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.api).toBeGreaterThan(0);
    expect(outcomes.response).toBeGreaterThan(0);
  });
});

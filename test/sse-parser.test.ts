import { describe, expect, it } from 'vitest';
import { readSse, SseParser, type SseEvent } from '../src/api/sse.js';
import {
  asyncBody,
  mulberry32,
  randomChunks,
  randomInt,
  randomStringChunks,
  splitAt,
  streamFixture,
  withLineEnds,
} from './helpers/chunks.js';

function parseChunks(chunks: readonly (Uint8Array | string)[]): SseEvent[] {
  const parser = new SseParser();
  const events = chunks.flatMap((c) => parser.push(c));
  return [...events, ...parser.end()];
}

const parse = (text: string): SseEvent[] => parseChunks([text]);

async function collect(body: AsyncIterable<Uint8Array | string>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const e of readSse(body)) events.push(e);
  return events;
}

const FIXTURES = [
  'generation.txt',
  'edit.txt',
  'generation-n2.txt',
  'error-event.txt',
  'error-key.txt',
  'truncated.txt',
];

describe('SseParser on recorded-style streams', () => {
  it('reads the generation stream: event names, JSON data, comment skipped', () => {
    const events = parseChunks([streamFixture('generation.txt')]);
    expect(events.map((e) => e.event)).toEqual([
      'image_generation.partial_image',
      'image_generation.partial_image',
      'image_generation.completed',
    ]);
    for (const e of events) expect(JSON.parse(e.data).type).toBe(e.event);
    expect(JSON.parse(events[2]!.data).note).toBe('café ☕ 🖼️ 画像');
  });

  for (const name of FIXTURES) {
    for (const eol of ['\n', '\r\n', '\r'] as const) {
      it(`${name} with ${JSON.stringify(eol)} line ends: same events at every two-chunk split`, () => {
        const expected = parseChunks([streamFixture(name)]);
        const bytes = withLineEnds(streamFixture(name), eol);
        expect(parseChunks([bytes])).toEqual(expected);
        for (let at = 0; at <= bytes.length; at++) {
          const got = parseChunks(splitAt(bytes, at));
          if (JSON.stringify(got) !== JSON.stringify(expected)) expect({ at, got }).toEqual({ at, got: expected });
        }
      });
    }
  }

  it('gives the same events at 300 random multi-chunk splits (bytes and strings, all line ends)', () => {
    const rand = mulberry32(0x5eed);
    for (let round = 0; round < 300; round++) {
      const name = FIXTURES[round % FIXTURES.length]!;
      const eol = (['\n', '\r\n', '\r'] as const)[randomInt(rand, 3)]!;
      const bytes = withLineEnds(streamFixture(name), eol);
      const chunks = randomChunks(bytes, rand, 1 + randomInt(rand, 100));
      expect(parseChunks(chunks), `round ${round}`).toEqual(parseChunks([streamFixture(name)]));
      // Text chunks split on UTF-16 code units are a different path through the parser.
      const strings = randomStringChunks(bytes.toString('utf8'), rand, 50);
      expect(parseChunks(strings), `round ${round} (text)`).toEqual(parseChunks([streamFixture(name)]));
    }
  });
});

describe('SseParser field rules', () => {
  it('joins multi-line data with \\n and strips only one space after the colon', () => {
    expect(parse('data: a\ndata:b\ndata:  c\ndata\ndata: \n\n')).toEqual([{ data: 'a\nb\n c\n\n' }]);
  });

  it('ignores comments, unknown fields and retry', () => {
    expect(parse(': hello\n:\nfoo: bar\nretry: 1000\nbogus\ndata: x\n\n')).toEqual([{ data: 'x' }]);
  });

  it('does not dispatch events without data, and resets the event type after each event', () => {
    expect(parse('event: ping\n\nevent: a\ndata: 1\n\ndata: 2\n\n')).toEqual([
      { event: 'a', data: '1' },
      { data: '2' },
    ]);
  });

  it('dispatches `data:` with an empty value as an empty string', () => {
    expect(parse('data:\n\n')).toEqual([{ data: '' }]);
  });

  it('takes a field name with no colon as the whole line, and a value with further colons whole', () => {
    expect(parse('data: {"a":"b:c"}\n\n')).toEqual([{ data: '{"a":"b:c"}' }]);
  });

  it('keeps the last id across events, ignores ids with NUL and resets on an empty id', () => {
    const got = parse('id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nid\ndata: d\n\n');
    expect(got).toEqual([{ data: 'a', id: '1' }, { data: 'b', id: '1' }, { data: 'c', id: '1' }, { data: 'd' }]);
  });

  it('accepts \\r\\n, \\n and \\r, mixed in one stream', () => {
    expect(parse('data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r')).toEqual([{ data: 'a\nb\nc' }, { data: 'd' }]);
  });

  it('treats \\r then \\n in the next chunk as one line end, not two', () => {
    expect(parseChunks(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([{ data: 'a\nb' }]);
    expect(parseChunks(['data: a\r', '', '\n', 'data: b\n\n'])).toEqual([{ data: 'a\nb' }]);
  });

  it('strips a BOM at the start only, in bytes split inside it or in text', () => {
    const bytes = Buffer.from('\uFEFFdata: a\n\n', 'utf8');
    for (let at = 0; at <= bytes.length; at++) expect(parseChunks(splitAt(bytes, at))).toEqual([{ data: 'a' }]);
    expect(parse('\uFEFFdata: a\n\n')).toEqual([{ data: 'a' }]);
    // A second BOM is part of the line, so the field name is unknown.
    expect(parse('\uFEFF\uFEFFdata: a\n\n')).toEqual([]);
    expect(parse('data: a\n\n\uFEFFdata: b\n\n')).toEqual([{ data: 'a' }]);
  });

  it('decodes a multi-byte character split across chunks, also between byte and text chunks', () => {
    const bytes = Buffer.from('data: 🖼\n\n', 'utf8');
    for (let at = 0; at <= bytes.length; at++) expect(parseChunks(splitAt(bytes, at))).toEqual([{ data: '🖼' }]);
    expect(parseChunks([Buffer.from('data: é'), ' ok\n\n'])).toEqual([{ data: 'é ok' }]);
  });

  it('flushes a last event with no blank line, and a last line with no line end, at end()', () => {
    expect(parse('data: a\n\ndata: b\n')).toEqual([{ data: 'a' }, { data: 'b' }]);
    expect(parse('event: e\ndata: b')).toEqual([{ event: 'e', data: 'b' }]);
    expect(parse('')).toEqual([]);
    expect(parse('event: only\n')).toEqual([]);
  });

  it('returns events from push() as soon as the blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ data: 'a' }]);
    expect(parser.end()).toEqual([]);
    expect(parser.end()).toEqual([]);
    expect(parser.push('data: late\n\n')).toEqual([]);
  });
});

describe('[DONE]', () => {
  it('ends the stream: the pending event is flushed, later input is ignored', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\n\ndata: b\ndata: [DONE]\n\ndata: c\n\n')).toEqual([{ data: 'a' }, { data: 'b' }]);
    expect(parser.done).toBe(true);
    expect(parser.push('data: d\n\n')).toEqual([]);
    expect(parser.end()).toEqual([]);
  });

  it('is seen without the space, split across chunks, and without a line end at the close', () => {
    expect(parse('data:[DONE]\ndata: x\n\n')).toEqual([]);
    expect(parseChunks(['data: a\n\ndata: [DO', 'NE]\n', 'data: x\n\n'])).toEqual([{ data: 'a' }]);
    expect(parse('data: a\n\ndata: [DONE]')).toEqual([{ data: 'a' }]);
  });

  it('makes readSse return without pulling the rest of the body, and closes it', async () => {
    const body = asyncBody(['data: a\n\n', 'data: [DONE]\n', 'data: never\n\n', 'data: never\n\n']);
    expect(await collect(body)).toEqual([{ data: 'a' }]);
    expect(body.pulled).toBe(2);
    expect(body.closed).toBe(true);
  });
});

describe('readSse', () => {
  it('yields the same events as the parser, then flushes at the end of the body', async () => {
    const bytes = streamFixture('generation.txt');
    const rand = mulberry32(7);
    expect(await collect(asyncBody(randomChunks(bytes, rand)))).toEqual(parseChunks([bytes]));
    expect(await collect(asyncBody(['data: tail']))).toEqual([{ data: 'tail' }]);
    expect(await collect(asyncBody([]))).toEqual([]);
  });
});

describe('property: any bytes, any chunking', () => {
  it('never throws, and the events never depend on where the chunks were cut', () => {
    const rand = mulberry32(20261121);
    const alphabet = Buffer.from('data: event: id: : [DONE] {}"\r\n\r\n\uFEFF é🖼', 'utf8');
    for (let round = 0; round < 500; round++) {
      let bytes: Buffer;
      if (round % 2 === 0) {
        // Broken versions of real streams: cut short, bytes flipped, bytes dropped.
        bytes = Buffer.from(streamFixture(FIXTURES[randomInt(rand, FIXTURES.length)]!));
        bytes = bytes.subarray(0, randomInt(rand, bytes.length + 1));
        for (let k = randomInt(rand, 6); k > 0 && bytes.length > 0; k--)
          bytes[randomInt(rand, bytes.length)] = randomInt(rand, 256);
      } else {
        bytes = Buffer.from(
          Array.from({ length: randomInt(rand, 300) }, () => alphabet[randomInt(rand, alphabet.length)]!),
        );
      }
      const whole = parseChunks([bytes]);
      expect(parseChunks(randomChunks(bytes, rand, 1 + randomInt(rand, 40))), `round ${round}`).toEqual(whole);
    }
  });
});

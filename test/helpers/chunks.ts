// Ways to cut a body into chunks, and a seeded PRNG so random cuts are reproducible.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(rand: () => number, maxExclusive: number): number {
  return Math.floor(rand() * maxExclusive);
}

/** A fixture stream as bytes, with line ends normalised to "\n" whatever git did to the file. */
export function streamFixture(name: string): Buffer {
  const path = fileURLToPath(new URL(`../../fixtures/streams/${name}`, import.meta.url));
  return Buffer.from(readFileSync(path, 'utf8').replace(/\r\n?/g, '\n'), 'utf8');
}

export function withLineEnds(bytes: Buffer, eol: '\n' | '\r\n' | '\r'): Buffer {
  return Buffer.from(bytes.toString('utf8').replace(/\n/g, eol), 'utf8');
}

export function splitAt(bytes: Uint8Array, at: number): Uint8Array[] {
  return [bytes.subarray(0, at), bytes.subarray(at)];
}

/** Cuts at random points, including empty chunks now and then (a body may yield them). */
export function randomChunks(bytes: Uint8Array, rand: () => number, maxChunk = 64): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const size = rand() < 0.05 ? 0 : 1 + randomInt(rand, maxChunk);
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  return chunks;
}

/** An async body that records how many chunks were pulled and whether it was closed early. */
export function asyncBody<T>(chunks: readonly T[]): AsyncIterable<T> & { pulled: number; closed: boolean } {
  const body = {
    pulled: 0,
    closed: false,
    async *[Symbol.asyncIterator]() {
      try {
        for (const chunk of chunks) {
          body.pulled++;
          yield chunk;
        }
      } finally {
        body.closed = true;
      }
    },
  };
  return body;
}

/** Cuts text at random UTF-16 offsets, so surrogate pairs get split too. */
export function randomStringChunks(text: string, rand: () => number, maxChunk = 64): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; ) {
    const size = 1 + randomInt(rand, maxChunk);
    chunks.push(text.slice(i, i + size));
    i += size;
  }
  return chunks;
}

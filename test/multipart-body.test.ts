// The multipart encoder the uploads go through: what a server parses back, the length it
// announces, files streamed from disk, and a file that changed size refused (in-process).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { multipartBody } from '../src/api/multipart.js';
import { boundaryOf, parseMultipart } from '../src/mock/multipart.js';
import { cleanupTemps, tempDir } from './helpers/cli.js';

afterAll(cleanupTemps);

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('multipartBody', () => {
  it('encodes fields and files that parse back whole, with the length it announces', async () => {
    const dir = tempDir();
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    writeFileSync(join(dir, 'big.png'), big);
    const body = multipartBody([
      { name: 'model', value: 'gpt-image-2' },
      { name: 'prompt', value: 'a "quoted"\r\nprompt' },
      { name: 'image[]', filename: 'big.png', contentType: 'image/png', path: join(dir, 'big.png'), size: big.length },
      { name: 'mask', filename: 'mask.png', contentType: 'image/png', bytes: Uint8Array.from([1, 2, 3]) },
    ]);
    const raw = await bytesOf(body.stream());
    expect(raw.length).toBe(body.length);
    const parts = parseMultipart(raw, boundaryOf(body.contentType)!);
    expect(parts.map((p) => [p.name, p.filename, p.contentType, p.data.length])).toEqual([
      ['model', undefined, undefined, 11],
      ['prompt', undefined, undefined, 18],
      ['image[]', 'big.png', 'image/png', big.length],
      ['mask', 'mask.png', 'image/png', 3],
    ]);
    expect(parts[1]!.data.toString()).toBe('a "quoted"\r\nprompt');
    expect(parts[2]!.data.equals(big)).toBe(true);
    // Each call is a new body: a retry sends the same bytes again.
    expect((await bytesOf(body.stream())).equals(raw)).toBe(true);
  });

  it('refuses a file whose size changed since the length was announced', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.png'), Buffer.alloc(10));
    const body = multipartBody([
      { name: 'image', filename: 'a.png', contentType: 'image/png', path: join(dir, 'a.png'), size: 12 },
    ]);
    await expect(bytesOf(body.stream())).rejects.toThrow(/changed size while it was sent \(12 -> 10 bytes\)/);
  });
});

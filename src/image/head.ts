// The first (and last) bytes of an image file, for sniffImage and isComplete: what a file is and
// whether it is whole, read without loading it.
import { open } from 'node:fs/promises';
import { SNIFF_BYTES, TAIL_BYTES, type ImageEnds } from './format.js';

/** Up to `max` bytes from the start of the file (fewer when it is shorter). A folder fails with EISDIR. */
export async function readHead(path: string, max = SNIFF_BYTES): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(max);
    const { bytesRead } = await handle.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The head, the last TAIL_BYTES and the size of a regular file, for sniffImage and isComplete. */
export async function readEnds(path: string, headBytes = SNIFF_BYTES): Promise<ImageEnds & { head: Buffer }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(headBytes, size));
    await handle.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(TAIL_BYTES, size));
    await handle.read(tail, 0, tail.length, size - tail.length);
    return { head, tail, size };
  } finally {
    await handle.close();
  }
}

// The first bytes of an image file, for sniffImage: what a file is, read without loading it whole.
import { open } from 'node:fs/promises';
import { SNIFF_BYTES } from './format.js';

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

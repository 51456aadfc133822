// The block structure of a GIF: header and screen descriptor, then extensions and images up to
// the trailer. Enough to count frames, tell a whole file from a cut one, and find the extension
// blocks provenance lives in (provenance/gif.ts). Pure, and it checks every length it follows.

export interface GifBlock {
  kind: 'extension' | 'image';
  /** The extension's label (0xf9 graphic control, 0xfe comment, 0xff application). */
  label?: number;
  /** An application extension's identifier and authentication code, e.g. NETSCAPE2.0. */
  application?: string;
  start: number;
  end: number;
}

export interface GifLayout {
  /** Where the blocks begin: after the header, the screen descriptor and the global colour table. */
  headerEnd: number;
  blocks: GifBlock[];
  /** Offset of the trailer byte (0x3b); undefined when the file stops or breaks before it. */
  trailer?: number;
}

export const isGif = (bytes: Uint8Array) =>
  bytes.length >= 13 && String.fromCharCode(...bytes.subarray(0, 4)) === 'GIF8';

/** The end of the data sub-blocks starting at `i` (after their 0 terminator), or -1 past the end. */
function subBlocksEnd(bytes: Uint8Array, i: number): number {
  while (i < bytes.length) {
    const size = bytes[i]!;
    if (size === 0) return i + 1;
    i += 1 + size;
  }
  return -1;
}

const colourTable = (packed: number) => (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);

/** Walks the blocks of a GIF; stops at the trailer or at the first block that does not fit. */
export function walkGif(bytes: Uint8Array): GifLayout | undefined {
  if (!isGif(bytes)) return undefined;
  const headerEnd = 13 + colourTable(bytes[10]!);
  const layout: GifLayout = { headerEnd, blocks: [] };
  let i = headerEnd;
  while (i < bytes.length) {
    const introducer = bytes[i]!;
    if (introducer === 0x3b) return { ...layout, trailer: i };
    if (introducer === 0x21) {
      if (i + 2 > bytes.length) break;
      const label = bytes[i + 1]!;
      const end = subBlocksEnd(bytes, i + 2);
      if (end < 0) break;
      const block: GifBlock = { kind: 'extension', label, start: i, end };
      if (label === 0xff && bytes[i + 2] === 11 && i + 14 <= end)
        block.application = String.fromCharCode(...bytes.subarray(i + 3, i + 14));
      layout.blocks.push(block);
      i = end;
    } else if (introducer === 0x2c) {
      // Image descriptor (10 bytes), local colour table, LZW minimum code size, data sub-blocks.
      if (i + 10 > bytes.length) break;
      const data = i + 10 + colourTable(bytes[i + 9]!) + 1;
      const end = data <= bytes.length ? subBlocksEnd(bytes, data) : -1;
      if (end < 0) break;
      layout.blocks.push({ kind: 'image', start: i, end });
      i = end;
    } else break;
  }
  return layout;
}

/** The data of an extension's sub-blocks after its first `skip` ones, joined. */
export function extensionData(bytes: Uint8Array, block: GifBlock, skip = 0): Buffer {
  const parts: Uint8Array[] = [];
  let i = block.start + 2;
  for (let n = 0; bytes[i]! !== 0 && i < block.end; n++) {
    const size = bytes[i]!;
    if (n >= skip) parts.push(bytes.subarray(i + 1, i + 1 + size));
    i += 1 + size;
  }
  return Buffer.concat(parts);
}

/** How many frames a GIF holds; undefined when it is not a whole GIF. */
export function gifFrameCount(bytes: Uint8Array): number | undefined {
  const layout = walkGif(bytes);
  if (!layout || layout.trailer === undefined) return undefined;
  return layout.blocks.filter((b) => b.kind === 'image').length;
}

// Provenance in GIF: an application extension (identifier IMGCLIPV, code 1.0) holding the whole
// record as JSON, and a comment extension with one "field: text" line per field for tools that
// show GIF comments (exiftool, image viewers). Both go before the first frame, after any leading
// application extension (NETSCAPE2.0, the loop count); every other block is copied byte for byte.
import { extensionData, isGif, walkGif, type GifBlock } from '../image/gif.js';
import { fieldTexts, parseRecord, ProvenanceError, type Provenance } from './record.js';

/** Identifier (8 bytes) and authentication code (3 bytes) of imgcli's application extension. */
export const APPLICATION_ID = 'IMGCLIPV1.0';
const COMMENT = 0xfe;
const APPLICATION = 0xff;

export { isGif };

/** Data as GIF sub-blocks: a length byte and up to 255 bytes each, then the 0 terminator. */
function subBlocks(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += 255) {
    const chunk = data.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

const commentText = (p: Provenance) =>
  [p.tool, ...fieldTexts(p).map(([field, text]) => `${field}: ${text}`)].join('\n');

function isOurs(bytes: Buffer, b: GifBlock): boolean {
  if (b.kind !== 'extension') return false;
  if (b.label === APPLICATION) return b.application === APPLICATION_ID;
  return b.label === COMMENT && extensionData(bytes, b).toString('utf8').startsWith('imgcli ');
}

export function embedGif(bytes: Buffer, p: Provenance): Buffer {
  if (!isGif(bytes)) throw new ProvenanceError('not a GIF file (bad signature)');
  const layout = walkGif(bytes)!;
  if (layout.trailer === undefined || !layout.blocks.some((b) => b.kind === 'image'))
    throw new ProvenanceError('not a complete GIF file (no frame or no trailer)');
  const ours = Buffer.concat([
    Buffer.from([0x21, APPLICATION, 11]),
    Buffer.from(APPLICATION_ID, 'latin1'),
    subBlocks(Buffer.from(JSON.stringify(p), 'utf8')),
    Buffer.from([0x21, COMMENT]),
    subBlocks(Buffer.from(commentText(p), 'utf8')),
  ]);
  const kept = layout.blocks.filter((b) => !isOurs(bytes, b));
  // Before the first frame (its graphic control extension or its image), after the loop extension.
  const at = kept.findIndex((b) => b.kind === 'image' || b.label === 0xf9);
  const slices = kept.map((b) => bytes.subarray(b.start, b.end));
  slices.splice(at, 0, ours);
  return Buffer.concat([
    bytes.subarray(0, layout.headerEnd),
    ...slices,
    bytes.subarray(layout.trailer, layout.trailer + 1),
  ]);
}

export function readGif(bytes: Buffer): Provenance | undefined {
  const layout = walkGif(bytes);
  const block = layout?.blocks.find((b) => b.kind === 'extension' && b.application === APPLICATION_ID);
  return block ? parseRecord(extensionData(bytes, block, 1).toString('utf8')) : undefined;
}

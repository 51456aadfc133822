// Provenance in WebP: an `XMP ` chunk, which only the extended format (a VP8X header chunk with
// the XMP flag set) may carry. Simple files (one VP8 or VP8L chunk) are turned into extended
// ones: a VP8X chunk with the canvas size read from the bitstream and the alpha flag the
// bitstream implies goes in front, the image chunks follow untouched, the RIFF size is fixed.
import { parseRecord, ProvenanceError, type Provenance } from './record.js';
import { findRecordText, hasOurNamespace, xmpPacket } from './xmp.js';

const FLAG = { icc: 0x20, alpha: 0x10, exif: 0x08, xmp: 0x04, animation: 0x02 } as const;

interface Chunk {
  fourcc: string;
  start: number;
  /** After the data and its pad byte (chunks are padded to an even length). */
  end: number;
  data: Buffer;
}

export const isWebp = (bytes: Buffer) =>
  bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP';

/** The chunks inside the RIFF container; `complete`: all there, image data included. */
function walk(bytes: Buffer): { chunks: Chunk[]; complete: boolean } {
  const chunks: Chunk[] = [];
  const declared = 8 + bytes.readUInt32LE(4);
  const riffEnd = Math.min(declared, bytes.length);
  let i = 12;
  while (i + 8 <= riffEnd) {
    const size = bytes.readUInt32LE(i + 4);
    const dataEnd = i + 8 + size;
    if (dataEnd > riffEnd) return { chunks, complete: false };
    const end = Math.min(dataEnd + (size & 1), riffEnd);
    chunks.push({ fourcc: bytes.toString('latin1', i, i + 4), start: i, end, data: bytes.subarray(i + 8, dataEnd) });
    i = end;
  }
  const hasImage = chunks.some((c) => c.fourcc === 'VP8 ' || c.fourcc === 'VP8L' || c.fourcc === 'ANMF');
  return { chunks, complete: i === riffEnd && declared <= bytes.length && hasImage };
}

function makeChunk(fourcc: string, data: Buffer): Buffer {
  const out = Buffer.alloc(8 + data.length + (data.length & 1));
  out.write(fourcc, 0, 'latin1');
  out.writeUInt32LE(data.length, 4);
  data.copy(out, 8);
  return out;
}

/** Canvas size and alpha of a simple file, from the VP8 frame header or the VP8L header. */
function bitstreamInfo(c: Chunk): { width: number; height: number; alpha: boolean } {
  const d = c.data;
  if (c.fourcc === 'VP8 ' && d.length >= 10 && d[3] === 0x9d && d[4] === 0x01 && d[5] === 0x2a) {
    // Lossy frames carry no alpha; a lossy image with alpha is already extended (ALPH chunk).
    return { width: d.readUInt16LE(6) & 0x3fff, height: d.readUInt16LE(8) & 0x3fff, alpha: false };
  }
  if (c.fourcc === 'VP8L' && d.length >= 5 && d[0] === 0x2f) {
    const bits = d.readUInt32LE(1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, alpha: ((bits >>> 28) & 1) === 1 };
  }
  throw new ProvenanceError(`not a valid WebP file (unreadable ${c.fourcc.trim()} header)`);
}

function vp8xFor(image: Chunk, others: Chunk[]): Buffer {
  const { width, height, alpha } = bitstreamInfo(image);
  const has = (fourcc: string) => others.some((c) => c.fourcc === fourcc);
  const data = Buffer.alloc(10);
  data[0] = FLAG.xmp | (alpha ? FLAG.alpha : 0) | (has('ICCP') ? FLAG.icc : 0) | (has('EXIF') ? FLAG.exif : 0);
  data.writeUIntLE(width - 1, 4, 3);
  data.writeUIntLE(height - 1, 7, 3);
  return makeChunk('VP8X', data);
}

const isOurXmp = (c: Chunk) => c.fourcc === 'XMP ' && hasOurNamespace(c.data.toString('utf8'));

export function embedWebp(bytes: Buffer, p: Provenance): Buffer {
  if (!isWebp(bytes)) throw new ProvenanceError('not a WebP file (no RIFF/WEBP header)');
  const { chunks, complete } = walk(bytes);
  if (!complete) throw new ProvenanceError('not a complete WebP file (a chunk runs past the end)');
  const [first, ...rest] = chunks as [Chunk, ...Chunk[]];
  let header: Buffer;
  if (first.fourcc === 'VP8X' && first.data.length >= 10) {
    header = Buffer.from(bytes.subarray(first.start, first.end));
    header[8]! |= FLAG.xmp;
  } else if (first.fourcc === 'VP8 ' || first.fourcc === 'VP8L') {
    header = vp8xFor(first, rest);
    rest.unshift(first);
  } else throw new ProvenanceError(`not a valid WebP file (it starts with a ${first.fourcc.trim()} chunk)`);
  const kept = rest.filter((c) => !isOurXmp(c));
  // Ours goes before any other XMP chunk: readers that take only one take the first.
  const at = kept.findIndex((c) => c.fourcc === 'XMP ');
  // A last chunk may lack its pad byte; once something follows it, it needs one.
  const slices = kept.map((c) =>
    (c.end - c.start) & 1
      ? Buffer.concat([bytes.subarray(c.start, c.end), Buffer.alloc(1)])
      : bytes.subarray(c.start, c.end),
  );
  slices.splice(at < 0 ? slices.length : at, 0, makeChunk('XMP ', Buffer.from(xmpPacket(p), 'utf8')));
  const body = Buffer.concat([header, ...slices]);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length + 4, 4);
  head.write('WEBP', 8, 'latin1');
  return Buffer.concat([head, body]);
}

export function readWebp(bytes: Buffer): Provenance | undefined {
  if (!isWebp(bytes)) return undefined;
  for (const c of walk(bytes).chunks) {
    if (!isOurXmp(c)) continue;
    const text = findRecordText(c.data.toString('utf8'));
    if (text !== undefined) return parseRecord(text);
  }
  return undefined;
}

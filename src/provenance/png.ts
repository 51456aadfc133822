// Provenance in PNG: one uncompressed iTXt chunk per field (keywords imgcli:<field>), one
// imgcli:provenance chunk with the whole record as JSON, and a tEXt Software chunk, all before
// the first IDAT. Every other chunk is copied byte for byte, so the pixels cannot change.
import { crc32, inflateSync } from 'node:zlib';
import { fieldTexts, parseRecord, PREFIX, ProvenanceError, RECORD_FIELD, type Provenance } from './record.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TEXT_TYPES = new Set(['tEXt', 'zTXt', 'iTXt']);

interface Chunk {
  type: string;
  /** Offset of the length field; the chunk runs to `end` (after the CRC). */
  start: number;
  end: number;
  data: Buffer;
}

export const isPng = (bytes: Buffer) => bytes.length >= 8 && bytes.subarray(0, 8).equals(SIGNATURE);

/** The chunks up to IEND; `complete` is false when the file stops or breaks before it. */
function walk(bytes: Buffer): { chunks: Chunk[]; complete: boolean } {
  const chunks: Chunk[] = [];
  let i = 8;
  while (i + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(i);
    const end = i + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) break;
    const type = bytes.toString('latin1', i + 4, i + 8);
    chunks.push({ type, start: i, end, data: bytes.subarray(i + 8, i + 8 + length) });
    if (type === 'IEND') return { chunks, complete: true };
    i = end;
  }
  return { chunks, complete: false };
}

function crcOk(bytes: Buffer, c: Chunk): boolean {
  return crc32(bytes.subarray(c.start + 4, c.end - 4)) >>> 0 === bytes.readUInt32BE(c.end - 4);
}

function makeChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** iTXt: keyword, NUL, compression flag 0, method 0, empty language, NUL, empty translation, NUL, UTF-8 text. */
const itxt = (keyword: string, text: string) =>
  makeChunk(
    'iTXt',
    Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]),
  );

/** The keyword and text of a tEXt or iTXt chunk (zTXt and compressed iTXt only when asked). */
function readText(c: Chunk, inflate = false): { keyword: string; text?: string } | undefined {
  const nul = c.data.indexOf(0);
  if (nul < 1 || nul > 79) return undefined;
  const keyword = c.data.toString('latin1', 0, nul);
  if (c.type === 'tEXt') return { keyword, text: c.data.toString('latin1', nul + 1) };
  if (c.type !== 'iTXt' || nul + 3 > c.data.length) return { keyword };
  const compressed = c.data[nul + 1] === 1;
  const langEnd = c.data.indexOf(0, nul + 3);
  const transEnd = langEnd < 0 ? -1 : c.data.indexOf(0, langEnd + 1);
  if (transEnd < 0) return { keyword };
  const body = c.data.subarray(transEnd + 1);
  if (!compressed) return { keyword, text: body.toString('utf8') };
  if (!inflate) return { keyword };
  try {
    // Tools that rewrite metadata (exiftool, optimisers) may compress what we wrote plainly.
    return { keyword, text: inflateSync(body, { maxOutputLength: 64 * 1024 * 1024 }).toString('utf8') };
  } catch {
    return { keyword };
  }
}

/** Text chunks imgcli wrote: imgcli:* keywords, and a Software chunk naming imgcli. */
function isOurs(c: Chunk): boolean {
  if (!TEXT_TYPES.has(c.type)) return false;
  const t = readText(c);
  if (!t) return false;
  return t.keyword.startsWith(`${PREFIX}:`) || (t.keyword === 'Software' && (t.text ?? '').startsWith(PREFIX));
}

export function embedPng(bytes: Buffer, p: Provenance): Buffer {
  if (!isPng(bytes)) throw new ProvenanceError('not a PNG file (bad signature)');
  const { chunks, complete } = walk(bytes);
  const firstIdat = chunks.findIndex((c) => c.type === 'IDAT');
  if (!complete || firstIdat < 0) throw new ProvenanceError('not a complete PNG file (no IDAT or IEND chunk)');
  const ours = [
    ...fieldTexts(p).map(([field, text]) => itxt(`${PREFIX}:${field}`, text)),
    itxt(`${PREFIX}:${RECORD_FIELD}`, JSON.stringify(p)),
    makeChunk('tEXt', Buffer.from(`Software\0${p.tool}`, 'latin1')),
  ];
  const parts: Buffer[] = [SIGNATURE];
  chunks.forEach((c, index) => {
    if (index === firstIdat) parts.push(...ours);
    if (!isOurs(c)) parts.push(bytes.subarray(c.start, c.end));
  });
  return Buffer.concat(parts);
}

export function readPng(bytes: Buffer): Provenance | undefined {
  if (!isPng(bytes)) return undefined;
  for (const c of walk(bytes).chunks) {
    if (c.type !== 'iTXt' || !crcOk(bytes, c)) continue;
    const t = readText(c, true);
    if (t?.keyword === `${PREFIX}:${RECORD_FIELD}` && t.text !== undefined) return parseRecord(t.text);
  }
  return undefined;
}

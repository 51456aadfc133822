// Provenance in JPEG: an APP1 segment with a standard XMP packet, placed after SOI and the
// leading APP0 (JFIF) and APP1 (Exif) segments. An APP1 payload stops at 65,533 bytes and a
// long prompt (up to 32,000 characters, written twice) does not fit, so then the long fields
// move to ExtendedXMP (XMP spec part 3, 1.1.3.1): APP1 parts named by the MD5 of their text.
// Everything from the scan (SOS) on is copied as is, so the pixels cannot change.
import { createHash } from 'node:crypto';
import { parseRecord, ProvenanceError, type Provenance } from './record.js';
import { extendedGuidOf, extendedXmp, findRecordText, hasOurNamespace, xmpPacket } from './xmp.js';

const XMP_HEADER = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
const EXT_HEADER = Buffer.from('http://ns.adobe.com/xmp/extension/\0', 'latin1');
const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
const APP0 = 0xe0;
const APP1 = 0xe1;
const MAX_PAYLOAD = 65533; // the 16-bit length counts its own two bytes
/** Bytes of ExtendedXMP per segment: after the header, the GUID and two 32-bit numbers. */
const EXT_PART = MAX_PAYLOAD - EXT_HEADER.length - 32 - 8;

interface Segment {
  marker: number;
  start: number;
  end: number;
  payload: Buffer;
}

export const isJpeg = (bytes: Buffer) =>
  bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

/** The marker segments before the first scan, and where the scan starts (-1 if none is found). */
function walk(bytes: Buffer): { segments: Segment[]; scan: number } {
  const segments: Segment[] = [];
  let i = 2;
  while (i + 4 <= bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xda) return { segments, scan: i };
    if (marker === 0xd9) break;
    const length = bytes.readUInt16BE(i + 2);
    const end = i + 2 + length;
    if (length < 2 || end > bytes.length) break;
    segments.push({ marker, start: i, end, payload: bytes.subarray(i + 4, end) });
    i = end;
  }
  return { segments, scan: -1 };
}

const startsWith = (payload: Buffer, header: Buffer) =>
  payload.length >= header.length && payload.subarray(0, header.length).equals(header);
const isXmp = (s: Segment) => s.marker === APP1 && startsWith(s.payload, XMP_HEADER);
const isExtension = (s: Segment) =>
  s.marker === APP1 && startsWith(s.payload, EXT_HEADER) && s.payload.length >= EXT_HEADER.length + 40;
const xmpText = (s: Segment) => s.payload.toString('utf8', XMP_HEADER.length);
const guidOf = (s: Segment) => s.payload.toString('latin1', EXT_HEADER.length, EXT_HEADER.length + 32);

function segment(payload: Buffer[]): Buffer {
  const length = 2 + payload.reduce((n, b) => n + b.length, 0);
  return Buffer.concat([Buffer.from([0xff, APP1, length >> 8, length & 0xff]), ...payload]);
}

/** The APP1 segments for a record: one standard packet, plus ExtendedXMP parts if it is too long. */
function xmpSegments(p: Provenance): Buffer[] {
  const whole = Buffer.from(xmpPacket(p), 'utf8');
  if (XMP_HEADER.length + whole.length <= MAX_PAYLOAD) return [segment([XMP_HEADER, whole])];
  const extended = Buffer.from(extendedXmp(p), 'utf8');
  const guid = createHash('md5').update(extended).digest('hex').toUpperCase();
  const parts = [segment([XMP_HEADER, Buffer.from(xmpPacket(p, { longFields: false, extendedGuid: guid }), 'utf8')])];
  for (let offset = 0; offset < extended.length; offset += EXT_PART) {
    const numbers = Buffer.alloc(8);
    numbers.writeUInt32BE(extended.length, 0);
    numbers.writeUInt32BE(offset, 4);
    parts.push(
      segment([EXT_HEADER, Buffer.from(guid, 'latin1'), numbers, extended.subarray(offset, offset + EXT_PART)]),
    );
  }
  return parts;
}

export function embedJpeg(bytes: Buffer, p: Provenance): Buffer {
  if (!isJpeg(bytes)) throw new ProvenanceError('not a JPEG file (no SOI marker)');
  const { segments, scan } = walk(bytes);
  if (scan < 0) throw new ProvenanceError('not a complete JPEG file (no scan found after the headers)');
  // Ours: packets in our namespace and the extension parts they point to. Others' XMP stays.
  const ourPackets = segments.filter((s) => isXmp(s) && hasOurNamespace(xmpText(s)));
  const ourGuids = new Set(ourPackets.map((s) => extendedGuidOf(xmpText(s))).filter(Boolean));
  const kept = segments.filter((s) => !ourPackets.includes(s) && !(isExtension(s) && ourGuids.has(guidOf(s))));
  let at = 0;
  while (
    at < kept.length &&
    (kept[at]!.marker === APP0 || (kept[at]!.marker === APP1 && startsWith(kept[at]!.payload, EXIF_HEADER)))
  )
    at++;
  const slice = (s: Segment) => bytes.subarray(s.start, s.end);
  return Buffer.concat([
    bytes.subarray(0, 2),
    ...kept.slice(0, at).map(slice),
    ...xmpSegments(p),
    ...kept.slice(at).map(slice),
    bytes.subarray(scan),
  ]);
}

/** Reassembles the ExtendedXMP with this GUID; undefined if a part is missing or out of range. */
function extension(segments: Segment[], guid: string): string | undefined {
  let whole: Buffer | undefined;
  let filled = 0;
  for (const s of segments) {
    if (!isExtension(s) || guidOf(s) !== guid) continue;
    const head = EXT_HEADER.length + 32;
    const total = s.payload.readUInt32BE(head);
    const offset = s.payload.readUInt32BE(head + 4);
    const data = s.payload.subarray(head + 8);
    if (total > 64 * 1024 * 1024 || offset + data.length > total) return undefined;
    whole ??= Buffer.alloc(total);
    if (whole.length !== total) return undefined;
    data.copy(whole, offset);
    filled += data.length;
  }
  return whole && filled === whole.length ? whole.toString('utf8') : undefined;
}

export function readJpeg(bytes: Buffer): Provenance | undefined {
  if (!isJpeg(bytes)) return undefined;
  const { segments } = walk(bytes);
  for (const s of segments.filter(isXmp)) {
    const xml = xmpText(s);
    if (!hasOurNamespace(xml)) continue;
    const guid = extendedGuidOf(xml);
    const text = findRecordText(xml) ?? (guid ? findRecordText(extension(segments, guid) ?? '') : undefined);
    if (text !== undefined) return parseRecord(text);
  }
  return undefined;
}

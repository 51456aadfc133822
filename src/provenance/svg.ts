// Provenance in SVG: a <metadata id="imgcli-provenance"> element, first in the root element,
// holding the same RDF as the XMP of JPEG and WebP (dc:description, xmp:CreatorTool, one
// imgcli:<field> per field, imgcli:provenance with the whole record). The rest of the document
// is kept character for character; an older imgcli metadata element is replaced.
import { svgComplete, svgRoot } from '../image/svg.js';
import { parseRecord, ProvenanceError, type Provenance } from './record.js';
import { findRecordText, hasOurNamespace, xmpMeta } from './xmp.js';

export const METADATA_ID = 'imgcli-provenance';
const OURS = new RegExp(`\\s*<metadata\\b[^>]*\\bid=["']${METADATA_ID}["'][^>]*>[\\s\\S]*?</metadata>`, 'g');

export const isSvg = (bytes: Buffer) =>
  svgRoot(bytes.toString('utf8', 0, Math.min(bytes.length, 64 * 1024))) !== undefined;

export function embedSvg(bytes: Buffer, p: Provenance): Buffer {
  const text = bytes.toString('utf8');
  const root = svgRoot(text);
  if (!root) throw new ProvenanceError('not an SVG document (no <svg> root element)');
  if (root.empty || !svgComplete(text))
    throw new ProvenanceError('not a complete SVG document (the root element does not end)');
  const body = text.slice(root.end).replace(OURS, '');
  return Buffer.from(
    `${text.slice(0, root.end)}\n<metadata id="${METADATA_ID}">\n${xmpMeta(p)}\n</metadata>${body}`,
    'utf8',
  );
}

export function readSvg(bytes: Buffer): Provenance | undefined {
  const text = bytes.toString('utf8');
  for (const m of text.matchAll(new RegExp(OURS.source, 'g'))) {
    if (!hasOurNamespace(m[0])) continue;
    const record = findRecordText(m[0]);
    if (record !== undefined) return parseRecord(record);
  }
  return undefined;
}

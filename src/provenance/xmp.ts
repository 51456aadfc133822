// The XMP that JPEG and WebP carry: dc:description (the prompt), xmp:CreatorTool, xmp:CreateDate,
// one imgcli:<field> property per field and imgcli:provenance with the whole record as JSON.
// Written and read as text: a full RDF parser would be most of this feature's weight, and we
// only ever need our own property back.
import { fieldTexts, isoTime, PREFIX, RECORD_FIELD, type Provenance } from './record.js';

/** The imgcli XMP namespace. A name, not an address: nothing is ever fetched from it. */
export const NAMESPACE = 'urn:imgcli:provenance:1.0/';

// Fields that can be long (prompts run to 32,000 characters); the rest are a few dozen bytes.
const LONG_FIELDS = new Set(['prompt', 'revised_prompt', 'parameters', 'usage', RECORD_FIELD, 'description']);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Characters XML 1.0 forbids even as references; a prompt could hold them, the JSON cannot.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#xD;'); // a parser would turn a raw CR into LF
}

export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (all, ref: string) => {
    if (ref[0] !== '#') return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[ref] ?? all;
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

interface Property {
  field: string;
  xml: string;
}

function properties(p: Provenance): Property[] {
  const props: Property[] = [
    { field: 'tool', xml: `<xmp:CreatorTool>${escapeXml(p.tool)}</xmp:CreatorTool>` },
    { field: 'created', xml: `<xmp:CreateDate>${escapeXml(isoTime(p.created))}</xmp:CreateDate>` },
  ];
  if (p.prompt !== undefined) {
    const alt = `<rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(p.prompt)}</rdf:li></rdf:Alt>`;
    props.push({ field: 'description', xml: `<dc:description>${alt}</dc:description>` });
  }
  for (const [field, text] of fieldTexts(p)) props.push({ field, xml: element(field, text) });
  props.push({ field: RECORD_FIELD, xml: element(RECORD_FIELD, JSON.stringify(p)) });
  return props;
}

const element = (field: string, text: string) => `<${PREFIX}:${field}>${escapeXml(text)}</${PREFIX}:${field}>`;

function xmpmeta(props: string[]): string {
  return [
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    `  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:xmpNote="http://ns.adobe.com/xmp/note/" xmlns:${PREFIX}="${NAMESPACE}">`,
    ...props.map((x) => `   ${x}`),
    '  </rdf:Description>',
    ' </rdf:RDF>',
    '</x:xmpmeta>',
  ].join('\n');
}

/** A whole XMP packet with the record, wrapped in the <?xpacket?> processing instructions. */
export function xmpPacket(p: Provenance, opts: { longFields?: boolean; extendedGuid?: string } = {}): string {
  const props = properties(p)
    .filter((x) => opts.longFields !== false || !LONG_FIELDS.has(x.field))
    .map((x) => x.xml);
  if (opts.extendedGuid) props.push(`<xmpNote:HasExtendedXMP>${opts.extendedGuid}</xmpNote:HasExtendedXMP>`);
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n${xmpmeta(props)}\n<?xpacket end="w"?>`;
}

/** The whole record as one <x:xmpmeta> element, without the packet wrapper: what SVG's <metadata> holds. */
export function xmpMeta(p: Provenance): string {
  return xmpmeta(properties(p).map((x) => x.xml));
}

/** The long fields alone, for JPEG's ExtendedXMP (which has no <?xpacket?> wrapper). */
export function extendedXmp(p: Provenance): string {
  return xmpmeta(
    properties(p)
      .filter((x) => LONG_FIELDS.has(x.field))
      .map((x) => x.xml),
  );
}

/** Whether an XMP text declares the imgcli namespace: then imgcli wrote it. */
export const hasOurNamespace = (xml: string) => xml.includes(`"${NAMESPACE}"`) || xml.includes(`'${NAMESPACE}'`);

/**
 * The JSON text of imgcli:provenance, whatever prefix the namespace is bound to (a tool that
 * rewrites the XMP may rename it), as an element or an attribute.
 */
export function findRecordText(xml: string): string | undefined {
  const ns = NAMESPACE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  for (const m of xml.matchAll(new RegExp(`xmlns:([A-Za-z_][\\w.-]*)=["']${ns}["']`, 'g'))) {
    const q = `${m[1]!.replace(/\./g, '\\.')}:${RECORD_FIELD}`;
    const found = new RegExp(`<${q}>([^<]*)</${q}>|\\s${q}="([^"]*)"|\\s${q}='([^']*)'`).exec(xml);
    if (found) return unescapeXml(found[1] ?? found[2] ?? found[3] ?? '');
  }
  return undefined;
}

/** The value of xmpNote:HasExtendedXMP: the GUID (MD5) that names a JPEG's extension parts. */
export function extendedGuidOf(xml: string): string | undefined {
  return /HasExtendedXMP(?:>|=["'])([0-9A-Fa-f]{32})/.exec(xml)?.[1];
}

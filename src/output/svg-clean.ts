// An SVG answer is a document a browser runs: before it is saved, its active content is removed
// (scripts, event handlers, javascript: URLs, foreignObject, animations that set attributes) and
// so are its external references (links, images, sprites and styles loaded from elsewhere), so
// opening the file fetches and runs nothing. --raw-svg keeps the server's exact bytes.
//
// The sanitizer is DOMPurify, on the DOM its maintainers support on Node (jsdom): the document is
// parsed as XML (image/svg+xml), as a browser opening the file parses it, cleaned in place, and
// serialized as XML, so what is checked is what a browser will see. Both load here, on the SVG
// path only (import() below): jsdom takes a second or more to load, and no other answer needs it.
import type { SvgElement } from 'jsdom';

/** What cleaning did: the document to save (the same bytes when nothing was removed) and what went. */
export interface CleanSvg {
  bytes: Buffer;
  removed: string[];
}

/** A url(...) that points inside the document (url(#gradient)); any other is an external reference. */
const EXTERNAL_URL = /url\(\s*(['"]?)\s*(?!#)[^)]*\)/i;
const SHOWN = 40;
const shown = (value: string) => JSON.stringify(value.length > SHOWN ? `${value.slice(0, SHOWN)}...` : value);

/** Whether a link points inside the document, or is an embedded raster image. */
function localRef(element: string, value: string): boolean {
  const v = value.trim();
  return v.startsWith('#') || (element === 'image' && /^data:image\/(png|jpe?g|gif|webp)[;,]/i.test(v));
}

/**
 * The document with its active content and external references removed, and a list of what was
 * removed ("<script>", "onload on <svg>", "href \"https://...\" on <image>"). Throws when the
 * document is not well-formed XML: what cannot be parsed cannot be cleaned.
 */
export async function cleanSvg(bytes: Buffer): Promise<CleanSvg> {
  const [{ JSDOM }, { default: createDOMPurify }] = await Promise.all([import('jsdom'), import('dompurify')]);
  const dom = new JSDOM(bytes.toString('utf8'), { contentType: 'image/svg+xml' });
  const { document } = dom.window;
  // DOMPurify's types are the browser's DOM; imgcli's build knows Node's, so the little used is typed here.
  const purify = createDOMPurify(dom.window as never) as unknown as {
    sanitize(node: SvgElement, config: Record<string, unknown>): void;
    removed: Array<{
      element?: { nodeName: string };
      attribute?: { name: string; value: string } | null;
      from?: { nodeName: string };
    }>;
  };
  purify.sanitize(document.documentElement, {
    IN_PLACE: true,
    USE_PROFILES: { svg: true, svgFilters: true },
    // <use> refers to a part of the same document only (its href is checked below).
    ADD_TAGS: ['use'],
    FORBID_TAGS: ['foreignObject', 'script', 'iframe', 'object', 'embed'],
  });
  const removed: string[] = purify.removed.map(({ element, attribute, from }) =>
    element
      ? `<${element.nodeName}>`
      : `${attribute?.name ?? 'an attribute'} ${shown(attribute?.value ?? '')} on <${from?.nodeName ?? '?'}>`,
  );
  // External references DOMPurify lets through (it guards against scripts, not against loads).
  for (const el of [...document.getElementsByTagName('*')]) {
    if (
      el.localName === 'style' &&
      (EXTERNAL_URL.test(el.textContent ?? '') || /@import/i.test(el.textContent ?? ''))
    ) {
      removed.push('<style> that loads from elsewhere');
      el.remove();
      continue;
    }
    for (const attr of [...el.attributes]) {
      const link = ['href', 'xlink:href', 'src'].includes(attr.name.toLowerCase());
      if ((link && !localRef(el.localName, attr.value)) || (!link && EXTERNAL_URL.test(attr.value))) {
        removed.push(`${attr.name} ${shown(attr.value)} on <${el.nodeName}>`);
        el.removeAttributeNode(attr);
      }
    }
  }
  if (!removed.length) return { bytes, removed };
  const text = new dom.window.XMLSerializer().serializeToString(document.documentElement);
  return {
    bytes: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${text}\n`, 'utf8'),
    removed: [...new Set(removed)],
  };
}

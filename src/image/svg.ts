// What an SVG document is, read as text: its root <svg> start tag (after the XML declaration,
// comments and a doctype), the size that tag declares, and whether the document ends. Pure; no
// XML parser: only the root element's start and end are ever needed.

export interface SvgRoot {
  /** Offsets of the root start tag in the text: `<` and just after `>`. */
  start: number;
  end: number;
  attributes: Record<string, string>;
  /** Set when the start tag closes itself (`<svg ... />`): a document with no content. */
  empty: boolean;
}

// The prolog: a byte order mark, whitespace, the XML declaration, processing instructions,
// comments and a doctype (with an internal subset), in any order.
const PROLOG = /^(?:\uFEFF|\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>)*/i;
const ROOT = /^<((?:[A-Za-z_][\w.-]*:)?svg)(?=[\s/>])((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** The root element of an SVG document, or undefined when the text does not start one. */
export function svgRoot(text: string): SvgRoot | undefined {
  const start = PROLOG.exec(text)![0].length;
  const m = ROOT.exec(text.slice(start));
  if (!m) return undefined;
  const attributes: Record<string, string> = {};
  for (const a of m[2]!.matchAll(ATTRIBUTE)) attributes[a[1]!] = a[2] ?? a[3] ?? '';
  return { start, end: start + m[0].length, attributes, empty: m[3] === '/' };
}

/** A length in user units (plain numbers and px); undefined for %, em and other relative units. */
const userUnits = (value: string | undefined) => {
  const m = value === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$/.exec(value);
  return m ? Math.round(Number(m[1])) : undefined;
};

/** The size the root declares: width and height, else the viewBox's. */
export function svgSize(root: SvgRoot): { width?: number; height?: number } {
  const width = userUnits(root.attributes.width);
  const height = userUnits(root.attributes.height);
  const box = (root.attributes.viewBox ?? '')
    .trim()
    .split(/[\s,]+/)
    .map(Number);
  const fromBox =
    box.length === 4 && box.every(Number.isFinite) ? { width: Math.round(box[2]!), height: Math.round(box[3]!) } : {};
  return { width: width ?? fromBox.width, height: height ?? fromBox.height };
}

/** Whether an SVG document's text ends with the root's end tag (or the root closes itself). */
export function svgComplete(text: string): boolean {
  const root = svgRoot(text);
  if (!root) return false;
  if (root.empty) return /^(\s|<!--[\s\S]*?-->)*$/.test(text.slice(root.end));
  const name = /^<([^\s/>]+)/.exec(text.slice(root.start))![1]!;
  return new RegExp(`</${name.replace(/\./g, '\\.')}\\s*>(\\s|<!--[\\s\\S]*?-->)*$`).test(text.slice(-4096));
}

// The little of jsdom that svg-clean.ts uses, typed here: its own types (@types/jsdom) bring the
// whole DOM library into the build, whose Blob and Buffer types clash with Node's.
declare module 'jsdom' {
  export interface SvgAttr {
    name: string;
    value: string;
  }
  export interface SvgElement {
    nodeName: string;
    localName: string;
    textContent: string | null;
    attributes: ArrayLike<SvgAttr> & Iterable<SvgAttr>;
    remove(): void;
    removeAttributeNode(attr: SvgAttr): void;
  }
  export interface SvgDocument {
    documentElement: SvgElement;
    getElementsByTagName(name: string): ArrayLike<SvgElement> & Iterable<SvgElement>;
  }
  export interface DomWindow {
    document: SvgDocument;
    XMLSerializer: new () => { serializeToString(node: SvgElement): string };
  }
  export class JSDOM {
    constructor(text: string, options: { contentType: string });
    readonly window: DomWindow;
  }
}

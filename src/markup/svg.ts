// Laid-out markup as an SVG document, for librsvg (through sharp) to rasterise. Pure text.
//
// Colours are written as #rrggbb plus a separate opacity: not every SVG renderer reads #rrggbbaa.
// An arrow's shaft and head share one group whose opacity applies once to both, so where they
// overlap a translucent arrow does not turn darker.
import { formatColor } from './color.js';
import type { Drawable } from './layout.js';
import type { Point, Rgba, Size } from './spec.js';

/** Text as XML character data or an attribute value: the five special characters escaped. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** Two decimals are finer than librsvg's anti-aliasing can show; shorter text, same pixels. */
const n = (v: number) => String(Math.round(v * 100) / 100);

const opaque = (c: Rgba) => formatColor({ ...c, a: 1 });

function paint(kind: 'fill' | 'stroke', c: Rgba | undefined): string {
  if (!c) return `${kind}="none"`;
  return `${kind}="${opaque(c)}"${c.a < 1 ? ` ${kind}-opacity="${n(c.a)}"` : ''}`;
}

const pointList = (ps: Point[]) => ps.map((p) => `${n(p[0])},${n(p[1])}`).join(' ');

/** The generic family: fontconfig maps it to whatever sans-serif the machine has. */
export const FONT_FAMILY = 'sans-serif';

/** One line of bold text at (x, baseline); `extra` adds attributes (the halo's outline). */
export function textElement(
  text: string,
  x: number,
  baseline: number,
  fontSize: number,
  fill: Rgba,
  extra = '',
): string {
  return `<text x="${n(x)}" y="${n(baseline)}" font-family="${FONT_FAMILY}" font-size="${n(fontSize)}" font-weight="bold" ${paint('fill', fill)}${extra}>${escapeXml(text)}</text>`;
}

function element(d: Drawable): string {
  switch (d.kind) {
    case 'box':
      return `<rect x="${n(d.x)}" y="${n(d.y)}" width="${n(d.width)}" height="${n(d.height)}" ${paint('fill', d.fill)} ${paint('stroke', d.color)} stroke-width="${n(d.strokeWidth)}" stroke-linejoin="miter"/>`;
    case 'ellipse':
      return `<ellipse cx="${n(d.cx)}" cy="${n(d.cy)}" rx="${n(d.rx)}" ry="${n(d.ry)}" ${paint('fill', d.fill)} ${paint('stroke', d.color)} stroke-width="${n(d.strokeWidth)}"/>`;
    case 'polyline': {
      const solid = { ...d.color, a: 1 };
      const line = `<polyline points="${pointList(d.points)}" fill="none" ${paint('stroke', solid)} stroke-width="${n(d.strokeWidth)}" stroke-linecap="round" stroke-linejoin="round"/>`;
      const head = d.head ? `<polygon points="${pointList(d.head)}" ${paint('fill', solid)}/>` : '';
      return `<g${d.color.a < 1 ? ` opacity="${n(d.color.a)}"` : ''}>${line}${head}</g>`;
    }
    case 'label': {
      if (d.style === 'halo') {
        // paint-order draws the outline first, so it frames the letters instead of eating them.
        const outline = ` ${paint('stroke', d.contrast)} stroke-width="${n(Math.max(2, d.fontSize / 5))}" stroke-linejoin="round" paint-order="stroke"`;
        return textElement(d.text, d.textX, d.baseline, d.fontSize, d.color, outline);
      }
      const plate = `<rect x="${n(d.x)}" y="${n(d.y)}" width="${n(d.width)}" height="${n(d.height)}" rx="${n(d.fontSize / 5)}" ${paint('fill', d.color)}/>`;
      return plate + textElement(d.text, d.textX, d.baseline, d.fontSize, d.contrast);
    }
  }
}

/** The whole overlay; its size is the image's, one SVG unit per pixel. */
export function buildSvg(drawables: Drawable[], size: Size): string {
  const { width, height } = size;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...drawables.map(element),
    '</svg>',
    '',
  ].join('\n');
}

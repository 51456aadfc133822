// Masks from geometry: a keep canvas with rectangles and ellipses marked editable.
//
// Drawn as row spans with Buffer.fill rather than through an SVG rasteriser: librsvg
// anti-aliases (grey edges) and approximates ellipses with Bezier curves, while a mask wants a
// hard, exactly specified edge: a pixel is inside when its centre is. One fill per row, so the
// cost is per row, not per pixel.
import { MaskError, type Plane, type Size } from './plane.js';

/** x, y = top-left corner; all whole pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Centre and radii in pixels (fractions allowed). */
export interface Ellipse {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

export const formatRect = (r: Rect) => `${r.x},${r.y},${r.width},${r.height}`;
export const formatEllipse = (e: Ellipse) => `${e.cx},${e.cy},${e.rx},${e.ry}`;

function checkRect(r: Rect, size: Size, index: number): void {
  const whole = [r.x, r.y, r.width, r.height].every(Number.isInteger);
  const fail = (why: string) => {
    throw new MaskError('rect-outside', `rectangle ${formatRect(r)} ${why}`, index);
  };
  if (!whole || r.x < 0 || r.y < 0) fail('needs whole, non-negative numbers');
  if (r.width < 1 || r.height < 1) fail('is empty (width and height must be at least 1)');
  if (r.x + r.width > size.width)
    fail(`reaches past the ${size.width}x${size.height} canvas: x + width = ${r.x + r.width} > ${size.width}`);
  if (r.y + r.height > size.height)
    fail(`reaches past the ${size.width}x${size.height} canvas: y + height = ${r.y + r.height} > ${size.height}`);
}

function checkEllipse(e: Ellipse, size: Size, index: number): void {
  const fail = (why: string) => {
    throw new MaskError('ellipse-outside', `ellipse ${formatEllipse(e)} ${why}`, index);
  };
  if (![e.cx, e.cy, e.rx, e.ry].every(Number.isFinite) || e.rx <= 0 || e.ry <= 0)
    fail('needs a centre and two radii greater than 0');
  // An ellipse may run off an edge (a corner vignette), but its centre must be on the canvas.
  if (e.cx < 0 || e.cy < 0 || e.cx > size.width || e.cy > size.height)
    fail(`has its centre outside the ${size.width}x${size.height} canvas`);
}

/** Whether pixel (x, y)'s centre lies inside the ellipse. */
export function insideEllipse(e: Ellipse, x: number, y: number): boolean {
  const dx = (x + 0.5 - e.cx) / e.rx;
  const dy = (y + 0.5 - e.cy) / e.ry;
  return dx * dx + dy * dy <= 1;
}

function fillEllipse(data: Buffer, size: Size, e: Ellipse): void {
  const top = Math.max(0, Math.floor(e.cy - e.ry - 0.5));
  const bottom = Math.min(size.height - 1, Math.ceil(e.cy + e.ry - 0.5));
  for (let y = top; y <= bottom; y++) {
    const dy = (y + 0.5 - e.cy) / e.ry;
    if (dy * dy > 1) continue;
    const half = e.rx * Math.sqrt(1 - dy * dy);
    let x0 = Math.max(0, Math.ceil(e.cx - half - 0.5));
    let x1 = Math.min(size.width - 1, Math.floor(e.cx + half - 0.5));
    // sqrt can land a hair off on boundary pixels; settle them with the exact test.
    if (x0 > 0 && insideEllipse(e, x0 - 1, y)) x0--;
    if (x0 <= x1 && !insideEllipse(e, x0, y)) x0++;
    if (x1 < size.width - 1 && insideEllipse(e, x1 + 1, y)) x1++;
    if (x1 >= x0 && !insideEllipse(e, x1, y)) x1--;
    if (x1 >= x0) data.fill(0, y * size.width + x0, y * size.width + x1 + 1);
  }
}

/** A keep (255) canvas with every shape editable (0). Throws MaskError for shapes off the canvas. */
export function drawShapes(size: Size, rects: Rect[], ellipses: Ellipse[]): Plane {
  rects.forEach((r, i) => checkRect(r, size, i));
  ellipses.forEach((e, i) => checkEllipse(e, size, i));
  const data = Buffer.alloc(size.width * size.height, 255);
  for (const r of rects) {
    for (let y = r.y; y < r.y + r.height; y++) data.fill(0, y * size.width + r.x, y * size.width + r.x + r.width);
  }
  for (const e of ellipses) fillEllipse(data, size, e);
  return { data, width: size.width, height: size.height };
}

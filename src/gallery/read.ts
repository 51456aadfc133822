// One card of a gallery: what an image file is (format, size, bytes), what its provenance says
// (prompt, model, size and quality asked, cost, date, request id), and a small thumbnail made
// with sharp to embed in the page. An image that cannot be decoded still gets a card, saying so.
import { readFile } from 'node:fs/promises';
import { sniffImage } from '../image/format.js';
import { estimateCost } from '../models/prices.js';
import { resolveModel } from '../models/table.js';
import { readProvenance } from '../provenance/index.js';

export interface GalleryItem {
  path: string;
  format?: string;
  width?: number;
  height?: number;
  bytes: number;
  /** A data: URI and its pixel size; absent when the image could not be decoded. */
  thumb?: { uri: string; width: number; height: number };
  /** Why the card has no thumbnail (not an image, cannot be decoded). */
  problem?: string;
  about?: {
    prompt?: string;
    revisedPrompt?: string;
    model: string;
    command?: string;
    /** The size and quality asked for (the file's own dimensions are above). */
    size?: string;
    quality?: string;
    /** This image's share of its request's estimated cost. */
    costUsd?: number;
    /** Unix seconds. */
    created: number;
    requestId?: string;
  };
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Reads a file into a card; `thumbSize` is the longest side of the thumbnail in pixels. */
export async function readItem(path: string, thumbSize: number): Promise<GalleryItem> {
  const bytes = await readFile(path);
  const info = sniffImage(bytes);
  if (!info) return { path, bytes: bytes.length, problem: 'not an image' };
  const item: GalleryItem = { path, format: info.format, width: info.width, height: info.height, bytes: bytes.length };
  const p = info.format === 'gif' ? undefined : readProvenance(bytes);
  if (p) {
    const cost = estimateCost(resolveModel(p.model), p.usage, p.parameters);
    const n = typeof p.parameters.n === 'number' && p.parameters.n > 0 ? p.parameters.n : 1;
    item.about = {
      prompt: text(p.prompt),
      revisedPrompt: text(p.revised_prompt),
      model: p.model,
      command: text(p.command),
      size: text(p.parameters.size),
      quality: text(p.parameters.quality),
      // usage covers the whole request: each of its n images carries its share.
      costUsd: cost ? cost.usd / n : undefined,
      created: p.created,
      requestId: text(p.request_id),
    };
  }
  try {
    // sharp (libvips) loads when the first thumbnail is made, not when batch imports the gallery.
    const { default: sharp } = await import('sharp');
    const { data, info: out } = await sharp(bytes, { failOn: 'none' })
      .rotate()
      .resize(thumbSize, thumbSize, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 70, effort: 2 })
      .toBuffer({ resolveWithObject: true });
    item.thumb = { uri: `data:image/webp;base64,${data.toString('base64')}`, width: out.width, height: out.height };
  } catch (err) {
    item.problem = `cannot be decoded (${(err as Error).message.replace(/\s+/g, ' ').trim()})`;
  }
  return item;
}

// One card of a gallery: what an image file is (format, size, bytes), what its provenance says
// (prompt, model, size and quality asked, cost, date, request id), and a small thumbnail made
// with sharp to embed in the page. An image that cannot be decoded still gets a card, saying so.
import { basename } from 'node:path';
import { sniffImage } from '../image/format.js';
import { readRegularFile } from '../image/input-file.js';
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
    /** What the card is headed with: the prompt, or for a variation "variation of <its image>". */
    title?: string;
    prompt?: string;
    revisedPrompt?: string;
    model: string;
    command?: string;
    /** The size and quality asked for (the file's own dimensions are above). */
    size?: string;
    quality?: string;
    /** This image's share of its request's estimated cost; none for an offline image. */
    costUsd?: number;
    /** Made by imgcli's offline server (--mock, mock-server): nothing was billed. */
    offline?: boolean;
    /** Unix seconds. */
    created: number;
    requestId?: string;
  };
}

/** The provenance `origin` of an image imgcli's offline server made (read as written, by later imgcli versions too). */
const OFFLINE_ORIGIN = 'offline';

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Reads a file into a card; `thumbSize` is the longest side of the thumbnail in pixels. */
export async function readItem(path: string, thumbSize: number): Promise<GalleryItem> {
  const bytes = await readRegularFile(path, 'image');
  const info = sniffImage(bytes);
  if (!info) return { path, bytes: bytes.length, problem: 'not an image' };
  const item: GalleryItem = { path, format: info.format, width: info.width, height: info.height, bytes: bytes.length };
  const p = readProvenance(bytes);
  if (p) {
    const offline = (p as { origin?: unknown }).origin === OFFLINE_ORIGIN;
    const cost = offline ? undefined : estimateCost(resolveModel(p.model), p.usage, p.parameters);
    const n = typeof p.parameters.n === 'number' && p.parameters.n > 0 ? p.parameters.n : 1;
    // A variation's prompt is imgcli's built-in one: the card says what it is a variation of.
    const varied = p.command === 'vary' ? p.inputs?.find((i) => i.role === 'image')?.path : undefined;
    item.about = {
      title: p.command === 'vary' ? (varied ? `variation of ${basename(varied)}` : 'a variation') : text(p.prompt),
      prompt: text(p.prompt),
      revisedPrompt: text(p.revised_prompt),
      model: p.model,
      command: text(p.command),
      size: text(p.parameters.size),
      quality: text(p.parameters.quality),
      // usage covers the whole request: each of its n images carries its share.
      costUsd: cost ? cost.usd / n : undefined,
      ...(offline ? { offline } : {}),
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

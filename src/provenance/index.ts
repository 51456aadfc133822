// Provenance in the images imgcli writes: embed a record into PNG, JPEG, WebP, GIF or SVG bytes, read it
// back, and fingerprint requests. Pure byte work on buffers (no sharp, no CLI knowledge): the
// image data is copied untouched, only metadata chunks and segments are added or replaced.
import { embedGif, isGif, readGif } from './gif.js';
import { embedJpeg, isJpeg, readJpeg } from './jpeg.js';
import { embedPng, isPng, readPng } from './png.js';
import type { Provenance } from './record.js';
import { embedSvg, isSvg, readSvg } from './svg.js';
import { embedWebp, isWebp, readWebp } from './webp.js';

export { canonicalJson, fileDigest, requestFingerprint, type FingerprintInput } from './fingerprint.js';
export { isoTime, OFFLINE_ORIGIN, ProvenanceError, type Provenance, type ProvenanceInput } from './record.js';
export { NAMESPACE as XMP_NAMESPACE } from './xmp.js';

export type ProvenanceFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'svg';

/**
 * The bytes with the record embedded; imgcli metadata already there is replaced, everything
 * else is kept. Throws ProvenanceError when the bytes are not a well-formed file of `format`.
 */
export function embedProvenance(bytes: Buffer, format: ProvenanceFormat, p: Provenance): Buffer {
  if (format === 'png') return embedPng(bytes, p);
  if (format === 'jpeg') return embedJpeg(bytes, p);
  if (format === 'gif') return embedGif(bytes, p);
  if (format === 'svg') return embedSvg(bytes, p);
  return embedWebp(bytes, p);
}

/** The record imgcli embedded in an image, or undefined: other images, other formats, garbage. */
export function readProvenance(bytes: Buffer): Provenance | undefined {
  try {
    if (isPng(bytes)) return readPng(bytes);
    if (isJpeg(bytes)) return readJpeg(bytes);
    if (isWebp(bytes)) return readWebp(bytes);
    if (isGif(bytes)) return readGif(bytes);
    if (isSvg(bytes)) return readSvg(bytes);
    return undefined;
  } catch {
    // The readers check every length they follow; this is the backstop that keeps the promise.
    return undefined;
  }
}

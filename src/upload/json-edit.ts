// Edits as JSON (reference section 4): the images and the mask as references, each an
// {"image_url": "https://..." | "data:image/png;base64,..."} or a {"file_id": "file-..."}, instead of
// multipart uploads. Here: what a command-line input is (a path, a URL, a file id), what can be
// checked about a reference before sending, data URLs for local files, and the body itself.
// The body builder takes plain references, so the Batch API work can build bodies from uploads.
import { UsageError } from '../errors.js';
import { sizeText } from '../api/limits.js';

/** An input image as given on the command line: a local file, an http(s) or data: URL, or a Files API id. */
export type ImageSource = { kind: 'path'; path: string } | { kind: 'url'; url: string } | { kind: 'file'; id: string };

/** One image of a JSON edit body. */
export type ImageRef = { image_url: string } | { file_id: string };

/** The longest image_url the API takes (ImageRefParam.image_url's maxLength), a data URL included. */
export const MAX_IMAGE_URL = 20_971_520;

const FILE_ID = /^file-[A-Za-z0-9_-]+$/;
const DATA_URL = /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

/** What an input argument is; a URL or an id is checked for what can be known without fetching it. */
export function readSource(arg: string, role: string): ImageSource {
  if (FILE_ID.test(arg)) return { kind: 'file', id: arg };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(arg)?.[1]?.toLowerCase();
  if (scheme === 'data') {
    if (arg.length > MAX_IMAGE_URL)
      throw new UsageError(
        `${role} is a data URL of ${arg.length.toLocaleString('en')} characters; the API takes at most ${MAX_IMAGE_URL.toLocaleString('en')}`,
        'Save it to a file and upload it once: imgcli files upload <file>, then pass the file id.',
      );
    if (!DATA_URL.test(arg))
      throw new UsageError(
        `${role} is a data URL, but not a base64 PNG, JPEG or WebP image (data:image/png;base64,...)`,
      );
    return { kind: 'url', url: arg };
  }
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(arg);
    } catch {
      throw new UsageError(`${role} ${arg} is not a valid URL`);
    }
    if (!url.hostname) throw new UsageError(`${role} ${arg} has no host`);
    if (arg.length > MAX_IMAGE_URL)
      throw new UsageError(
        `${role} is a URL of ${arg.length.toLocaleString('en')} characters; the API takes at most ${MAX_IMAGE_URL.toLocaleString('en')}`,
      );
    return { kind: 'url', url: arg };
  }
  // A Windows drive letter (C:\...) is a path, as is anything without a scheme.
  if (scheme && scheme.length > 1 && /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(arg)) {
    throw new UsageError(
      `${role} ${arg} is a ${scheme}: URL; the API fetches http(s) URLs only`,
      'Download it and give the file, or give an https:// URL or a file id.',
    );
  }
  return { kind: 'path', path: arg };
}

/** How a reference reads in messages and provenance: the URL (a data URL shortened) or the file id. */
export function describeSource(s: ImageSource): string {
  if (s.kind === 'path') return s.path;
  if (s.kind === 'file') return s.id;
  return s.url.startsWith('data:')
    ? `${s.url.slice(0, s.url.indexOf(',') + 1)}... (${s.url.length.toLocaleString('en')} characters)`
    : s.url;
}

export const refOf = (s: Exclude<ImageSource, { kind: 'path' }>): ImageRef =>
  s.kind === 'file' ? { file_id: s.id } : { image_url: s.url };

/** A local file's bytes as a data URL; refused past the API's length, with the way around it. */
export function dataUrlOf(bytes: Uint8Array, contentType: string, name: string): string {
  const length = `data:${contentType};base64,`.length + Math.ceil(bytes.length / 3) * 4;
  if (length > MAX_IMAGE_URL) {
    throw new UsageError(
      `${name} is ${sizeText(bytes.length, 'measured')}: as a data URL it would be ${length.toLocaleString('en')} characters, and a JSON edit takes at most ${MAX_IMAGE_URL.toLocaleString('en')} per image (about 15 MB of image)`,
      `Upload it once and refer to it by id: imgcli files upload ${name}, then pass the file id it prints in place of the path.`,
    );
  }
  return `data:${contentType};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

/**
 * The JSON body of an edit: the (validated) request fields, then `images`, `mask` and `markup`
 * as references. Fields left undefined are not sent.
 */
export function jsonEditBody(
  fields: Record<string, unknown>,
  images: ImageRef[],
  mask?: ImageRef,
  markup?: ImageRef,
): Record<string, unknown> {
  const body: Record<string, unknown> = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  body.images = images;
  if (mask) body.mask = mask;
  if (markup) body.markup = markup;
  return body;
}

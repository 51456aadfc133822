// Make-friendly reruns: a request's fingerprint is stored in every file imgcli writes, so a rerun
// with unchanged inputs can see that its outputs are up to date and send nothing. Also builds
// the provenance record that goes into each file.
import { readFile } from 'node:fs/promises';
import { sniffImage, type ImageFormat } from '../image/format.js';
import type { OutputPlan } from '../output/files.js';
import { embedProvenance, readProvenance, requestFingerprint, ProvenanceError, type Provenance } from '../provenance/index.js';
import type { SavedFile } from '../output/save.js';
import { VERSION } from '../version.js';

/** What a request is made of, for its fingerprint and its provenance record. */
export interface RequestRecord {
  prompt?: string;
  /** The fields sent, prompt and model included. */
  params: Record<string, unknown>;
  /** Input files by role (image, mask, mask-from): their bytes count, their names do not. */
  inputs?: Array<{ role: string; path: string }>;
}

/** Fields that change how an answer travels, not the image: they do not make a file stale. */
const TRANSPORT_ONLY = new Set(['user', 'stream', 'partial_images', 'response_format']);

export function fingerprintOf(endpoint: string, model: string, record: RequestRecord): Promise<string> {
  const params = Object.fromEntries(Object.entries(record.params).filter(([k]) => !TRANSPORT_ONLY.has(k)));
  return requestFingerprint({ endpoint, model, params, files: record.inputs?.map((i) => ({ role: i.role, path: i.path })) });
}

export type Freshness = { fresh: true; files: SavedFile[] } | { fresh: false; reason: string };

/** Whether every output of an -o plan exists and carries this fingerprint. */
export async function checkFreshness(plan: OutputPlan, fingerprint: string): Promise<Freshness> {
  if (plan.kind !== 'files') return { fresh: false, reason: 'no fixed output path' };
  const files: SavedFile[] = [];
  for (const [index, path] of plan.paths.entries()) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      return { fresh: false, reason: `${path} does not exist` };
    }
    const stored = readProvenance(bytes)?.fingerprint;
    if (!stored) return { fresh: false, reason: `${path} has no imgcli fingerprint` };
    if (stored !== fingerprint) return { fresh: false, reason: `${path} was made from a different request (prompt, flags or input files changed)` };
    const info = sniffImage(bytes);
    if (!info) return { fresh: false, reason: `${path} is not an image` };
    files.push({ index, path, bytes: bytes.length, width: info.width, height: info.height, format: info.format });
  }
  return { fresh: true, files };
}

export interface StampContext {
  endpoint: string;
  model: string;
  record: RequestRecord;
  fingerprint: string;
  /** Filled in once the answer is known. */
  meta: { created?: number; usage?: Record<string, unknown> };
  warn: (line: string) => void;
  /** The run's clock, for an answer that did not say when it was made. */
  now: () => Date;
}

/** Returns a function that embeds the provenance record into each image before it is written. */
export function stamper(ctx: StampContext) {
  const { prompt, model: _model, ...parameters } = ctx.record.params;
  let warned = false;
  return (bytes: Buffer, format: ImageFormat, extra: { revised_prompt?: string; request_id?: string }): Buffer => {
    if (format === 'gif') return bytes;
    const record: Provenance = {
      prompt: ctx.record.prompt ?? (typeof prompt === 'string' ? prompt : undefined),
      revised_prompt: extra.revised_prompt,
      model: ctx.model,
      endpoint: ctx.endpoint,
      parameters,
      request_id: extra.request_id,
      created: ctx.meta.created ?? Math.floor(ctx.now().getTime() / 1000),
      usage: ctx.meta.usage,
      fingerprint: ctx.fingerprint,
      tool: `imgcli ${VERSION}`,
    };
    try {
      return embedProvenance(bytes, format, record);
    } catch (err) {
      if (!(err instanceof ProvenanceError)) throw err;
      if (!warned) ctx.warn(`could not add provenance metadata (${err.message}); the image is written without it.`);
      warned = true;
      return bytes;
    }
  };
}

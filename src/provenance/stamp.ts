// The provenance record written into every image imgcli saves: the request it was made from
// (prompt, model, parameters, input fingerprint), the answer's request id, time and usage.
import { relative, resolve, sep } from 'node:path';
import type { ImageFormat } from '../image/format.js';
import { VERSION } from '../version.js';
import { embedProvenance, OFFLINE_ORIGIN, ProvenanceError, type Provenance } from './index.js';

/** What a request is made of, for its fingerprint and its provenance record. */
export interface RequestRecord {
  /** The command that built it (gen, edit, vary): `imgcli replay` builds the same one again. */
  command?: string;
  prompt?: string;
  /** The fields sent, prompt and model included. */
  params: Record<string, unknown>;
  /** Inputs by role (image, mask, mask-from): a local file's bytes count (not its name); a URL or file id counts as written. */
  inputs?: Array<{ role: string; path?: string; ref?: string }>;
}

export interface StampContext {
  endpoint: string;
  model: string;
  record: RequestRecord;
  fingerprint: string;
  /** The inputs' digests, in the order of record.inputs (made once, for the fingerprint too). */
  digests?: Array<{ role: string; path?: string; sha256?: string; size?: number; ref?: string }>;
  /** The folder the images go to: input paths are recorded relative to it. */
  outDir?: string;
  /** Filled in once the answer is known. */
  meta: { created?: number; usage?: Record<string, unknown> };
  /** Whether the server that answered is imgcli's offline server (asked when each image is stamped). */
  offline?: () => boolean | undefined;
  warn: (line: string) => void;
  /** The run's clock, for an answer that did not say when it was made. */
  now: () => Date;
  /** Set for an answer of the Batch API: the batch and the request's custom_id in it. */
  batch?: { id: string; customId: string };
  /** Set for a conversation turn (imgcli chat): its thread, turn, mainline model and the response it continued. */
  chat?: { thread: string; turn: number; mainline: string; previous_response_id?: string };
}

/** Returns a function that embeds the provenance record into each image before it is written. */
export function stamper(ctx: StampContext) {
  const { prompt, model: _model, ...parameters } = ctx.record.params;
  // Relative to the image, so the record still finds its inputs when the folders move together.
  // References (URLs, file ids) count in the fingerprint; the record keeps the local files.
  const inputs = ctx.digests?.flatMap((d) =>
    d.path === undefined || d.sha256 === undefined || d.size === undefined
      ? []
      : [
          {
            role: d.role,
            path: relative(resolve(ctx.outDir ?? '.'), resolve(d.path))
              .split(sep)
              .join('/'),
            sha256: d.sha256,
            size: d.size,
          },
        ],
  );
  let warned = false;
  return (
    bytes: Buffer,
    format: ImageFormat,
    extra: {
      revised_prompt?: string;
      request_id?: string;
      response_id?: string;
      server_notes?: Provenance['server_notes'];
    },
  ): Buffer => {
    const record: Provenance = {
      command: ctx.record.command,
      prompt: ctx.record.prompt ?? (typeof prompt === 'string' ? prompt : undefined),
      revised_prompt: extra.revised_prompt,
      model: ctx.model,
      endpoint: ctx.endpoint,
      parameters,
      request_id: extra.request_id,
      ...(ctx.chat
        ? {
            response_id: extra.response_id,
            ...(ctx.chat.previous_response_id ? { previous_response_id: ctx.chat.previous_response_id } : {}),
            thread: ctx.chat.thread,
            turn: ctx.chat.turn,
            mainline: ctx.chat.mainline,
          }
        : {}),
      ...(ctx.batch ? { batch_id: ctx.batch.id, custom_id: ctx.batch.customId } : {}),
      created: ctx.meta.created ?? Math.floor(ctx.now().getTime() / 1000),
      usage: ctx.meta.usage,
      fingerprint: ctx.fingerprint,
      inputs: inputs?.length ? inputs : undefined,
      ...(ctx.offline?.() ? { origin: OFFLINE_ORIGIN } : {}),
      server_notes: extra.server_notes,
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

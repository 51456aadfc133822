// What a route of the offline server is: the request it gets (as recorded for the tests), the
// answer it hands back, and what it may use. Kept apart from server.ts so routes need not import
// the server that imports them.
import type { ProviderInfo } from '../models/providers.js';
import type { StoredFile } from './answers.js';
import type { RecordedPart } from './multipart.js';
import type { SynthPayload } from './synth.js';
import type { ApiErrorBody } from './validate.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  json?: unknown;
  /** The parts of a multipart body (edits, variations), for tests to assert what arrived. */
  parts?: RecordedPart[];
  rawBodyBytes: number;
  /** When the request arrived (ms since the epoch), for tests of pacing. */
  at: number;
}

/** What a route hands back: a JSON answer with its status, or other bytes (a file's content, in memory or on disk). */
export interface RouteAnswer {
  status: number;
  json: unknown;
  raw?: { body: Buffer; contentType: string } | { path: string; size: number; contentType: string };
}

/** A file uploaded to the Files API (files.ts). */
export interface UploadedFile {
  id: string;
  bytes: Buffer;
  filename: string;
  purpose: string;
  contentType: string;
  /** Unix seconds. */
  createdAt: number;
  /** Upload order, to keep a stable order between files of the same second. */
  seq: number;
  /** Unix seconds when the server deletes it (expires_after; purpose batch: 30 days by default); none: kept. */
  expiresAt?: number;
  /** A file the server wrote itself (a batch's output, which can be large): its bytes are on disk, not in `bytes`. */
  disk?: { path: string; size: number };
}

export interface RouteContext {
  origin: string;
  /** Milliseconds since the epoch on the server's clock. */
  nowMs: () => number;
  files: Map<string, StoredFile>;
  /** The Files API's files, by id. */
  uploads: Map<string, UploadedFile>;
  urlTtlMs: number;
  extraModels: readonly string[];
  /** The date the server stands in for its provider on: models shut down by then are refused (see judgeModel). */
  retiredAsOf?: () => Date;
  payload?: SynthPayload;
  /** False: plain pictures, no prompt and size written on them. */
  labels?: boolean;
  /** The Batch API's batches (batches.ts). */
  batches: BatchRoutes;
  /** The provider the server stands in for (api.openai.com unless told otherwise; providers.ts). */
  provider: ProviderInfo;
  /** The Responses API's conversations (responses.ts). */
  responses: ResponseMemory;
}

/** A response the offline server made: its image, for the turns that continue it. */
export interface HeldResponse {
  image: Buffer;
  /** What the tool drew from: the conversation so far. */
  revised: string;
}

/**
 * The offline server's memory of responses (as long as it runs), and where to ask for one it does
 * not hold: the client's own record of its thread, for --mock, whose server lives one command.
 */
export interface ResponseMemory {
  held: Map<string, HeldResponse>;
  recall?: (id: string) => Promise<{ image: Buffer; revised?: string } | undefined>;
}

/** What the Batch API's routes ask of the batch store (batches.ts). */
export interface BatchRoutes {
  create(req: RecordedRequest, ctx: RouteContext): Promise<RouteAnswer>;
  list(req: RecordedRequest, ctx: RouteContext): Promise<RouteAnswer>;
  retrieve(id: string, ctx: RouteContext): Promise<RouteAnswer>;
  cancel(id: string, ctx: RouteContext): Promise<RouteAnswer>;
}

export type Route = (req: RecordedRequest, raw: Buffer, ctx: RouteContext) => Promise<RouteAnswer>;

export function errorAnswer(e: ApiErrorBody): RouteAnswer {
  return { status: e.status, json: { error: { message: e.message, type: e.type, param: e.param, code: e.code } } };
}

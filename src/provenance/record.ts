// The provenance record imgcli writes into the images it saves, and the checks a record found
// in a file must pass before anyone trusts it. Pure: no I/O, no knowledge of image formats.

/** An input file of an edit or a variation: where it was, and what its bytes were. */
export interface ProvenanceInput {
  /** image, mask or mask-from, as in the fingerprint. */
  role: string;
  /** Relative to the folder of the image that carries the record, with / separators. */
  path?: string;
  sha256: string;
  size: number;
}

export interface Provenance {
  /** The imgcli command that made it (gen, edit, vary); files from before it was recorded lack it. */
  command?: string;
  prompt?: string;
  revised_prompt?: string;
  model: string;
  /** The API endpoint: generations, edits or variations. */
  endpoint: string;
  /** The request parameters as sent (the JSON body, or the form fields without the files). */
  parameters: Record<string, unknown>;
  request_id?: string;
  /** Made in a conversation (`imgcli chat`, the Responses API): the response that made it and the one it continued. */
  response_id?: string;
  previous_response_id?: string;
  /** The conversation and the turn (1-based) the image is from, and the model that held it. */
  thread?: string;
  turn?: number;
  mainline?: string;
  /** Made by the Batch API (`imgcli batch --remote`): the batch, and the request's id within it. */
  batch_id?: string;
  custom_id?: string;
  /** Unix seconds, as the API's `created`. */
  created: number;
  usage?: Record<string, unknown>;
  /** requestFingerprint() of the request, for up-to-date checks. */
  fingerprint?: string;
  /** The input files in the order sent (edits and variations), so `imgcli replay` can find and check them. */
  inputs?: ProvenanceInput[];
  /**
   * Where the image was made: "offline" for imgcli's offline server (--mock, `imgcli mock-server`),
   * whose images are stand-ins; absent for a real server (and in files from before it was recorded).
   */
  origin?: string;
  /** How the answer differed from the request (another format, size or count), as --json told it. */
  server_notes?: Array<{
    kind: string;
    asked: string | number;
    got: string | number;
    image?: number;
    converted?: boolean;
  }>;
  /** "imgcli <version>". */
  tool: string;
}

/** The origin of an image made by imgcli's offline server. */
export const OFFLINE_ORIGIN = 'offline';

// Read by hand, leniently like the API parsing (keys a later imgcli adds are kept, not a reason
// to reject): an up-to-date --check reads a record on every run, and zod would cost that run
// more to load than the rest of its work.
const isText = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = (v: unknown, test: (v: unknown) => boolean) => v === undefined || test(v);

function isInput(v: unknown): boolean {
  return isObject(v) && isText(v.role) && optional(v.path, isText) && isText(v.sha256) && typeof v.size === 'number';
}

/** Whether a parsed value has the shape of a record: the fields typed as Provenance says. */
function isRecord(v: unknown): v is Provenance {
  if (!isObject(v)) return false;
  const texts = [
    'command',
    'prompt',
    'revised_prompt',
    'request_id',
    'batch_id',
    'custom_id',
    'fingerprint',
    'response_id',
    'previous_response_id',
    'thread',
    'mainline',
    'origin',
  ] as const;
  return (
    texts.every((k) => optional(v[k], isText)) &&
    isText(v.model) &&
    isText(v.endpoint) &&
    isObject(v.parameters) &&
    typeof v.created === 'number' &&
    optional(v.turn, (t) => typeof t === 'number') &&
    optional(v.usage, isObject) &&
    optional(v.inputs, (a) => Array.isArray(a) && a.every(isInput)) &&
    optional(v.server_notes, (a) => Array.isArray(a) && a.every((n) => isObject(n) && isText(n.kind))) &&
    isText(v.tool)
  );
}

/** The keyword prefix (PNG) and XMP namespace prefix of everything imgcli writes. */
export const PREFIX = 'imgcli';
/** The whole record as JSON: the one field readProvenance trusts. */
export const RECORD_FIELD = 'provenance';

/** Parses the JSON form of a record; undefined for anything that is not one. */
export function parseRecord(text: string): Provenance | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `created` as an ISO time, or the raw number when it is out of the Date range. */
export function isoTime(created: number): string {
  const date = new Date(created * 1000);
  return Number.isFinite(date.getTime()) ? date.toISOString() : String(created);
}

/**
 * The record as one text per field, for tools that show metadata but cannot parse our JSON
 * (exiftool, image viewers). `tool` is left out: each format has a standard place for it.
 */
export function fieldTexts(p: Provenance): Array<[field: string, text: string]> {
  const fields: Array<[string, string | undefined]> = [
    ['prompt', p.prompt],
    ['revised_prompt', p.revised_prompt],
    ['model', p.model],
    ['endpoint', p.endpoint],
    ['parameters', JSON.stringify(p.parameters)],
    ['request_id', p.request_id],
    ['response_id', p.response_id],
    ['previous_response_id', p.previous_response_id],
    ['thread', p.thread],
    ['turn', p.turn === undefined ? undefined : String(p.turn)],
    ['mainline', p.mainline],
    ['batch_id', p.batch_id],
    ['custom_id', p.custom_id],
    ['created', isoTime(p.created)],
    ['usage', p.usage && JSON.stringify(p.usage)],
    ['fingerprint', p.fingerprint],
    ['origin', p.origin],
  ];
  return fields.filter((f): f is [string, string] => f[1] !== undefined);
}

/** The bytes handed to embedProvenance are not a well-formed image of the format named. */
export class ProvenanceError extends Error {
  override name = 'ProvenanceError';
}

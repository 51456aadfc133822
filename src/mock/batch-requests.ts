// A batch's request file as the offline server reads it before anything runs, with the checks
// OpenAI makes there: every line JSON, a custom_id unique in the file, POST to the batch's own
// endpoint, a body; at most 50,000 requests and 200 MB. Any problem fails the whole batch, each
// error naming its line.

import { BATCH_LIMITS } from '../api/batches.js';

const { requests: MAX_REQUESTS, bytes: MAX_BYTES } = BATCH_LIMITS;

export interface RequestLine {
  customId: string;
  url: string;
  body: Record<string, unknown>;
}

/** One entry of a failed batch's `errors.data`. */
export interface BatchError {
  code: string;
  message: string;
  line: number | null;
  param: string | null;
}

const DUPLICATE =
  'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.';

/** Why one parsed line cannot run, as [code, message, param]; undefined when it can. */
function problemOf(
  value: Record<string, unknown>,
  seen: Set<string>,
  endpoint: string,
): [string, string, string] | undefined {
  if (typeof value?.custom_id !== 'string')
    return ['missing_required_parameter', "Missing required parameter: 'custom_id'.", 'custom_id'];
  if (seen.has(value.custom_id)) return ['duplicate_custom_id', DUPLICATE, 'custom_id'];
  if (value.method !== 'POST')
    return ['invalid_value', "Invalid value for 'method': only POST is supported.", 'method'];
  if (value.url !== endpoint)
    return [
      'mismatched_endpoint',
      `The url of this request (${String(value.url)}) does not match the batch's endpoint (${endpoint}).`,
      'url',
    ];
  if (!value.body || typeof value.body !== 'object' || Array.isArray(value.body))
    return ['invalid_value', "Invalid 'body': expected an object.", 'body'];
  return undefined;
}

/** The requests of a request file, and every reason it cannot run (none: it validates). */
export function readRequestFile(
  bytes: Buffer | undefined,
  fileId: string,
  endpoint: string,
): { lines: RequestLine[]; errors: BatchError[] } {
  const errors: BatchError[] = [];
  const lines: RequestLine[] = [];
  if (!bytes)
    errors.push({
      code: 'file_not_found',
      message: `The input file ${fileId} no longer exists.`,
      line: null,
      param: 'input_file_id',
    });
  else if (bytes.length > MAX_BYTES)
    errors.push({
      code: 'file_too_large',
      message: `The input file is ${bytes.length} bytes; a batch takes at most ${MAX_BYTES}.`,
      line: null,
      param: null,
    });
  const rows = (bytes?.toString('utf8') ?? '')
    .split('\n')
    .map((l, i) => [l, i + 1] as const)
    .filter(([l]) => l.trim());
  if (rows.length > MAX_REQUESTS)
    errors.push({
      code: 'too_many_requests',
      message: `The input file has ${rows.length} requests; a batch takes at most ${MAX_REQUESTS}.`,
      line: null,
      param: null,
    });
  const seen = new Set<string>();
  for (const [raw, line] of rows) {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      errors.push({
        code: 'invalid_json_line',
        message: 'This line is not parseable as valid JSON.',
        line,
        param: null,
      });
      continue;
    }
    const problem = problemOf(value, seen, endpoint);
    if (problem) {
      errors.push({ code: problem[0], message: problem[1], line, param: problem[2] });
      continue;
    }
    seen.add(value.custom_id as string);
    lines.push({
      customId: value.custom_id as string,
      url: value.url as string,
      body: value.body as Record<string, unknown>,
    });
  }
  return { lines, errors };
}

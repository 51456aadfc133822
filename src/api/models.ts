// GET /models: what a server says it serves. Parsed leniently: compatible servers add and omit
// fields, and `shutdown_date` may come as a Unix time or a date string.
import { z } from 'zod/v3';
import { answerError, firstLine } from './errors.js';
import { readText } from './body.js';
import { send, type Connection } from './http.js';
import { LIMITS } from './limits.js';

const RemoteModel = z
  .object({
    id: z.string(),
    created: z.number().finite().nullish(),
    owned_by: z.string().nullish(),
    shutdown_date: z.union([z.number().finite(), z.string()]).nullish(),
  })
  .passthrough();

const ModelList = z.object({ data: z.array(RemoteModel) }).passthrough();

export interface RemoteModelInfo {
  id: string;
  ownedBy?: string;
  /** YYYY-MM-DD when the server gives a shutdown date. */
  shutdownDate?: string;
}

/** `1764547200` or `"2026-12-01T00:00:00Z"` -> `2026-12-01`; anything else is kept as given. */
export function normalizeDate(value: number | string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'number') return new Date(value * 1000).toISOString().slice(0, 10);
  const asNumber = Number(value);
  if (/^\d+$/.test(value) && Number.isFinite(asNumber)) return new Date(asNumber * 1000).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : value;
}

export function parseModelList(text: string, requestId?: string): RemoteModelInfo[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw answerError(
      'model-list-not-json',
      `The server's model list is not JSON (it starts: ${firstLine(text)}).`,
      requestId,
    );
  }
  const parsed = ModelList.safeParse(json);
  if (!parsed.success)
    throw answerError(
      'not-a-model-list',
      'The server\'s answer to GET /models has no "data" list of models.',
      requestId,
    );
  return parsed.data.data.map((m) => ({
    id: m.id,
    ownedBy: m.owned_by ?? undefined,
    shutdownDate: normalizeDate(m.shutdown_date),
  }));
}

/** Lists the server's models. */
export async function listModels(conn: Connection): Promise<{ models: RemoteModelInfo[]; requestId?: string }> {
  const answer = await send(conn, { method: 'GET', path: '/models' }, async (body, head) =>
    parseModelList(await readText(body, head, LIMITS.jsonBytes), head.requestId),
  );
  return { models: answer.value, requestId: answer.requestId };
}

// src/api/: the HTTP core: requests, retries, SSE, downloads, the Images, Files and Batch APIs, ApiError.
// It knows no flag, command or terminal.
//
// The JSON answers of the Files and Batch APIs: read within LIMITS.jsonBytes (a server that sends
// more is refused, never buffered whole) and parsed leniently with zod; a body that is not JSON,
// or not the shape the API answers, is an ApiError of kind answer that says which.
import type { z } from 'zod/v3';
import { readText } from './body.js';
import { answerError, firstLine, type AnswerProblem, type ResponseHeaders } from './errors.js';
import { BAD_ID } from './ids.js';
import { LIMITS } from './limits.js';

/** Which API answered, for the message: "not what the Batch API answers". */
export interface AnswerKind {
  api: string;
  problem: AnswerProblem;
}

export async function readAnswer<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  body: AsyncIterable<Uint8Array>,
  head: { headers: ResponseHeaders; requestId?: string },
  what: string,
  kind: AnswerKind,
): Promise<T> {
  const text = await readText(body, head, LIMITS.jsonBytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw answerError(
      'not-json',
      `The server's answer to ${what} was not JSON (it starts: ${firstLine(text)}).`,
      head.requestId,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'body';
    if (issue?.code === 'custom' && issue.params?.problem === BAD_ID)
      throw answerError(
        'bad-id',
        `The server's answer to ${what} gives ${where} ${issue.message}; imgcli uses no such id in a request or prints it.`,
        head.requestId,
      );
    throw answerError(
      kind.problem,
      `The server's answer to ${what} is not what the ${kind.api} answers (${issue?.path.join('.') || 'body'}: ${issue?.message}).`,
      head.requestId,
    );
  }
  return parsed.data;
}

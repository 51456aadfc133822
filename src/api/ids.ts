// The ids of the Files and Batch APIs (file-abc123, batch_abc123): data, never a path or a line.
// Every id that goes into a URL or onto a line a pipe reads is an ApiId, and the one way to make
// an ApiId is the check below: a server's id when its answer is read (zod, apiIdSchema), the
// user's argument in the command that takes it (isApiId). A path is built from an ApiId only,
// percent-encoded as one segment, so `..`, `.`, `a/b` or an id with a line break can never reach a
// URL or stdout.
import { z } from 'zod/v3';

declare const checked: unique symbol;

/** An id that passed the check: letters, digits, `-` and `_`, 1 to 200 of them. */
export type ApiId = string & { readonly [checked]: true };

const SHAPE = /^[A-Za-z0-9_-]{1,200}$/;

/** What an id looks like, in the words of a refusal. */
export const ID_SHAPE = 'letters, digits, "-" and "_"';

export function isApiId(text: unknown): text is ApiId {
  return typeof text === 'string' && SHAPE.test(text);
}

/** One path segment of a URL. (A checked id needs no encoding; it is encoded all the same.) */
export const idSegment = (id: ApiId) => encodeURIComponent(id);

/** The problem an answer with a bad id fails with (see readAnswer in answer.ts). */
export const BAD_ID = 'bad-id';

/** A server's id, in a zod schema: anything but an id's shape fails the answer (never used, never sent). */
export const apiIdSchema = z
  .string()
  .superRefine((value, ctx) => {
    if (!isApiId(value))
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(value)} is not an id (an id is ${ID_SHAPE})`,
        params: { problem: BAD_ID },
      });
  })
  .transform((value) => value as ApiId);

// The Files API, the part an image tool needs: upload a file once and refer to it by id (an edit's
// input image, later a batch's input), list and look files up, read a file's content, delete.
// Answers are parsed leniently like every other (unknown keys kept, enums as open strings).
import { stat } from 'node:fs/promises';
import { multipartBody } from './multipart.js';
import { z } from 'zod/v3';
import { send, type Connection } from './http.js';
import { readAnswer, type AnswerKind } from './answer.js';
import { apiIdSchema, idSegment, type ApiId } from './ids.js';
import { eachPage } from './pages.js';

const FILE_ANSWER: AnswerKind = { api: 'Files API', problem: 'not-a-file' };

const FileObject = z
  .object({
    id: apiIdSchema,
    object: z.string().nullish(),
    bytes: z.number().finite().nullish(),
    created_at: z.number().finite().nullish(),
    expires_at: z.number().finite().nullish(),
    filename: z.string().nullish(),
    purpose: z.string().nullish(),
    status: z.string().nullish(),
  })
  .passthrough();
export type FileObject = z.infer<typeof FileObject>;

const FileList = z
  .object({ data: z.array(FileObject), has_more: z.boolean().nullish(), last_id: apiIdSchema.nullish() })
  .passthrough();
const Deleted = z.object({ id: apiIdSchema, deleted: z.boolean() }).passthrough();

/** What to upload: a file streamed from disk, or bytes already in memory. */
export interface UploadFile {
  source: { path: string } | { blob: Blob };
  filename: string;
  contentType: string;
}

const filePath = (id: ApiId) => `/files/${idSegment(id)}`;

/** When the server deletes an upload by itself: `seconds` after it was made (the Files API takes 3600 to 2592000). */
export interface ExpiresAfter {
  anchor: 'created_at';
  seconds: number;
}

/**
 * POST /files: uploads one file for `purpose` (vision for images an edit refers to), with an
 * expiry when given (sent as the form fields expires_after[anchor] and expires_after[seconds], as
 * the official SDKs encode objects). The form is rebuilt per attempt.
 */
export async function uploadFile(
  conn: Connection,
  file: UploadFile,
  purpose: string,
  expiresAfter?: ExpiresAfter,
): Promise<{ file: FileObject; requestId?: string }> {
  const form = async () => {
    const part =
      'blob' in file.source
        ? {
            name: 'file',
            filename: file.filename,
            contentType: file.contentType,
            bytes: new Uint8Array(await file.source.blob.arrayBuffer()),
          }
        : {
            name: 'file',
            filename: file.filename,
            contentType: file.contentType,
            path: file.source.path,
            size: (await stat(file.source.path)).size,
          };
    const expiry = expiresAfter
      ? [
          { name: 'expires_after[anchor]', value: expiresAfter.anchor },
          { name: 'expires_after[seconds]', value: String(expiresAfter.seconds) },
        ]
      : [];
    return multipartBody([{ name: 'purpose', value: purpose }, ...expiry, part]);
  };
  const answer = await send(conn, { method: 'POST', path: '/files', form }, async (body, head) =>
    readAnswer(FileObject, body, head, 'POST /files', FILE_ANSWER),
  );
  return { file: answer.value, requestId: answer.requestId };
}

export interface ListQuery {
  purpose?: string;
  /** Files per page (the API allows 1 to 10,000). */
  limit?: number;
  after?: ApiId;
  order?: 'asc' | 'desc';
}

/** GET /files: one page of the list. */
export async function listFiles(
  conn: Connection,
  query: ListQuery = {},
): Promise<{ files: FileObject[]; hasMore: boolean; lastId?: ApiId }> {
  const params = new URLSearchParams(
    Object.entries(query)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]): [string, string] => [k, String(v)]),
  );
  const path = `/files${params.size ? `?${params}` : ''}`;
  const answer = await send(conn, { method: 'GET', path }, async (body, head) =>
    readAnswer(FileList, body, head, 'GET /files', FILE_ANSWER),
  );
  const { data, has_more, last_id } = answer.value;
  return { files: data, hasMore: Boolean(has_more) && data.length > 0, lastId: last_id ?? data.at(-1)?.id };
}

/** Every file of the list, page after page (bounded: see pages.ts), at most `max`. */
export async function* eachFile(
  conn: Connection,
  query: Omit<ListQuery, 'after'> & { max?: number } = {},
): AsyncGenerator<FileObject> {
  const { max = Infinity, ...rest } = query;
  let seen = 0;
  const pages = eachPage('file list (GET /files)', async (after) => {
    const page = await listFiles(conn, { ...rest, limit: Math.min(rest.limit ?? 100, max - seen), after });
    return { items: page.files, hasMore: page.hasMore, lastId: page.lastId };
  });
  for await (const files of pages) {
    for (const file of files) {
      if (seen++ >= max) return;
      yield file;
    }
    if (seen >= max) return;
  }
}

/** GET /files/{id}. */
export async function retrieveFile(conn: Connection, id: ApiId): Promise<FileObject> {
  const answer = await send(conn, { method: 'GET', path: filePath(id) }, async (body, head) =>
    readAnswer(FileObject, body, head, `GET /files/${id}`, FILE_ANSWER),
  );
  return answer.value;
}

/** DELETE /files/{id}. */
export async function deleteFile(conn: Connection, id: ApiId): Promise<{ id: ApiId; deleted: boolean }> {
  const answer = await send(conn, { method: 'DELETE', path: filePath(id) }, async (body, head) =>
    readAnswer(Deleted, body, head, `DELETE /files/${id}`, FILE_ANSWER),
  );
  return answer.value;
}

/** GET /files/{id}/content: the bytes, handed to `write` as they arrive (a batch's output can be large). */
export async function fileContent(
  conn: Connection,
  id: ApiId,
  write: (chunk: Uint8Array) => void | Promise<void>,
): Promise<{ bytes: number; contentType?: string }> {
  const answer = await send(
    conn,
    { method: 'GET', path: `${filePath(id)}/content`, accept: '*/*' },
    async (body, head) => {
      let bytes = 0;
      for await (const chunk of body) {
        bytes += (chunk as Uint8Array).length;
        await write(chunk as Uint8Array);
      }
      const type = head.headers['content-type'];
      return { bytes, contentType: Array.isArray(type) ? type[0] : type };
    },
  );
  return answer.value;
}

// Lists that come in pages (files, batches): read page after page, after the last id of the one
// before, and bounded. A server that answers `has_more` with a cursor it gave already (or none)
// would be read for ever, so a cursor seen twice stops the list, and so does a page cap.
import { answerError } from './errors.js';
import type { ApiId } from './ids.js';

/** The most pages one list is read to (100,000 files or batches at 100 a page). */
export const MAX_PAGES = 1000;

export interface Page<T> {
  items: T[];
  hasMore: boolean;
  lastId?: ApiId;
}

/** Every page of a list, in order; throws an answer error (exit 6) for a list that does not end. */
export async function* eachPage<T>(
  what: string,
  fetch: (after: ApiId | undefined) => Promise<Page<T>>,
): AsyncGenerator<T[]> {
  const cursors = new Set<ApiId>();
  let after: ApiId | undefined;
  for (let n = 1; ; n++) {
    const page = await fetch(after);
    yield page.items;
    if (!page.hasMore) return;
    if (page.lastId === undefined || cursors.has(page.lastId))
      throw answerError(
        'endless-list',
        `The server's ${what} says there is more after page ${n}, but ${page.lastId === undefined ? 'gives no id to go on from' : `goes on from ${page.lastId} again`}; imgcli stopped reading it.`,
      );
    if (n >= MAX_PAGES)
      throw answerError(
        'endless-list',
        `The server's ${what} still says there is more after ${MAX_PAGES} pages; imgcli stopped reading it.`,
      );
    cursors.add(page.lastId);
    after = page.lastId;
  }
}

// The sweep of bytes nobody holds. Deletes run after their commits (open.ts), so bytes can be left behind: a delete
// that failed before a restart (its retries are kept only in memory), a process killed between an upload's bytes and
// its draft. The sweep pages through the blobs written more than an hour ago (an upload's draft is made right after
// its bytes), asks the store which of each page no draft or message holds, and deletes those. A blob nobody holds
// cannot be held again (reusing one by uuid needs a holder), so nothing the sweep deletes is wanted.
import type { MessageStore } from '../db/store';
import type { MediaBlobs } from './store';

/** An upload's bytes wait this long for their draft before they count as left behind. */
export const UNHELD_GRACE_MS = 3600_000;
const PAGE = 500;

/** Deletes the blobs written before `nowMs - UNHELD_GRACE_MS` that nobody holds; answers how many. Stops between
 *  pages once `stop` is aborted (the gateway stopping). */
export async function sweepUnheldBlobs(
  blobs: MediaBlobs,
  store: Pick<MessageStore, 'unheldBlobs'>,
  nowMs = Date.now(),
  stop?: AbortSignal,
): Promise<number> {
  let deleted = 0;
  for await (const page of blobs.writtenBefore(nowMs - UNHELD_GRACE_MS, PAGE)) {
    if (stop?.aborted) break;
    const unheld = await store.unheldBlobs(page);
    await blobs.delete(unheld);
    deleted += unheld.length;
  }
  return deleted;
}

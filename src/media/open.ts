// The media store config.media.store names: the local disk (default), or PostgreSQL when DATABASE_URL is
// PostgreSQL (every process then serves every blob; README, Media).
import type { Config } from '../config';
import type { Logger } from '../log';
import { createPgBlobs } from './pg-store';
import { createDiskBlobs, type MediaBlobs } from './store';

export function openMediaBlobs(config: Config): MediaBlobs {
  return config.media.store === 'postgres' ? createPgBlobs(config.databaseUrl) : createDiskBlobs(config.media.dir);
}

/** Blobs whose delete failed, kept to try again: enough for a long outage, a bounded memory when it never ends. */
const MAX_PENDING_DELETES = 100_000;

/**
 * The store as the gateway uses it: deleting bytes is always cleanup after a commit (a dismissal, an online-only send,
 * a refused upload, a reclaim), so a failed delete (the database away) must not fail what was committed, nor, from an
 * upload's listeners, end the process. It is logged, and the blobs are deleted again every `retryMs` until it works
 * (in this process: bytes whose delete failed just before a restart are left to the sweep, ./sweep.ts).
 */
export function cleanupTolerant(blobs: MediaBlobs, log: Pick<Logger, 'warn'>, retryMs = 30_000): MediaBlobs {
  const pending = new Set<string>();
  const remove = (ids: readonly string[]) =>
    blobs.delete(ids).then(
      () => ids.forEach((id) => pending.delete(id)),
      (err: unknown) => {
        for (const id of ids) if (pending.size < MAX_PENDING_DELETES) pending.add(id);
        log.warn({ err, blobs: ids.length, pending: pending.size }, 'deleting media failed: trying again later');
      },
    );
  let retrying = false;
  const retry = setInterval(() => {
    if (pending.size === 0 || retrying) return;
    retrying = true;
    void remove([...pending].slice(0, 1000)).finally(() => (retrying = false));
  }, retryMs);
  retry.unref();
  return {
    ...blobs,
    delete: remove,
    close: () => {
      clearInterval(retry);
      return blobs.close();
    },
  };
}

// The media store config.media.store names: the local disk (default), or PostgreSQL when DATABASE_URL is
// PostgreSQL (every process then serves every blob; README, Media).
import type { Config } from '../config';
import type { Logger } from '../log';
import { createPgBlobs } from './pg-store';
import { createDiskBlobs, type MediaBlobs } from './store';

export function openMediaBlobs(config: Config): MediaBlobs {
  return config.media.store === 'postgres' ? createPgBlobs(config.databaseUrl) : createDiskBlobs(config.media.dir);
}

/**
 * The store as the gateway uses it: deleting bytes is always cleanup after a commit (a dismissal, an online-only send,
 * a refused upload, a reclaim), so a failed delete (the database away) must not fail what was committed, nor, from an
 * upload's listeners, end the process. It is logged with how many blobs stay behind.
 */
export function cleanupTolerant(blobs: MediaBlobs, log: Pick<Logger, 'warn'>): MediaBlobs {
  return {
    ...blobs,
    delete: (ids) =>
      blobs.delete(ids).catch((err: unknown) => {
        log.warn({ err, blobs: ids.length }, 'deleting media failed: those bytes stay in the media store');
      }),
  };
}

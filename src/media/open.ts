// The media store config.media.store names: the local disk (default), or PostgreSQL when DATABASE_URL is
// PostgreSQL (every process then serves every blob; README, Media).
import type { Config } from '../config';
import { createPgBlobs } from './pg-store';
import { createDiskBlobs, type MediaBlobs } from './store';

export function openMediaBlobs(config: Config): MediaBlobs {
  return config.media.store === 'postgres' ? createPgBlobs(config.databaseUrl) : createDiskBlobs(config.media.dir);
}

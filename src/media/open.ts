// The media store config.media.store names: the local disk (default) or PostgreSQL (several processes).
import type { Config } from '../config';
import { createDiskBlobs, type MediaBlobs } from './store';

export function openMediaBlobs(config: Config): MediaBlobs {
  return createDiskBlobs(config.media.dir);
}

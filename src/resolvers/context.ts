// What every resolver receives: who is asking and the services it may use. No HTTP, no GraphQL.
import type { Config } from '../config';
import type { Store } from '../db/store';
import type { Router } from '../realtime/router';
import type { RateLimiter } from './rate-limit';
import type { CursorCodec } from './cursor';
import type { MediaBlobs } from '../media/store';
import type { MediaUrls } from '../media/url';

export interface Services {
  store: Store;
  router: Router;
  config: Config;
  groupSendLimiter: RateLimiter;
  cursors: CursorCodec;
  /** Media bytes (src/media/store.ts) and the per-viewer download URLs of message views (src/media/url.ts). */
  media: { blobs: MediaBlobs; urls: MediaUrls };
  /** Seconds since the epoch; injectable so tests can move time (expiry, revoke window). */
  now(): number;
}

export interface Viewer extends Services {
  /** The userID of the verified UserSig. */
  viewer: string;
}

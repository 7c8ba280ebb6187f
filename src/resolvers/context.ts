// What every resolver receives: who is asking and the services it may use. No HTTP, no GraphQL.
import type { Config } from '../config';
import type { Store } from '../db/store';
import type { Router } from '../realtime/router';
import type { RateLimiter } from './rate-limit';
import type { CursorCodec } from './cursor';

export interface Services {
  store: Store;
  router: Router;
  config: Config;
  groupSendLimiter: RateLimiter;
  cursors: CursorCodec;
  /** Seconds since the epoch; injectable so tests can move time (expiry, revoke window). */
  now(): number;
}

export interface Viewer extends Services {
  /** The userID of the verified UserSig. */
  viewer: string;
}

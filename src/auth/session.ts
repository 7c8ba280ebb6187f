// graphql-ws sessions honour their UserSig's expiry, as Tencent's SDK does (onUserSigExpired): at the expiry the
// socket is closed with USERSIG_EXPIRED_CLOSE, and before it the client can present a fresh UserSig for the same
// user with the `login` mutation on the open socket, which moves the expiry and keeps every subscription.
//
// Close codes a client can act on (the reason starts with the SDK's imCode):
// - 4001 "70001 …": the UserSig expired (or was already expired at connection_init). Get a fresh one and
//   reconnect, resuming with afterCursor; graphql-ws clients retry this code, so a `connectionParams` function
//   that fetches a new UserSig is all it takes.
// - 4403 "6014 …" / "7003 …": the UserSig is missing, forged, for another app or names an invalid userID. Retrying
//   with the same one cannot help.
import type { WebSocket } from 'ws';

export const USERSIG_EXPIRED_CLOSE = 4001;
export const USERSIG_INVALID_CLOSE = 4403;

/** A close reason: the imCode first, then the sentence, within the 123 bytes a close frame allows. */
export const closeReason = (imCode: number, message: string) =>
  Buffer.from(`${imCode} ${message}`).subarray(0, 123).toString();

export const EXPIRED_REASON = closeReason(
  70001,
  'The UserSig has expired: reconnect with a new one (or renew it with login before it expires).',
);

/** What the `login` mutation may change on a connection: its UserSig's expiry, never its user. */
export interface LoginSession {
  readonly userID: string;
  /** Seconds since the epoch; valid through this second (tls-sig-api-v2 counts time + expire inclusive). */
  readonly expiresAt: number;
  renew(expiresAt: number): void;
}

/**
 * One timer for every connection's expiry (the keep-alive's reasoning: idle sockets are the largest population, so
 * no timer or closure each): sockets sit in buckets by expiry second, and a sweep once a second closes the ones
 * whose second has passed. A socket is closed within a second after its UserSig stops being valid.
 */
export function createExpirySweep(onExpired: (socket: WebSocket) => void, nowMs: () => number = Date.now) {
  const expiryOf = new Map<WebSocket, number>();
  const buckets = new Map<number, Set<WebSocket>>();
  let next = Math.floor(nowMs() / 1000); // every second below this one has been swept

  const untrack = (socket: WebSocket) => {
    const at = expiryOf.get(socket);
    if (at === undefined) return;
    expiryOf.delete(socket);
    const bucket = buckets.get(at);
    bucket?.delete(socket);
    if (bucket?.size === 0) buckets.delete(at);
  };
  const expire = (second: number) => {
    const bucket = buckets.get(second);
    if (!bucket) return;
    buckets.delete(second);
    for (const socket of bucket) {
      expiryOf.delete(socket);
      onExpired(socket);
    }
  };
  const sweep = () => {
    const now = Math.floor(nowMs() / 1000);
    // Expired means expiresAt < now. After a long stall, walk the buckets instead of every second in between.
    if (now - next > buckets.size) {
      for (const second of [...buckets.keys()]) if (second < now) expire(second);
    } else {
      for (let s = next; s < now; s++) expire(s);
    }
    next = Math.max(next, now);
  };
  const timer = setInterval(sweep, 1000);
  timer.unref();

  return {
    /** Closes `socket` once `expiresAt` has passed; a later call moves it (a renewed login). */
    track(socket: WebSocket, expiresAt: number) {
      untrack(socket);
      // Already past (a clock step between the check and here): the next sweep closes it.
      const at = Math.max(expiresAt, next);
      expiryOf.set(socket, at);
      let bucket = buckets.get(at);
      if (!bucket) buckets.set(at, (bucket = new Set()));
      bucket.add(socket);
    },
    untrack,
    /** Sockets being watched (for tests and stats). */
    get size() {
      return expiryOf.size;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

export type ExpirySweep = ReturnType<typeof createExpirySweep>;

/** A connection's login: renewing moves its socket in the sweep. A class, so no closures per connection. */
class ConnectionLogin implements LoginSession {
  constructor(
    private readonly socket: WebSocket,
    readonly userID: string,
    public expiresAt: number,
    private readonly sweep: ExpirySweep,
  ) {
    sweep.track(socket, expiresAt);
  }

  renew(expiresAt: number): void {
    this.expiresAt = expiresAt;
    this.sweep.track(this.socket, expiresAt);
  }
}

export const createLoginSession = (
  socket: WebSocket,
  userID: string,
  expiresAt: number,
  sweep: ExpirySweep,
): LoginSession => new ConnectionLogin(socket, userID, expiresAt, sweep);

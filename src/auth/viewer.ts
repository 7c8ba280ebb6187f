// Finds and verifies the UserSig of a request or a graphql-ws connection.
import type { Config } from '../config';
import type { AuthFailure } from '../schema/context';
import { verifyUserSig } from './usersig';

/** A verified viewer with its UserSig's expiry (seconds since the epoch), or why there is none. */
export type Authentication =
  { viewer: string; authFailure: null; expiresAt: number } | { viewer: null; authFailure: AuthFailure };

const NOT_LOGGED_IN = 'Not logged in: send Authorization: Bearer <UserSig>.';

// Verified UserSigs per app configuration: an app sends the same UserSig on every request, and verifying it
// (inflate, JSON, HMAC) was 7 % of a sendMessage. Only successes are kept, with their expiry.
const verified = new WeakMap<Config, Map<string, { userID: string; expiresAt: number }>>();
const MAX_CACHED = 10_000;

export function authenticate(
  userSig: string | undefined,
  config: Config,
  nowSeconds = Math.floor(Date.now() / 1000),
): Authentication {
  if (!userSig) return { viewer: null, authFailure: { imCode: 6014, message: NOT_LOGGED_IN, reason: 'missing' } };
  let cache = verified.get(config);
  if (!cache) verified.set(config, (cache = new Map()));
  const hit = cache.get(userSig);
  if (hit && hit.expiresAt >= nowSeconds) return { viewer: hit.userID, authFailure: null, expiresAt: hit.expiresAt };
  if (hit) cache.delete(userSig);
  const result = verifyUserSig(userSig, config.sdkAppId, config.secretKey, nowSeconds);
  if (!result.ok)
    return { viewer: null, authFailure: { imCode: result.imCode, message: `${result.reason}.`, reason: 'invalid' } };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!); // oldest first
  cache.set(userSig, { userID: result.userID, expiresAt: result.expiresAt });
  return { viewer: result.userID, authFailure: null, expiresAt: result.expiresAt };
}

/**
 * The Authorization header of an HTTP or SSE request: absent is "not logged in"; present but not `Bearer <UserSig>`
 * is called malformed (a client sending `Basic …` or a bare token should learn that, not "not logged in").
 */
export function authenticateHeader(
  header: string | null | undefined,
  config: Config,
  nowSeconds?: number,
): Authentication {
  if (header == null || header.trim() === '') return authenticate(undefined, config, nowSeconds);
  const userSig = bearer(header);
  if (userSig === undefined) {
    return {
      viewer: null,
      authFailure: {
        imCode: 6014,
        message: 'The Authorization header is malformed: expected Bearer <UserSig>.',
        reason: 'malformed',
      },
    };
  }
  return authenticate(userSig, config, nowSeconds);
}

/** `Authorization: Bearer <UserSig>` (the scheme is case-insensitive). */
export function bearer(header: string | null | undefined): string | undefined {
  const m = header?.match(/^\s*bearer\s+(\S+)\s*$/i);
  return m?.[1];
}

/**
 * graphql-ws connectionParams: `{ userSig }`, or an Authorization header as GraphiQL and some clients send it
 * (`{ Authorization }` or `{ headers: { Authorization } }`), malformed when it is not `Bearer <UserSig>`.
 */
export function authenticateConnectionParams(
  params: Readonly<Record<string, unknown>> | undefined,
  config: Config,
): Authentication {
  if (params && typeof params.userSig === 'string') return authenticate(params.userSig, config);
  const headers = (
    params && typeof params.headers === 'object' && params.headers !== null ? params.headers : (params ?? {})
  ) as Record<string, unknown>;
  const auth = headers.Authorization ?? headers.authorization;
  return authenticateHeader(typeof auth === 'string' ? auth : undefined, config);
}

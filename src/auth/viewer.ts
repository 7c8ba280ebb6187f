// Finds and verifies the UserSig of a request or a graphql-ws connection.
import type { Config } from '../config';
import type { AuthFailure } from '../schema/context';
import { verifyUserSig } from './usersig';

export type Authentication = { viewer: string; authFailure: null } | { viewer: null; authFailure: AuthFailure };

export function authenticate(userSig: string | undefined, config: Config): Authentication {
  if (!userSig) return { viewer: null, authFailure: { imCode: 6014, message: 'Not logged in: send Authorization: Bearer <UserSig>.' } };
  const result = verifyUserSig(userSig, config.sdkAppId, config.secretKey);
  return result.ok
    ? { viewer: result.userID, authFailure: null }
    : { viewer: null, authFailure: { imCode: result.imCode, message: `${result.reason}.` } };
}

/** `Authorization: Bearer <UserSig>` (the scheme is case-insensitive). */
export function bearer(header: string | null | undefined): string | undefined {
  const m = header?.match(/^\s*bearer\s+(\S+)\s*$/i);
  return m?.[1];
}

/** graphql-ws connectionParams: `{ userSig }`, or an Authorization header as GraphiQL and some clients send it. */
export function userSigFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  if (typeof params.userSig === 'string') return params.userSig;
  const headers = (typeof params.headers === 'object' && params.headers !== null ? params.headers : params) as Record<string, unknown>;
  const auth = headers.Authorization ?? headers.authorization;
  return typeof auth === 'string' ? bearer(auth) : undefined;
}

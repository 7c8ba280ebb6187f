// UserSig verification, byte-compatible with Tencent's `tls-sig-api-v2`: base64 (with `*`, `-`, `_` for `+`, `/`,
// `=`) of zlib-deflated JSON whose `TLS.sig` is an HMAC-SHA256 over identifier, sdkappid, time and expire.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { Code } from '../codes';

export type UserSigResult =
  | { ok: true; userID: string; expiresAt: number }
  | {
      ok: false;
      imCode: typeof Code.NOT_LOGGED_IN | typeof Code.USERSIG_EXPIRED | typeof Code.INVALID_USER_ID;
      reason: string;
    };

/** A printable-ASCII userID (0x20–0x7e, the space included, as Tencent) of at most 32 bytes (im-semantics §2). */
export function isValidUserID(userID: string): boolean {
  return userID.length > 0 && userID.length <= 32 && /^[\x20-\x7e]+$/.test(userID);
}

function sign(key: string, userID: string, sdkAppId: number, time: number, expire: number, userBuf?: string): string {
  let content = `TLS.identifier:${userID}\nTLS.sdkappid:${sdkAppId}\nTLS.time:${time}\nTLS.expire:${expire}\n`;
  if (userBuf != null) content += `TLS.userbuf:${userBuf}\n`;
  return createHmac('sha256', key).update(content).digest('base64');
}

const MAX_USERSIG_LENGTH = 4096; // real ones are ~200 bytes; a bound keeps inflate cheap

export function verifyUserSig(
  userSig: string,
  sdkAppId: number,
  key: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): UserSigResult {
  const bad = (reason: string): UserSigResult => ({ ok: false, imCode: Code.NOT_LOGGED_IN, reason });
  if (!userSig || userSig.length > MAX_USERSIG_LENGTH) return bad('UserSig is missing or too long');
  let doc: Record<string, unknown>;
  try {
    const b64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
    const json = inflateSync(Buffer.from(b64, 'base64'), { maxOutputLength: 16 * 1024 }).toString('utf8');
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null) return bad('UserSig is malformed');
    doc = parsed as Record<string, unknown>;
  } catch {
    return bad('UserSig is malformed');
  }
  const userID = doc['TLS.identifier'];
  const appId = doc['TLS.sdkappid'];
  const time = doc['TLS.time'];
  const expire = doc['TLS.expire'];
  const sig = doc['TLS.sig'];
  const userBuf = doc['TLS.userbuf'];
  if (
    typeof userID !== 'string' ||
    typeof appId !== 'number' ||
    typeof time !== 'number' ||
    typeof expire !== 'number' ||
    typeof sig !== 'string' ||
    (userBuf !== undefined && typeof userBuf !== 'string')
  ) {
    return bad('UserSig is malformed');
  }
  if (appId !== sdkAppId) return bad('UserSig was issued for another SDKAppID');
  const expected = Buffer.from(sign(key, userID, appId, time, expire, userBuf as string | undefined));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return bad('UserSig signature does not match');
  if (time + expire < nowSeconds) return { ok: false, imCode: Code.USERSIG_EXPIRED, reason: 'UserSig has expired' };
  if (!isValidUserID(userID))
    return {
      ok: false,
      imCode: Code.INVALID_USER_ID,
      reason: 'userID in the UserSig is not printable ASCII of at most 32 bytes',
    };
  return { ok: true, userID, expiresAt: time + expire };
}

/** Issues a UserSig the way `tls-sig-api-v2`'s genUserSig does (the dev command and tests use the package itself). */
export function issueUserSig(
  userID: string,
  sdkAppId: number,
  key: string,
  expireSeconds = 7 * 24 * 3600,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  const doc = {
    'TLS.ver': '2.0',
    'TLS.identifier': userID,
    'TLS.sdkappid': sdkAppId,
    'TLS.time': nowSeconds,
    'TLS.expire': expireSeconds,
    'TLS.sig': sign(key, userID, sdkAppId, nowSeconds, expireSeconds),
  };
  return deflateSync(Buffer.from(JSON.stringify(doc)))
    .toString('base64')
    .replace(/\+/g, '*')
    .replace(/\//g, '-')
    .replace(/=/g, '_');
}

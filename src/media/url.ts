// Download URLs, minted per viewer whenever a message is read: `/media/<uuid>?r=<msgID or draft id>&u=<viewer>&e=
// <expiry>&s=<HMAC>`. The signature binds the blob to the message it belongs to, the viewer it was shown to and an
// expiry; the download also needs that viewer's own UserSig (Bearer header or `userSig` parameter) and checks the
// message's audience again, so a URL copied out of a receiver's client is useless to anyone else, and stops working
// for everyone once the message is revoked or the viewer leaves its audience.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface MediaUrls {
  /** The URL `viewer` may fetch blob `uuid` of message (or draft) `ref` at, valid for the configured time. */
  mint(viewer: string, ref: string, uuid: string): string;
  /** Whether the parameters are a URL this server minted (for this uuid) and it has not expired. */
  check(uuid: string, params: URLSearchParams, now: number): { ref: string; viewer: string } | undefined;
}

export const MEDIA_PATH = '/media/';

export function createMediaUrls(secret: string, ttlSeconds: number, now: () => number): MediaUrls {
  const key = createHmac('sha256', 'im-gateway media url').update(secret).digest();
  const sign = (uuid: string, ref: string, viewer: string, exp: number) =>
    createHmac('sha256', key).update(`${uuid}\u0000${ref}\u0000${viewer}\u0000${exp}`).digest().subarray(0, 24);
  return {
    mint(viewer, ref, uuid) {
      const exp = now() + ttlSeconds;
      const q = new URLSearchParams({
        r: ref,
        u: viewer,
        e: String(exp),
        s: sign(uuid, ref, viewer, exp).toString('base64url'),
      });
      return `${MEDIA_PATH}${uuid}?${q}`;
    },
    check(uuid, params, at) {
      const ref = params.get('r');
      const viewer = params.get('u');
      const exp = Number(params.get('e'));
      const sig = params.get('s');
      if (!ref || !viewer || !sig || !Number.isInteger(exp) || exp < at) return undefined;
      const given = Buffer.from(sig, 'base64url');
      const expected = sign(uuid, ref, viewer, exp);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      return { ref, viewer };
    },
  };
}

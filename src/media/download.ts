// GET /media/<uuid>?r&u&e&s: the bytes of one blob of a message, for its audience only. In order: the URL is one this
// server minted for this blob and has not expired (url.ts); the request carries the UserSig of the viewer it was
// minted for (Authorization: Bearer, or a `userSig` parameter for <img src>); that viewer may still see the message
// now (store.messages.visible: membership, the window since joining, a targeted message's audience) and it is not
// revoked, or it is the viewer's own live draft; the blob is one of the message's. Every refusal looks the same to
// the client (6009), so a URL tells an outsider nothing about the message behind it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Code, defaultDesc } from '../codes';
import { authenticateHeader } from '../auth/viewer';
import type { Services } from '../resolvers/context';
import { partsOf, type MediaPart } from './element';
import { isBlobId, type ByteRange } from './store';
import { MEDIA_PATH } from './url';

const DRAFT_PREFIX = 'created_temp_id-';

function refuse(
  res: ServerResponse,
  status: number,
  imCode: number,
  desc: string,
  headers: Record<string, string> = {},
) {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    .end(JSON.stringify({ code: imCode, desc }));
}

/** `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): an ASCII fallback and the exact name, both safe. */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const exact = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

/** One `bytes=a-b` range (the only kind media players send); null when absent, 'bad' when unsatisfiable. */
function parseRange(header: string | undefined, size: number): ByteRange | null | 'bad' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'bad';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'bad';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'bad';
  return { start, end };
}

/**
 * The blob as part of the message (or draft) the URL was minted for, if the viewer may see that message now. The
 * check is always the one of that message's audience: a forward or a merger holding the same bytes is a message
 * of its own, with its own audience and its own URLs; it never opens the original's.
 */
async function findPart(services: Services, viewer: string, ref: string, uuid: string): Promise<MediaPart | undefined> {
  const { store } = services;
  const holder = ref.startsWith(DRAFT_PREFIX)
    ? await store.messages.draft(ref, viewer, services.now()).then((d) => d && { id: d.id, body: d.body })
    : await store.messages
        .visible(viewer, ref)
        .then((m) => (m && m.row.revokedAt === null ? { id: m.row.createId, body: m.row.body } : undefined));
  if (!holder) return undefined;
  const own = partsOf(holder.body).find((p) => p.uuid === uuid);
  if (own || !holder.body.some((e) => e.kind === 'merger')) return own;
  // The blobs of a merger's messages are listed in media_refs, not in its element.
  const held = await store.messages.heldBlob(holder.id, uuid);
  return held && { uuid, contentType: held.contentType, kind: held.kind, fileName: held.fileName ?? undefined };
}

/** Answers a request for a path under /media/; false for any other path. */
export function serveMedia(req: IncomingMessage, res: ServerResponse, services: Services): boolean {
  // Split, not new URL(): a request target such as "//" is no URL at all, and throwing here would end the process.
  const target = req.url ?? '/';
  const query = target.indexOf('?');
  const pathname = query < 0 ? target : target.slice(0, query);
  if (!pathname.startsWith(MEDIA_PATH)) return false;
  const searchParams = new URLSearchParams(query < 0 ? '' : target.slice(query + 1));
  void (async () => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return refuse(res, 405, Code.INVALID_PARAMETERS, 'Use GET.', { allow: 'GET, HEAD' });
    const uuid = pathname.slice(MEDIA_PATH.length);
    const denied = () =>
      refuse(res, 403, Code.FILE_TRANS_DOWNLOAD_FAILED, defaultDesc[Code.FILE_TRANS_DOWNLOAD_FAILED]);
    if (!isBlobId(uuid))
      return refuse(res, 404, Code.FILE_TRANS_DOWNLOAD_FAILED, defaultDesc[Code.FILE_TRANS_DOWNLOAD_FAILED]);
    const signed = services.media.urls.check(uuid, searchParams, services.now());
    if (!signed) return denied();
    const userSig = searchParams.get('userSig');
    const auth = authenticateHeader(
      req.headers.authorization ?? (userSig ? `Bearer ${userSig}` : undefined),
      services.config,
    );
    if (auth.viewer === null) {
      return refuse(
        res,
        401,
        auth.authFailure.imCode,
        `${auth.authFailure.message} A media URL needs the UserSig of the user it was shown to.`,
        {
          'www-authenticate': 'Bearer realm="im"',
        },
      );
    }
    if (auth.viewer !== signed.viewer) return denied();
    const part = await findPart(services, auth.viewer, signed.ref, uuid);
    if (!part) return denied();
    const size = await services.media.blobs.size(uuid);
    if (size === undefined) return denied();
    const range = parseRange(req.headers.range, size);
    if (range === 'bad')
      return refuse(res, 416, Code.INVALID_PARAMETERS, 'The Range is not satisfiable.', {
        'content-range': `bytes */${size}`,
      });
    const headers: Record<string, string> = {
      'content-type': part.contentType,
      'accept-ranges': 'bytes',
      // The URL is this viewer's alone: never kept by shared caches.
      'cache-control': 'private, max-age=300',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'content-disposition': part.kind === 'file' ? attachment(part.fileName ?? 'file') : 'inline',
      'content-length': String(range ? range.end - range.start + 1 : size),
    };
    if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') return void res.end();
    const body = await services.media.blobs.read(uuid, range ?? undefined);
    if (!body) return void res.destroy();
    await pipeline(body, res).catch(() => {}); // the client went away
  })().catch((e: unknown) => {
    if (!res.headersSent) refuse(res, 503, Code.STORAGE_UNAVAILABLE, defaultDesc[Code.STORAGE_UNAVAILABLE]);
    else res.destroy(e as Error);
  });
  return true;
}

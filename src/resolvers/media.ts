// createImageMessage, createSoundMessage, createVideoMessage, createFileMessage: drafts like createTextMessage whose
// element names blobs staged by the multipart request (src/media/upload.ts). Order of checks: the upload is there,
// within its limit, not empty, then what its bytes are (file-type; the client's Content-Type and name are never
// trusted), then the other arguments. A refused upload is deleted when the response ends (nothing claims it).
// Instead of an upload each takes the uuid of a blob the caller uploaded before (the elem's uuid, videoUUID,
// snapshotUUID): the new draft holds the same bytes (media_refs), checked again as what they were found to be;
// another user's uuid, or one whose bytes are gone, answers 6017 like one that never existed.
import { fileTypeFromBuffer, type FileTypeResult } from 'file-type';
import { Code } from '../codes';
import type { Elem } from '../db/element';
import { partsOf } from '../media/element';
import { imageSize, imageVersions } from '../media/image';
import type { StagedUpload, Uploads } from '../media/upload';
import { isBlobId } from '../media/store';
import type { Viewer } from './context';
import { createDraft } from './message';
import { ElemType } from './message-view';
import { answer, Refusal } from './result';
import { checkUnicode, utf8Bytes } from './validate';

const MB = 1024 * 1024;
/** Pictures sharp decodes. */
const IMAGE_MIMES = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/heic',
  'image/tiff',
  'image/bmp',
]);
const MAX_DURATION_SECONDS = 24 * 3600;
const MAX_FILE_NAME_BYTES = 255;

function staged(uploads: Uploads | undefined, token: unknown, field: string): StagedUpload & { blobId: string } {
  const upload = uploads?.take(token);
  if (!upload) {
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      `${field} is not a file of this request: send the operation as a GraphQL multipart request with the file mapped to variables.${field} (once).`,
    );
  }
  if (upload.tooLarge || upload.blobId === null) {
    throw new Refusal(
      Code.MSG_BODY_SIZE_LIMIT,
      `${field} is over ${upload.limit} bytes (${+(upload.limit / MB).toFixed(2)} MB), the limit for this message type.`,
    );
  }
  if (upload.size === 0) throw new Refusal(Code.INVALID_PARAMETERS, `${field} is empty.`);
  return upload as StagedUpload & { blobId: string };
}

const sniff = (upload: { head: Buffer | null }): Promise<FileTypeResult | undefined> =>
  fileTypeFromBuffer(upload.head ?? Buffer.alloc(0)).catch(() => undefined);

type FoundType = { mime: string; ext: string };
const described = (type: FoundType | undefined) => (type ? `${type.mime} (.${type.ext})` : 'of no known type');

async function picture(src: Source): Promise<FoundType> {
  const type = await typeOf(src);
  if (!type || !IMAGE_MIMES.has(type.mime)) {
    throw new Refusal(
      Code.IMAGE_UPLOAD_FAILED_NOT_IMAGE,
      `${src.field} is not a picture: its bytes are ${described(type)}.`,
    );
  }
  return type;
}

function checkDuration(duration: number, field = 'duration'): void {
  if (!Number.isInteger(duration) || duration < 0 || duration > MAX_DURATION_SECONDS)
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      `${field} must be whole seconds from 0 to ${MAX_DURATION_SECONDS}, got ${duration}.`,
    );
}

/** What a create works from: a file of this request, or a blob the caller uploaded before. */
interface Source {
  /** The argument it came from (image or uuid, video or videoUUID, …): what a refusal of its bytes names. */
  field: string;
  blobId: string;
  size: number;
  fileName: string;
  /** The bytes' first part (a fresh upload), or the type they were found to be on upload (a reuse). */
  head: Buffer | null;
  contentType: string | null;
}

/** The upload `token` stands for, or the caller's own earlier upload `uuid`: exactly one of the two. */
async function source(
  ctx: Viewer,
  uploads: Uploads | undefined,
  token: unknown,
  uuid: string | null | undefined,
  field: string,
  uuidField: string,
): Promise<Source> {
  if (token != null && uuid != null)
    throw new Refusal(Code.INVALID_PARAMETERS, `${field} and ${uuidField} are both set; give one of them.`);
  if (token == null && uuid == null)
    throw new Refusal(Code.INVALID_PARAMETERS, `${field} is not set: give an upload, or ${uuidField} of one of yours.`);
  if (uuid == null) {
    const upload = staged(uploads, token, field);
    return {
      field,
      blobId: upload.blobId,
      size: upload.size,
      fileName: upload.fileName,
      head: upload.head,
      contentType: null,
    };
  }
  const mine = isBlobId(uuid) ? (await ctx.store.messages.uploadsOf(ctx.viewer, [uuid])).get(uuid) : undefined;
  const size = mine ? await ctx.media.blobs.size(uuid) : undefined;
  if (!mine || size === undefined)
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      `${uuidField} "${uuid.slice(0, 40)}" is not the uuid of one of your uploads (only your own media can be sent again by uuid).`,
    );
  return {
    field: uuidField,
    blobId: uuid,
    size,
    fileName: mine.fileName ?? '',
    head: null,
    contentType: mine.contentType,
  };
}

/** The usual extension of a Content-Type found on upload (video containers have names of their own). */
const EXT_OF: Record<string, string> = {
  'video/quicktime': 'mov',
  'video/x-matroska': 'mkv',
  'video/x-msvideo': 'avi',
  'video/x-flv': 'flv',
  'video/x-m4v': 'm4v',
};

/** What the bytes are: found in a fresh upload's first bytes, or as found when they were uploaded. */
async function typeOf(src: Source): Promise<FoundType | undefined> {
  if (src.head) return sniff(src);
  if (!src.contentType) return undefined;
  const ext = EXT_OF[src.contentType] ?? (src.contentType.split('/')[1] ?? '').replace(/^x-/, '').replace(/\W/g, '');
  return { mime: src.contentType, ext };
}

/** Stores the draft holding its blobs, and hands the request's uploads over to it. */
async function mediaDraft(ctx: Viewer, uploads: Uploads | undefined, elem: Elem) {
  const parts = partsOf([elem]);
  const created = await createDraft(ctx, [elem], {
    refs: parts.map((p) => ({
      blobId: p.uuid,
      uploader: ctx.viewer,
      kind: p.kind,
      contentType: p.contentType,
      fileName: p.fileName ?? null,
    })),
  });
  uploads?.claim(parts.map((p) => p.uuid));
  return created;
}

/** Runs a create that may write derived blobs (thumbnails); outside a multipart request nothing would delete them
 *  if the create fails, so they are deleted here. */
async function tracked<T>(
  ctx: Viewer,
  uploads: Uploads | undefined,
  body: (wrote: (id: string) => void) => Promise<T>,
) {
  const derived: string[] = [];
  try {
    return await body((id) => (uploads ? uploads.written(id) : derived.push(id)));
  } catch (e) {
    if (!uploads) await ctx.media.blobs.delete(derived);
    throw e;
  }
}

export const createImageMessage = (
  ctx: Viewer,
  uploads: Uploads | undefined,
  args: { image?: unknown; uuid?: string | null },
) =>
  answer(async () => {
    const src = await source(ctx, uploads, args.image, args.uuid, 'image', 'uuid');
    const type = await picture(src);
    return tracked(ctx, uploads, async (wrote) => {
      let imageList;
      try {
        imageList = await imageVersions(
          ctx.media.blobs,
          { uuid: src.blobId, size: src.size, contentType: type.mime },
          wrote,
        );
      } catch {
        throw new Refusal(
          Code.IMAGE_UPLOAD_FAILED_NOT_IMAGE,
          `${src.field} is not a picture that can be opened (${type.mime}, damaged).`,
        );
      }
      return mediaDraft(ctx, uploads, { kind: 'image', imageList });
    });
  });

export const createSoundMessage = (
  ctx: Viewer,
  uploads: Uploads | undefined,
  args: { sound?: unknown; uuid?: string | null; duration: number },
) =>
  answer(async () => {
    const upload = await source(ctx, uploads, args.sound, args.uuid, 'sound', 'uuid');
    const type = await typeOf(upload);
    // m4a is found as audio/mp4 or video/mp4 depending on its brand.
    if (!type || !(type.mime.startsWith('audio/') || type.ext === 'm4a' || type.mime === 'video/mp4'))
      throw new Refusal(Code.INVALID_MSG_ELEM, `${upload.field} is not audio: its bytes are ${described(type)}.`);
    checkDuration(args.duration);
    const contentType = type.mime === 'video/mp4' ? 'audio/mp4' : type.mime;
    return mediaDraft(ctx, uploads, {
      kind: 'sound',
      uuid: upload.blobId,
      dataSize: upload.size,
      duration: args.duration,
      contentType,
    });
  });

export const createVideoMessage = (
  ctx: Viewer,
  uploads: Uploads | undefined,
  args: {
    video?: unknown;
    videoUUID?: string | null;
    type?: string | null;
    duration: number;
    snapshot?: unknown;
    snapshotUUID?: string | null;
  },
) =>
  answer(async () => {
    const upload = await source(ctx, uploads, args.video, args.videoUUID, 'video', 'videoUUID');
    const found = await typeOf(upload);
    if (!found || !found.mime.startsWith('video/'))
      throw new Refusal(Code.INVALID_MSG_ELEM, `${upload.field} is not a video: its bytes are ${described(found)}.`);
    checkDuration(args.duration);
    const videoType = args.type || found.ext;
    if (!/^[A-Za-z0-9]{1,16}$/.test(videoType))
      throw new Refusal(Code.INVALID_PARAMETERS, 'type must be a file extension such as mp4 (1–16 letters or digits).');
    // The snapshot is optional: the gateway has no video encoder to make one (README, Media).
    let snapshot = {
      snapshotUUID: null as string | null,
      snapshotSize: 0,
      snapshotWidth: 0,
      snapshotHeight: 0,
      snapshotContentType: null as string | null,
    };
    if (args.snapshot != null || args.snapshotUUID != null) {
      const shot = await source(ctx, uploads, args.snapshot, args.snapshotUUID, 'snapshot', 'snapshotUUID');
      const shotType = await picture(shot);
      let size;
      try {
        size = await imageSize(ctx.media.blobs, shot.blobId);
      } catch {
        throw new Refusal(
          Code.IMAGE_UPLOAD_FAILED_NOT_IMAGE,
          `${shot.field} is not a picture that can be opened (${shotType.mime}, damaged).`,
        );
      }
      snapshot = {
        snapshotUUID: shot.blobId,
        snapshotSize: shot.size,
        snapshotWidth: size.width,
        snapshotHeight: size.height,
        snapshotContentType: shotType.mime,
      };
    }
    return mediaDraft(ctx, uploads, {
      kind: 'video',
      videoUUID: upload.blobId,
      videoSize: upload.size,
      duration: args.duration,
      videoType: videoType.toLowerCase(),
      contentType: found.mime,
      ...snapshot,
    });
  });

export const createFileMessage = (
  ctx: Viewer,
  uploads: Uploads | undefined,
  args: { file?: unknown; uuid?: string | null; fileName?: string | null },
) =>
  answer(async () => {
    const upload = await source(ctx, uploads, args.file, args.uuid, 'file', 'uuid');
    const fileName = args.fileName || upload.fileName;
    if (!fileName) throw new Refusal(Code.INVALID_PARAMETERS, 'fileName is empty (and the upload has no file name).');
    const field = args.fileName ? 'fileName' : 'the upload’s file name';
    checkUnicode(fileName, field);
    if (utf8Bytes(fileName) > MAX_FILE_NAME_BYTES)
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        `${field} is ${utf8Bytes(fileName)} bytes of UTF-8; at most ${MAX_FILE_NAME_BYTES} are allowed.`,
      );
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(fileName))
      throw new Refusal(Code.INVALID_PARAMETERS, `${field} has control characters.`);
    // Any content is a file; what it is decides only the Content-Type of its (always attachment) download.
    const type = await typeOf(upload);
    return mediaDraft(ctx, uploads, {
      kind: 'file',
      uuid: upload.blobId,
      fileName,
      fileSize: upload.size,
      contentType: type?.mime ?? 'application/octet-stream',
    });
  });

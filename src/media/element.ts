// The stored payloads of media elements (V2TIM's imageElem, soundElem, videoElem, fileElem), as src/db/element.ts
// keeps them in a message's body (`messages.body` / `drafts.body`). Each blob is named by the id the server gave it (uuid), never by
// a client path; `contentType` is what the bytes were found to be (file-type), kept for downloads and not shown.
import type { MergerElem } from '../db/element';

/** V2TIM_IMAGE_TYPE_*: the original upload, the thumbnail and the large version. */
export const ImageType = { ORIGIN: 0, THUMB: 1, LARGE: 2 } as const;

export interface StoredImage {
  uuid: string;
  type: number;
  size: number;
  width: number;
  height: number;
  contentType: string;
}

export interface ImageElem {
  imageList: StoredImage[];
}

export interface SoundElem {
  uuid: string;
  dataSize: number;
  duration: number;
  contentType: string;
}

export interface VideoElem {
  videoUUID: string;
  videoSize: number;
  duration: number;
  /** The SDK's videoType: the container's extension (mp4, mov, …), as given by the sender or found in the bytes. */
  videoType: string;
  contentType: string;
  snapshotUUID: string | null;
  snapshotSize: number;
  snapshotWidth: number;
  snapshotHeight: number;
  snapshotContentType: string | null;
}

export interface FileElem {
  uuid: string;
  fileName: string;
  fileSize: number;
  contentType: string;
}

export type MediaElem =
  | ({ kind: 'image' } & ImageElem)
  | ({ kind: 'sound' } & SoundElem)
  | ({ kind: 'video' } & VideoElem)
  | ({ kind: 'file' } & FileElem);

/** A blob of a media element: where a download finds its Content-Type and, for files, the name to save it as. */
export interface MediaPart {
  uuid: string;
  contentType: string;
  kind: MediaElem['kind'];
  fileName?: string;
}

/** Every blob a body's elements reference (an image has up to three, a video two; a merger nested in another merger's
 * copies, those of its messages). A message's own merger keeps its messages apart: their blobs are in media_refs. */
export const partsOf = (body: readonly { kind: string }[]): MediaPart[] => body.flatMap(elemParts);

function elemParts(elem: { kind: string }): MediaPart[] {
  const e = elem as MediaElem | ({ kind: 'merger' } & MergerElem);
  switch (e.kind) {
    case 'merger':
      return (e.messages ?? []).flatMap((m) => partsOf(m.body));
    case 'image':
      return e.imageList.map((i) => ({ uuid: i.uuid, contentType: i.contentType, kind: 'image' as const }));
    case 'sound':
      return [{ uuid: e.uuid, contentType: e.contentType, kind: 'sound' }];
    case 'video':
      return [
        { uuid: e.videoUUID, contentType: e.contentType, kind: 'video' as const },
        ...(e.snapshotUUID
          ? [{ uuid: e.snapshotUUID, contentType: e.snapshotContentType ?? 'image/jpeg', kind: 'image' as const }]
          : []),
      ];
    case 'file':
      return [{ uuid: e.uuid, contentType: e.contentType, kind: 'file', fileName: e.fileName }];
    default:
      return [];
  }
}

/** Whether a stored element carries blobs (its views then hold per-viewer URLs). */
export const isMedia = (elem: { kind: string }) =>
  elem.kind === 'image' || elem.kind === 'sound' || elem.kind === 'video' || elem.kind === 'file';

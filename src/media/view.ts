// The media elements of a V2TimMessage view: the SDK's imageElem, soundElem, videoElem and fileElem, each blob with
// a download URL minted for the one viewer the view is for (url.ts). Drafts viewed without services get no URL.
import type { Elem } from '../db/element';

export interface V2TimImage {
  uuid: string;
  type: number;
  size: number;
  width: number;
  height: number;
  url: string;
}

export interface MediaViews {
  imageElem: { path: string | null; imageList: V2TimImage[] } | null;
  soundElem: { path: string | null; uuid: string; dataSize: number; duration: number; url: string } | null;
  videoElem: {
    videoPath: string | null;
    videoUUID: string;
    videoSize: number;
    duration: number;
    videoType: string;
    videoUrl: string;
    snapshotPath: string | null;
    snapshotUUID: string | null;
    snapshotSize: number;
    snapshotWidth: number;
    snapshotHeight: number;
    snapshotUrl: string | null;
  } | null;
  fileElem: { path: string | null; uuid: string; fileName: string; fileSize: number; url: string } | null;
}

export const noMedia: MediaViews = { imageElem: null, soundElem: null, videoElem: null, fileElem: null };

export function mediaElems(elem: Elem | null, url: ((uuid: string) => string) | null): MediaViews {
  const link = (uuid: string) => (url ? url(uuid) : '');
  switch (elem?.kind) {
    case 'image':
      return {
        ...noMedia,
        imageElem: {
          path: null,
          imageList: elem.imageList.map((i) => ({
            uuid: i.uuid,
            type: i.type,
            size: i.size,
            width: i.width,
            height: i.height,
            url: link(i.uuid),
          })),
        },
      };
    case 'sound':
      return {
        ...noMedia,
        soundElem: {
          path: null,
          uuid: elem.uuid,
          dataSize: elem.dataSize,
          duration: elem.duration,
          url: link(elem.uuid),
        },
      };
    case 'video':
      return {
        ...noMedia,
        videoElem: {
          videoPath: null,
          videoUUID: elem.videoUUID,
          videoSize: elem.videoSize,
          duration: elem.duration,
          videoType: elem.videoType,
          videoUrl: link(elem.videoUUID),
          snapshotPath: null,
          snapshotUUID: elem.snapshotUUID,
          snapshotSize: elem.snapshotSize,
          snapshotWidth: elem.snapshotWidth,
          snapshotHeight: elem.snapshotHeight,
          snapshotUrl: elem.snapshotUUID ? link(elem.snapshotUUID) : null,
        },
      };
    case 'file':
      return {
        ...noMedia,
        fileElem: {
          path: null,
          uuid: elem.uuid,
          fileName: elem.fileName,
          fileSize: elem.fileSize,
          url: link(elem.uuid),
        },
      };
    default:
      return noMedia;
  }
}

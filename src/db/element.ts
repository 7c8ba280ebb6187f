// Message elements beyond text and custom (V2TIM's groupTipsElem, imageElem, soundElem, …): each element type's
// payload is one interface here, named and shaped as the SDK's element, stored as JSON in `messages.elem` and
// `drafts.elem` and decoded by the executors with the other JSON columns (statement.ts), so code above src/db sees
// it typed. Adding an element type: its interface in `ElemPayloads` under its kind, its view in
// src/resolvers/message-view.ts, its GraphQL type in src/schema/message.ts. Text and custom keep their columns
// (upgraded databases have them; they are what every message so far is).

import type { GroupTipsElem } from './group-tips';
import type { FileElem, ImageElem, SoundElem, VideoElem } from '../media/element';

/** V2TimLocationElem: a place as the sender described it. */
export interface LocationElem {
  desc: string;
  longitude: number;
  latitude: number;
}

/** V2TimFaceElem: an emoticon of the app's own set, by index, with the app's data. */
export interface FaceElem {
  index: number;
  data: string;
}

/**
 * One message inside a merger, copied as the forwarder saw it when merging: sender, time and content only. Nothing
 * of where it was or who else saw it (no msgID, group, receiverList), so a viewer of the merger learns no more than
 * the content the forwarder chose to pass on, and needs no access to the original.
 */
export interface MergedMessage {
  sender: string;
  nickName: string | null;
  faceUrl: string | null;
  timestamp: number;
  elemType: number;
  text: string | null;
  customData: string | null;
  customDesc: string | null;
  customExt: string | null;
  elem: Elem | null;
}

/**
 * V2TimMergerElem. A message's own merger keeps its merged messages apart (`merged_messages`, read by
 * downloadMergerMessage only); a merger nested inside another one's copies carries them inline in `messages`.
 */
export interface MergerElem {
  title: string;
  abstractList: string[];
  compatibleText: string;
  /** Set only on a merger inside another merger's copies. */
  messages?: MergedMessage[];
}

/** Payload interfaces by kind; each element module adds its own entry. */
export interface ElemPayloads {
  /** V2TIM_ELEM_TYPE_GROUP_TIPS (9): a membership or profile change, stored by the store itself (./group-tips.ts). */
  groupTips: GroupTipsElem;
  image: ImageElem;
  sound: SoundElem;
  video: VideoElem;
  file: FileElem;
  location: LocationElem;
  face: FaceElem;
  merger: MergerElem;
}

/** One stored element: its kind, then the SDK element's fields. */
export type Elem = { [K in keyof ElemPayloads]: { kind: K } & ElemPayloads[K] }[keyof ElemPayloads];

/** A blob a draft or message holds (`media_refs`): whose upload it is and what a download answers with. */
export interface BlobRef {
  blobId: string;
  uploader: string;
  kind: 'image' | 'sound' | 'video' | 'file';
  contentType: string;
  fileName: string | null;
}

/** What a new draft holds besides its row: its blobs, and a merger's merged messages. */
export interface DraftHoldings {
  refs: BlobRef[];
  merged?: MergedMessage[];
}

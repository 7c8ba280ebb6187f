// A message's content as Tencent's MsgBody has it: a list of typed elements (V2TIM's textElem, customElem,
// imageElem, …), each one interface here named and shaped as the SDK's element, stored as JSON in `messages.body`
// and `drafts.body` and decoded by the executors (statement.ts), so code above src/db sees it typed. The create*
// APIs make one element; appendMessage adds more to a draft (the store's appendDraft).
// Adding an element type: its interface in `ElemPayloads` under its kind, a codec in `CODECS` only if its stored
// JSON needs more than parsing, its view in src/resolvers/message-view.ts and its GraphQL type in src/schema.

import type { GroupTipsElem } from './group-tips';
import type { FileElem, ImageElem, SoundElem, VideoElem } from '../media/element';

/** V2TimTextElem. */
export interface TextElem {
  text: string;
}

/** V2TimCustomElem: the app's own payload. */
export interface CustomElem {
  data: string;
  desc: string;
  extension: string;
}

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
  body: MsgBody;
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
  text: TextElem;
  custom: CustomElem;
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

/** Tencent's MsgBody: a message's elements in order. */
export type MsgBody = Elem[];

/**
 * Per element kind, what reading its stored JSON takes beyond JSON.parse; most kinds need nothing. A merger nested
 * in another's copies holds copies itself, and copies made before MsgBody have the old shape (copyOf).
 */
const CODECS: { [K in Elem['kind']]?: (e: Extract<Elem, { kind: K }>) => Elem } = {
  merger: (e) => (e.messages ? { ...e, messages: e.messages.map(copyOf) } : e),
};

export const decodeBody = (body: Elem[]): MsgBody =>
  body.map((e) => (CODECS[e.kind] as ((e: Elem) => Elem) | undefined)?.(e) ?? e);

/** A merged copy as stored before MsgBody: text and custom fields in their own keys, other content in `elem`. */
interface LegacyCopy extends Omit<MergedMessage, 'body'> {
  text: string | null;
  customData: string | null;
  customDesc: string | null;
  customExt: string | null;
  elem: Elem | null;
}

/** A stored merged copy, either shape, as a MergedMessage (the migration to MsgBody left nested JSON as it was). */
export function copyOf(m: MergedMessage | LegacyCopy): MergedMessage {
  if ('body' in m) return { ...m, body: decodeBody(m.body) };
  const { text, customData, customDesc, customExt, elem, ...rest } = m;
  const legacy: Elem | null =
    elem ??
    (m.elemType === 1
      ? { kind: 'text', text: text ?? '' }
      : m.elemType === 2
        ? { kind: 'custom', data: customData ?? '', desc: customDesc ?? '', extension: customExt ?? '' }
        : null);
  return { ...rest, body: legacy ? decodeBody([legacy]) : [] };
}

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

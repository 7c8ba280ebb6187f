// V2TimMessage as one viewer sees it (im-semantics §8): the shape the schema exposes field by field.
import type { DraftRow, UserProfile, ViewedMessage } from '../db/store';
import type { GroupTipsElem } from '../db/group-tips';
import type { Elem, FaceElem, LocationElem, MergedMessage, MsgBody } from '../db/element';
import type { Services, Viewer } from './context';
import { Code } from '../codes';
import { Refusal } from './result';
import { mediaElems, noMedia, type MediaViews } from '../media/view';

export const Status = {
  SENDING: 1,
  SEND_SUCC: 2,
  SEND_FAIL: 3,
  HAS_DELETED: 4,
  LOCAL_IMPORTED: 5,
  LOCAL_REVOKED: 6,
} as const;
export const ElemType = {
  NONE: 0,
  TEXT: 1,
  CUSTOM: 2,
  IMAGE: 3,
  SOUND: 4,
  VIDEO: 5,
  FILE: 6,
  LOCATION: 7,
  FACE: 8,
  GROUP_TIPS: 9,
  MERGER: 10,
} as const;

/** Each element kind's V2TIM_ELEM_TYPE. */
const ELEM_TYPE: Record<Elem['kind'], number> = {
  text: ElemType.TEXT,
  custom: ElemType.CUSTOM,
  image: ElemType.IMAGE,
  sound: ElemType.SOUND,
  video: ElemType.VIDEO,
  file: ElemType.FILE,
  location: ElemType.LOCATION,
  face: ElemType.FACE,
  groupTips: ElemType.GROUP_TIPS,
  merger: ElemType.MERGER,
};

/** A body's elemType: its first element's (the SDK's message has the type of its first element). */
export const elemTypeOf = (body: MsgBody): number => (body[0] ? ELEM_TYPE[body[0].kind] : ElemType.NONE);

/** V2TimMergerElem as a viewer sees it: the merged messages themselves come with downloadMergerMessage. */
export interface V2TimMergerElem {
  title: string;
  abstractList: string[];
  compatibleText: string;
  isLayersOverLimit: boolean;
  /** Only a merger inside a downloadMergerMessage answer carries its messages here (null elsewhere). */
  messageList: V2TimMessage[] | null;
}
export const Priority = { DEFAULT: 0, HIGH: 1, NORMAL: 2, LOW: 3 } as const;

/** One element as a viewer sees it (V2TIMElem): its type and, in the field of that type, its content. A message
 *  shows its first element this way itself, and every element, in order, in `elemList`. */
export type ElemView = {
  elemType: number;
  textElem: { text: string } | null;
  customElem: { data: string; desc: string; extension: string } | null;
  groupTipsElem: GroupTipsElem | null;
  locationElem: LocationElem | null;
  faceElem: FaceElem | null;
  mergerElem: V2TimMergerElem | null;
} & MediaViews;

export type V2TimMessage = {
  msgID: string | null;
  id: string | null;
  timestamp: number | null;
  sender: string | null;
  nickName: string | null;
  faceUrl: string | null;
  groupID: string | null;
  userID: string | null;
  status: number;
} & ElemView & {
    /** Every element of the body in order, the first included (V2TIMMessage.elemList); empty once revoked. */
    elemList: ElemView[];
    isSelf: boolean;
    isRead: boolean;
    /** C2C messages of one's own: the receiver has read it (a read receipt, or the conversation read past it). */
    isPeerRead: boolean | null;
    priority: number | null;
    seq: string | null;
    random: number | null;
    groupAtUserList: string[];
    targetGroupMemberList: string[] | null;
    isExcludedFromUnreadCount: boolean;
    isExcludedFromLastMessage: boolean;
    needReadReceipt: boolean;
    cloudCustomData: string | null;
    localCustomData: string | null;
    cursor: string | null;
    version: number;
  };

type Elems = Pick<DraftRow, 'elemType' | 'body'>;

/** What a view needs besides the row: cursors, and download URLs minted for the viewer. */
export type ViewServices = Pick<Services, 'cursors' | 'media'>;

/** The element fields of a view: the body's first element in its field, as the SDK's message shows it, and every
 *  element in `elemList` (appendMessage makes bodies of several). `url(uuid)`: `viewer`'s download URL of a blob. */
function elems(e: Elems, url: ((uuid: string) => string) | null, viewer: string) {
  const elemList = e.body.map((elem) => ({
    ...noContent,
    elemType: ELEM_TYPE[elem.kind],
    ...elemView(elem, url, viewer),
  }));
  return { ...(elemList[0] ?? noContent), elemType: e.elemType, elemList };
}

/** Each element kind's view: the V2TimMessage field it sets. */
function elemView(elem: Elem, url: ((uuid: string) => string) | null, viewer: string): Partial<V2TimMessage> {
  switch (elem.kind) {
    case 'text':
      return { textElem: { text: elem.text } };
    case 'custom':
      return { customElem: { data: elem.data, desc: elem.desc, extension: elem.extension } };
    case 'groupTips':
      return { groupTipsElem: elem };
    case 'location':
      return { locationElem: { desc: elem.desc, longitude: elem.longitude, latitude: elem.latitude } };
    case 'face':
      return { faceElem: { index: elem.index, data: elem.data } };
    case 'merger':
      return {
        mergerElem: {
          title: elem.title,
          abstractList: elem.abstractList,
          compatibleText: elem.compatibleText,
          isLayersOverLimit: false,
          messageList: elem.messages ? elem.messages.map((m) => mergedView(viewer, m, url)) : null,
        },
      };
    default:
      return mediaElems(elem, url);
  }
}

const noContent = {
  textElem: null,
  customElem: null,
  groupTipsElem: null,
  locationElem: null,
  faceElem: null,
  mergerElem: null,
  ...noMedia,
};

/** What a message that is not (or no longer) a stored message of a conversation shows: an unsent draft, a merger's copy. */
const NOT_STORED = {
  isRead: true,
  isPeerRead: null,
  priority: Priority.NORMAL,
  seq: null,
  random: null,
  isExcludedFromUnreadCount: false,
  isExcludedFromLastMessage: false,
  needReadReceipt: false,
  cloudCustomData: null,
  localCustomData: null,
  cursor: null,
  version: 0,
} as const;

/**
 * One message of a merger as `viewer` sees it (downloadMergerMessage): its sender, time and content as the forwarder
 * saw them, nothing of where it was (no msgID, group, seq or receivers). `url` mints for the merger's own message, so
 * its media is fetched under the merger's audience.
 */
export function mergedView(viewer: string, m: MergedMessage, url: ((uuid: string) => string) | null): V2TimMessage {
  return {
    msgID: null,
    id: null,
    timestamp: m.timestamp,
    sender: m.sender,
    nickName: m.nickName,
    faceUrl: m.faceUrl,
    groupID: null,
    userID: null,
    status: Status.SEND_SUCC,
    ...elems(m, url, viewer),
    isSelf: m.sender === viewer,
    ...NOT_STORED,
    groupAtUserList: [],
    targetGroupMemberList: null,
  };
}

/** A created, unsent message (status 1), or one whose send failed (status 3) with the target it was sent to. */
export function draftView(
  draft: DraftRow,
  status: number = Status.SENDING,
  target: { receiver?: string | null; groupID?: string | null } = {},
  services?: Pick<Services, 'media'>,
): V2TimMessage {
  const url = services ? (uuid: string) => services.media.urls.mint(draft.owner, draft.id, uuid) : null;
  return {
    msgID: null,
    id: draft.id,
    timestamp: draft.createdAt,
    sender: draft.owner,
    nickName: null,
    faceUrl: null,
    groupID: target.groupID ?? null,
    userID: target.groupID ? null : (target.receiver ?? null),
    status,
    ...elems(draft, url, draft.owner),
    isSelf: true,
    ...NOT_STORED,
    groupAtUserList: draft.atUsers ?? [],
    targetGroupMemberList: draft.targets,
  };
}

/** What a message the viewer may not see answers: the same as one that does not exist (6017), so no call tells
 *  whether a message outside one's audience exists. */
export const messageNotFound = (msgID: string, field = 'msgID') =>
  new Refusal(Code.INVALID_PARAMETERS, `${field} "${msgID}" was not found among your messages.`);

/** The message as the viewer sees it, or the not-found refusal (modifyMessage, reactions, receipts). */
export async function seenMessage(ctx: Pick<Viewer, 'store' | 'viewer'>, msgID: string): Promise<ViewedMessage> {
  const m = msgID ? await ctx.store.messages.visible(ctx.viewer, msgID) : undefined;
  if (!m) throw messageNotFound(msgID);
  return m;
}

/** The sender's profile fields a message shows (nickName, faceUrl): read with the message, current when read. */
export type SenderProfile = Pick<UserProfile, 'nickName' | 'faceUrl'>;

/** A sent message as `viewer` sees it. Revoked ones keep their place but not their content. */
export function messageView(
  viewer: string,
  { row, seq, isRead, sender: read, peerRead }: ViewedMessage,
  { cursors, media }: ViewServices,
  sender: SenderProfile | undefined = read,
): V2TimMessage {
  const isSelf = row.sender === viewer;
  const revoked = row.revokedAt !== null;
  const stored = row.orderNo !== 0;
  const content = revoked
    ? { elemType: row.elemType, ...noContent, elemList: [] }
    : elems(row, (uuid) => media.urls.mint(viewer, row.msgId, uuid), viewer);
  return {
    msgID: row.msgId,
    id: isSelf ? row.createId : null,
    timestamp: row.timestamp,
    sender: row.sender,
    nickName: sender?.nickName ?? null,
    faceUrl: sender?.faceUrl ?? null,
    groupID: row.groupId,
    userID: row.groupId !== null ? null : isSelf ? row.receiver : row.sender,
    status: revoked ? Status.LOCAL_REVOKED : Status.SEND_SUCC,
    ...content,
    isSelf,
    isRead,
    isPeerRead: row.groupId === null && isSelf ? (peerRead ?? false) : null,
    priority: row.priority,
    seq: stored ? String(seq) : null,
    random: row.random,
    groupAtUserList: row.atUsers ?? [],
    // Only the sender learns who else a targeted message went to (im-semantics §8).
    targetGroupMemberList: isSelf ? row.targets : null,
    isExcludedFromUnreadCount: row.excludedUnread === 1,
    isExcludedFromLastMessage: row.excludedLast === 1,
    needReadReceipt: row.needReadReceipt === 1,
    cloudCustomData: row.cloudCustomData,
    localCustomData: isSelf ? row.localCustomData : null,
    cursor: stored ? cursors.encode(row.orderNo) : null,
    version: row.version,
  };
}

// Group tips and group events. The group resolvers make each change through the store's tips methods (the change
// and its GROUP_TIPS message in one unit of work, src/db/group-tips.ts) and hand the result here: the tip goes out
// like any broadcast (onRecvNewMessage, history, seq), and group events (onGroupEvent, named after
// V2TIMGroupListener's callbacks) are derived from tips as they are delivered, so an event reaches exactly the
// viewers who get the tip. Tips are not counted as unread (Tencent's default) and can be a conversation's
// lastMessage; they cannot be revoked.
import { randomBytes, randomInt } from 'node:crypto';
import type { GroupChangeInfo, GroupTipsElem, TipMember, TipRequest, Tipped } from '../db/group-tips';
import type { MessageRow } from '../db/store';
import type { Viewer } from './context';
import { isGroupType, GroupType } from './group-type';

/** V2TIMGroupTipsType. */
export const GroupTipsType = {
  JOIN: 1,
  INVITE: 2,
  QUIT: 3,
  KICKED: 4,
  SET_ADMIN: 5,
  CANCEL_ADMIN: 6,
  GROUP_INFO_CHANGE: 7,
  MEMBER_INFO_CHANGE: 8,
} as const;

/** V2TIMGroupInfoChangeType (7 is group attributes, reported elsewhere by the SDK). */
export const GroupInfoChangeType = {
  NAME: 1,
  INTRODUCTION: 2,
  NOTIFICATION: 3,
  FACE: 4,
  OWNER: 5,
  CUSTOM: 6,
  SHUT_UP_ALL: 8,
} as const;

/** A tip by the viewer in this group: stored where the group keeps history, online only otherwise (AVChatRoom). */
export function tipRequest(
  ctx: Viewer,
  groupType: string,
  type: number,
  extra: Pick<TipRequest, 'groupChangeInfoList' | 'memberChangeInfoList'> = {},
): TipRequest {
  const now = ctx.now();
  return {
    msgId: `${now}-${randomBytes(9).toString('base64url')}`,
    createId: `group_tips-${randomBytes(16).toString('base64url')}`,
    random: randomInt(0, 2 ** 31),
    timestamp: now,
    op: ctx.viewer,
    type,
    stored: isGroupType(groupType) ? GroupType[groupType].history : true,
    ...extra,
  };
}

/** One changed profile field (string fields as value; isAllMuted as boolValue; a custom field's key as key). */
export const changeInfo = (
  type: number,
  value: { value?: string | null; boolValue?: boolean | null; key?: string },
): GroupChangeInfo => ({
  type,
  value: value.value ?? null,
  key: value.key ?? null,
  boolValue: value.boolValue ?? null,
  intValue: null,
});

/** Publishes a change's tip (after the change's own membership event for joins, before it for removals). */
export async function publishTip(ctx: Viewer, tipped: Tipped<unknown>): Promise<void> {
  if (!tipped.tip) return;
  const departing = Object.keys(tipped.departing).length > 0 ? tipped.departing : undefined;
  await ctx.router.publish({ type: 'message', row: tipped.tip.row, users: null, ...(departing ? { departing } : {}) });
}

/** V2TIMGroupListener's callbacks that onGroupEvent reports. */
export const GroupListenerCallback = [
  'onMemberEnter',
  'onMemberLeave',
  'onMemberInvited',
  'onMemberKicked',
  'onMemberInfoChanged',
  'onGroupInfoChanged',
  'onGroupDismissed',
  'onGrantAdministrator',
  'onRevokeAdministrator',
] as const;
export type GroupListenerCallback = (typeof GroupListenerCallback)[number];

/** One V2TIMGroupListener callback: `type` names it; the other fields are its arguments (absent ones empty). */
export interface V2TimGroupEvent {
  type: GroupListenerCallback;
  groupID: string;
  /** Who made the change (null for onMemberEnter, whose joiners are memberList). */
  opUser: TipMember | null;
  /** onMemberEnter / Invited / Kicked, onGrant / RevokeAdministrator: the members concerned; onMemberLeave: the
   *  one who left (also `member`). */
  memberList: TipMember[];
  member: TipMember | null;
  changeInfos: GroupTipsElem['groupChangeInfoList'];
  memberChangeInfoList: GroupTipsElem['memberChangeInfoList'];
  /** The tips message the event comes from (null for onGroupDismissed: no message outlives the group). */
  msgID: string | null;
}

const CALLBACK: Record<number, GroupListenerCallback> = {
  [GroupTipsType.JOIN]: 'onMemberEnter',
  [GroupTipsType.INVITE]: 'onMemberInvited',
  [GroupTipsType.QUIT]: 'onMemberLeave',
  [GroupTipsType.KICKED]: 'onMemberKicked',
  [GroupTipsType.SET_ADMIN]: 'onGrantAdministrator',
  [GroupTipsType.CANCEL_ADMIN]: 'onRevokeAdministrator',
  [GroupTipsType.GROUP_INFO_CHANGE]: 'onGroupInfoChanged',
  [GroupTipsType.MEMBER_INFO_CHANGE]: 'onMemberInfoChanged',
};

/** The group event a delivered tip stands for (undefined: not a tip, or a type with no callback). */
export function groupEventOf(row: MessageRow): V2TimGroupEvent | undefined {
  const tips = row.body.find((e) => e.kind === 'groupTips');
  const type = tips && CALLBACK[tips.type];
  if (!tips || !type) return undefined;
  const leaver = tips.type === GroupTipsType.QUIT ? tips.opMember : null;
  return {
    type,
    groupID: tips.groupID,
    opUser: tips.type === GroupTipsType.JOIN ? null : tips.opMember,
    memberList: leaver ? [leaver] : tips.memberList,
    member: leaver,
    changeInfos: tips.groupChangeInfoList,
    memberChangeInfoList: tips.memberChangeInfoList,
    msgID: row.msgId,
  };
}

export const dismissedEvent = (groupID: string, opUser: TipMember): V2TimGroupEvent => ({
  type: 'onGroupDismissed',
  groupID,
  opUser,
  memberList: [],
  member: null,
  changeInfos: [],
  memberChangeInfoList: [],
  msgID: null,
});

import type { GroupRules } from '../db/store';

// The five group types and what each allows (im-semantics §3, and the group-type table of Tencent's group overview):
// join: joinGroup works (else invite only); targeted: createTargetedGroupMessage / receiver+groupID sends;
// history: messages are stored; seesEarlierHistory: members see the messages from before they joined; unread:
// messages count as unread (Tencent reports no unread counts for Meeting groups); readReceipts: needReadReceipt
// messages take read receipts (Tencent: not in Community or AVChatRoom groups); ownerQuits: the owner may quitGroup
// (only in Work groups); dismiss: dismissGroup works (a Work group is dismissed only through Tencent's REST API, not
// even by its owner); admins: role 300 exists; mute: muteGroupMember works; kick: who may kickGroupMember ('owner',
// 'admin' = owner and admins, 'none'); members: createGroup takes memberList; profile: who may setGroupInfo (any
// 'member' in a Work group, else owner and admins); addOpt: how joinGroup works, 'set' where the group's own groupAddOpt
// decides (Public, Tencent's default approval) or the fixed V2TIMGroupAddOpt of the type (Work: invite only,
// the others: anyone joins).
export const GroupType = {
  Work: {
    addOpt: 0,
    join: false,
    cap: 200,
    targeted: true,
    history: true,
    seesEarlierHistory: false,
    unread: true,
    readReceipts: true,
    ownerQuits: true,
    dismiss: false,
    admins: false,
    mute: false,
    kick: 'owner',
    members: true,
    profile: 'member',
  },
  Public: {
    addOpt: 'set',
    join: true,
    cap: 2000,
    targeted: true,
    history: true,
    seesEarlierHistory: false,
    unread: true,
    readReceipts: true,
    ownerQuits: false,
    dismiss: true,
    admins: true,
    mute: true,
    kick: 'admin',
    members: true,
    profile: 'admin',
  },
  Meeting: {
    addOpt: 2,
    join: true,
    cap: 6000,
    targeted: true,
    history: true,
    seesEarlierHistory: true,
    unread: false,
    readReceipts: true,
    ownerQuits: false,
    dismiss: true,
    admins: true,
    mute: true,
    kick: 'admin',
    members: true,
    profile: 'admin',
  },
  Community: {
    addOpt: 2,
    join: true,
    cap: 100_000,
    targeted: false,
    history: true,
    seesEarlierHistory: false,
    unread: true,
    readReceipts: false,
    ownerQuits: false,
    dismiss: true,
    admins: true,
    mute: true,
    kick: 'admin',
    members: true,
    profile: 'admin',
  },
  AVChatRoom: {
    addOpt: 2,
    join: true,
    cap: Number.MAX_SAFE_INTEGER,
    targeted: false,
    history: false,
    seesEarlierHistory: false,
    unread: true,
    readReceipts: false,
    ownerQuits: false,
    dismiss: true,
    admins: true,
    mute: true,
    kick: 'none',
    members: false,
    profile: 'admin',
  },
} as const;

/** V2TIMGroupAddOpt: groupAddOpt (joinGroup) and approveOpt (inviteUserToGroup). */
export const AddOpt = { FORBID: 0, AUTH: 1, ANY: 2 } as const;
export const isAddOpt = (v: number) => v === AddOpt.FORBID || v === AddOpt.AUTH || v === AddOpt.ANY;
/** Tencent's default groupAddOpt where a group sets its own: approval by the owner or an admin. */
export const DEFAULT_ADD_OPT = AddOpt.AUTH;
/** The default approveOpt: invitations add the invitee at once (as before approveOpt existed). */
export const DEFAULT_APPROVE_OPT = AddOpt.ANY;

/** How joinGroup works for this group: its groupAddOpt where its type lets it choose, else the type's own. */
export function addOptOf(group: { groupType: string; addOpt?: number | null }): number {
  const opt = isGroupType(group.groupType) ? GroupType[group.groupType].addOpt : 'set';
  return opt === 'set' ? (group.addOpt ?? DEFAULT_ADD_OPT) : opt;
}

/** How inviteUserToGroup works for this group (AVChatRoom groups take no invitations at all). */
export const approveOptOf = (group: { approveOpt?: number | null }): number => group.approveOpt ?? DEFAULT_APPROVE_OPT;

export type GroupTypeName = keyof typeof GroupType;

export const isGroupType = (t: string): t is GroupTypeName => Object.hasOwn(GroupType, t);

export const Role = { MEMBER: 200, ADMIN: 300, OWNER: 400 } as const;

/** The flags storage applies (membership windows at join, unread counters at send and revoke), given to the store. */
export const groupRules: GroupRules = {
  seesEarlierHistory: (t) => isGroupType(t) && GroupType[t].seesEarlierHistory,
  countsUnread: (t) => !isGroupType(t) || GroupType[t].unread,
  readReceipts: (t) => !isGroupType(t) || GroupType[t].readReceipts,
};

import type { GroupRules } from '../db/store';

// The five group types and what each allows (im-semantics §3, and the group-type table of Tencent's group overview):
// join: joinGroup works (else invite only); targeted: createTargetedGroupMessage / receiver+groupID sends;
// history: messages are stored; seesEarlierHistory: members see the messages from before they joined; unread:
// messages count as unread (Tencent reports no unread counts for Meeting groups); ownerQuits: the owner may quitGroup
// (only in Work groups); dismiss: dismissGroup works (a Work group is dismissed only through Tencent's REST API, not
// even by its owner); admins: role 300 exists; mute: muteGroupMember works; kick: who may kickGroupMember ('owner',
// 'admin' = owner and admins, 'none'); members: createGroup takes memberList; profile: who may setGroupInfo (any
// 'member' in a Work group, else owner and admins).
export const GroupType = {
  Work: {
    join: false,
    cap: 200,
    targeted: true,
    history: true,
    seesEarlierHistory: false,
    unread: true,
    ownerQuits: true,
    dismiss: false,
    admins: false,
    mute: false,
    kick: 'owner',
    members: true,
    profile: 'member',
  },
  Public: {
    join: true,
    cap: 2000,
    targeted: true,
    history: true,
    seesEarlierHistory: false,
    unread: true,
    ownerQuits: false,
    dismiss: true,
    admins: true,
    mute: true,
    kick: 'admin',
    members: true,
    profile: 'admin',
  },
  Meeting: {
    join: true,
    cap: 6000,
    targeted: true,
    history: true,
    seesEarlierHistory: true,
    unread: false,
    ownerQuits: false,
    dismiss: true,
    admins: true,
    mute: true,
    kick: 'admin',
    members: true,
    profile: 'admin',
  },
  Community: {
    join: true,
    cap: 100_000,
    targeted: false,
    history: true,
    seesEarlierHistory: false,
    unread: true,
    ownerQuits: false,
    dismiss: true,
    admins: true,
    mute: true,
    kick: 'admin',
    members: true,
    profile: 'admin',
  },
  AVChatRoom: {
    join: true,
    cap: Number.MAX_SAFE_INTEGER,
    targeted: false,
    history: false,
    seesEarlierHistory: false,
    unread: true,
    ownerQuits: false,
    dismiss: true,
    admins: true,
    mute: true,
    kick: 'none',
    members: false,
    profile: 'admin',
  },
} as const;

export type GroupTypeName = keyof typeof GroupType;

export const isGroupType = (t: string): t is GroupTypeName => Object.hasOwn(GroupType, t);

export const Role = { MEMBER: 200, ADMIN: 300, OWNER: 400 } as const;

/** The flags storage applies (membership windows at join, unread counters at send and revoke), given to the store. */
export const groupRules: GroupRules = {
  seesEarlierHistory: (t) => isGroupType(t) && GroupType[t].seesEarlierHistory,
  countsUnread: (t) => !isGroupType(t) || GroupType[t].unread,
};

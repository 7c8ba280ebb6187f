import type { GroupRules } from '../db/store';

// The five group types and what each allows (im-semantics §3). `seesEarlierHistory`: members see the messages from
// before they joined; `unread`: messages count as unread (Tencent reports no unread counts for Meeting groups).
export const GroupType = {
  Work: { join: false, cap: 200, targeted: true, history: true, seesEarlierHistory: false, unread: true },
  Public: { join: true, cap: 2000, targeted: true, history: true, seesEarlierHistory: false, unread: true },
  Meeting: { join: true, cap: 6000, targeted: true, history: true, seesEarlierHistory: true, unread: false },
  Community: { join: true, cap: 100_000, targeted: false, history: true, seesEarlierHistory: false, unread: true },
  AVChatRoom: { join: true, cap: Number.MAX_SAFE_INTEGER, targeted: false, history: false, seesEarlierHistory: false, unread: true },
} as const;

export type GroupTypeName = keyof typeof GroupType;

export const isGroupType = (t: string): t is GroupTypeName => Object.hasOwn(GroupType, t);

export const Role = { MEMBER: 200, ADMIN: 300, OWNER: 400 } as const;

/** The flags storage applies (membership windows at join, unread counters at send and revoke), given to the store. */
export const groupRules: GroupRules = {
  seesEarlierHistory: (t) => isGroupType(t) && GroupType[t].seesEarlierHistory,
  countsUnread: (t) => !isGroupType(t) || GroupType[t].unread,
};

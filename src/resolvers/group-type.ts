// The five group types and what each allows (im-semantics §3).
export const GroupType = {
  Work: { join: false, cap: 200, targeted: true, history: true },
  Public: { join: true, cap: 2000, targeted: true, history: true },
  Meeting: { join: true, cap: 6000, targeted: true, history: true },
  Community: { join: true, cap: 100_000, targeted: false, history: true },
  AVChatRoom: { join: true, cap: Number.MAX_SAFE_INTEGER, targeted: false, history: false },
} as const;

export type GroupTypeName = keyof typeof GroupType;

export const isGroupType = (t: string): t is GroupTypeName => Object.hasOwn(GroupType, t);

export const Role = { MEMBER: 200, ADMIN: 300, OWNER: 400 } as const;

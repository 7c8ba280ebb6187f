// The wake-up bus between gateway processes. Storage is the source of truth; the bus only says "look". The
// in-process bus is the default; a Redis bus (REDIS_URL) carries the same events between processes.
import type { MessageRow, UserProfile } from '../db/store';
import type { TipMember } from '../db/group-tips';

export type RealtimeEvent =
  /** A message was stored (or, with orderNo 0, sent online-only). `users` for C2C and targeted, else the group. */
  | {
      type: 'message';
      row: MessageRow;
      users: string[] | null;
      /** A group tip's leavers (kicked, quitting), no longer members when it is delivered: their views of it, read
       *  before they left, so each still gets his own kick or quit live (and nothing after). */
      departing?: Record<string, { seq: number; isRead: boolean }>;
    }
  | { type: 'revoked'; row: MessageRow; operateUser: string; users: string[] | null }
  /** A message's reactions changed (add or remove), to its audience. */
  | { type: 'reaction'; row: MessageRow; users: string[] | null }
  /** A read receipt for a message (sendMessageReadReceipts), to its sender. */
  | { type: 'receipt'; row: MessageRow; users: string[] }
  /** `reader` read their C2C conversation with `users` (its one peer) up to now: onRecvC2CReadReceipt. */
  | { type: 'c2cRead'; users: string[]; reader: string; timestamp: number }
  /** modifyMessage: the row as edited, to the message's audience. */
  | { type: 'modified'; row: MessageRow; users: string[] | null }
  /** Membership changed: open streams of these users start or stop receiving the group at once. */
  | { type: 'membership'; groupId: string; joined: string[]; left: string[] }
  /** A group was dismissed: its members at that moment get onGroupDismissed (its history is gone, so no tip). */
  | { type: 'groupDismissed'; groupId: string; opUser: TipMember; users: string[] }
  /** setSelfInfo: the profile as changed, to the user's other sessions and to whoever shares a group (`groupIds`,
   *  its online members) or a C2C conversation (`peers`) with them. */
  | { type: 'profile'; profile: UserProfile; groupIds: string[]; peers: string[] }
  /** A viewer's read state changed (their other connections' conversation and unread subscriptions). */
  | { type: 'read'; userId: string; conversationId: string }
  /** A group application arrived (`users`: the group's owner and admins) or was answered (`users`: its applicant). */
  | { type: 'application'; users: string[]; event: GroupApplicationEvent };

/** What onReceiveJoinApplication / onApplicationProcessed tell (src/resolvers/group-application.ts). */
export type GroupApplicationEvent =
  | { kind: 'received'; groupID: string; member: string; opReason: string | null }
  | { kind: 'processed'; groupID: string; opUser: string; isAgreeJoin: boolean; opReason: string | null };

export interface Bus {
  publish(event: RealtimeEvent): Promise<void>;
  /** Registers the one handler (the router); events published by this process are delivered to it too. */
  subscribe(handler: (event: RealtimeEvent) => void): void;
  close(): Promise<void>;
}

/** Synchronous in-process delivery: an event reaches local streams before publish() resolves. */
export function createLocalBus(): Bus {
  let handler: (event: RealtimeEvent) => void = () => {};
  return {
    publish: async (event) => handler(event),
    subscribe: (h) => {
      handler = h;
    },
    close: async () => {},
  };
}

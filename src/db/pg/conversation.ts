// Conversations on PostgreSQL, with the semantics of src/db/queries/conversation.ts: one snapshot per call, so a
// conversation's unread count and lastMessage describe the same committed messages.
import type { ConversationState, ConversationStore } from '../store';
import { changes, fromDbText, one, read, rows, sql, type Db, type Executor } from './client';
import { c2cUnread, groupUnread, groupWindow, lastC2C, lastGroupMessage, pairKey, view } from './view';

interface ConversationRow { conversationId: string; peerId: string | null; groupId: string | null; readOrder: number; groupName: string | null }

const COLUMNS = sql.raw(`c.conversation_id AS "conversationId", c.peer_id AS "peerId", c.group_id AS "groupId",
  c.read_order AS "readOrder", g.group_name AS "groupName"`);

const list = (ex: Executor, viewer: string) => rows<ConversationRow>(ex, sql`SELECT ${COLUMNS} FROM conversations c
  LEFT JOIN groups g ON g.group_id = c.group_id WHERE c.user_id = ${viewer}`);

async function unread(ex: Executor, viewer: string, c: ConversationRow): Promise<number> {
  if (c.groupId !== null) {
    const from = await groupWindow(ex, viewer, c.groupId);
    return from === undefined ? 0 : groupUnread(ex, viewer, c.groupId, Math.max(from, c.readOrder));
  }
  return c2cUnread(ex, viewer, pairKey(viewer, c.peerId!), c.readOrder);
}

async function state(ex: Executor, viewer: string, c: ConversationRow): Promise<ConversationState> {
  let last;
  if (c.groupId !== null) {
    const from = await groupWindow(ex, viewer, c.groupId);
    last = from === undefined ? undefined : await lastGroupMessage(ex, viewer, c.groupId, from);
  } else {
    last = await lastC2C(ex, pairKey(viewer, c.peerId!));
  }
  return {
    conversationID: c.conversationId,
    userID: c.peerId,
    groupID: c.groupId,
    groupName: fromDbText(c.groupName),
    unreadCount: await unread(ex, viewer, c),
    lastMessage: last ? await view(ex, viewer, last, c.readOrder) : null,
  };
}

export function createConversationStore(db: Db): ConversationStore {
  return {
    list: (viewer) => read(db, async (tx) => {
      const states: ConversationState[] = [];
      for (const c of await list(tx, viewer)) states.push(await state(tx, viewer, c));
      // Most recent activity first; conversations without a message keep a stable order at the end.
      return states.sort((a, b) => (b.lastMessage?.row.orderNo ?? 0) - (a.lastMessage?.row.orderNo ?? 0) || a.conversationID.localeCompare(b.conversationID));
    }),
    get: (viewer, conversationID) => read(db, async (tx) => {
      const c = await one<ConversationRow>(tx, sql`SELECT ${COLUMNS} FROM conversations c
        LEFT JOIN groups g ON g.group_id = c.group_id WHERE c.user_id = ${viewer} AND c.conversation_id = ${conversationID}`);
      return c && state(tx, viewer, c);
    }),
    totalUnread: (viewer) => read(db, async (tx) => {
      let total = 0;
      for (const c of await list(tx, viewer)) total += await unread(tx, viewer, c);
      return total;
    }),
    // One statement: "everything up to now" is the safe order (src/db/pg/order.ts): a send still in flight below the
    // last committed order must not count as read when it commits. Never backwards (a send reads up to itself).
    markRead: async (viewer, conversationID) => (await changes(db, sql`UPDATE conversations
      SET read_order = greatest(read_order, im_safe_order())
      WHERE user_id = ${viewer} AND conversation_id = ${conversationID}`)) > 0,
  };
}

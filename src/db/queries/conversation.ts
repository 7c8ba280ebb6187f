import type Database from 'better-sqlite3';
import type { ConversationState, ConversationStore } from '../store';
import { pairKey, type ViewQueries } from './view';

interface ConversationRow { conversationId: string; peerId: string | null; groupId: string | null; readOrder: number; groupName: string | null }

export function createConversationStore(db: Database.Database, views: ViewQueries): ConversationStore {
  const COLUMNS = `c.conversation_id AS conversationId, c.peer_id AS peerId, c.group_id AS groupId,
    c.read_order AS readOrder, g.group_name AS groupName`;
  const q = {
    list: db.prepare(`SELECT ${COLUMNS} FROM conversations c LEFT JOIN groups g ON g.group_id = c.group_id
      WHERE c.user_id = ?`),
    one: db.prepare(`SELECT ${COLUMNS} FROM conversations c LEFT JOIN groups g ON g.group_id = c.group_id
      WHERE c.user_id = ? AND c.conversation_id = ?`),
    lastOrder: db.prepare('SELECT coalesce(max(order_no), 0) FROM messages').pluck(),
    markRead: db.prepare('UPDATE conversations SET read_order = ? WHERE user_id = ? AND conversation_id = ?'),
  };

  function unread(viewer: string, c: ConversationRow): number {
    if (c.groupId !== null) {
      const from = views.groupWindow(viewer, c.groupId);
      return from === undefined ? 0 : views.groupUnread(viewer, c.groupId, Math.max(from, c.readOrder));
    }
    return views.c2cUnread(viewer, pairKey(viewer, c.peerId!), c.readOrder);
  }

  function state(viewer: string, c: ConversationRow): ConversationState {
    let last;
    if (c.groupId !== null) {
      const from = views.groupWindow(viewer, c.groupId);
      last = from === undefined ? undefined : views.lastGroupMessage(viewer, c.groupId, from);
    } else {
      last = views.lastC2C(pairKey(viewer, c.peerId!));
    }
    return {
      conversationID: c.conversationId,
      userID: c.peerId,
      groupID: c.groupId,
      groupName: c.groupName,
      unreadCount: unread(viewer, c),
      lastMessage: last ? views.view(viewer, last, c.readOrder) : null,
    };
  }

  return {
    list: async (viewer) =>
      (q.list.all(viewer) as ConversationRow[]).map((c) => state(viewer, c))
        // Most recent activity first; conversations without a message keep a stable order at the end.
        .sort((a, b) => (b.lastMessage?.row.orderNo ?? 0) - (a.lastMessage?.row.orderNo ?? 0) || a.conversationID.localeCompare(b.conversationID)),
    get: async (viewer, conversationID) => {
      const c = q.one.get(viewer, conversationID) as ConversationRow | undefined;
      return c && state(viewer, c);
    },
    totalUnread: async (viewer) => (q.list.all(viewer) as ConversationRow[]).reduce((n, c) => n + unread(viewer, c), 0),
    markRead: async (viewer, conversationID) => q.markRead.run(q.lastOrder.get(), viewer, conversationID).changes > 0,
  };
}

// Conversations and the account table, written once for both databases. Unread counts and lastMessage are read
// from the counters the writes keep (schema.ts), so a conversation list is one statement whose cost follows the
// number of conversations, never the number of messages (unread or not).
//   C2C:   unread = unread_count; lastMessage = last_order.
//   Group: unread = the group's unread_total - read_count (broadcasts since the read mark) + unread_count (targeted
//          messages to this viewer since it); lastMessage = the later of the group's last broadcast (if inside the
//          viewer's window) and the viewer's last targeted message.
import type { ConversationState, ConversationStore, UserStore, ViewedMessage } from './store';
import { row, rows, run, sql, type Executor } from './statement';
import { viewColumns, viewed, type ViewedRow } from './views';
import { profileMethods } from './profiles';

type StateRow = ViewedRow & {
  conversationID: string;
  userID: string | null;
  groupID: string | null;
  groupName: string | null;
  peerNickName: string | null;
  peerFaceUrl: string | null;
  unreadCount: number;
};

function state(r: StateRow): ConversationState {
  const { conversationID, userID, groupID, groupName, peerNickName, peerFaceUrl, unreadCount, ...message } = r;
  const lastMessage: ViewedMessage | null = message.orderNo === null ? null : viewed(message);
  const peer = groupID === null ? { nickName: peerNickName, faceUrl: peerFaceUrl } : null;
  return { conversationID, userID, groupID, groupName, peer, unreadCount, lastMessage };
}

export function createConversationStore(x: Executor): ConversationStore {
  const d = x.dialect;
  const UNREAD = sql`CASE WHEN c.group_id IS NULL THEN c.unread_count ELSE coalesce(g.unread_total, 0) - c.read_count + c.unread_count END`;
  const states = (viewer: string, conversationID: string | null) => sql`SELECT c.conversation_id AS "conversationID",
      c.peer_id AS "userID", c.group_id AS "groupID", g.group_name AS "groupName", ${UNREAD} AS "unreadCount",
      pu.nick_name AS "peerNickName", pu.face_url AS "peerFaceUrl", ${viewColumns(viewer)}
    FROM conversations c
    LEFT JOIN groups g ON g.group_id = c.group_id
    LEFT JOIN users pu ON pu.user_id = c.peer_id
    LEFT JOIN group_members gm ON gm.group_id = c.group_id AND gm.user_id = c.user_id
    LEFT JOIN messages m ON m.order_no = CASE WHEN c.group_id IS NULL THEN c.last_order
      ELSE ${d.greatest(sql`c.last_order`, sql`CASE WHEN g.last_order > gm.join_order THEN g.last_order ELSE 0 END`)} END
    WHERE c.user_id = ${viewer} ${conversationID === null ? sql`` : sql`AND c.conversation_id = ${conversationID}`}
    ORDER BY coalesce(m.order_no, 0) DESC, c.conversation_id ${d.collate}`;
  return {
    // Most recent activity first; conversations without a message keep a stable order at the end.
    list: async (viewer) => (await x.read(() => rows<StateRow>(states(viewer, null)))).map(state),
    get: async (viewer, conversationID) => {
      const r = await x.read(() => row<StateRow>(states(viewer, conversationID)));
      return r && state(r);
    },
    totalUnread: async (viewer) =>
      Number(
        (
          await x.read(() =>
            row<{ n: number | null }>(sql`SELECT sum(${UNREAD}) AS "n"
      FROM conversations c LEFT JOIN groups g ON g.group_id = c.group_id WHERE c.user_id = ${viewer}`),
          )
        )?.n ?? 0,
      ),
    // "Everything up to now": the conversation's latest message (the group's, for a group), read from the rows the
    // same statement updates, so a send committed meanwhile is either counted and read, or neither. One narrow race
    // remains on PostgreSQL: a revoke of a group broadcast that commits while this statement waits on the same
    // row can leave read_count one too high until the next read (the property test runs sequentially).
    markRead: async (viewer, conversationID) =>
      (await x.write(() =>
        run(sql`UPDATE conversations SET
        read_order = ${d.greatest(sql`read_order`, sql`head_order`, sql`coalesce((SELECT g.head_order FROM groups g WHERE g.group_id = conversations.group_id), 0)`)},
        read_count = coalesce((SELECT g.unread_total FROM groups g WHERE g.group_id = conversations.group_id), 0),
        unread_count = 0
      WHERE user_id = ${viewer} AND conversation_id = ${conversationID}`),
      )) > 0,
  };
}

export function createUserStore(x: Executor): UserStore {
  // Every authenticated request calls ensure(); remembering who exists keeps that off the disk and the network.
  const known = new Set<string>();
  return {
    async ensure(userID, now) {
      if (known.has(userID)) return;
      await x.write(() =>
        run(sql`INSERT INTO users (user_id, created_at) VALUES (${userID}, ${now}) ON CONFLICT DO NOTHING`),
      );
      if (known.size > 100_000) known.clear();
      known.add(userID);
    },
    ...profileMethods(x),
  };
}

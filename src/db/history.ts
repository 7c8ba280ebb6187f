// History as one viewer keeps it: getHistoryMessageList both ways (older, or newer from a message or a seq), and
// deleteMessages for oneself. A deleted message is a row of `hidden_messages` for that viewer only; every read of
// the viewer's history leaves it out (keptBy in views.ts), nobody else's changes. The counters the delete changes
// (the viewer's unread count and lastMessage) change in the same transaction, with a constant number of
// statements: the previous lastMessage is found within a bounded stretch of the conversation.
import { pairKey, type HistoryQuery, type MessageStore } from './store';
import { row, rows, run, sql, type Dialect, type Executor, type Work } from './statement';
import { keptBy, seqOf, viewColumns, viewedAll, visibleTo, type ViewedRow } from './views';
import { lastOrderOf } from './conversations';

/** Deleting the lastMessage looks this far back for the previous one the viewer still sees; none within it leaves
 *  the conversation without a lastMessage until the next message (a viewer who deleted that many in a row). */
export const FALLBACK_SCAN = 200;

/** The messages of a conversation as `messages m`, for `viewer`: the group's or the pair's. */
const ofConversation = (viewer: string, conversationID: string, alias = 'm') => {
  const m = sql.raw(alias);
  return conversationID.startsWith('group_')
    ? sql`${m}.group_id = ${conversationID.slice(6)}`
    : sql`${m}.pair_key = ${pairKey(viewer, conversationID.slice(4))}`;
};

function* hideWork(
  d: Dialect,
  viewer: string,
  conversationID: string,
  msgIds: readonly string[],
  countsUnread: boolean,
): Work<void> {
  const list = d.inList(msgIds);
  const notHidden = sql`NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ${viewer} AND h.order_no = m.order_no)`;
  // The unread ones among those not deleted before: one unread less each.
  if (countsUnread)
    yield* run(sql`UPDATE conversations SET unread_count = unread_count - (SELECT count(*) FROM messages m
        WHERE m.msg_id IN ${list} AND m.order_no > conversations.read_order AND m.sender <> ${viewer}
          AND m.excluded_unread = 0 AND m.revoked_at IS NULL AND ${notHidden})
      WHERE user_id = ${viewer} AND conversation_id = ${conversationID}`);
  const orders = (yield* rows<{ o: number }>(sql`INSERT INTO hidden_messages (user_id, order_no)
      SELECT ${viewer}, m.order_no FROM messages m WHERE m.msg_id IN ${list} AND ${notHidden}
      ON CONFLICT DO NOTHING RETURNING order_no AS "o"`)).map((r) => Number(r.o));
  const current = yield* row<{ last: number }>(sql`SELECT ${lastOrderOf(d)} AS "last" FROM conversations c
      LEFT JOIN groups g ON g.group_id = c.group_id
      LEFT JOIN group_members gm ON gm.group_id = c.group_id AND gm.user_id = c.user_id
      WHERE c.user_id = ${viewer} AND c.conversation_id = ${conversationID}`);
  const last = Number(current?.last ?? 0);
  if (last === 0 || !orders.includes(last)) return;
  // The previous message the viewer still sees and that may be a lastMessage, within the last FALLBACK_SCAN of the
  // conversation below it: one ordered index read, bounded whatever the history's length.
  const previous = yield* row<{ o: number }>(sql`SELECT m.order_no AS "o" FROM (SELECT m0.* FROM messages m0
      WHERE ${ofConversation(viewer, conversationID, 'm0')} AND m0.order_no < ${last}
      ORDER BY m0.order_no DESC LIMIT ${FALLBACK_SCAN}) m
    WHERE m.excluded_last = 0 AND ${visibleTo(viewer)} ORDER BY m.order_no DESC LIMIT 1`);
  yield* run(sql`UPDATE conversations SET last_hidden = ${d.greatest(sql`last_hidden`, sql`CAST(${last} AS bigint)`)},
      last_fallback = ${previous ? Number(previous.o) : 0}
    WHERE user_id = ${viewer} AND conversation_id = ${conversationID}`);
}

export function historyMethods(x: Executor): Pick<MessageStore, 'hide' | 'history' | 'orderOfSeq'> {
  const d = x.dialect;
  return {
    hide: (viewer, conversationID, msgIds, countsUnread) =>
      x.write(() => hideWork(d, viewer, conversationID, msgIds, countsUnread)),
    history: (viewer, q: HistoryQuery) =>
      x.read(function* () {
        const cmp = q.newer ? (q.inclusive ? sql`>=` : sql`>`) : q.inclusive ? sql`<=` : sql`<`;
        const from = q.from === null ? sql`` : sql`AND m.order_no ${cmp} ${q.from}`;
        const time =
          q.timeFrom === null
            ? sql``
            : sql`AND m.timestamp >= ${q.timeFrom} AND m.timestamp <= ${q.timeTo ?? Number.MAX_SAFE_INTEGER}`;
        // The same visibility as groupHistory / c2cHistory: a group's messages inside the viewer's window and, if
        // targeted, only to its audience; a pair's messages to its two sides; none the viewer deleted.
        const where =
          q.groupID !== null
            ? sql`m.group_id = ${q.groupID}
          AND m.order_no > (SELECT gm.join_order FROM group_members gm WHERE gm.group_id = ${q.groupID} AND gm.user_id = ${viewer})
          AND (m.targeted = 0 OR EXISTS (SELECT 1 FROM message_audience a WHERE a.order_no = m.order_no AND a.user_id = ${viewer}))`
            : sql`m.pair_key = ${pairKey(viewer, q.peer!)}`;
        return viewedAll(
          yield* rows<ViewedRow>(sql`SELECT ${viewColumns(viewer)} FROM messages m
        WHERE ${where} ${from} ${time} AND ${keptBy(viewer)}
        ORDER BY m.order_no ${q.newer ? sql`ASC` : sql`DESC`} LIMIT ${q.count}`),
        );
      }),
    // A viewer's seq is seq_base plus at most their latest rank in the group, so the message with seq S has a
    // seq_base within [S - rank, S]: a range of the (group_id, seq_base) index, however long the history.
    orderOfSeq: (viewer, groupID, seq) =>
      x.read(function* () {
        const found = yield* rows<{
          o: number;
          seq: number;
        }>(sql`SELECT m.order_no AS "o", ${seqOf(viewer, 'm')} AS "seq"
          FROM messages m WHERE m.group_id = ${groupID} AND m.seq_base <= ${seq}
            AND m.seq_base >= ${seq} - coalesce((SELECT a.rank FROM message_audience a WHERE a.user_id = ${viewer}
              AND a.group_id = ${groupID} ORDER BY a.order_no DESC LIMIT 1), 0)
            AND ${visibleTo(viewer)}`);
        const hit = found.find((r) => Number(r.seq) === seq);
        return hit && Number(hit.o);
      }),
  };
}

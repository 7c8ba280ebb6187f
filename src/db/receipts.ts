// Read receipts (sendMessageReadReceipts and friends), written once for both databases. A send with needReadReceipt
// opens the message's state (message_receipts) with its audience size fixed then; each receipt is one row in
// message_readers and one to read_count, so counts are state: a read of them is an index probe per message, never
// a count of rows or a scan of the group. The member lists are keyset pages: each goes on from a position along an
// index (a reader's arrival number at the message, a member's join_no), so a deep page costs what the first does.
// Who may send or read a receipt is decided above (src/resolvers/receipt.ts) from the state this file reads.
import type { MemberPage, NewMessage, ReceiptState, ReceiptStore } from './store';
import { orderList as orders, row, rows, run, sql, type Executor, type Work } from './statement';
import { peerRead } from './views';
import { int8 } from './messages';

/**
 * Inside the send's transaction (the group's row locked): the state of a message sent with needReadReceipt. The
 * audience: the C2C receiver; a targeted message's receivers; a broadcast's members now, less its sender.
 */
export function* openReceipts(order: number, msg: Pick<NewMessage, 'sender' | 'groupId' | 'audience'>): Work<void> {
  const size =
    msg.groupId === null
      ? sql`1`
      : msg.audience
        ? sql`${new Set(msg.audience.filter((u) => u !== msg.sender)).size}`
        : sql`(SELECT count(*) FROM group_members gm WHERE gm.group_id = ${msg.groupId} AND gm.user_id <> ${msg.sender})`;
  yield* run(sql`INSERT INTO message_receipts (order_no, audience, read_count) VALUES (${int8(order)}, ${size}, 0)`);
}

export function receiptMethods(x: Executor): ReceiptStore {
  return {
    receipts: (viewer, orderNos) =>
      x.read(function* () {
        const out = new Map<number, ReceiptState>();
        if (orderNos.length === 0) return out;
        const list = yield* rows<{
          orderNo: number;
          audience: number;
          readCount: number;
          inAudience: number;
          peerRead: number;
          timestamp: number | null;
        }>(sql`SELECT r.order_no AS "orderNo", r.audience, r.read_count AS "readCount",
          CASE WHEN m.sender = ${viewer} THEN 0
            WHEN m.group_id IS NULL THEN CASE WHEN m.receiver = ${viewer} THEN 1 ELSE 0 END
            WHEN m.targeted = 1 THEN CASE WHEN EXISTS (SELECT 1 FROM message_audience a
              WHERE a.order_no = m.order_no AND a.user_id = ${viewer}) THEN 1 ELSE 0 END
            ELSE CASE WHEN EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = m.group_id
              AND gm.user_id = ${viewer} AND gm.join_head < m.order_no) THEN 1 ELSE 0 END END AS "inAudience",
          CASE WHEN m.group_id IS NULL THEN ${peerRead} ELSE 0 END AS "peerRead",
          (SELECT x.read_at FROM message_readers x WHERE x.order_no = m.order_no ORDER BY x.arrival DESC LIMIT 1) AS "timestamp"
        FROM message_receipts r JOIN messages m ON m.order_no = r.order_no WHERE r.order_no IN (${orders(orderNos)})`);
        for (const r of list)
          out.set(Number(r.orderNo), {
            orderNo: Number(r.orderNo),
            audience: Number(r.audience),
            readCount: Number(r.readCount),
            inAudience: Number(r.inAudience) === 1,
            peerRead: Number(r.peerRead) === 1,
            timestamp: Number(r.timestamp ?? 0),
          });
        return out;
      }),
    sendReceipts: (reader, orderNos, now) =>
      x.write(function* () {
        if (orderNos.length === 0) return [];
        // The unique (order_no, user_id) makes a repeated receipt a no-op, also when two race. The state's row is
        // locked (PostgreSQL), so two readers of one message take its arrival numbers one after the other.
        const fresh = (yield* rows<{
          orderNo: number;
        }>(sql`INSERT INTO message_readers (order_no, user_id, read_at, arrival)
          SELECT r.order_no, ${reader}, ${int8(now)}, r.read_count + 1 FROM message_receipts r
          WHERE r.order_no IN (${orders(orderNos)}) ${x.dialect.forUpdate}
          ON CONFLICT (order_no, user_id) DO NOTHING RETURNING order_no AS "orderNo"`)).map((r) => Number(r.orderNo));
        if (fresh.length > 0)
          yield* run(sql`UPDATE message_receipts SET read_count = read_count + 1 WHERE order_no IN (${orders(fresh)})`);
        return fresh.sort((a, b) => a - b);
      }),
    // Readers only append (a receipt is never taken back), so an arrival number stays where it was between pages.
    readMembers: (orderNo, after, count) =>
      x.read(function* () {
        return page(
          yield* rows<Positioned>(sql`SELECT user_id AS "userId", arrival AS "position" FROM message_readers
            WHERE order_no = ${orderNo} AND arrival > ${after} ORDER BY arrival LIMIT ${count + 1}`),
          count,
        );
      }),
    unreadMembers: (m, after, count) =>
      x.read(function* () {
        const unread = sql`NOT EXISTS (SELECT 1 FROM message_readers x WHERE x.order_no = ${m.orderNo} AND x.user_id = u.user_id)
          AND u.user_id <> ${m.sender}`;
        // A targeted message: its receivers, fixed at send, numbered by userID in the read itself (at most 50 rows,
        // however deep the page). A broadcast: the members who joined before it, from `after` on along
        // (group_id, join_no), in the group's numbering now (a renumbering committed between these two statements
        // would misplace this one page: once in millions of joins, for microseconds).
        const epoch = m.targeted
          ? 0
          : Number(
              (yield* row<{ epoch: number }>(
                sql`SELECT join_epoch AS "epoch" FROM groups WHERE group_id = ${m.groupId}`,
              ))?.epoch ?? 0,
            );
        const from = after(epoch);
        const list = yield* rows<Positioned>(
          m.targeted
            ? sql`SELECT u.user_id AS "userId", u.position AS "position" FROM (SELECT a.user_id,
                  row_number() OVER (ORDER BY a.user_id ${x.dialect.collate}) AS position
                FROM message_audience a WHERE a.order_no = ${m.orderNo}) u
              WHERE u.position > ${from} AND ${unread} ORDER BY u.position LIMIT ${count + 1}`
            : sql`SELECT u.user_id AS "userId", u.join_no AS "position" FROM group_members u
              WHERE u.group_id = ${m.groupId} AND u.join_no > ${from} AND u.join_head < ${m.orderNo} AND ${unread}
              ORDER BY u.join_no LIMIT ${count + 1}`,
        );
        return { ...page(list, count), epoch };
      }),
  };
}

type Positioned = { userId: string; position: number };

/** The first `count` of a page read with one row more, and where the next page starts when that row came. */
function page(list: Positioned[], count: number): MemberPage {
  const shown = list.slice(0, count);
  return {
    userIDs: shown.map((r) => r.userId),
    next: list.length > count ? Number(shown[shown.length - 1]!.position) : null,
  };
}

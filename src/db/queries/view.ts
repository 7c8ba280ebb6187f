// How one viewer sees stored messages: visibility windows, the per-viewer `seq`, read state. Shared by the message
// and conversation stores so both answer "who may see this" with the same prepared statements.
//
// Per-viewer seq: a broadcast group message gets public seq P (the group's count of broadcasts); a targeted one
// remembers the P at send time, and each of its viewers gets a rank R (their count of targeted messages in that
// group). A viewer's seq for a broadcast is P + (their R so far); for a targeted one P + their R on it. Every
// message a viewer can see raises exactly one of the two by one, so each viewer's seqs run without a gap, and a
// member outside a targeted message's audience sees the same numbers as if it had never been sent.
import type Database from 'better-sqlite3';
import { conversationIdOf, pairKey, type MemberRow, type MessageRow, type ViewedMessage } from '../store';

export { pairKey };

export const MESSAGE_COLUMNS = `m.order_no AS orderNo, m.msg_id AS msgId, m.create_id AS createId, m.sender,
  m.receiver, m.pair_key AS pairKey, m.group_id AS groupId, m.targeted, m.targets, m.seq_base AS seqBase,
  m.elem_type AS elemType, m.text, m.custom_data AS customData, m.custom_desc AS customDesc,
  m.custom_ext AS customExt, m.at_users AS atUsers, m.priority, m.excluded_unread AS excludedUnread,
  m.excluded_last AS excludedLast, m.need_read_receipt AS needReadReceipt, m.cloud_custom_data AS cloudCustomData,
  m.local_custom_data AS localCustomData, m.random, m.timestamp, m.revoked_at AS revokedAt, m.revoked_by AS revokedBy`;


export type ViewQueries = ReturnType<typeof createViewQueries>;

export function createViewQueries(db: Database.Database) {
  /**
   * Over a JSON array of userIDs, each member's membership window, rank (`rankOf`: a targeted message's own, null
   * outside its audience; a broadcast's, the viewer's latest before it) and read mark; parameters (order, users,
   * group, conversation). CROSS JOIN keeps the list as the outer loop (one index probe per listed user); a plain JOIN
   * let SQLite scan the whole group for each listed user, which made a broadcast to N subscribers cost N × group
   * size. Raw rows (arrays): building 1,000 row objects per event cost more than the probes.
   */
  const batchViews = (rankOf: string) => db.prepare(`SELECT j.value,
      CASE g.group_type WHEN 'Meeting' THEN 0 ELSE m.join_order END, (${rankOf}), c.read_order
    FROM json_each(?) j CROSS JOIN group_members m ON m.group_id = ? AND m.user_id = j.value
    JOIN groups g ON g.group_id = m.group_id
    LEFT JOIN conversations c ON c.user_id = j.value AND c.conversation_id = ?`).raw();
  const q = {
    member: db.prepare(`SELECT m.join_order AS joinOrder, g.group_type AS groupType FROM group_members m
      JOIN groups g ON g.group_id = m.group_id WHERE m.group_id = ? AND m.user_id = ?`),
    rankAt: db.prepare('SELECT rank FROM message_audience WHERE order_no = ? AND user_id = ?').pluck(),
    rankBefore: db.prepare(`SELECT rank FROM message_audience WHERE user_id = ? AND group_id = ? AND order_no < ?
      ORDER BY order_no DESC LIMIT 1`).pluck(),
    readOrder: db.prepare('SELECT read_order FROM conversations WHERE user_id = ? AND conversation_id = ?').pluck(),
    byMsgId: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.msg_id = ?`),
    // Newest first / oldest first pages of one group as one viewer sees it, broadcasts and targeted separately.
    groupBroadcastDesc: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m
      WHERE m.group_id = ? AND m.targeted = 0 AND m.order_no > ? AND m.order_no < ? ORDER BY m.order_no DESC LIMIT ?`),
    groupTargetedDesc: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM message_audience a JOIN messages m ON m.order_no = a.order_no
      WHERE a.user_id = ? AND a.group_id = ? AND a.order_no > ? AND a.order_no < ? ORDER BY a.order_no DESC LIMIT ?`),
    lastBroadcast: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m
      WHERE m.group_id = ? AND m.targeted = 0 AND m.order_no > ? AND m.excluded_last = 0 ORDER BY m.order_no DESC LIMIT 1`),
    lastTargeted: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM message_audience a JOIN messages m ON m.order_no = a.order_no
      WHERE a.user_id = ? AND a.group_id = ? AND a.order_no > ? AND m.excluded_last = 0 ORDER BY a.order_no DESC LIMIT 1`),
    lastC2C: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m
      WHERE m.pair_key = ? AND m.excluded_last = 0 ORDER BY m.order_no DESC LIMIT 1`),
    unreadBroadcast: db.prepare(`SELECT count(*) FROM messages m WHERE m.group_id = ? AND m.targeted = 0 AND m.order_no > ?
      AND m.sender != ? AND m.excluded_unread = 0 AND m.revoked_at IS NULL`).pluck(),
    unreadTargeted: db.prepare(`SELECT count(*) FROM message_audience a JOIN messages m ON m.order_no = a.order_no
      WHERE a.user_id = ? AND a.group_id = ? AND a.order_no > ? AND m.sender != ? AND m.excluded_unread = 0
      AND m.revoked_at IS NULL`).pluck(),
    unreadC2C: db.prepare(`SELECT count(*) FROM messages m WHERE m.pair_key = ? AND m.order_no > ? AND m.sender != ?
      AND m.excluded_unread = 0 AND m.revoked_at IS NULL`).pluck(),
    // One statement per live event for all its local subscribers (batchViews below), and the members among them.
    batchBroadcast: batchViews(`SELECT a.rank FROM message_audience a WHERE a.user_id = j.value AND a.group_id = m.group_id
      AND a.order_no < ? ORDER BY a.order_no DESC LIMIT 1`),
    batchTargeted: batchViews('SELECT a.rank FROM message_audience a WHERE a.order_no = ? AND a.user_id = j.value'),
    batchMembers: db.prepare(`SELECT m.user_id FROM json_each(?) j CROSS JOIN group_members m
      ON m.group_id = ? AND m.user_id = j.value`).pluck(),
  };

  /** How each viewer that may see a just-stored (or online-only, orderNo 0) message sees it, in one statement. */
  function viewsFor(viewers: readonly string[], row: MessageRow): Map<string, ViewedMessage> {
    const out = new Map<string, ViewedMessage>();
    if (row.groupId === null) {
      for (const v of viewers) if (row.sender === v || row.receiver === v) out.set(v, row.orderNo === 0 ? { row, seq: 0, isRead: row.sender === v } : view(v, row));
      return out;
    }
    const json = JSON.stringify(viewers);
    if (row.orderNo === 0) {
      for (const v of q.batchMembers.all(json, row.groupId) as string[]) out.set(v, { row, seq: 0, isRead: row.sender === v });
      return out;
    }
    const conversation = `group_${row.groupId}`;
    const rows = (row.targeted ? q.batchTargeted : q.batchBroadcast)
      .all(row.orderNo, json, row.groupId, conversation) as [string, number, number | null, number | null][];
    for (const [v, from, rank, read] of rows) {
      if (row.orderNo <= from) continue;
      if (row.targeted && rank === null) continue; // not in the audience
      out.set(v, { row, seq: row.seqBase + (rank ?? 0), isRead: row.sender === v || row.orderNo <= (read ?? 0) });
    }
    return out;
  }

  /** The order after which a member sees a group's messages; undefined when not a member. Meeting: everything. */
  function groupWindow(viewer: string, groupId: string): number | undefined {
    const m = q.member.get(groupId, viewer) as (Pick<MemberRow, 'joinOrder'> & { groupType: string }) | undefined;
    if (!m) return undefined;
    return m.groupType === 'Meeting' ? 0 : m.joinOrder;
  }

  function canSee(viewer: string, row: MessageRow): boolean {
    if (row.groupId === null) return row.sender === viewer || row.receiver === viewer;
    const from = groupWindow(viewer, row.groupId);
    if (from === undefined || row.orderNo <= from) return false;
    return row.targeted === 0 || q.rankAt.get(row.orderNo, viewer) !== undefined;
  }

  function seqFor(viewer: string, row: MessageRow): number {
    if (row.groupId === null) return row.seqBase;
    if (row.targeted) return row.seqBase + ((q.rankAt.get(row.orderNo, viewer) as number | undefined) ?? 0);
    return row.seqBase + ((q.rankBefore.get(viewer, row.groupId, row.orderNo) as number | undefined) ?? 0);
  }

  function readOrder(viewer: string, conversationId: string): number {
    return (q.readOrder.get(viewer, conversationId) as number | undefined) ?? 0;
  }

  function view(viewer: string, row: MessageRow, read = readOrder(viewer, conversationIdOf(viewer, row))): ViewedMessage {
    return { row, seq: seqFor(viewer, row), isRead: row.sender === viewer || row.orderNo <= read };
  }

  function views(viewer: string, rows: MessageRow[]): ViewedMessage[] {
    const reads = new Map<string, number>();
    return rows.map((row) => {
      const conv = conversationIdOf(viewer, row);
      let read = reads.get(conv);
      if (read === undefined) reads.set(conv, (read = readOrder(viewer, conv)));
      return view(viewer, row, read);
    });
  }

  /** Merges two newest-first lists into one of at most `count`. */
  function mergeDesc(a: MessageRow[], b: MessageRow[], count: number): MessageRow[] {
    return [...a, ...b].sort((x, y) => y.orderNo - x.orderNo).slice(0, count);
  }

  function groupPage(viewer: string, groupId: string, from: number, before: number, count: number): MessageRow[] {
    return mergeDesc(
      q.groupBroadcastDesc.all(groupId, from, before, count) as MessageRow[],
      q.groupTargetedDesc.all(viewer, groupId, from, before, count) as MessageRow[],
      count,
    );
  }

  function lastGroupMessage(viewer: string, groupId: string, from: number): MessageRow | undefined {
    return mergeDesc(
      q.lastBroadcast.all(groupId, from) as MessageRow[],
      q.lastTargeted.all(viewer, groupId, from) as MessageRow[],
      1,
    )[0];
  }

  function groupUnread(viewer: string, groupId: string, after: number): number {
    return (q.unreadBroadcast.get(groupId, after, viewer) as number) + (q.unreadTargeted.get(viewer, groupId, after, viewer) as number);
  }

  return {
    groupWindow, canSee, seqFor, view, views, viewsFor, groupPage, lastGroupMessage, groupUnread,
    byMsgId: (msgId: string) => q.byMsgId.get(msgId) as MessageRow | undefined,
    lastC2C: (pair: string) => q.lastC2C.get(pair) as MessageRow | undefined,
    c2cUnread: (viewer: string, pair: string, after: number) => q.unreadC2C.get(pair, after, viewer) as number,
  };
}

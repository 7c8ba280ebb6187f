// How one viewer sees stored messages, on PostgreSQL: the same questions as src/db/queries/view.ts (visibility
// windows, per-viewer seq = public seq + the viewer's targeted rank, read state), asked of an executor so a store
// method can run several of them in one transaction. See the SQLite file for why each viewer's seqs have no gap.
import { conversationIdOf, pairKey as sharedPairKey, type MemberRow, type MessageRow, type ViewedMessage } from '../store';
import { fromDbText, one, rows, sql, value, type Executor, type SQL } from './client';

/**
 * A C2C pair's key as stored. PostgreSQL text cannot hold NUL, the shared key's separator, so \u0001 stands in
 * (userIDs are printable); rows read back carry the shared key, so both stores hand out identical rows.
 */
export const pairKey = (a: string, b: string) => sharedPairKey(a, b).replace('\u0000', '\u0001');

/** A message row as the SQLite store hands it out: the shared pair key, free text as it was sent. */
const shared = (row: MessageRow): MessageRow => {
  if (row.pairKey !== null) row.pairKey = row.pairKey.replace('\u0001', '\u0000');
  for (const k of ['text', 'customData', 'customDesc', 'customExt', 'cloudCustomData', 'localCustomData'] as const) row[k] = fromDbText(row[k]);
  return row;
};

/** Message rows (selected with MESSAGE_COLUMNS). */
export const messageRows = async (ex: Executor, query: SQL): Promise<MessageRow[]> => (await rows<MessageRow>(ex, query)).map(shared);

export async function messageRow(ex: Executor, query: SQL): Promise<MessageRow | undefined> {
  const row = await one<MessageRow>(ex, query);
  return row && shared(row);
}

export const MESSAGE_COLUMNS = sql.raw(`m.order_no AS "orderNo", m.msg_id AS "msgId", m.create_id AS "createId",
  m.sender, m.receiver, m.pair_key AS "pairKey", m.group_id AS "groupId", m.targeted, m.targets,
  m.seq_base AS "seqBase", m.elem_type AS "elemType", m.text, m.custom_data AS "customData",
  m.custom_desc AS "customDesc", m.custom_ext AS "customExt", m.at_users AS "atUsers", m.priority,
  m.excluded_unread AS "excludedUnread", m.excluded_last AS "excludedLast", m.need_read_receipt AS "needReadReceipt",
  m.cloud_custom_data AS "cloudCustomData", m.local_custom_data AS "localCustomData", m.random, m.timestamp,
  m.revoked_at AS "revokedAt", m.revoked_by AS "revokedBy"`);

/** The order after which a member sees a group's messages; undefined when not a member. Meeting: everything. */
export async function groupWindow(ex: Executor, viewer: string, groupId: string): Promise<number | undefined> {
  const m = await one<Pick<MemberRow, 'joinOrder'> & { groupType: string }>(ex, sql`SELECT m.join_order AS "joinOrder",
    g.group_type AS "groupType" FROM group_members m JOIN groups g ON g.group_id = m.group_id
    WHERE m.group_id = ${groupId} AND m.user_id = ${viewer}`);
  if (!m) return undefined;
  return m.groupType === 'Meeting' ? 0 : m.joinOrder;
}

const rankAt = (ex: Executor, orderNo: number, viewer: string) =>
  value<number>(ex, sql`SELECT rank FROM message_audience WHERE order_no = ${orderNo} AND user_id = ${viewer}`);

export async function canSee(ex: Executor, viewer: string, row: MessageRow): Promise<boolean> {
  if (row.groupId === null) return row.sender === viewer || row.receiver === viewer;
  const from = await groupWindow(ex, viewer, row.groupId);
  if (from === undefined || row.orderNo <= from) return false;
  return row.targeted === 0 || (await rankAt(ex, row.orderNo, viewer)) !== undefined;
}

export async function seqFor(ex: Executor, viewer: string, row: MessageRow): Promise<number> {
  if (row.groupId === null) return row.seqBase;
  if (row.targeted) return row.seqBase + ((await rankAt(ex, row.orderNo, viewer)) ?? 0);
  const before = await value<number>(ex, sql`SELECT rank FROM message_audience WHERE user_id = ${viewer}
    AND group_id = ${row.groupId} AND order_no < ${row.orderNo} ORDER BY order_no DESC LIMIT 1`);
  return row.seqBase + (before ?? 0);
}

export async function readOrder(ex: Executor, viewer: string, conversationId: string): Promise<number> {
  return (await value<number>(ex, sql`SELECT read_order FROM conversations
    WHERE user_id = ${viewer} AND conversation_id = ${conversationId}`)) ?? 0;
}

export async function view(ex: Executor, viewer: string, row: MessageRow, read?: number): Promise<ViewedMessage> {
  const upTo = read ?? (await readOrder(ex, viewer, conversationIdOf(viewer, row)));
  return { row, seq: await seqFor(ex, viewer, row), isRead: row.sender === viewer || row.orderNo <= upTo };
}

export async function views(ex: Executor, viewer: string, list: MessageRow[]): Promise<ViewedMessage[]> {
  const reads = new Map<string, number>();
  const out: ViewedMessage[] = [];
  for (const row of list) {
    const conv = conversationIdOf(viewer, row);
    let read = reads.get(conv);
    if (read === undefined) reads.set(conv, (read = await readOrder(ex, viewer, conv)));
    out.push(await view(ex, viewer, row, read));
  }
  return out;
}

/** Merges two newest-first lists into one of at most `count`. */
const mergeDesc = (a: MessageRow[], b: MessageRow[], count: number) =>
  [...a, ...b].sort((x, y) => y.orderNo - x.orderNo).slice(0, count);

/** Newest first, one group as one viewer sees it: broadcasts and the viewer's targeted messages. */
export async function groupPage(ex: Executor, viewer: string, groupId: string, from: number, before: number, count: number): Promise<MessageRow[]> {
  return mergeDesc(
    await messageRows(ex, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.group_id = ${groupId}
      AND m.targeted = 0 AND m.order_no > ${from} AND m.order_no < ${before} ORDER BY m.order_no DESC LIMIT ${count}`),
    await messageRows(ex, sql`SELECT ${MESSAGE_COLUMNS} FROM message_audience a JOIN messages m ON m.order_no = a.order_no
      WHERE a.user_id = ${viewer} AND a.group_id = ${groupId} AND a.order_no > ${from} AND a.order_no < ${before}
      ORDER BY a.order_no DESC LIMIT ${count}`),
    count,
  );
}

export async function lastGroupMessage(ex: Executor, viewer: string, groupId: string, from: number): Promise<MessageRow | undefined> {
  return mergeDesc(
    await messageRows(ex, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.group_id = ${groupId}
      AND m.targeted = 0 AND m.order_no > ${from} AND m.excluded_last = 0 ORDER BY m.order_no DESC LIMIT 1`),
    await messageRows(ex, sql`SELECT ${MESSAGE_COLUMNS} FROM message_audience a JOIN messages m ON m.order_no = a.order_no
      WHERE a.user_id = ${viewer} AND a.group_id = ${groupId} AND a.order_no > ${from} AND m.excluded_last = 0
      ORDER BY a.order_no DESC LIMIT 1`),
    1,
  )[0];
}

export async function groupUnread(ex: Executor, viewer: string, groupId: string, after: number): Promise<number> {
  const broadcast = await value<number>(ex, sql`SELECT count(*) FROM messages m WHERE m.group_id = ${groupId}
    AND m.targeted = 0 AND m.order_no > ${after} AND m.sender != ${viewer} AND m.excluded_unread = 0 AND m.revoked_at IS NULL`);
  const targeted = await value<number>(ex, sql`SELECT count(*) FROM message_audience a JOIN messages m ON m.order_no = a.order_no
    WHERE a.user_id = ${viewer} AND a.group_id = ${groupId} AND a.order_no > ${after} AND m.sender != ${viewer}
    AND m.excluded_unread = 0 AND m.revoked_at IS NULL`);
  return (broadcast ?? 0) + (targeted ?? 0);
}

export const byMsgId = (ex: Executor, msgId: string) =>
  messageRow(ex, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.msg_id = ${msgId}`);

export const lastC2C = (ex: Executor, pair: string) =>
  messageRow(ex, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.pair_key = ${pair} AND m.excluded_last = 0
    ORDER BY m.order_no DESC LIMIT 1`);

export async function c2cUnread(ex: Executor, viewer: string, pair: string, after: number): Promise<number> {
  return (await value<number>(ex, sql`SELECT count(*) FROM messages m WHERE m.pair_key = ${pair} AND m.order_no > ${after}
    AND m.sender != ${viewer} AND m.excluded_unread = 0 AND m.revoked_at IS NULL`)) ?? 0;
}

/** How each viewer that may see a just-stored (or online-only, orderNo 0) message sees it, in one statement. */
export async function viewsFor(ex: Executor, viewers: readonly string[], row: MessageRow): Promise<Map<string, ViewedMessage>> {
  const out = new Map<string, ViewedMessage>();
  if (row.groupId === null) {
    for (const v of viewers) {
      if (row.sender === v || row.receiver === v) out.set(v, row.orderNo === 0 ? { row, seq: 0, isRead: row.sender === v } : await view(ex, v, row));
    }
    return out;
  }
  const users = sql.param([...viewers]);
  if (row.orderNo === 0) {
    for (const { userId } of await rows<{ userId: string }>(ex, sql`SELECT user_id AS "userId" FROM group_members
      WHERE group_id = ${row.groupId} AND user_id = ANY(${users}::text[])`)) out.set(userId, { row, seq: 0, isRead: row.sender === userId });
    return out;
  }
  // One round trip per event for all its local subscribers: membership window, targeted rank and read mark.
  const rank = row.targeted
    ? sql`(SELECT a.rank FROM message_audience a WHERE a.order_no = ${row.orderNo} AND a.user_id = m.user_id)`
    : sql`(SELECT a.rank FROM message_audience a WHERE a.user_id = m.user_id AND a.group_id = m.group_id
        AND a.order_no < ${row.orderNo} ORDER BY a.order_no DESC LIMIT 1)`;
  const viewed = await rows<{ userId: string; fromOrder: number; rank: number | null; readOrder: number | null }>(ex, sql`
    SELECT m.user_id AS "userId", CASE g.group_type WHEN 'Meeting' THEN 0 ELSE m.join_order END AS "fromOrder",
      ${rank} AS rank, c.read_order AS "readOrder"
    FROM group_members m JOIN groups g ON g.group_id = m.group_id
    LEFT JOIN conversations c ON c.user_id = m.user_id AND c.conversation_id = ${`group_${row.groupId}`}
    WHERE m.group_id = ${row.groupId} AND m.user_id = ANY(${users}::text[])`);
  for (const { userId: v, fromOrder, rank: r, readOrder } of viewed) {
    if (row.orderNo <= fromOrder) continue;
    if (row.targeted && r === null) continue; // not in the audience
    out.set(v, { row, seq: row.seqBase + (r ?? 0), isRead: row.sender === v || row.orderNo <= (readOrder ?? 0) });
  }
  return out;
}

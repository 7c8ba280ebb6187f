// Messages on PostgreSQL, with the semantics of src/db/queries/message.ts: drafts, idempotent send by create_id,
// audience rows with per-viewer ranks, conversations touched by a send, resume after a cursor, revoke.
//
// Ordering across processes: a stored send is one autocommitted statement (im_send, storeSend) and sends commit in
// any order; a send's order is marked in flight until it ends, and every "after order N" read here stops below the
// oldest one still in flight (after: bounded by safeOrder; between: awaitOrdersBelow first; lastOrder: safeOrder).
// src/db/pg/order.ts has the mechanism and why it is gap-free and exactly-once.
//
// Per-viewer numbers are race-free by locks held to the commit: a group's public_count and its members' targeted
// ranks change only under the group's row lock (SELECT … FOR UPDATE, which membership changes take too); the C2C
// pair seq is read and used under a lock per pair.
import type { DraftRow, GroupRow, MemberRow, MessageRow, MessageStore, ViewedMessage } from '../store';
import { changes, fromDbText, one, read, rows, sql, toDbText, type Db, type Executor } from './client';
import { awaitOrdersBelow, safeOrder, storeSend } from './order';
import { MESSAGE_COLUMNS, byMsgId, canSee, groupPage, groupWindow, messageRow, messageRows, pairKey, seqFor, view, views, viewsFor } from './view';

const DRAFT_COLUMNS = sql.raw(`id, owner, created_at AS "createdAt", expires_at AS "expiresAt", elem_type AS "elemType",
  text, custom_data AS "customData", custom_desc AS "customDesc", custom_ext AS "customExt", at_users AS "atUsers", targets`);

async function draft(ex: Executor, id: string, owner: string, now: number): Promise<DraftRow | undefined> {
  const d = await one<DraftRow>(ex, sql`SELECT ${DRAFT_COLUMNS} FROM drafts WHERE id = ${id} AND owner = ${owner} AND expires_at > ${now}`);
  return d && { ...d, text: fromDbText(d.text), customData: fromDbText(d.customData), customDesc: fromDbText(d.customDesc), customExt: fromDbText(d.customExt) };
}

/**
 * Oldest first, everything `viewer` may see after `afterOrder` and up to `bound` (safeOrder: every order up to it
 * is final and visible to a snapshot taken after it was read), so no source runs ahead of another and no send
 * still in flight can later commit below what this returned.
 */
async function after(tx: Executor, viewer: string, afterOrder: number, limit: number, bound: number): Promise<ViewedMessage[]> {
  const windows = await rows<{ groupId: string; fromOrder: number }>(tx, sql`SELECT m.group_id AS "groupId",
      CASE g.group_type WHEN 'Meeting' THEN 0 ELSE m.join_order END AS "fromOrder"
    FROM group_members m JOIN groups g ON g.group_id = m.group_id WHERE m.user_id = ${viewer}`);
  const from = new Map(windows.map((w) => [w.groupId, w.fromOrder]));
  const list: MessageRow[] = [
    ...await messageRows(tx, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.receiver = ${viewer}
      AND m.order_no > ${afterOrder} AND m.order_no <= ${bound} ORDER BY m.order_no LIMIT ${limit}`),
    ...await messageRows(tx, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.sender = ${viewer}
      AND m.order_no > ${afterOrder} AND m.order_no <= ${bound} AND m.pair_key IS NOT NULL ORDER BY m.order_no LIMIT ${limit}`),
    ...(await messageRows(tx, sql`SELECT ${MESSAGE_COLUMNS} FROM message_audience a JOIN messages m ON m.order_no = a.order_no
      WHERE a.user_id = ${viewer} AND a.order_no > ${afterOrder} AND a.order_no <= ${bound} ORDER BY a.order_no LIMIT ${limit}`)).filter((r) => {
      const f = from.get(r.groupId!);
      return f !== undefined && r.orderNo > f;
    }),
  ];
  for (const w of windows) {
    list.push(...await messageRows(tx, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.group_id = ${w.groupId}
      AND m.targeted = 0 AND m.order_no > ${Math.max(afterOrder, w.fromOrder)} AND m.order_no <= ${bound} ORDER BY m.order_no LIMIT ${limit}`));
  }
  list.sort((a, b) => a.orderNo - b.orderNo);
  return views(tx, viewer, list.slice(0, limit));
}

export function createMessageStore(db: Db): MessageStore {
  return {
    createDraft: async (d: DraftRow) => {
      await db.execute(sql`INSERT INTO drafts (id, owner, created_at, expires_at, elem_type, text, custom_data, custom_desc,
        custom_ext, at_users, targets) VALUES (${d.id}, ${d.owner}, ${d.createdAt}, ${d.expiresAt}, ${d.elemType},
        ${toDbText(d.text)}, ${toDbText(d.customData)}, ${toDbText(d.customDesc)}, ${toDbText(d.customExt)}, ${d.atUsers}, ${d.targets})`);
    },
    draft: (id, owner, now) => draft(db, id, owner, now),
    // One round trip before a send: the draft with the group and the sender's membership (the send statement checks
    // again under its locks). Round trips, not statements, are what a send costs here (BENCHMARKS.md, figure 8).
    draftToSend: async (id, owner, now, groupID) => {
      const r = await one<DraftRow & { group: GroupRow | null; member: MemberRow | null }>(db, sql`SELECT ${DRAFT_COLUMNS},
        (SELECT json_build_object('groupId', g.group_id, 'groupType', g.group_type, 'groupName', g.group_name, 'owner', g.owner,
          'createdAt', g.created_at, 'publicCount', g.public_count) FROM groups g WHERE g.group_id = ${groupID}) AS "group",
        (SELECT json_build_object('groupId', m.group_id, 'userId', m.user_id, 'role', m.role, 'joinTime', m.join_time,
          'joinOrder', m.join_order, 'muteUntil', m.mute_until) FROM group_members m
          WHERE m.group_id = ${groupID} AND m.user_id = ${owner}) AS "member"
        FROM drafts WHERE id = ${id} AND owner = ${owner} AND expires_at > ${now}`);
      if (!r) return undefined;
      const { group, member, ...d } = r;
      const draft = { ...d, text: fromDbText(d.text), customData: fromDbText(d.customData), customDesc: fromDbText(d.customDesc), customExt: fromDbText(d.customExt) };
      return { draft, group: group ? { ...group, groupName: fromDbText(group.groupName) } : undefined, member: member ?? undefined };
    },
    sentFromDraft: (createId, sender) => read(db, async (tx) => {
      const row = await messageRow(tx, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m
        WHERE m.create_id = ${createId} AND m.sender = ${sender}`);
      return row && { row, seq: await seqFor(tx, sender, row), isRead: true };
    }),
    send: (msg, now) => storeSend(db, msg, now, true),
    sendOnline: (msg, now) => storeSend(db, msg, now, false),
    reclaimDrafts: (now) => changes(db, sql`DELETE FROM drafts WHERE expires_at <= ${now}`),
    visible: (viewer, msgId) => read(db, async (tx) => {
      const row = await byMsgId(tx, msgId);
      return row && (await canSee(tx, viewer, row)) ? view(tx, viewer, row) : undefined;
    }),
    groupHistory: (viewer, groupID, beforeOrder, count) => read(db, async (tx) => {
      const from = await groupWindow(tx, viewer, groupID);
      return from === undefined ? [] : views(tx, viewer, await groupPage(tx, viewer, groupID, from, beforeOrder, count));
    }),
    c2cHistory: (viewer, peer, beforeOrder, count) => read(db, async (tx) =>
      views(tx, viewer, await messageRows(tx, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m
        WHERE m.pair_key = ${pairKey(viewer, peer)} AND m.order_no < ${beforeOrder} ORDER BY m.order_no DESC LIMIT ${count}`))),
    // The bound is read first, in its own statement, so the snapshot of the read below sees every order up to it.
    after: async (viewer, afterOrder, limit) => {
      const bound = await safeOrder(db);
      return read(db, (tx) => after(tx, viewer, afterOrder, limit, bound));
    },
    viewsFor: (viewers, row) => read(db, (tx) => viewsFor(tx, viewers, row)),
    canSee: (viewer, row) => read(db, (tx) => canSee(tx, viewer, row)),
    revoke: async (orderNo, by, now) => {
      await db.execute(sql`UPDATE messages SET revoked_at = ${now}, revoked_by = ${by} WHERE order_no = ${orderNo} AND revoked_at IS NULL`);
    },
    // Everything up to it is final: where a reader of the bus may start.
    lastOrder: () => safeOrder(db),
    // Waits until nothing below beforeOrder is in flight, then reads (a later statement: it sees all of them).
    between: async (afterOrder, beforeOrder, limit) => {
      await awaitOrdersBelow(db, beforeOrder);
      return messageRows(db, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m
        WHERE m.order_no > ${afterOrder} AND m.order_no < ${beforeOrder} ORDER BY m.order_no LIMIT ${limit}`);
    },
  };
}

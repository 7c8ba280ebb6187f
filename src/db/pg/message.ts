// Messages on PostgreSQL, with the semantics of src/db/queries/message.ts: drafts, idempotent send by create_id,
// audience rows with per-viewer ranks, conversations touched by a send, resume after a cursor, revoke.
//
// Ordering across processes. A cursor is an order_no, and a resuming reader asks for "everything after N". With
// concurrent writers a plain sequence breaks that: T1 takes 10, T2 takes 11, T2 commits first, a reader sees 11
// and moves its cursor past 10, then T1 commits and 10 is never delivered. So a send takes one transaction-scoped
// advisory lock (the order lock) right before it allocates order_no and keeps it until COMMIT: allocations happen
// one at a time, and each commit is visible before the next allocation (PostgreSQL releases locks after the commit
// is visible), so commit order equals order_no order: a snapshot that holds an order holds every committed one
// below it (numbers of rolled-back sends are simply never used). Cross-process live delivery relies on it too
// (src/realtime/redis-bus.ts reads the holes below an early event from storage).
// The cost: stored sends commit one after another cluster-wide, each holding the lock through its WAL flush, so
// sends/s are bounded by 1 / commit latency (about 230/s measured on a disk with a 3 ms fdatasync; thousands on
// NVMe). The lock is taken as late as possible (checks, draft consumption, public seq and ranks come first,
// under the group's row lock) so it covers only the inserts, the conversation upserts and the commit. A "safe
// watermark" design (readers stop below the oldest in-flight order) would let commits overlap, at the price of a
// second protocol.
//
// Per-viewer numbers are race-free by the same locks: a group's public_count and its members' targeted ranks
// change only under the group's row lock (SELECT … FOR UPDATE, which membership changes take too); the C2C pair
// seq is read and used under the order lock.
import type { DraftRow, MessageRow, MessageStore, NewMessage, SendOutcome, ViewedMessage } from '../store';
import { changes, fromDbText, one, read, rows, sql, toDbText, value, write, type Db, type Executor } from './client';
import { pairKey as sharedPairKey } from '../store';
import { getGroup, member } from './group';
import { MESSAGE_COLUMNS, byMsgId, canSee, groupPage, groupWindow, messageRow, messageRows, pairKey, seqFor, view, views, viewsFor } from './view';

/** Arbitrary but fixed: the first half of the order lock's key; the second is the schema, so deployments sharing
 * one database in different schemas do not wait for each other. */
const ORDER_LOCK = 0x494d;

const takeOrderLock = (tx: Executor) =>
  tx.execute(sql`SELECT pg_advisory_xact_lock(${ORDER_LOCK}, hashtext(coalesce(current_schema(), '')))`);

const DRAFT_COLUMNS = sql.raw(`id, owner, created_at AS "createdAt", expires_at AS "expiresAt", elem_type AS "elemType",
  text, custom_data AS "customData", custom_desc AS "customDesc", custom_ext AS "customExt", at_users AS "atUsers", targets`);

type Failure = Extract<SendOutcome, { ok: false }>['reason'];

async function draft(ex: Executor, id: string, owner: string, now: number): Promise<DraftRow | undefined> {
  const d = await one<DraftRow>(ex, sql`SELECT ${DRAFT_COLUMNS} FROM drafts WHERE id = ${id} AND owner = ${owner} AND expires_at > ${now}`);
  return d && { ...d, text: fromDbText(d.text), customData: fromDbText(d.customData), customDesc: fromDbText(d.customDesc), customExt: fromDbText(d.customExt) };
}

async function send(tx: Executor, msg: NewMessage, now: number, onlineOnly: boolean): Promise<SendOutcome> {
  const fail = (reason: Failure): SendOutcome => ({ ok: false, reason });
  let publicCount = 0;
  if (msg.groupId !== null) {
    const group = await one<{ publicCount: number }>(tx, sql`SELECT public_count AS "publicCount" FROM groups
      WHERE group_id = ${msg.groupId} FOR UPDATE`);
    if (!group) return fail('group-missing');
    const sender = await one<{ muteUntil: number }>(tx, sql`SELECT mute_until AS "muteUntil" FROM group_members
      WHERE group_id = ${msg.groupId} AND user_id = ${msg.sender}`);
    if (!sender) return fail('not-member');
    if (sender.muteUntil > now) return fail('muted');
    if (msg.audience) {
      const present = (await value<number>(tx, sql`SELECT count(*) FROM group_members WHERE group_id = ${msg.groupId}
        AND user_id = ANY(${sql.param(msg.audience)}::text[])`)) ?? 0;
      if (present < new Set(msg.audience).size) return fail('receiver-not-member');
    }
    publicCount = group.publicCount;
  }
  // A concurrent send of the same draft already consumed it: the caller answers from the stored message. Checked
  // before anything is allocated, since returning an outcome commits what was written so far.
  // Only the draft as the send read it (its receiverList unchanged since).
  const draftTargets = msg.draftTargets ? JSON.stringify(msg.draftTargets) : null;
  if ((await changes(tx, sql`DELETE FROM drafts WHERE id = ${msg.createId} AND owner = ${msg.sender}
    AND targets IS NOT DISTINCT FROM ${draftTargets}::text`)) === 0) return fail('draft-missing');
  const values = {
    pairKey: msg.groupId === null ? sharedPairKey(msg.sender, msg.receiver!) : null,
    targeted: msg.audience ? 1 : 0,
    targets: msg.targets ? JSON.stringify(msg.targets) : null,
    atUsers: msg.atUsers ? JSON.stringify(msg.atUsers) : null,
    excludedUnread: msg.excludedUnread ? 1 : 0,
    excludedLast: msg.excludedLast ? 1 : 0,
    needReadReceipt: msg.needReadReceipt ? 1 : 0,
  };
  if (onlineOnly) {
    // Never stored: a transient row with no order (no cursor, no seq) for live delivery only.
    const { audience: _a, draftTargets: _d, ...rest } = msg;
    return { ok: true, message: { row: { ...rest, ...values, seqBase: 0, orderNo: 0, revokedAt: null, revokedBy: null }, seq: 0, isRead: true } };
  }

  const pair = msg.groupId === null ? pairKey(msg.sender, msg.receiver!) : null;
  let seqBase = 0;
  let senderRank = 0;
  let ranks: { userId: string; rank: number }[] = [];
  if (msg.groupId !== null && msg.audience) {
    seqBase = publicCount;
    ranks = await rows(tx, sql`SELECT u AS "userId", coalesce((SELECT a.rank FROM message_audience a
        WHERE a.user_id = u AND a.group_id = ${msg.groupId} ORDER BY a.order_no DESC LIMIT 1), 0) + 1 AS rank
      FROM unnest(${sql.param(msg.audience)}::text[]) WITH ORDINALITY AS t(u, i) ORDER BY i`);
  } else if (msg.groupId !== null) {
    seqBase = (await value<number>(tx, sql`UPDATE groups SET public_count = public_count + 1
      WHERE group_id = ${msg.groupId} RETURNING public_count`))!;
    // The sender's seq is the public seq plus their targeted rank so far (seqFor), read before the order lock.
    senderRank = (await value<number>(tx, sql`SELECT rank FROM message_audience WHERE user_id = ${msg.sender}
      AND group_id = ${msg.groupId} ORDER BY order_no DESC LIMIT 1`)) ?? 0;
  }

  await takeOrderLock(tx);
  if (msg.groupId === null) {
    seqBase = ((await value<number>(tx, sql`SELECT seq_base FROM messages WHERE pair_key = ${pair}
      ORDER BY order_no DESC LIMIT 1`)) ?? 0) + 1;
  }
  const row = (await messageRow(tx, sql`INSERT INTO messages AS m (msg_id, create_id, sender, receiver, pair_key,
      group_id, targeted, targets, seq_base, elem_type, text, custom_data, custom_desc, custom_ext, at_users, priority,
      excluded_unread, excluded_last, need_read_receipt, cloud_custom_data, local_custom_data, random, timestamp)
    VALUES (${msg.msgId}, ${msg.createId}, ${msg.sender}, ${msg.receiver}, ${pair}, ${msg.groupId},
      ${values.targeted}, ${values.targets}, ${seqBase}, ${msg.elemType}, ${toDbText(msg.text)}, ${toDbText(msg.customData)},
      ${toDbText(msg.customDesc)}, ${toDbText(msg.customExt)}, ${values.atUsers}, ${msg.priority}, ${values.excludedUnread},
      ${values.excludedLast}, ${values.needReadReceipt}, ${toDbText(msg.cloudCustomData)}, ${toDbText(msg.localCustomData)},
      ${msg.random}, ${msg.timestamp})
    RETURNING ${MESSAGE_COLUMNS}`))!;

  let seq = row.seqBase;
  if (msg.groupId !== null && msg.audience) {
    await tx.execute(sql`INSERT INTO message_audience (order_no, user_id, group_id, rank)
      SELECT ${row.orderNo}, u, ${msg.groupId}, r
      FROM unnest(${sql.param(ranks.map((r) => r.userId))}::text[], ${sql.param(ranks.map((r) => r.rank))}::bigint[]) AS t(u, r)`);
    seq = row.seqBase + (ranks.find((r) => r.userId === msg.sender)?.rank ?? 0);
  } else if (msg.groupId !== null) {
    seq = row.seqBase + senderRank;
  }
  // Sending into a conversation reads it up to the sent message; the peer's C2C conversation opens unread.
  const readUpTo = (conversationId: string, peerId: string | null, groupId: string | null) =>
    tx.execute(sql`INSERT INTO conversations (user_id, conversation_id, peer_id, group_id, read_order)
      VALUES (${msg.sender}, ${conversationId}, ${peerId}, ${groupId}, ${row.orderNo})
      ON CONFLICT (user_id, conversation_id) DO UPDATE SET read_order = excluded.read_order`);
  if (msg.groupId !== null) {
    await readUpTo(`group_${msg.groupId}`, null, msg.groupId);
  } else {
    await readUpTo(`c2c_${msg.receiver}`, msg.receiver, null);
    await tx.execute(sql`INSERT INTO conversations (user_id, conversation_id, peer_id, read_order)
      VALUES (${msg.receiver}, ${`c2c_${msg.sender}`}, ${msg.sender}, 0) ON CONFLICT DO NOTHING`);
  }
  return { ok: true, message: { row, seq, isRead: true } };
}

/** Oldest first, everything `viewer` may see after `afterOrder`: one snapshot, so no source runs ahead of another. */
async function after(tx: Executor, viewer: string, afterOrder: number, limit: number): Promise<ViewedMessage[]> {
  const windows = await rows<{ groupId: string; fromOrder: number }>(tx, sql`SELECT m.group_id AS "groupId",
      CASE g.group_type WHEN 'Meeting' THEN 0 ELSE m.join_order END AS "fromOrder"
    FROM group_members m JOIN groups g ON g.group_id = m.group_id WHERE m.user_id = ${viewer}`);
  const from = new Map(windows.map((w) => [w.groupId, w.fromOrder]));
  const list: MessageRow[] = [
    ...await messageRows(tx, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.receiver = ${viewer}
      AND m.order_no > ${afterOrder} ORDER BY m.order_no LIMIT ${limit}`),
    ...await messageRows(tx, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.sender = ${viewer}
      AND m.order_no > ${afterOrder} AND m.pair_key IS NOT NULL ORDER BY m.order_no LIMIT ${limit}`),
    ...(await messageRows(tx, sql`SELECT ${MESSAGE_COLUMNS} FROM message_audience a JOIN messages m ON m.order_no = a.order_no
      WHERE a.user_id = ${viewer} AND a.order_no > ${afterOrder} ORDER BY a.order_no LIMIT ${limit}`)).filter((r) => {
      const f = from.get(r.groupId!);
      return f !== undefined && r.orderNo > f;
    }),
  ];
  for (const w of windows) {
    list.push(...await messageRows(tx, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.group_id = ${w.groupId}
      AND m.targeted = 0 AND m.order_no > ${Math.max(afterOrder, w.fromOrder)} ORDER BY m.order_no LIMIT ${limit}`));
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
    targetDraft: async (id, owner, now, receivers) => (await changes(db, sql`UPDATE drafts SET targets = ${JSON.stringify(receivers)}
      WHERE id = ${id} AND owner = ${owner} AND expires_at > ${now}`)) > 0,
    // The same three reads a send made one by one before (the send's transaction checks again under its locks).
    draftToSend: async (id, owner, now, groupID) => {
      const d = await draft(db, id, owner, now);
      if (!d) return undefined;
      if (groupID === null) return { draft: d, group: undefined, member: undefined };
      return { draft: d, group: await getGroup(db, groupID), member: await member(db, groupID, owner) };
    },
    sentFromDraft: (createId, sender) => read(db, async (tx) => {
      const row = await messageRow(tx, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m
        WHERE m.create_id = ${createId} AND m.sender = ${sender}`);
      return row && { row, seq: await seqFor(tx, sender, row), isRead: true };
    }),
    send: (msg, now) => write(db, (tx) => send(tx, msg, now, false)),
    sendOnline: (msg, now) => write(db, (tx) => send(tx, msg, now, true)),
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
    after: (viewer, afterOrder, limit) => read(db, (tx) => after(tx, viewer, afterOrder, limit)),
    viewsFor: (viewers, row) => read(db, (tx) => viewsFor(tx, viewers, row)),
    canSee: (viewer, row) => read(db, (tx) => canSee(tx, viewer, row)),
    revoke: async (orderNo, by, now) => {
      await db.execute(sql`UPDATE messages SET revoked_at = ${now}, revoked_by = ${by} WHERE order_no = ${orderNo} AND revoked_at IS NULL`);
    },
    lastOrder: async () => (await value<number>(db, sql`SELECT coalesce(max(order_no), 0) FROM messages`)) ?? 0,
    between: (afterOrder, beforeOrder, limit) => messageRows(db, sql`SELECT ${MESSAGE_COLUMNS} FROM messages m
      WHERE m.order_no > ${afterOrder} AND m.order_no < ${beforeOrder} ORDER BY m.order_no LIMIT ${limit}`),
  };
}

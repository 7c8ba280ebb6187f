import type Database from 'better-sqlite3';
import type { DraftRow, MessageRow, MessageStore, NewMessage, SendCheck, SendOutcome, ViewedMessage } from '../store';
import type { GroupRows } from './group';
import { MESSAGE_COLUMNS, pairKey, type ViewQueries } from './view';

interface Queued { work(): unknown; resolve(value: unknown): void; reject(e: unknown): void }

export function createMessageStore(db: Database.Database, views: ViewQueries, groups: GroupRows): MessageStore {
  const q = {
    insertDraft: db.prepare(`INSERT INTO drafts (id, owner, created_at, expires_at, elem_type, text, custom_data,
      custom_desc, custom_ext, at_users, targets) VALUES (@id, @owner, @createdAt, @expiresAt, @elemType, @text,
      @customData, @customDesc, @customExt, @atUsers, @targets)`),
    draft: db.prepare(`SELECT id, owner, created_at AS createdAt, expires_at AS expiresAt, elem_type AS elemType, text,
      custom_data AS customData, custom_desc AS customDesc, custom_ext AS customExt, at_users AS atUsers, targets
      FROM drafts WHERE id = ? AND owner = ? AND expires_at > ?`),
    targetDraft: db.prepare('UPDATE drafts SET targets = ? WHERE id = ? AND owner = ? AND expires_at > ?'),
    // Only the draft as the send read it: `targets IS ?` also matches two NULLs.
    consumeDraft: db.prepare('DELETE FROM drafts WHERE id = ? AND owner = ? AND targets IS ?'),
    reclaim: db.prepare('DELETE FROM drafts WHERE expires_at <= ?'),
    byCreateId: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.create_id = ? AND m.sender = ?`),
    group: db.prepare('SELECT group_type AS groupType, public_count AS publicCount FROM groups WHERE group_id = ?'),
    member: db.prepare('SELECT mute_until AS muteUntil FROM group_members WHERE group_id = ? AND user_id = ?'),
    bumpPublic: db.prepare('UPDATE groups SET public_count = public_count + 1 WHERE group_id = ? RETURNING public_count').pluck(),
    lastPairSeq: db.prepare('SELECT seq_base FROM messages WHERE pair_key = ? ORDER BY order_no DESC LIMIT 1').pluck(),
    lastRank: db.prepare(`SELECT rank FROM message_audience WHERE user_id = ? AND group_id = ?
      ORDER BY order_no DESC LIMIT 1`).pluck(),
    insert: db.prepare(`INSERT INTO messages (msg_id, create_id, sender, receiver, pair_key, group_id, targeted, targets,
      seq_base, elem_type, text, custom_data, custom_desc, custom_ext, at_users, priority, excluded_unread,
      excluded_last, need_read_receipt, cloud_custom_data, local_custom_data, random, timestamp)
      VALUES (@msgId, @createId, @sender, @receiver, @pairKey, @groupId, @targeted, @targets, @seqBase, @elemType,
      @text, @customData, @customDesc, @customExt, @atUsers, @priority, @excludedUnread, @excludedLast,
      @needReadReceipt, @cloudCustomData, @localCustomData, @random, @timestamp)`),
    insertAudience: db.prepare('INSERT INTO message_audience (order_no, user_id, group_id, rank) VALUES (?, ?, ?, ?)'),
    // Sending into a conversation reads it up to the sent message; the peer's C2C conversation opens unread.
    readUpTo: db.prepare(`INSERT INTO conversations (user_id, conversation_id, peer_id, group_id, read_order)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, conversation_id) DO UPDATE SET read_order = excluded.read_order`),
    openC2C: db.prepare(`INSERT OR IGNORE INTO conversations (user_id, conversation_id, peer_id, read_order)
      VALUES (?, ?, ?, 0)`),
    revoke: db.prepare('UPDATE messages SET revoked_at = ?, revoked_by = ? WHERE order_no = ? AND revoked_at IS NULL'),
    lastOrder: db.prepare('SELECT coalesce(max(order_no), 0) FROM messages').pluck(),
    between: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.order_no > ? AND m.order_no < ?
      ORDER BY m.order_no LIMIT ?`),
    c2cDesc: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.pair_key = ? AND m.order_no < ?
      ORDER BY m.order_no DESC LIMIT ?`),
    // Resume: everything after a cursor, per source, oldest first.
    afterReceived: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.receiver = ? AND m.order_no > ?
      ORDER BY m.order_no LIMIT ?`),
    afterSentC2C: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.sender = ? AND m.order_no > ?
      AND m.pair_key IS NOT NULL ORDER BY m.order_no LIMIT ?`),
    afterBroadcast: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.group_id = ? AND m.targeted = 0
      AND m.order_no > ? ORDER BY m.order_no LIMIT ?`),
    afterTargeted: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM message_audience a JOIN messages m ON m.order_no = a.order_no
      WHERE a.user_id = ? AND a.order_no > ? ORDER BY a.order_no LIMIT ?`),
    joinedWindows: db.prepare(`SELECT m.group_id AS groupId, CASE g.group_type WHEN 'Meeting' THEN 0 ELSE m.join_order END AS fromOrder
      FROM group_members m JOIN groups g ON g.group_id = m.group_id WHERE m.user_id = ?`),
  };

  const send = db.transaction((msg: NewMessage, now: number, onlineOnly: boolean): SendOutcome => {
    const fail = (reason: Extract<SendOutcome, { ok: false }>['reason']): SendOutcome => ({ ok: false, reason });
    let seqBase = 0;
    let publicCount = 0;
    if (msg.groupId !== null) {
      const group = q.group.get(msg.groupId) as { groupType: string; publicCount: number } | undefined;
      if (!group) return fail('group-missing');
      const sender = q.member.get(msg.groupId, msg.sender) as { muteUntil: number } | undefined;
      if (!sender) return fail('not-member');
      if (sender.muteUntil > now) return fail('muted');
      if (msg.audience && msg.audience.some((u) => !q.member.get(msg.groupId, u))) return fail('receiver-not-member');
      publicCount = group.publicCount;
    }
    // A concurrent send of the same draft already consumed it: the caller answers from the stored message.
    // Checked before the public seq is bumped: returning an outcome commits, and a bump without a message
    // would leave a gap in every member's seqs.
    const draftTargets = msg.draftTargets ? JSON.stringify(msg.draftTargets) : null;
    if (q.consumeDraft.run(msg.createId, msg.sender, draftTargets).changes === 0) return fail('draft-missing');
    if (!onlineOnly && msg.groupId !== null) {
      seqBase = msg.audience ? publicCount : (q.bumpPublic.get(msg.groupId) as number);
    } else if (!onlineOnly) {
      seqBase = ((q.lastPairSeq.get(pairKey(msg.sender, msg.receiver!)) as number | undefined) ?? 0) + 1;
    }
    const values = {
      ...msg,
      pairKey: msg.groupId === null ? pairKey(msg.sender, msg.receiver!) : null,
      targeted: msg.audience ? 1 : 0,
      targets: msg.targets ? JSON.stringify(msg.targets) : null,
      atUsers: msg.atUsers ? JSON.stringify(msg.atUsers) : null,
      seqBase,
      excludedUnread: msg.excludedUnread ? 1 : 0,
      excludedLast: msg.excludedLast ? 1 : 0,
      needReadReceipt: msg.needReadReceipt ? 1 : 0,
    };
    const { audience: _a, draftTargets: _d, ...fields } = values;
    // Never stored: a transient row with no order (no cursor, no seq) for live delivery only.
    if (onlineOnly) return { ok: true, message: { row: { ...fields, orderNo: 0, revokedAt: null, revokedBy: null }, seq: 0, isRead: true } };
    // The stored row is what was written plus its order: built here, not read back (RETURNING costs a third of the insert).
    const row: MessageRow = { ...fields, orderNo: Number(q.insert.run(values).lastInsertRowid), revokedAt: null, revokedBy: null };
    let seq = row.seqBase;
    if (msg.groupId !== null && msg.audience) {
      for (const u of msg.audience) {
        const rank = ((q.lastRank.get(u, msg.groupId) as number | undefined) ?? 0) + 1;
        q.insertAudience.run(row.orderNo, u, msg.groupId, rank);
        if (u === msg.sender) seq = row.seqBase + rank;
      }
    } else if (msg.groupId !== null) {
      seq = views.seqFor(msg.sender, row);
    }
    if (msg.groupId !== null) {
      q.readUpTo.run(msg.sender, `group_${msg.groupId}`, null, msg.groupId, row.orderNo);
    } else {
      q.readUpTo.run(msg.sender, `c2c_${msg.receiver}`, msg.receiver, null, row.orderNo);
      q.openC2C.run(msg.receiver, `c2c_${msg.sender}`, msg.sender);
    }
    return { ok: true, message: { row, seq, isRead: true } };
  });

  // One transaction per turn of the event loop. A commit (its WAL frames written one by one, its locks) costs more
  // than the statements of a send, and a read transaction of its own about as much as its reads, so the sends, and
  // the reads a send makes first, that reach the store in one turn share one transaction. Each send runs in its own
  // savepoint with its own outcome (an error undoes only that send); every answer waits for the commit, so an
  // acknowledged message is a stored one, and commit order is still order_no order.
  const queue: Queued[] = [];
  const runAll = db.transaction((items: Queued[]) => items.map((item) => {
    try {
      return { value: item.work() };
    } catch (error) {
      // An error that made SQLite roll back the whole transaction (disk full, I/O) fails the whole turn.
      if (!db.inTransaction) throw error;
      return { error };
    }
  }));
  const flush = () => {
    const items = queue.splice(0);
    let results: ReturnType<typeof runAll>;
    try {
      results = runAll(items);
    } catch (e) {
      for (const item of items) item.reject(e); // nothing was committed
      return;
    }
    items.forEach((item, i) => {
      const r = results[i]!;
      if ('error' in r) item.reject(r.error); else item.resolve(r.value);
    });
  };
  const inTurn = <T>(work: () => T) => new Promise<T>((resolve, reject) => {
    if (queue.push({ work, resolve: resolve as (value: unknown) => void, reject }) === 1) setImmediate(flush);
  });

  const draftToSend = (id: string, owner: string, now: number, groupID: string | null): SendCheck | undefined => {
    const draft = q.draft.get(id, owner, now) as DraftRow | undefined;
    if (!draft) return undefined;
    if (groupID === null) return { draft, group: undefined, member: undefined };
    return { draft, group: groups.group(groupID), member: groups.member(groupID, owner) };
  };

  function after(viewer: string, afterOrder: number, limit: number): ViewedMessage[] {
    const windows = q.joinedWindows.all(viewer) as { groupId: string; fromOrder: number }[];
    const from = new Map(windows.map((w) => [w.groupId, w.fromOrder]));
    const rows: MessageRow[] = [
      ...(q.afterReceived.all(viewer, afterOrder, limit) as MessageRow[]),
      ...(q.afterSentC2C.all(viewer, afterOrder, limit) as MessageRow[]),
      ...(q.afterTargeted.all(viewer, afterOrder, limit) as MessageRow[]).filter((r) => {
        const f = from.get(r.groupId!);
        return f !== undefined && r.orderNo > f;
      }),
    ];
    for (const w of windows) rows.push(...(q.afterBroadcast.all(w.groupId, Math.max(afterOrder, w.fromOrder), limit) as MessageRow[]));
    rows.sort((a, b) => a.orderNo - b.orderNo);
    return views.views(viewer, rows.slice(0, limit));
  }

  return {
    createDraft: async (draft: DraftRow) => { q.insertDraft.run(draft); },
    draft: async (id, owner, now) => q.draft.get(id, owner, now) as DraftRow | undefined,
    targetDraft: async (id, owner, now, receivers) => q.targetDraft.run(JSON.stringify(receivers), id, owner, now).changes > 0,
    draftToSend: (id, owner, now, groupID) => inTurn(() => draftToSend(id, owner, now, groupID)),
    sentFromDraft: async (createId, sender) => {
      const row = q.byCreateId.get(createId, sender) as MessageRow | undefined;
      return row && { row, seq: views.seqFor(sender, row), isRead: true };
    },
    send: (msg, now) => inTurn(() => send(msg, now, false)),
    sendOnline: (msg, now) => inTurn(() => send(msg, now, true)),
    reclaimDrafts: async (now) => q.reclaim.run(now).changes,
    visible: async (viewer, msgId) => {
      const row = views.byMsgId(msgId);
      return row && views.canSee(viewer, row) ? views.view(viewer, row) : undefined;
    },
    groupHistory: async (viewer, groupID, beforeOrder, count) => {
      const from = views.groupWindow(viewer, groupID);
      return from === undefined ? [] : views.views(viewer, views.groupPage(viewer, groupID, from, beforeOrder, count));
    },
    c2cHistory: async (viewer, peer, beforeOrder, count) =>
      views.views(viewer, q.c2cDesc.all(pairKey(viewer, peer), beforeOrder, count) as MessageRow[]),
    after: async (viewer, afterOrder, limit) => after(viewer, afterOrder, limit),
    viewsFor: async (viewers, row) => views.viewsFor(viewers, row),
    canSee: async (viewer, row) => views.canSee(viewer, row),
    revoke: async (orderNo, by, now) => { q.revoke.run(now, by, orderNo); },
    lastOrder: async () => q.lastOrder.get() as number,
    between: async (afterOrder, beforeOrder, limit) => q.between.all(afterOrder, beforeOrder, limit) as MessageRow[],
  };
}

// Messages, written once for both databases: drafts, the send's statements, history, resume, find, revoke. Each
// method is a constant number of set-based statements. The counters a send or a revoke changes (unread counts,
// lastMessage, read marks: see schema.ts) change in the same transaction.
import {
  AT_ALL,
  pairKey,
  type DraftRow,
  type GroupRow,
  type GroupRules,
  type MemberRow,
  type MessageRow,
  type MessageStore,
  type NewMessage,
  type SendCheck,
  type SendOutcome,
  type ViewedMessage,
} from './store';
import {
  encodeBody,
  encodeList,
  row,
  rows,
  run,
  sql,
  type Dialect,
  type Executor,
  type SQL,
  type Work,
} from './statement';
import { reactionMethods } from './reactions';
import { openReceipts, receiptMethods } from './receipts';
import { keptBy, MESSAGE_COLUMNS, viewColumns, viewed, viewedAll, visibleTo, type ViewedRow } from './views';
import { historyMethods } from './history';
import { holdWork, mediaMethods, releaseWork } from './media';

/** A resume page reads at most this many orders of the global message order per message it may return. */
const SCAN_PER_MESSAGE = 10;

const DRAFT_COLUMNS = sql.raw(`d.id, d.owner, d.created_at AS "createdAt", d.expires_at AS "expiresAt",
  d.elem_type AS "elemType", d.body, d.at_users AS "atUsers", d.targets`);

/** Whether the draft being deleted (`drafts`) holds anything: one probe of each holder key. */
const HOLDS = sql.raw(`coalesce((SELECT 1 FROM media_refs r WHERE r.holder = drafts.id LIMIT 1),
  (SELECT 1 FROM merged_messages mm WHERE mm.holder = drafts.id), 0)`);

/** A parameter in a SELECT list, where PostgreSQL cannot infer its type. */
export const int8 = (value: number) => sql`CAST(${value} AS bigint)`;

type Failure = Extract<SendOutcome, { ok: false }>['reason'];

/** A stored send's order (and, for a C2C send, `pair`'s seq: one send of a pair at a time): the expression the
 *  message's INSERT takes its order_no from, so allocating it costs no statement of its own; undefined where the
 *  insert allocates it. */
export type TakeOrder = (pair: string | null) => Work<SQL | undefined>;

/**
 * How a dialect runs a send (SQLite: in the event-loop turn's transaction, in a savepoint; PostgreSQL: one
 * transaction, whose order `takeOrder` allocates and marks in flight until it ends, see pg/order.ts). `takeOrder`
 * gives undefined where the insert allocates it (SQLite). `read` runs the read before a send.
 */
export interface SendPath {
  send<T>(work: (takeOrder: TakeOrder) => Work<T>): Promise<T>;
  beforeSend<T>(work: () => Work<T>): Promise<T>;
}

/**
 * The send's statements: checks under the group's row lock, the draft consumed, the order taken, the message with its
 * audience and ranks, then the counters it changes. Statement by statement the same on both databases. `system`: a
 * group tips message (./group-tips.ts), sent by the store inside a membership or profile change's own transaction:
 * no draft, no mute or membership check on its operator, and no change to the operator's read state.
 */
export function* sendWork(
  d: Dialect,
  rules: GroupRules,
  msg: NewMessage,
  now: number,
  onlineOnly: boolean,
  takeOrder: TakeOrder,
  system = false,
): Work<SendOutcome> {
  const fail = (reason: Failure): SendOutcome => ({ ok: false, reason });
  const audience = msg.groupId !== null ? msg.audience : null;
  let group: { groupType: string; publicCount: number; senderRank: number | null } | undefined;
  if (msg.groupId !== null) {
    const checked = yield* row<{
      groupType: string;
      publicCount: number;
      muteUntil: number | null;
      allMuted: number;
      senderRole: number | null;
      present: number;
      senderRank: number | null;
    }>(sql`
      SELECT g.group_type AS "groupType", g.public_count AS "publicCount", g.all_muted AS "allMuted",
        (SELECT gm.mute_until FROM group_members gm WHERE gm.group_id = g.group_id AND gm.user_id = ${msg.sender}) AS "muteUntil",
        (SELECT gm.role FROM group_members gm WHERE gm.group_id = g.group_id AND gm.user_id = ${msg.sender}) AS "senderRole",
        (SELECT count(*) FROM group_members gm WHERE gm.group_id = g.group_id AND gm.user_id IN ${d.inList(audience ?? [])}) AS "present",
        (SELECT a.rank FROM message_audience a WHERE a.user_id = ${msg.sender} AND a.group_id = g.group_id
          ORDER BY a.order_no DESC LIMIT 1) AS "senderRank"
      FROM groups g WHERE g.group_id = ${msg.groupId} ${d.forUpdate}`);
    if (!checked) return fail('group-missing');
    if (!system && checked.muteUntil === null) return fail('not-member');
    if (!system && checked.muteUntil! > now) return fail('muted');
    // Mute-all silences everyone below admin (Tencent: the owner and admins may still speak).
    if (!system && Number(checked.allMuted) === 1 && Number(checked.senderRole) < 300) return fail('muted');
    if (audience && checked.present < new Set(audience).size) return fail('receiver-not-member');
    group = checked;
  }
  // A concurrent send of the same draft already consumed it: the caller answers from the stored message. Checked
  // before anything is allocated, since returning an outcome commits what was written so far.
  // Only the draft as the send read it: its receiverList unchanged since (IS NOT DISTINCT FROM also matches two NULLs;
  // the list is stored encoded, and a decoded list encodes back to the same text).
  // An online-only send also learns whether the draft holds anything (blobs, merged messages), from the same
  // statement: a plain one costs no more statements under the group's lock.
  const consumed = system
    ? { holds: 0 }
    : yield* row<{ holds: number }>(sql`DELETE FROM drafts WHERE id = ${msg.createId} AND owner = ${msg.sender}
    AND targets IS NOT DISTINCT FROM ${encodeList(msg.draftTargets)}
    RETURNING ${onlineOnly ? HOLDS : sql`0`} AS "holds"`);
  if (!consumed) return fail('draft-missing');
  const pair = msg.groupId === null ? pairKey(msg.sender, msg.receiver!) : null;
  const { audience: _audience, draftTargets: _draftTargets, ...fields } = msg;
  const flags = {
    targeted: audience ? 1 : 0,
    excludedUnread: msg.excludedUnread ? 1 : 0,
    excludedLast: msg.excludedLast ? 1 : 0,
    needReadReceipt: msg.needReadReceipt ? 1 : 0,
  };
  // Never stored: a transient row with no order (no cursor, no seq) for live delivery only. Nothing else would ever
  // release what its draft held, so it goes now, with the draft.
  if (onlineOnly)
    return {
      ok: true,
      blobs: Number(consumed.holds) ? yield* releaseWork(d, d.inList([msg.createId])) : [],
      message: {
        row: {
          ...fields,
          ...flags,
          pairKey: pair,
          seqBase: 0,
          orderNo: 0,
          revokedAt: null,
          revokedBy: null,
          version: 0,
        },
        seq: 0,
        isRead: true,
      },
    };

  const counts = !msg.excludedUnread && (group === undefined || rules.countsUnread(group.groupType)) ? 1 : 0;
  const shown = msg.excludedLast ? 0 : 1;
  const seqBase =
    group === undefined
      ? sql`coalesce((SELECT p.seq_base FROM messages p WHERE p.pair_key = ${pair} ORDER BY p.order_no DESC LIMIT 1), 0) + 1`
      : sql`${audience ? group.publicCount : group.publicCount + 1}`;
  const taken = yield* takeOrder(pair);
  const orderColumn = taken === undefined ? sql`` : sql`order_no, `;
  const orderValue = taken === undefined ? sql`` : sql`${taken}, `;
  const stored = (yield* row<{
    orderNo: number;
    seqBase: number;
  }>(sql`INSERT INTO messages (${orderColumn}msg_id, create_id, sender,
      receiver, pair_key, group_id, targeted, targets, seq_base, elem_type, body,
      at_users, priority, excluded_unread, excluded_last, need_read_receipt, cloud_custom_data, local_custom_data, random, timestamp)
    VALUES (${orderValue}${msg.msgId}, ${msg.createId}, ${msg.sender}, ${msg.receiver}, ${pair}, ${msg.groupId}, ${flags.targeted},
      ${encodeList(msg.targets)}, ${seqBase}, ${msg.elemType}, ${encodeBody(msg.body)},
      ${encodeList(msg.atUsers)}, ${msg.priority}, ${flags.excludedUnread}, ${flags.excludedLast},
      ${flags.needReadReceipt}, ${msg.cloudCustomData}, ${msg.localCustomData}, ${msg.random}, ${msg.timestamp})
    RETURNING order_no AS "orderNo", seq_base AS "seqBase"`))!;
  const order = stored.orderNo;
  if (msg.needReadReceipt && !system && (group === undefined || rules.readReceipts(group.groupType)))
    yield* openReceipts(order, msg);
  const message: MessageRow = {
    ...fields,
    ...flags,
    pairKey: pair,
    orderNo: order,
    seqBase: stored.seqBase,
    revokedAt: null,
    revokedBy: null,
    version: 0,
  };
  const last = sql`CASE WHEN ${shown} = 1 THEN ${int8(order)} ELSE last_order END`;

  if (msg.groupId === null) {
    // Sending reads the conversation up to the sent message; the peer's opens (or stays) unread.
    yield* run(sql`INSERT INTO conversations (user_id, conversation_id, peer_id, read_order, head_order, last_order)
      VALUES (${msg.sender}, ${`c2c_${msg.receiver}`}, ${msg.receiver}, ${order}, ${order}, ${shown ? order : 0})
      ON CONFLICT (user_id, conversation_id) DO UPDATE SET read_order = excluded.read_order, unread_count = 0,
        head_order = excluded.head_order, last_order = CASE WHEN ${shown} = 1 THEN excluded.last_order ELSE conversations.last_order END`);
    yield* run(sql`INSERT INTO conversations (user_id, conversation_id, peer_id, read_order, unread_count, head_order, last_order)
      VALUES (${msg.receiver}, ${`c2c_${msg.sender}`}, ${msg.sender}, 0, ${counts}, ${order}, ${shown ? order : 0})
      ON CONFLICT (user_id, conversation_id) DO UPDATE SET unread_count = conversations.unread_count + excluded.unread_count,
        head_order = excluded.head_order, last_order = CASE WHEN ${shown} = 1 THEN excluded.last_order ELSE conversations.last_order END`);
    return { ok: true, message: { row: message, seq: stored.seqBase, isRead: true } };
  }

  const conversation = `group_${msg.groupId}`;
  // The "@ me" / "@ all" badges (groupAtInfoList) as state: the @-mentioned members' latest @ message, limited to
  // the audience of a targeted one; a broadcast's @-all once on the group.
  const atUsers = (msg.atUsers ?? []).filter((u) => u !== AT_ALL && u !== msg.sender);
  const atAll = msg.atUsers?.includes(AT_ALL) ? 1 : 0;
  if (atUsers.length > 0)
    yield* run(sql`UPDATE conversations SET at_me_order = ${order}
      WHERE conversation_id = ${conversation} AND user_id IN ${d.inList(atUsers)}
        ${audience ? sql`AND user_id IN ${d.inList(audience)}` : sql``}`);
  if (atAll && audience)
    yield* run(sql`UPDATE conversations SET at_all_order = ${order}
      WHERE conversation_id = ${conversation} AND user_id IN ${d.inList(audience)} AND user_id <> ${msg.sender}`);
  let seq: number;
  if (audience) {
    const ranks = yield* rows<{
      userId: string;
      rank: number;
    }>(sql`INSERT INTO message_audience (order_no, user_id, group_id, rank)
      SELECT ${int8(order)}, u.value, ${msg.groupId}, coalesce((SELECT a.rank FROM message_audience a WHERE a.user_id = u.value
        AND a.group_id = ${msg.groupId} ORDER BY a.order_no DESC LIMIT 1), 0) + 1
      FROM ${d.list(audience, 'u')} RETURNING user_id AS "userId", rank`);
    seq = stored.seqBase + (ranks.find((r) => r.userId === msg.sender)?.rank ?? 0);
    yield* run(sql`UPDATE conversations SET unread_count = unread_count + ${counts}, head_order = ${order}, last_order = ${last}
      WHERE conversation_id = ${conversation} AND user_id IN ${d.inList(audience)} AND user_id <> ${msg.sender}`);
    yield* run(sql`UPDATE groups SET head_order = ${order} WHERE group_id = ${msg.groupId}`);
  } else {
    seq = stored.seqBase + (group!.senderRank ?? 0);
    yield* run(sql`UPDATE groups SET public_count = public_count + 1, unread_total = unread_total + ${counts},
      head_order = ${order}, last_order = ${last},
      at_all_order = CASE WHEN ${atAll} = 1 THEN ${int8(order)} ELSE at_all_order END WHERE group_id = ${msg.groupId}`);
  }
  if (system) return { ok: true, message: { row: message, seq, isRead: true } };
  yield* run(sql`UPDATE conversations SET read_order = ${order}, unread_count = 0,
      read_count = (SELECT g.unread_total FROM groups g WHERE g.group_id = ${msg.groupId}),
      head_order = CASE WHEN ${flags.targeted} = 1 THEN ${int8(order)} ELSE head_order END,
      last_order = CASE WHEN ${flags.targeted} = 1 AND ${shown} = 1 THEN ${int8(order)} ELSE last_order END
    WHERE user_id = ${msg.sender} AND conversation_id = ${conversation}`);
  return { ok: true, message: { row: message, seq, isRead: true } };
}

/** Revoking takes the message out of the unread counts of those who had not read it yet. */
function* revokeWork(rules: GroupRules, orderNo: number, by: string, now: number): Work<void> {
  const m = yield* row<{
    groupId: string | null;
    targeted: number;
    excludedUnread: number;
    sender: string;
    receiver: string | null;
    groupType: string | null;
  }>(sql`
    UPDATE messages SET revoked_at = ${now}, revoked_by = ${by} WHERE order_no = ${orderNo} AND revoked_at IS NULL
    RETURNING group_id AS "groupId", targeted, excluded_unread AS "excludedUnread", sender, receiver`);
  if (!m || m.excludedUnread) return;
  if (m.groupId === null) {
    yield* run(sql`UPDATE conversations SET unread_count = unread_count - 1
      WHERE user_id = ${m.receiver} AND conversation_id = ${`c2c_${m.sender}`} AND read_order < ${orderNo}
        AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ${m.receiver} AND h.order_no = ${orderNo})`);
    return;
  }
  const g = yield* row<{ groupType: string }>(
    sql`SELECT group_type AS "groupType" FROM groups WHERE group_id = ${m.groupId}`,
  );
  if (!g || !rules.countsUnread(g.groupType)) return;
  if (m.targeted) {
    yield* run(sql`UPDATE conversations SET unread_count = unread_count - 1
      WHERE conversation_id = ${`group_${m.groupId}`} AND read_order < ${orderNo} AND user_id <> ${m.sender}
        AND user_id IN (SELECT a.user_id FROM message_audience a WHERE a.order_no = ${orderNo})
        AND user_id NOT IN (SELECT h.user_id FROM hidden_messages h WHERE h.order_no = ${orderNo})`);
  } else {
    // Who had read past it counted it in their read_count; the others simply have one unread less.
    yield* run(sql`UPDATE groups SET unread_total = unread_total - 1 WHERE group_id = ${m.groupId}`);
    yield* run(
      sql`UPDATE conversations SET read_count = read_count - 1 WHERE group_id = ${m.groupId} AND read_order >= ${orderNo}`,
    );
    // Who deleted it unread already took it out of their count (deleteMessages): give back the one just taken.
    yield* run(sql`UPDATE conversations SET unread_count = unread_count + 1 WHERE group_id = ${m.groupId}
      AND read_order < ${orderNo} AND user_id IN (SELECT h.user_id FROM hidden_messages h WHERE h.order_no = ${orderNo})`);
  }
}

/** How each of `viewers` sees a message just stored (MessageStore.viewsFor), inside any unit of work. */
export function* viewsForWork(d: Dialect, viewers: readonly string[], r: MessageRow): Work<Map<string, ViewedMessage>> {
  const out = new Map<string, ViewedMessage>();
  if (r.groupId === null) {
    const receiver =
      viewers.includes(r.receiver!) && r.orderNo !== 0
        ? yield* row<{ readOrder: number }>(sql`SELECT read_order AS "readOrder" FROM conversations
          WHERE user_id = ${r.receiver} AND conversation_id = ${`c2c_${r.sender}`}`)
        : undefined;
    for (const v of viewers) {
      if (v === r.sender) out.set(v, { row: r, seq: r.orderNo === 0 ? 0 : r.seqBase, isRead: true });
      else if (v === r.receiver)
        out.set(v, {
          row: r,
          seq: r.orderNo === 0 ? 0 : r.seqBase,
          isRead: r.orderNo !== 0 && r.orderNo <= (receiver?.readOrder ?? 0),
        });
    }
    return out;
  }
  if (r.orderNo === 0) {
    for (const { userId } of yield* rows<{
      userId: string;
    }>(sql`SELECT gm.user_id AS "userId" FROM ${d.list(viewers, 'u')}
      ${d.outerJoin} group_members gm ON gm.group_id = ${r.groupId} AND gm.user_id = u.value`))
      out.set(userId, { row: r, seq: 0, isRead: r.sender === userId });
    return out;
  }
  // One statement per event for all its local subscribers: membership window, targeted rank and read mark. The
  // list is the outer loop (one index probe per listed user), never a scan of the group per listed user.
  const rank = r.targeted
    ? sql`(SELECT a.rank FROM message_audience a WHERE a.order_no = ${r.orderNo} AND a.user_id = u.value)`
    : sql`(SELECT a.rank FROM message_audience a WHERE a.user_id = u.value AND a.group_id = gm.group_id
        AND a.order_no < ${r.orderNo} ORDER BY a.order_no DESC LIMIT 1)`;
  const list = yield* rows<{ userId: string; fromOrder: number; rank: number | null; readOrder: number | null }>(sql`
    SELECT u.value AS "userId", gm.join_order AS "fromOrder", ${rank} AS "rank", c.read_order AS "readOrder"
    FROM ${d.list(viewers, 'u')} ${d.outerJoin} group_members gm ON gm.group_id = ${r.groupId} AND gm.user_id = u.value
    LEFT JOIN conversations c ON c.user_id = u.value AND c.conversation_id = ${`group_${r.groupId}`}`);
  for (const { userId: v, fromOrder, rank: k, readOrder } of list) {
    if (r.orderNo <= fromOrder) continue;
    if (r.targeted && k === null) continue; // not in the audience
    out.set(v, { row: r, seq: r.seqBase + (k ?? 0), isRead: r.sender === v || r.orderNo <= (readOrder ?? 0) });
  }
  return out;
}

interface DraftCheckRow extends DraftRow {
  gGroupId: string | null;
  gGroupType: string;
  gGroupName: string;
  gOwner: string;
  gCreatedAt: number;
  gPublicCount: number;
  mUserId: string | null;
  mRole: number;
  mJoinTime: number;
  mJoinOrder: number;
  mMuteUntil: number;
  sNickName: string | null;
  sFaceUrl: string | null;
}

function draftCheck(r: DraftCheckRow): SendCheck {
  const {
    gGroupId,
    gGroupType,
    gGroupName,
    gOwner,
    gCreatedAt,
    gPublicCount,
    mUserId,
    mRole,
    mJoinTime,
    mJoinOrder,
    mMuteUntil,
    sNickName,
    sFaceUrl,
    ...draft
  } = r;
  const group: GroupRow | undefined =
    gGroupId === null
      ? undefined
      : {
          groupId: gGroupId,
          groupType: gGroupType,
          groupName: gGroupName,
          owner: gOwner,
          createdAt: gCreatedAt,
          publicCount: gPublicCount,
        };
  const member: MemberRow | undefined =
    mUserId === null || gGroupId === null
      ? undefined
      : {
          groupId: gGroupId,
          userId: mUserId,
          role: mRole,
          joinTime: mJoinTime,
          joinOrder: mJoinOrder,
          muteUntil: mMuteUntil,
        };
  return { draft, group, member, sender: { nickName: sNickName, faceUrl: sFaceUrl } };
}

/** The viewer column of a list of viewers (`d.list(viewers, 'u')`). */
const U = sql.raw('u.value');

export function createMessageStore(x: Executor, rules: GroupRules, path: SendPath): MessageStore {
  const d = x.dialect;
  function* safeHead(): Work<number> {
    return (yield* row<{ head: number }>(sql`SELECT ${d.safeHead} AS "head"`))?.head ?? 0;
  }
  /** The owner's live drafts (narrowed by the caller to one id or a few). */
  const draftQuery = (owner: string, now: number) =>
    sql`SELECT ${DRAFT_COLUMNS} FROM drafts d WHERE d.owner = ${owner} AND d.expires_at > ${now}`;
  const find = (viewer: string, msgIds: readonly string[]) =>
    x.read(function* () {
      if (msgIds.length === 0) return [];
      const found = new Map(
        viewedAll(
          yield* rows<ViewedRow>(sql`SELECT ${viewColumns(viewer)} FROM messages m
      WHERE m.msg_id IN ${d.inList(msgIds)} AND ${visibleTo(viewer)}`),
        ).map((v) => [v.row.msgId, v]),
      );
      return [...new Set(msgIds)].flatMap((id) => found.get(id) ?? []);
    });

  return {
    ...reactionMethods(x),
    ...receiptMethods(x),
    createDraft: (draft, holdings) =>
      x.write(function* () {
        yield* run(sql`INSERT INTO drafts (id, owner, created_at, expires_at, elem_type, body, at_users, targets)
        VALUES (${draft.id}, ${draft.owner}, ${draft.createdAt}, ${draft.expiresAt}, ${draft.elemType},
        ${encodeBody(draft.body)}, ${encodeList(draft.atUsers)}, ${encodeList(draft.targets)})`);
        yield* holdWork(draft.id, holdings);
      }),
    draft: (id, owner, now) => x.read(() => row<DraftRow>(sql`${draftQuery(owner, now)} AND d.id = ${id}`)),
    targetDraft: (id, owner, now, receivers) =>
      x.write(function* () {
        return (
          (yield* run(sql`UPDATE drafts SET targets = ${encodeList(receivers)}
        WHERE id = ${id} AND owner = ${owner} AND expires_at > ${now}`)) > 0
        );
      }),
    appendDraft: (baseId, appendId, owner, now, combine) =>
      x.write(function* () {
        const found = yield* rows<DraftRow>(sql`${draftQuery(owner, now)} AND d.id IN ${d.inList([baseId, appendId])}
          ${d.forUpdate}`);
        const [base, appended] = [baseId, appendId].map((id) => found.find((r) => r.id === id));
        if (!base || !appended) return { outcome: 'missing' as const, id: base ? appendId : baseId };
        const body = combine(base, appended);
        yield* run(sql`DELETE FROM drafts WHERE id = ${appendId}`);
        yield* run(sql`UPDATE drafts SET body = ${encodeBody(body)} WHERE id = ${baseId}`);
        return { outcome: 'ok' as const, draft: { ...base, body } };
      }),
    // The draft, the group and the sender's membership in one statement (the send checks again under its locks).
    draftToSend: (id, owner, now, groupID) =>
      path.beforeSend(function* () {
        const r =
          yield* row<DraftCheckRow>(sql`SELECT ${DRAFT_COLUMNS}, g.group_id AS "gGroupId", g.group_type AS "gGroupType",
          g.group_name AS "gGroupName", g.owner AS "gOwner", g.created_at AS "gCreatedAt", g.public_count AS "gPublicCount",
          gm.user_id AS "mUserId", gm.role AS "mRole", gm.join_time AS "mJoinTime", gm.join_order AS "mJoinOrder",
          gm.mute_until AS "mMuteUntil", su.nick_name AS "sNickName", su.face_url AS "sFaceUrl"
        FROM drafts d LEFT JOIN groups g ON g.group_id = ${groupID}
        LEFT JOIN group_members gm ON gm.group_id = g.group_id AND gm.user_id = d.owner
        LEFT JOIN users su ON su.user_id = d.owner
        WHERE d.id = ${id} AND d.owner = ${owner} AND d.expires_at > ${now}`);
        return r && draftCheck(r);
      }),
    sentFromDraft: (createId, sender) =>
      x.read(function* () {
        const r = yield* row<ViewedRow>(
          sql`SELECT ${viewColumns(sender)} FROM messages m WHERE m.create_id = ${createId} AND m.sender = ${sender}`,
        );
        return r && { ...viewed(r), isRead: true };
      }),
    send: (msg, now) => path.send((takeOrder) => sendWork(d, rules, msg, now, false, takeOrder)),
    sendOnline: (msg, now) => path.send((takeOrder) => sendWork(d, rules, msg, now, true, takeOrder)),
    // The expired drafts that hold something are found by their holdings, whatever their elements: per expired draft,
    // a probe of each table's holder key (scalar subqueries: PostgreSQL would hash an EXISTS over a whole table).
    // Deleted first, so what is released is what this transaction deleted, never the holdings of a draft a
    // concurrent send consumed meanwhile (they are its message's now).
    reclaimDrafts: (now) =>
      x.write(function* () {
        const holding = (yield* rows<{ id: string }>(sql`DELETE FROM drafts WHERE expires_at <= ${now}
          AND ${HOLDS} = 1 RETURNING id`)).map((h) => h.id);
        const drafts = holding.length + (yield* run(sql`DELETE FROM drafts WHERE expires_at <= ${now}`));
        if (holding.length === 0) return { drafts, blobs: [] };
        return { drafts, blobs: yield* releaseWork(d, d.inList(holding)) };
      }),
    ...mediaMethods(x),
    visible: async (viewer, msgId) => (await find(viewer, [msgId]))[0],
    seenBy: (viewers, msgId) =>
      x.read(function* () {
        if (viewers.length === 0) return new Map();
        // The list is the outer loop: one probe per viewer of the one message, whatever the group's size.
        const list = yield* rows<ViewedRow & { viewer: string }>(sql`SELECT u.value AS "viewer", ${viewColumns(U)}
          FROM ${d.list([...new Set(viewers)], 'u')} ${d.outerJoin} messages m ON m.msg_id = ${msgId}
          WHERE ${visibleTo(U)}`);
        return new Map(list.map(({ viewer, ...r }) => [viewer, viewed(r)]));
      }),
    find,
    groupHistory: (viewer, groupID, beforeOrder, count) =>
      x.read(function* () {
        // Newest first from `beforeOrder`, down to the viewer's window (none when not a member).
        return viewedAll(
          yield* rows<ViewedRow>(sql`SELECT ${viewColumns(viewer)} FROM messages m
        WHERE m.group_id = ${groupID} AND m.order_no < ${beforeOrder}
          AND m.order_no > (SELECT gm.join_order FROM group_members gm WHERE gm.group_id = ${groupID} AND gm.user_id = ${viewer})
          AND (m.targeted = 0 OR EXISTS (SELECT 1 FROM message_audience a WHERE a.order_no = m.order_no AND a.user_id = ${viewer}))
          AND ${keptBy(viewer)}
        ORDER BY m.order_no DESC LIMIT ${count}`),
        );
      }),
    c2cHistory: (viewer, peer, beforeOrder, count) =>
      x.read(function* () {
        return viewedAll(
          yield* rows<ViewedRow>(sql`SELECT ${viewColumns(viewer)} FROM messages m
        WHERE m.pair_key = ${pairKey(viewer, peer)} AND m.order_no < ${beforeOrder} AND ${keptBy(viewer)}
        ORDER BY m.order_no DESC LIMIT ${count}`),
        );
      }),
    // One ordered read of the next stretch of the global order (the primary key), keeping what the viewer may see:
    // a page costs at most limit × SCAN_PER_MESSAGE rows, whatever the number of groups or how far back it starts.
    after: (viewer, afterOrder, limit) =>
      x.read(function* () {
        const end = afterOrder + limit * SCAN_PER_MESSAGE;
        // The bound first, in its own statement: the read's snapshot, taken after it, holds every message up to it.
        const head = yield* safeHead();
        const list = yield* rows<ViewedRow>(sql`SELECT ${viewColumns(viewer)} FROM messages m
        WHERE m.order_no > ${afterOrder} AND m.order_no <= ${end} AND m.order_no <= ${head} AND ${visibleTo(viewer)}
        ORDER BY m.order_no LIMIT ${limit}`);
        const messages = viewedAll(list);
        if (messages.length === limit)
          return { messages, through: messages[messages.length - 1]!.row.orderNo, done: false };
        return { messages, through: Math.max(afterOrder, Math.min(end, head)), done: end >= head };
      }),
    viewsFor: (viewers, r) => x.read(() => viewsForWork(d, viewers, r)),
    revoke: (orderNo, by, now) => x.write(() => revokeWork(rules, orderNo, by, now)),
    // One conditional update: by its sender, not revoked, and (when given) still at the version the editor saw, so
    // of two racing edits of one version exactly one wins. Counters do not change: an edit is not a new message.
    modify: (orderNo, sender, version, content) =>
      x.write(function* () {
        const r = yield* row<{ version: number }>(sql`UPDATE messages SET body = ${encodeBody(content.body)},
          cloud_custom_data = ${content.cloudCustomData}, version = version + 1
        WHERE order_no = ${orderNo} AND sender = ${sender} AND revoked_at IS NULL
          AND (${version ?? -1} < 0 OR version = ${version ?? -1})
        RETURNING version`);
        return r?.version;
      }),
    ...historyMethods(x),
    lastOrder: () => x.read(safeHead),
    // Every order below `beforeOrder` final first (its own statement), then the read: exactly the messages between.
    between: (afterOrder, beforeOrder, limit) =>
      x.read(function* () {
        if (d.awaitOrdersBelow) yield* run(d.awaitOrdersBelow(beforeOrder));
        return yield* rows<MessageRow>(sql`SELECT ${MESSAGE_COLUMNS} FROM messages m
        WHERE m.order_no > ${afterOrder} AND m.order_no < ${beforeOrder} ORDER BY m.order_no LIMIT ${limit}`);
      }),
  };
}

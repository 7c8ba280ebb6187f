// Conversations and the account table, written once for both databases. Unread counts and lastMessage are read
// from the counters the writes keep (schema.ts), so a conversation list is one statement whose cost follows the
// number of conversations, never the number of messages (unread or not).
//   C2C:   unread = unread_count; lastMessage = last_order.
//   Group: unread = the group's unread_total - read_count (broadcasts since the read mark) + unread_count (targeted
//          messages to this viewer since it); lastMessage = the later of the group's last broadcast (if inside the
//          viewer's window) and the viewer's last targeted message.
import type { ConversationScope, ConversationState, ConversationStore, UserStore, ViewedMessage } from './store';
import { row, rows, run, sql, type Dialect, type Executor, type SQL } from './statement';
import { seqOf, viewColumns, viewed, type ViewedRow, type ViewerRef } from './views';
import { profileMethods } from './profiles';

type StateRow = ViewedRow & {
  /** Whose conversation (the batched reads map rows back to their viewers by it). */
  ownerID: string;
  conversationID: string;
  userID: string | null;
  groupID: string | null;
  groupName: string | null;
  peerNickName: string | null;
  peerFaceUrl: string | null;
  unreadCount: number;
  isPinned: number;
  draftText: string | null;
  draftTimestamp: number | null;
  markBits: number;
  recvOpt: number;
  atMeOrder: number;
  atMeSeq: number | null;
  atAllOrder: number;
  atAllSeq: number | null;
};

/** V2TIMGroupAtType: AT_ME 1, AT_ALL 2, AT_ALL_AT_ME 3. */
function atInfo(r: StateRow): { seq: number; atType: number }[] {
  const me = Number(r.atMeOrder);
  const all = Number(r.atAllOrder);
  if (me > 0 && me === all) return [{ seq: Number(r.atMeSeq), atType: 3 }];
  const list: { order: number; seq: number; atType: number }[] = [];
  if (me > 0) list.push({ order: me, seq: Number(r.atMeSeq), atType: 1 });
  if (all > 0) list.push({ order: all, seq: Number(r.atAllSeq), atType: 2 });
  return list.sort((a, b) => a.order - b.order).map(({ seq, atType }) => ({ seq, atType }));
}

function state(r: StateRow): ConversationState {
  const {
    ownerID: _ownerID,
    conversationID,
    userID,
    groupID,
    groupName,
    peerNickName,
    peerFaceUrl,
    unreadCount,
    isPinned,
    draftText,
    draftTimestamp,
    markBits,
    recvOpt,
    atMeOrder: _atMeOrder,
    atMeSeq: _atMeSeq,
    atAllOrder: _atAllOrder,
    atAllSeq: _atAllSeq,
    ...message
  } = r;
  const lastMessage: ViewedMessage | null = message.orderNo === null ? null : viewed(message);
  const peer = groupID === null ? { nickName: peerNickName, faceUrl: peerFaceUrl } : null;
  return {
    conversationID,
    userID,
    groupID,
    groupName,
    peer,
    unreadCount,
    lastMessage,
    isPinned: Number(isPinned) === 1,
    draftText,
    draftTimestamp: draftTimestamp === null ? null : Number(draftTimestamp),
    markBits: Number(markBits),
    recvOpt: Number(recvOpt),
    groupAtInfoList: atInfo(r),
  };
}

/**
 * The order of `c`'s lastMessage as its viewer sees it, over `conversations c`, `groups g` and `group_members gm`:
 * the counters' latest (the C2C's, or the later of the group's broadcast inside the window and the viewer's own
 * targeted one), unless deleteMessages hid it: at or below last_hidden, the fallback found when deleting.
 */
export const lastOrderOf = (d: Dialect) => {
  const counted = sql`CASE WHEN c.group_id IS NULL THEN c.last_order
    ELSE ${d.greatest(sql`c.last_order`, sql`CASE WHEN g.last_order > gm.join_order THEN g.last_order ELSE 0 END`)} END`;
  return sql`CASE WHEN ${counted} > c.last_hidden THEN ${counted} ELSE c.last_fallback END`;
};

/** The conversations a ConversationScope names, as a condition on `conversations`. */
const inScope = (d: Dialect, scope: ConversationScope) =>
  'conversationIDs' in scope
    ? sql`conversation_id IN ${d.inList(scope.conversationIDs)}`
    : scope.kind === 'c2c'
      ? sql`group_id IS NULL`
      : scope.kind === 'group'
        ? sql`group_id IS NOT NULL`
        : sql`1 = 1`;

export function createConversationStore(x: Executor): ConversationStore {
  const d = x.dialect;
  const UNREAD = sql`CASE WHEN c.group_id IS NULL THEN c.unread_count ELSE coalesce(g.unread_total, 0) - c.read_count + c.unread_count END`;
  const LAST = lastOrderOf(d);
  /** In the list: not deleted, or deleted and shown again by a lastMessage after its cleared mark. */
  const SHOWN = sql`(c.hidden = 0 OR ${LAST} > c.cleared_order)`;
  // The "@ me" / "@ all" badges: the latest such message after the read (and cleared) mark, unless the viewer
  // deleted it. A group's @-all broadcast is counted only inside the viewer's window.
  const readMark = d.greatest(sql`c.read_order`, sql`c.cleared_order`);
  const kept = (order: SQL) =>
    sql`NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = c.user_id AND h.order_no = ${order})`;
  const AT_ME = sql`CASE WHEN c.at_me_order > ${readMark} AND ${kept(sql`c.at_me_order`)} THEN c.at_me_order ELSE 0 END`;
  const groupAtAll = sql`CASE WHEN g.at_all_order > ${readMark} AND g.at_all_order > gm.join_order THEN g.at_all_order ELSE 0 END`;
  const atAllRaw = d.greatest(
    sql`CASE WHEN c.at_all_order > ${readMark} THEN c.at_all_order ELSE 0 END`,
    sql`coalesce(${groupAtAll}, 0)`,
  );
  const AT_ALL = sql`CASE WHEN ${atAllRaw} > 0 AND ${kept(atAllRaw)} THEN ${atAllRaw} ELSE 0 END`;
  const seqAt = (viewer: ViewerRef, order: SQL) =>
    sql`(SELECT ${seqOf(viewer, 'am')} FROM messages am WHERE am.order_no = ${order})`;
  /** The conversations of `c` that `where` picks, each as its owner sees it. `viewer`: that owner, bound, or the
   *  column of a list of viewers joined first (`from`) when one statement answers for several; never c.user_id
   *  itself, which the views' own subqueries over `conversations c` would read as theirs. */
  const statesWhere = (viewer: ViewerRef, where: SQL, from = sql`conversations c`) => sql`SELECT c.user_id AS "ownerID",
      c.conversation_id AS "conversationID",
      c.peer_id AS "userID", c.group_id AS "groupID", g.group_name AS "groupName", ${UNREAD} AS "unreadCount",
      pu.nick_name AS "peerNickName", pu.face_url AS "peerFaceUrl", c.is_pinned AS "isPinned",
      c.draft_text AS "draftText", c.draft_timestamp AS "draftTimestamp", c.mark_bits AS "markBits",
      c.recv_opt AS "recvOpt", ${AT_ME} AS "atMeOrder", ${seqAt(viewer, AT_ME)} AS "atMeSeq",
      ${AT_ALL} AS "atAllOrder", ${seqAt(viewer, AT_ALL)} AS "atAllSeq", ${viewColumns(viewer)}
    FROM ${from}
    LEFT JOIN groups g ON g.group_id = c.group_id
    LEFT JOIN users pu ON pu.user_id = c.peer_id
    LEFT JOIN group_members gm ON gm.group_id = c.group_id AND gm.user_id = c.user_id
    LEFT JOIN messages m ON m.order_no = ${LAST}
    WHERE ${where}
    ORDER BY c.is_pinned DESC, coalesce(m.order_no, 0) DESC, c.conversation_id ${d.collate}`;
  const states = (viewer: string, conversationID: string | null) =>
    statesWhere(
      viewer,
      conversationID === null
        ? sql`c.user_id = ${viewer} AND ${SHOWN}`
        : sql`c.user_id = ${viewer} AND c.conversation_id = ${conversationID}`,
    );
  const UNREAD_FROM = sql`FROM conversations c LEFT JOIN groups g ON g.group_id = c.group_id
        LEFT JOIN group_members gm ON gm.group_id = c.group_id AND gm.user_id = c.user_id`;
  // "Everything up to now": the conversation's latest message (the group's, for a group), read from the rows the
  // same statement updates, so a send committed meanwhile is either counted and read, or neither. One narrow race
  // remains on PostgreSQL: a revoke of a group broadcast that commits while this statement waits on the same
  // row can leave read_count one too high until the next read (the property test runs sequentially).
  const HEAD = d.greatest(
    sql`read_order`,
    sql`head_order`,
    sql`coalesce((SELECT g.head_order FROM groups g WHERE g.group_id = conversations.group_id), 0)`,
  );
  const READ = sql`read_order = ${HEAD},
        read_count = coalesce((SELECT g.unread_total FROM groups g WHERE g.group_id = conversations.group_id), 0),
        unread_count = 0`;
  const markRead = (viewer: string, scope: ConversationScope) =>
    x.write(() => run(sql`UPDATE conversations SET ${READ} WHERE user_id = ${viewer} AND ${inScope(d, scope)}`));
  // Clearing a conversation's history reads it and ends its lastMessage too (nothing at or below the mark shows).
  // Deleting it also hides it; clearing leaves it as it was (a deleted conversation stays out of the list).
  const clear = (viewer: string, conversationID: string, hide: boolean) =>
    x.write(function* () {
      return (
        (yield* run(sql`UPDATE conversations SET cleared_order = ${HEAD}, last_hidden = ${HEAD}, last_fallback = 0,
          hidden = ${hide ? sql`1` : sql`hidden`}, ${READ} WHERE user_id = ${viewer} AND conversation_id = ${conversationID}`)) >
        0
      );
    });
  const change = (viewer: string, conversationID: string, set: SQL) =>
    x.write(function* () {
      return (
        (yield* run(
          sql`UPDATE conversations SET ${set} WHERE user_id = ${viewer} AND conversation_id = ${conversationID}`,
        )) > 0
      );
    });
  return {
    // Pinned first, then most recent activity; conversations without a message keep a stable order at the end.
    list: async (viewer) => (await x.read(() => rows<StateRow>(states(viewer, null)))).map(state),
    get: async (viewer, conversationID) => {
      const r = await x.read(() => row<StateRow>(states(viewer, conversationID)));
      return r && state(r);
    },
    getMany: (pairs) =>
      x.read(function* () {
        const byConversation = new Map<string, string[]>();
        for (const { viewer, conversationID } of pairs) {
          const viewers = byConversation.get(conversationID);
          if (viewers) viewers.push(viewer);
          else byConversation.set(conversationID, [viewer]);
        }
        const found = new Map<string, ConversationState>();
        for (const [conversationID, viewers] of byConversation) {
          const from = sql`${d.list(viewers, 'vw')} ${d.outerJoin} conversations c ON c.user_id = vw.value`;
          const where = sql`c.conversation_id = ${conversationID}`;
          for (const r of yield* rows<StateRow>(statesWhere(sql`vw.value`, where, from)))
            found.set(r.ownerID, state(r));
        }
        return found;
      }),
    // Over the conversations the list shows: a deleted one counts again when it shows again.
    totalUnread: async (viewer) =>
      Number(
        (
          await x.read(() =>
            row<{ n: number | null }>(sql`SELECT sum(${UNREAD}) AS "n" ${UNREAD_FROM}
      WHERE c.user_id = ${viewer} AND ${SHOWN}`),
          )
        )?.n ?? 0,
      ),
    totalUnreadMany: async (viewers) => {
      if (viewers.length === 0) return new Map();
      const list = await x.read(() =>
        rows<{ viewer: string; n: number | null }>(sql`SELECT c.user_id AS "viewer", sum(${UNREAD}) AS "n"
      ${UNREAD_FROM} WHERE c.user_id IN ${d.inList(viewers)} AND ${SHOWN} GROUP BY c.user_id`),
      );
      // A viewer without conversations has none to count: 0, as totalUnread answers.
      const totals = new Map(viewers.map((v) => [v, 0]));
      for (const r of list) totals.set(r.viewer, Number(r.n ?? 0));
      return totals;
    },
    markRead: async (viewer, conversationID) => (await markRead(viewer, { conversationIDs: [conversationID] })) > 0,
    markReadIn: (viewer, scope) => markRead(viewer, scope),
    // Pinning, a draft or a mark is the viewer's own doing: it shows a deleted conversation again.
    pin: (viewer, conversationID, pinned) =>
      change(viewer, conversationID, sql`is_pinned = ${pinned ? 1 : 0}, hidden = 0`),
    setDraft: (viewer, conversationID, text, now) =>
      change(
        viewer,
        conversationID,
        text === null
          ? sql`draft_text = NULL, draft_timestamp = NULL`
          : sql`draft_text = ${text}, draft_timestamp = ${now}, hidden = 0`,
      ),
    mark: (viewer, conversationIDs, bit, enable) =>
      x.write(function* () {
        const changed = yield* rows<{ conversationID: string }>(sql`UPDATE conversations SET
          mark_bits = ${enable ? sql`(mark_bits | CAST(${bit} AS bigint))` : sql`(mark_bits & ~CAST(${bit} AS bigint))`}
          WHERE user_id = ${viewer} AND conversation_id IN ${d.inList(conversationIDs)}
          RETURNING conversation_id AS "conversationID"`);
        return changed.map((r) => r.conversationID);
      }),
    clearHistory: (viewer, conversationID) => clear(viewer, conversationID, false),
    remove: (viewer, conversationID) => clear(viewer, conversationID, true),
    setGroupRecvOpt: (viewer, groupID, opt) => change(viewer, `group_${groupID}`, sql`recv_opt = ${opt}`),
    // A C2C setting may come before the first message: the row it creates stays out of the list until one arrives.
    setC2CRecvOpt: (viewer, userIDs, opt) =>
      x.write(function* () {
        yield* run(sql`INSERT INTO conversations (user_id, conversation_id, peer_id, recv_opt, hidden)
          SELECT ${viewer}, 'c2c_' || u.value, u.value, CAST(${opt} AS bigint), 1 FROM ${d.list(userIDs, 'u')} WHERE true
          ON CONFLICT (user_id, conversation_id) DO UPDATE SET recv_opt = excluded.recv_opt`);
      }),
    recvOpts: (viewer, conversationIDs) =>
      x.read(function* () {
        const list = yield* rows<{
          conversationID: string;
          recvOpt: number;
        }>(sql`SELECT conversation_id AS "conversationID",
          recv_opt AS "recvOpt" FROM conversations WHERE user_id = ${viewer} AND conversation_id IN ${d.inList(conversationIDs)}`);
        return new Map(list.map((r) => [r.conversationID, Number(r.recvOpt)]));
      }),
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

// How one viewer sees stored messages, as statement fragments every read shares: who may see a message (stated
// once, here), its per-viewer seq and its read state.
//
// Per-viewer seq: a broadcast group message gets public seq P (the group's count of broadcasts); a targeted one
// remembers the P at send time, and each of its viewers gets a rank R (their count of targeted messages in that
// group). A viewer's seq for a broadcast is P + (their R so far); for a targeted one P + their R on it. Every
// message a viewer can see raises exactly one of the two by one, so each viewer's seqs run without a gap, and a
// member outside a targeted message's audience sees the same numbers as if it had never been sent.
//
// Membership windows are data: a member sees the group's messages after its join_order, which a join sets to the
// group's head, or to 0 where the group type sees earlier history (GroupRules, applied at join).
import type { MessageRow, ViewedMessage } from './store';
import { sql, type SQL } from './statement';

/** Whose view: a userID (bound as a parameter), or a column holding one (`u.value` of a list of viewers, so one
 *  statement answers for many viewers). */
export type ViewerRef = string | SQL;

/** Every column of MessageRow, from `messages m`. */
export const MESSAGE_COLUMNS = sql.raw(`m.order_no AS "orderNo", m.msg_id AS "msgId", m.create_id AS "createId",
  m.sender, m.receiver, m.pair_key AS "pairKey", m.group_id AS "groupId", m.targeted, m.targets,
  m.seq_base AS "seqBase", m.elem_type AS "elemType", m.body, m.at_users AS "atUsers", m.version, m.priority,
  m.excluded_unread AS "excludedUnread", m.excluded_last AS "excludedLast", m.need_read_receipt AS "needReadReceipt",
  m.cloud_custom_data AS "cloudCustomData", m.local_custom_data AS "localCustomData", m.random, m.timestamp,
  m.revoked_at AS "revokedAt", m.revoked_by AS "revokedBy"`);

/** `group_<groupID>` or `c2c_<peer>`: the conversation of `messages m` as `viewer` sees it (conversationIdOf). */
export const conversationOf = (viewer: ViewerRef) =>
  sql`CASE WHEN m.group_id IS NOT NULL THEN 'group_' || m.group_id WHEN m.sender = ${viewer} THEN 'c2c_' || m.receiver
    ELSE 'c2c_' || m.sender END`;

/** Whether `viewer` may see `messages m`: a C2C pair's side, or a member after its window and, if targeted, in the
 * audience; and not deleted from the viewer's own history (deleteMessages, clear…HistoryMessage). The one statement
 * of the audience rule in SQL. */
export const visibleTo = (
  viewer: ViewerRef,
) => sql`((m.group_id IS NULL AND (m.sender = ${viewer} OR m.receiver = ${viewer}))
  OR (m.group_id IS NOT NULL AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = m.group_id
      AND gm.user_id = ${viewer} AND gm.join_order < m.order_no)
    AND (m.targeted = 0 OR EXISTS (SELECT 1 FROM message_audience a WHERE a.order_no = m.order_no AND a.user_id = ${viewer}))))
  AND ${keptBy(viewer)}`;

/** `messages m` is still in `viewer`'s own history: not deleted by them, after their conversation's cleared mark. */
export const keptBy = (viewer: ViewerRef) => sql`NOT EXISTS (SELECT 1 FROM hidden_messages h
    WHERE h.user_id = ${viewer} AND h.order_no = m.order_no)
  AND m.order_no > coalesce((SELECT c.cleared_order FROM conversations c
    WHERE c.user_id = ${viewer} AND c.conversation_id = ${conversationOf(viewer)}), 0)`;

/** `viewer`'s seq of the message `alias` (see the top of this file). */
export const seqOf = (viewer: ViewerRef, alias: string) => {
  const m = sql.raw(alias);
  return sql`${m}.seq_base + CASE WHEN ${m}.group_id IS NULL THEN 0
    WHEN ${m}.targeted = 1 THEN coalesce((SELECT a.rank FROM message_audience a WHERE a.order_no = ${m}.order_no AND a.user_id = ${viewer}), 0)
    ELSE coalesce((SELECT a.rank FROM message_audience a WHERE a.user_id = ${viewer} AND a.group_id = ${m}.group_id
      AND a.order_no < ${m}.order_no ORDER BY a.order_no DESC LIMIT 1), 0) END`;
};

/** 1 when the receiver of the C2C message `messages m` has read it: sent a read receipt for it, or read the
 * conversation past it (markC2CMessageAsRead, cleanConversationUnreadMessageCount, or a reply): isPeerRead. */
export const peerRead = sql`CASE WHEN EXISTS (SELECT 1 FROM message_readers x WHERE x.order_no = m.order_no)
    OR coalesce((SELECT c.read_order FROM conversations c WHERE c.user_id = m.receiver
      AND c.conversation_id = 'c2c_' || m.sender), 0) >= m.order_no THEN 1 ELSE 0 END`;

/** MESSAGE_COLUMNS plus `viewer`'s "seq", "isRead" and (their own C2C messages) "peerRead" of `messages m`, and its
 * sender's nickName and faceUrl. */
export const viewColumns = (viewer: ViewerRef) => sql`${MESSAGE_COLUMNS},
  ${seqOf(viewer, 'm')} AS "seq",
  CASE WHEN m.sender = ${viewer} OR m.order_no <= coalesce((SELECT c.read_order FROM conversations c
    WHERE c.user_id = ${viewer} AND c.conversation_id = ${conversationOf(viewer)}), 0) THEN 1 ELSE 0 END AS "isRead",
  (SELECT u.nick_name FROM users u WHERE u.user_id = m.sender) AS "senderNickName",
  (SELECT u.face_url FROM users u WHERE u.user_id = m.sender) AS "senderFaceUrl",
  CASE WHEN m.group_id IS NULL AND m.sender = ${viewer} THEN ${peerRead} ELSE 0 END AS "peerRead"`;

export type ViewedRow = MessageRow & {
  seq: number;
  isRead: number;
  senderNickName: string | null;
  senderFaceUrl: string | null;
  peerRead?: number;
};

/** A row selected with viewColumns as a ViewedMessage. */
export function viewed(r: ViewedRow): ViewedMessage {
  const { seq, isRead, senderNickName, senderFaceUrl, peerRead, ...row } = r;
  return {
    row,
    seq,
    isRead: isRead === 1,
    peerRead: Number(peerRead ?? 0) === 1,
    sender: { nickName: senderNickName ?? null, faceUrl: senderFaceUrl ?? null },
  };
}

export const viewedAll = (list: ViewedRow[]): ViewedMessage[] => list.map(viewed);

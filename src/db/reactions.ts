// Message reactions (addMessageReaction and friends), written once for both databases. A message holds at most
// REACTION_LIMITS.reactions kinds and each kind at most REACTION_LIMITS.users users (Tencent's limits), so every read
// here is bounded by those, whatever the history: one statement for up to 20 messages' summaries, one for a page of
// users. Who may see a message's reactions is decided above (its audience, src/resolvers/reaction.ts).
import type { MessageReaction, ReactionOutcome, ReactionStore } from './store';
import { orderList, row, rows, run, sql, type Executor, type Work } from './statement';

/** Tencent: at most 10 reactions per message and 100 users per reaction (v2tim-surface.md). */
export const REACTION_LIMITS = { reactions: 10, users: 100 } as const;

export function reactionMethods(x: Executor): ReactionStore {
  const d = x.dialect;
  return {
    addReaction: (orderNo, reactionId, user) =>
      x.write(function* (): Work<ReactionOutcome> {
        // The message row locked first (PostgreSQL), so two adds to one message check the limits one after the other.
        const m = yield* row(sql`SELECT 1 AS "ok" FROM messages WHERE order_no = ${orderNo} ${d.forUpdate}`);
        if (!m) return 'message-missing';
        const c = (yield* row<{ kinds: number; users: number; mine: number; next: number }>(sql`
          SELECT count(DISTINCT reaction_id) AS "kinds",
            coalesce(sum(CASE WHEN reaction_id = ${reactionId} THEN 1 ELSE 0 END), 0) AS "users",
            coalesce(sum(CASE WHEN reaction_id = ${reactionId} AND user_id = ${user} THEN 1 ELSE 0 END), 0) AS "mine",
            coalesce(max(seq), 0) + 1 AS "next"
          FROM message_reactions WHERE order_no = ${orderNo}`))!;
        if (Number(c.mine) > 0) return 'already';
        if (Number(c.users) === 0 && Number(c.kinds) >= REACTION_LIMITS.reactions) return 'too-many-reactions';
        if (Number(c.users) >= REACTION_LIMITS.users) return 'too-many-users';
        yield* run(sql`INSERT INTO message_reactions (order_no, reaction_id, user_id, seq)
          VALUES (${orderNo}, ${reactionId}, ${user}, ${Number(c.next)}) ON CONFLICT DO NOTHING`);
        return 'ok';
      }),
    removeReaction: (orderNo, reactionId, user) =>
      x.write(function* () {
        return (
          (yield* run(sql`DELETE FROM message_reactions
            WHERE order_no = ${orderNo} AND reaction_id = ${reactionId} AND user_id = ${user}`)) > 0
        );
      }),
    reactions: (viewer, orderNos, maxUsers) =>
      x.read(function* () {
        const out = new Map<number, MessageReaction[]>();
        if (orderNos.length === 0) return out;
        // Per (message, reaction): its total, whether the viewer is in it, and its first users in arrival order.
        const list = yield* rows<{
          orderNo: number;
          reactionId: string;
          userId: string;
          total: number;
          mine: number;
          rn: number;
        }>(sql`SELECT r.order_no AS "orderNo", r.reaction_id AS "reactionId", r.user_id AS "userId", r.total, r.mine, r.rn
          FROM (SELECT order_no, reaction_id, user_id,
              count(*) OVER (PARTITION BY order_no, reaction_id) AS total,
              max(CASE WHEN user_id = ${viewer} THEN 1 ELSE 0 END) OVER (PARTITION BY order_no, reaction_id) AS mine,
              row_number() OVER (PARTITION BY order_no, reaction_id ORDER BY seq, user_id) AS rn,
              min(seq) OVER (PARTITION BY order_no, reaction_id) AS first
            FROM message_reactions WHERE order_no IN (${orderList(orderNos)})) r
          WHERE r.rn <= ${Math.max(1, maxUsers)} ORDER BY r.order_no, r.first, r.reaction_id, r.rn`);
        for (const r of list) {
          const order = Number(r.orderNo);
          let reactions = out.get(order);
          if (!reactions) out.set(order, (reactions = []));
          let last = reactions[reactions.length - 1];
          if (!last || last.reactionID !== r.reactionId) {
            last = {
              reactionID: r.reactionId,
              totalUserCount: Number(r.total),
              reactedByMyself: Number(r.mine) === 1,
              userIDs: [],
            };
            reactions.push(last);
          }
          if (Number(r.rn) <= maxUsers) last.userIDs.push(r.userId);
        }
        return out;
      }),
    reactionUsers: (orderNo, reactionId, offset, count) =>
      x.read(function* () {
        const list = yield* rows<{ userId: string }>(sql`SELECT user_id AS "userId" FROM message_reactions
          WHERE order_no = ${orderNo} AND reaction_id = ${reactionId} ORDER BY seq, user_id
          LIMIT ${count + 1} OFFSET ${offset}`);
        return { userIDs: list.slice(0, count).map((r) => r.userId), more: list.length > count };
      }),
  };
}

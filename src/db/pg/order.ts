// The message order on PostgreSQL: how a stored send gets its order_no, and why a reader that asks for "everything
// after order N" (a resuming subscriber, the Redis bus' fill in src/realtime/redis-bus.ts, a join's join_order, a
// markRead) can never skip a message. Everything that allocates orders goes through storeSend below.
//
// The problem. A cursor is an order_no. With concurrent writers a plain sequence is not enough: T1 takes 10, T2
// takes 11, T2 commits first, a reader sees 11 and moves its cursor past 10, then T1 commits and 10 is never
// delivered. So allocation and commit must happen in the same order.
//
// The rule. A send takes one transaction-scoped advisory lock, the order lock (ORDER_LOCK, per schema), right
// before it allocates order_no, and keeps it until its commit. Allocations happen one at a time, and each commit is
// visible before the next allocation (PostgreSQL marks a transaction committed in the proc array before it releases
// its locks), so commit order equals order_no order: any snapshot that holds an order holds every committed order
// below it, and numbers of sends that failed are never used by anyone. That gives, with no reader-side protocol:
// - gap-free, exactly-once resume: a reader that read up to N in one snapshot has every message <= N it may see, and
//   a message not yet committed will get an order above every order committed so far, so "after N" finds it later;
// - the Redis bus' fill: when order 12 arrives before 11, every order below 12 is final (committed or never used),
//   so reading (delivered, 12) from storage yields exactly the missing messages, and a late 11 is dropped as seen;
// - join_order and markRead: "the last committed order" splits the history into before and after exactly.
//
// What changed (issue 12). The lock used to be taken inside a client-side transaction: the insert, the conversation
// upserts and the COMMIT were three to four round trips between Node and PostgreSQL, and the lock's holder was
// "idle in transaction" most of the time it held it, with every other send of the cluster queued behind it. Now
// the whole send is one statement, the plpgsql function im_send (migration drizzle-pg/0002_send_function.sql), run
// in autocommit: the checks, the draft, the group row lock and the per-viewer numbers come first, then the order
// lock, the inserts and the commit, all inside the server. The serialised section has no client round trip at all;
// it is the inserts (a few index updates) and the commit's WAL flush. Sends into different groups contend only
// there; sends into one group also take the group's row lock, which keeps one seq order per group.
//
// Why this and not a watermark (readers stop below the oldest send still in flight, from transaction ids and
// pg_snapshot_xmin or a table of reservations): measured in BENCHMARKS.md, figure 8, the serialised section that
// remains costs well under a millisecond, far less than what the 2 shared cores spend on each send elsewhere (the
// request, the statement, the delivery), so overlapping commits would not buy throughput here; and a watermark
// needs a second protocol on every "after N" read (resume, fill, join, markRead, lastOrder), stalls delivery
// behind any long writing transaction in the cluster (pg_snapshot_xmin is cluster-wide), and needs its xids
// assigned inside the allocation, which SELECT … FOR UPDATE on the group row defeats. Its limit: stored sends of a
// whole deployment commit one after another, so the cluster's sends/s are bounded by 1 / (inserts + WAL flush),
// about 1,000–3,000/s on a disk with a 0.3–1 ms fdatasync; past that, a watermark is the next step.
//
// Per-viewer numbers stay race-free under the same locks: a group's public_count and its members' targeted ranks
// change only under the group's row lock (which membership changes take too, src/db/pg/group.ts); the C2C pair seq
// is read and used under the order lock. Lock order is always group row, then order lock: no deadlock.
import type { NewMessage, SendOutcome } from '../store';
import { pairKey as sharedPairKey } from '../store';
import { one, sql, toDbText, type Db } from './client';
import { pairKey } from './view';

/** The order lock's key, first half (the second is the schema's hash, so schemas of one database do not wait for
 * each other). The same number is written in drizzle-pg/0002_send_function.sql. */
export const ORDER_LOCK = 0x494d;

type Failure = Extract<SendOutcome, { ok: false }>['reason'];

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

/**
 * A send as one autocommitted statement (im_send): checks, draft consumption, and when `store` is set the order
 * allocation, inserts and conversation updates. Never run it inside a transaction: the order lock would then be
 * held until the client's COMMIT, a round trip later.
 */
export async function storeSend(db: Db, msg: NewMessage, now: number, store: boolean): Promise<SendOutcome> {
  const values = {
    pairKey: msg.groupId === null ? sharedPairKey(msg.sender, msg.receiver!) : null,
    targeted: msg.audience ? 1 : 0,
    targets: msg.targets ? JSON.stringify(msg.targets) : null,
    atUsers: msg.atUsers ? JSON.stringify(msg.atUsers) : null,
    excludedUnread: msg.excludedUnread ? 1 : 0,
    excludedLast: msg.excludedLast ? 1 : 0,
    needReadReceipt: msg.needReadReceipt ? 1 : 0,
  };
  const pair = msg.groupId === null ? pairKey(msg.sender, msg.receiver!) : null;
  const audience = msg.groupId !== null && msg.audience ? sql`${sql.param(msg.audience)}::text[]` : sql`NULL::text[]`;
  const query = sql`SELECT r_reason AS reason, r_order AS "orderNo", r_seq_base AS "seqBase", r_seq AS seq FROM im_send(
    ${msg.msgId}, ${msg.createId}, ${msg.sender}, ${msg.receiver}, ${pair}, ${msg.groupId}, ${audience}, ${values.targets},
    ${msg.elemType}, ${toDbText(msg.text)}, ${toDbText(msg.customData)}, ${toDbText(msg.customDesc)}, ${toDbText(msg.customExt)},
    ${values.atUsers}, ${msg.priority}, ${values.excludedUnread}, ${values.excludedLast}, ${values.needReadReceipt},
    ${toDbText(msg.cloudCustomData)}, ${toDbText(msg.localCustomData)}, ${msg.random}, ${msg.timestamp}, ${now}, ${store})`;
  let r: { reason: Failure | null; orderNo: number; seqBase: number; seq: number } | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      r = await one(db, query);
      break;
    } catch (e) {
      const code = (e as { code?: string; cause?: { code?: string } }).code ?? (e as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 5 || !RETRYABLE.has(code ?? '')) throw e;
    }
  }
  if (!r) throw new Error('im_send returned no row');
  if (r.reason !== null) return { ok: false, reason: r.reason };
  // The stored row as the store hands rows out (shared pair key, free text as sent); an online-only one has no
  // order (no cursor, no seq) and is for live delivery only.
  const { audience: _a, ...rest } = msg;
  const row = { ...rest, ...values, seqBase: r.seqBase, orderNo: r.orderNo, revokedAt: null, revokedBy: null };
  return { ok: true, message: { row, seq: r.seq, isRead: true } };
}

// The message order on PostgreSQL: how a stored send gets its order_no, and why a reader that asks for "everything
// after order N" (a resuming subscriber, the Redis bus' fill in src/realtime/redis-bus.ts, a markRead) can never
// skip a message. Sends allocate orders only through storeSend; "after N" reads are bounded by safeOrder or wait
// with awaitOrdersBelow. The SQL is in drizzle-pg/0002_send_function.sql (im_send, im_safe_order,
// im_await_orders_below); each runs as its own autocommitted statement.
//
// The problem. A cursor is an order_no, and sends commit concurrently: T1 takes 10, T2 takes 11, T2 commits first,
// a reader sees 11 and moves its cursor past 10, then T1 commits and 10 is never delivered.
//
// Before (until issue 12): a cluster-wide lock from allocation to commit made commit order equal order_no order.
// It was held across the client's round trips and through every commit's WAL flush, so a deployment's sends went
// one at a time: about 380/s at the database alone on this machine even with the whole send as one statement,
// against about 1,100/s without it (bench/send-statement.ts, BENCHMARKS.md figure 8).
//
// Now: a safe watermark. Sends commit in any order; readers stop below the oldest send still in flight.
// - In flight, visibly. im_send, after its checks and per-group numbers, takes the gate (a shared advisory lock),
//   allocates order_no from the sequence, takes the mark (a shared transaction-level advisory lock keyed by the
//   schema and order mod 2^31), and releases the gate, all inside one statement; then it inserts and commits. The
//   mark goes away only at the end of the transaction, after its commit (or rollback) is visible: PostgreSQL marks a
//   transaction committed in the proc array before it releases its locks.
// - The safe order. im_safe_order takes the gate exclusively (waiting only for allocations half done, i.e.
//   allocated but not yet marked: microseconds, never a commit), reads the last order allocated (S) and the marks
//   in pg_locks, releases the gate, and answers B = (lowest order marked) - 1, or S with none marked. Every order
//   <= B was allocated and is no longer marked, so its transaction has ended: it is committed, and visible to any
//   snapshot taken afterwards, or it will never be used. Any send still to come gets an order > S >= B. B never
//   decreases.
// - Readers. after() (resume) reads B in its own statement, then reads in a snapshot taken after it, with every
//   source bounded by order_no <= B: it returns each final message once and nothing a send in flight could later
//   commit below; the next page starts after its last order, so a resuming reader gets every message exactly
//   once, in order, whichever process it resumes on. lastOrder() (where the Redis bus starts) is B.
// - The bus' fill. A stored message event for order O reaches a process; orders below O may still be in flight.
//   between(delivered, O) first calls im_await_orders_below(O), which waits on each mark below O (taking it
//   exclusively blocks until that send has committed or rolled back; lock_timeout 10 s), then reads: all orders
//   below O are final by then, so it yields exactly the missing messages and the router gets every stored message
//   in order_no order, once (a late original is dropped as already delivered). A fill that fails (a send stuck for
//   10 s) is reported as a gap: streams end and clients resume through after(), which is bounded.
// - markRead sets read_order = max(read_order, B), not the last committed order, so a message still in flight
//   below that does not count as read when it commits.
// - join_order stays "the last committed order" (src/db/pg/group.ts): a join holds the group's row lock, which
//   every send into the group holds from before its allocation to its commit, so no message of that group is in
//   flight, every earlier one is committed, and every later one gets a higher order.
// Per-viewer numbers: a group's public_count and its members' targeted ranks change only under the group's row lock
// (which membership changes take too), so sends within one group keep one seq order; a C2C pair's seq is read and
// used under a lock per pair held to the commit. Sends into different groups or pairs share only the gate, held for
// one nextval. Lock order: group row or pair, then the gate (never waited on while holding another gate-holder's
// lock), then row locks of the inserts: no deadlock.
//
// Limits. A mark is order mod 2^31: orders in flight must lie within 2^31 of the last one allocated (they do; a send
// is in flight for milliseconds). pg_locks is read under the gate on every resume page, fill and markRead: a scan of
// the lock table, cheap while it is small. A send that stalls after its allocation (a lock wait inside im_send)
// holds back delivery of later messages (resumes stop below it, fills wait up to 10 s, then a gap). History pages
// (getGroupHistoryMessageList and the like) are not bounded: a page read while a send is in flight omits it, and
// the next page (older) will not show it either; a reload does. Advisory-lock keys are per schema (hashtext of the
// schema name), so deployments sharing one database in different schemas never wait for each other.
import type { NewMessage, SendOutcome } from '../store';
import { pairKey as sharedPairKey } from '../store';
import { one, sql, toDbText, type Db } from './client';
import { pairKey } from './view';

type Failure = Extract<SendOutcome, { ok: false }>['reason'];

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

/**
 * A send as one autocommitted statement (im_send): checks, draft consumption, and when `store` is set the order
 * allocation, inserts and conversation updates. One round trip; never inside a transaction (its locks, and the
 * in-flight mark that holds readers back, would last until the client's COMMIT).
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

/** The highest order with nothing in flight at or below it: every order up to it is final (committed or never
 * used), and a statement started after this returned sees every committed one. Its own statement, autocommitted. */
export const safeOrder = async (db: Db): Promise<number> => (await one<{ o: number }>(db, sql`SELECT im_safe_order() AS o`))!.o;

/** Resolves once every order below `order` is final (waits for the sends in flight below it; 10 s at most each). */
export async function awaitOrdersBelow(db: Db, order: number): Promise<void> {
  await db.execute(sql`SELECT im_await_orders_below(${order})`);
}

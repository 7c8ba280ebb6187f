// The message order on PostgreSQL: how a stored send gets its order_no, and why a reader that asks for "everything
// after order N" (a resuming subscriber, the Redis bus' fill in src/realtime/redis-bus.ts, a markRead) can never
// skip a message. Sends allocate orders only through takeOrder (inside the send's one transaction, ./send.ts);
// "after N" reads are bounded by SAFE_HEAD or wait with awaitOrdersBelow (src/db/messages.ts). The SQL is in
// drizzle-pg/0007_order_watermark.sql (im_take_order, im_safe_order, im_await_orders_below); the readers' functions
// each run as their own statement, before the read they bound.
//
// The problem. A cursor is an order_no, and sends commit concurrently: T1 takes 10, T2 takes 11, T2 commits first,
// a reader sees 11 and moves its cursor past 10, then T1 commits and 10 is never delivered.
//
// Before (until issue 12): a cluster-wide lock from allocation to commit made commit order equal order_no order.
// It was held across the client's round trips and through every commit's WAL flush, so a deployment's sends went
// one at a time: about 380/s at the database alone on this machine even with the whole send as one statement,
// against about 1,100/s without it (work-12's bench/send-statement.ts on the old store, BENCHMARKS.md figure 8).
//
// Now: a safe watermark. Sends commit in any order; readers stop below the oldest send still in flight.
// - In flight, visibly. The send's transaction (./send.ts, the statements of src/db/messages.ts), after its checks,
//   draft consumption and per-group numbers, inserts the message with im_take_order() as its order_no: it takes the
//   gate (a shared advisory lock), allocates order_no from the sequence, takes the mark (a shared transaction-level
//   advisory lock keyed by the schema and order mod 2^31), and releases the gate, all inside that one statement,
//   before the row is written; then the send updates the counters it changes (conversations, unread, lastMessage)
//   and commits. The mark goes away only at the end of the transaction, after its commit (or rollback) is visible: PostgreSQL marks a
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
// - markRead needs no watermark: it reads a conversation up to its head_order, a counter written by the send that
//   committed it, in the same transaction; sends into one conversation are one at a time (below), so a send still
//   in flight there gets a higher order and counts as unread when it commits.
// - join_order is the group's head_order (src/db/groups.ts): a join holds the group's row lock, which every send
//   into the group holds from before its allocation to its commit, so no message of that group is in flight, every
//   earlier one is committed, and every later one gets a higher order.
// Per-viewer numbers: a group's public_count and its members' targeted ranks change only under the group's row lock
// (which membership changes take too), so sends within one group keep one seq order; a C2C pair's seq is read and
// used under a lock per pair held to the commit (./send.ts). Sends into different groups or pairs share only the gate, held for
// one nextval. Lock order: group row or pair, then the gate (never waited on while holding another gate-holder's
// lock), then row locks of the inserts: no deadlock.
//
// Limits. A mark is order mod 2^31: orders in flight must lie within 2^31 of the last one allocated (they do; a send
// is in flight for milliseconds). pg_locks is read under the gate on every resume page and fill: a scan of the lock
// table, cheap while it is small. A send is in flight from its allocation through its inserts, counter updates and
// commit (a few round trips, not one statement: im_send, one statement, is work-12's next step, not ported to the
// counters yet). A send that stalls after its allocation (a row lock wait on a counter)
// holds back delivery of later messages (resumes stop below it, fills wait up to 10 s, then a gap). History pages
// (getGroupHistoryMessageList and the like) are not bounded: a page read while a send is in flight omits it, and
// the next page (older) will not show it either; a reload does. Advisory-lock keys are per schema (hashtext of the
// schema name), so deployments sharing one database in different schemas never wait for each other.
import { sql, type SQL, type Work, run } from '../statement';
import type { TakeOrder } from '../messages';

/** Arbitrary but fixed: the key space of the per-pair lock (the second half is a hash of schema and pair). */
const PAIR_LOCK = 18765;

/** The highest order a reader may read up to: below the oldest send in flight. Its own statement. */
export const SAFE_HEAD = sql`im_safe_order()`;

/** Waits until every order below `order` is committed or will never be used. Its own statement. */
export const awaitOrdersBelow = (order: number) => sql`SELECT im_await_orders_below(CAST(${order} AS bigint))`;

/** A C2C send's pair lock (held to the commit), then the order, allocated and marked in flight by the message's
 *  INSERT itself (its order_no value), one round trip fewer than a statement of its own. */
export const takeOrder: TakeOrder = function* (pair): Work<SQL | undefined> {
  if (pair !== null)
    yield* run(
      sql`SELECT pg_advisory_xact_lock(hashtextextended(coalesce(current_schema(), '') || ' ' || ${pair}, ${PAIR_LOCK}))`,
    );
  return sql`im_take_order()`;
};

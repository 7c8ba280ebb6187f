// The PostgreSQL send: one transaction running the shared send statements (../messages.ts), with the order lock.
// Everything about how PostgreSQL orders messages is in this file.
//
// Ordering across processes. A cursor is an order_no, and a resuming reader asks for "everything after N". With
// concurrent writers a plain sequence breaks that: T1 takes 10, T2 takes 11, T2 commits first, a reader sees 11
// and moves its cursor past 10, then T1 commits and 10 is never delivered. So a send takes one transaction-scoped
// advisory lock (the order lock) right before it allocates order_no and keeps it until COMMIT: allocations happen
// one at a time, and each commit is visible before the next allocation (PostgreSQL releases locks after the commit
// is visible), so commit order equals order_no order: a snapshot that holds an order holds every committed one
// below it (numbers of rolled-back sends are simply never used). Cross-process live delivery relies on it too
// (src/realtime/redis-bus.ts reads the holes below an early event from storage).
// The cost: stored sends commit one after another cluster-wide, each holding the lock through its WAL flush. The
// lock is taken as late as possible (checks, draft consumption and the public seq come first, under the group's
// row lock) so it covers only the inserts, the counter updates and the commit.
//
// Every read of "messages after an order number" (resume, the Redis bus' `between`, lastOrder) stops at SAFE_HEAD,
// the one place a different ordering design (a safe watermark below the oldest send in flight) would change.
import { sql, type Work, run } from '../statement';
import type { SendPath } from '../messages';
import type { Executor } from '../statement';

/** Arbitrary but fixed: the first half of the order lock's key; the second is the schema, so deployments sharing
 * one database in different schemas do not wait for each other. */
const ORDER_LOCK = 0x494d;

function* takeOrderLock(): Work<void> {
  yield* run(sql`SELECT pg_advisory_xact_lock(${ORDER_LOCK}, hashtext(coalesce(current_schema(), '')))`);
}

/** The highest order a reader may read up to: with the order lock, every committed order (see above). */
export const SAFE_HEAD = sql`(SELECT coalesce(max(order_no), 0) FROM messages)`;

export function createPgSendPath(x: Executor): SendPath {
  return {
    send: (make) => x.write(() => make(takeOrderLock)),
    beforeSend: (work) => x.read(work),
  };
}

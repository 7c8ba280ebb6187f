// How the store is written once for both databases. A store method is a generator of drizzle `sql` statements: it
// yields each statement and gets its rows (or its count of changed rows) back. An executor per dialect runs it:
// SQLite synchronously inside one better-sqlite3 transaction (no await inside, as better-sqlite3 requires), and
// PostgreSQL over the network (./pg/executor.ts). drizzle renders the same template with `?` for SQLite and `$n`
// for PostgreSQL; the few real differences between the dialects are the fragments of `Dialect`.
import { sql, type SQL } from 'drizzle-orm';
import { copyOf, decodeBody, type MsgBody } from './element';

export { sql, type SQL };

export interface Step {
  query: SQL;
  kind: 'rows' | 'run';
}

/** A unit of work: yields statements, returns the method's answer. */
export type Work<T> = Generator<Step, T, unknown>;

export function* rows<T>(query: SQL): Work<T[]> {
  return (yield { query, kind: 'rows' }) as T[];
}

export function* row<T>(query: SQL): Work<T | undefined> {
  return ((yield { query, kind: 'rows' }) as T[])[0];
}

/** Rows a write touched. */
export function* run(query: SQL): Work<number> {
  return (yield { query, kind: 'run' }) as number;
}

/** Drives a unit of work with a synchronous or asynchronous statement runner. */
export function drive<T>(work: Work<T>, exec: (step: Step) => unknown): T {
  let r = work.next();
  while (!r.done) r = work.next(exec(r.value));
  return r.value;
}

export async function driveAsync<T>(work: Work<T>, exec: (step: Step) => Promise<unknown>): Promise<T> {
  let r = work.next();
  while (!r.done) r = work.next(await exec(r.value));
  return r.value;
}

/** What really differs between SQLite and PostgreSQL, as statement fragments. */
export interface Dialect {
  /** A list of strings as a FROM item `alias` with one column `value` (json_each, or unnest of a text[]). */
  list(values: readonly string[], alias: string): SQL;
  /** `IN (…)` over a list of strings. */
  inList(values: readonly string[]): SQL;
  /** The largest of the (non-null) arguments: SQLite's scalar max, PostgreSQL's greatest. */
  greatest(...args: SQL[]): SQL;
  /** Byte order for text, as SQLite compares it, whatever the PostgreSQL database's collation. */
  collate: SQL;
  /** Locks the selected row until the transaction ends; nothing on SQLite, whose writer is alone. */
  forUpdate: SQL;
  /** A join that keeps its left side as the outer loop (SQLite's planner takes CROSS JOIN as that hint). */
  outerJoin: SQL;
  /**
   * The highest order number a reader of "messages after N" may go up to: every message at or below it is
   * committed and no later commit can land below it. SQLite: the last order. PostgreSQL: the safe watermark below
   * the oldest send in flight (./pg/order.ts). Run as its own statement, before the read it bounds: a snapshot
   * taken after it holds every message up to it.
   */
  safeHead: SQL;
  /** A statement that returns once every order below `order` is final (PostgreSQL: waits for the sends in flight
   *  below it, ./pg/order.ts); undefined where every committed order is final at once (SQLite). */
  awaitOrdersBelow?: (order: number) => SQL;
}

/** Runs units of work (given as factories, so a write can be retried): `read` statement by statement (the store's
 * reads are one statement each, one snapshot), `write` as one transaction. */
export interface Executor {
  readonly dialect: Dialect;
  read<T>(work: () => Work<T>): Promise<T>;
  write<T>(work: () => Work<T>): Promise<T>;
}

/** Columns (as selected) that hold JSON, with their decoders: lists of userIDs, a message body, a merger's copies.
 *  Each executor's row mapper runs them (decodeJson), so nothing above src/db parses. */
const JSON_COLUMNS = new Map<string, (json: string) => unknown>([
  ['targets', JSON.parse],
  ['atUsers', JSON.parse],
  ['body', (json) => decodeBody(JSON.parse(json))],
  ['copies', (json) => (JSON.parse(json) as Parameters<typeof copyOf>[0][]).map(copyOf)],
]);

export function decodeJson(r: Record<string, unknown>): Record<string, unknown> {
  for (const [k, decode] of JSON_COLUMNS) if (typeof r[k] === 'string') r[k] = decode(r[k] as string);
  return r;
}

/** A list of order numbers for `IN (…)`: bound one parameter each (they are integers, so no dialect differs). */
export const orderList = (orderNos: readonly number[]): SQL =>
  sql.join(
    orderNos.map((n) => sql`${n}`),
    sql`, `,
  );

export const encodeList = (list: readonly string[] | null): string | null => (list ? JSON.stringify(list) : null);
export const encodeBody = (body: MsgBody): string => JSON.stringify(body);

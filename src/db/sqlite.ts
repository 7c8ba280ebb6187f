// The SQLite executor: renders each statement with drizzle's SQLite dialect (`?` placeholders), prepares each
// rendered text once per database, and runs a unit of work synchronously, a write inside one better-sqlite3
// transaction. Rows come out typed: JSON columns decoded (statement.ts decodeJson).
//
// The send path. better-sqlite3 transactions are synchronous, and one commit per send would bound sends by the
// disk's flush rate; so the sends of one event-loop turn, and the reads before them, share one transaction, each
// send in its own savepoint with its own outcome (an error undoes only that send). Every answer waits for the
// commit, so an acknowledged message is a stored one, and commit order is still order_no order. SQLite has one
// writer, so the send needs no lock: the insert allocates its order.
import type Database from 'better-sqlite3';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { SendPath, TakeOrder } from './messages';
import { decodeJson, drive, sql, type Dialect, type Executor, type SQL, type Step, type Work } from './statement';

export const sqliteDialect: Dialect = {
  list: (values, alias) => sql`json_each(${JSON.stringify(values)}) AS ${sql.raw(alias)}`,
  inList: (values) => sql`(SELECT value FROM json_each(${JSON.stringify(values)}))`,
  greatest: (...args) => sql`max(${sql.join(args, sql`, `)})`,
  collate: sql``,
  forUpdate: sql``,
  outerJoin: sql`CROSS JOIN`,
  safeHead: sql`(SELECT coalesce(max(order_no), 0) FROM messages)`,
};

export interface SqliteExecutor extends Executor {
  /** Runs a unit of work now, synchronously (inside a transaction when called from one). */
  now<T>(work: () => Work<T>): T;
}

export function createSqliteExecutor(db: Database.Database): SqliteExecutor {
  const render = new SQLiteSyncDialect();
  const prepared = new Map<string, Database.Statement>();
  const exec = (step: Step): unknown => {
    const { sql: text, params } = render.sqlToQuery(step.query);
    let stmt = prepared.get(text);
    if (!stmt) prepared.set(text, (stmt = db.prepare(text)));
    if (step.kind === 'run' && !stmt.reader) return stmt.run(...params).changes;
    const list = stmt.all(...params) as Record<string, unknown>[];
    if (step.kind === 'run') return list.length;
    for (const r of list) decodeJson(r);
    return list;
  };
  const transaction = db.transaction((work: () => Work<unknown>) => drive(work(), exec));
  const now = <T>(work: () => Work<T>): T => drive(work(), exec);
  return {
    dialect: sqliteDialect,
    now,
    read: async (work) => now(work),
    write: async <T>(work: () => Work<T>) => transaction(work) as T,
  };
}

interface Queued {
  work(): unknown;
  resolve(value: unknown): void;
  reject(e: unknown): void;
}

/** The insert allocates the order: SQLite's one writer commits in order. */
const insertAllocates = function* (): Work<SQL | undefined> {
  return undefined;
};

/** Sends (and the reads before them) of one event-loop turn in one transaction, each send in a savepoint. */
export function createSqliteSendPath(db: Database.Database, x: SqliteExecutor): SendPath {
  const queue: Queued[] = [];
  const savepoint = db.transaction((work: () => Work<unknown>) => x.now(work));
  const runAll = db.transaction((items: Queued[]) =>
    items.map((item) => {
      try {
        return { value: item.work() };
      } catch (error) {
        // An error that made SQLite roll back the whole transaction (disk full, I/O) fails the whole turn.
        if (!db.inTransaction) throw error;
        return { error };
      }
    }),
  );
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
      if ('error' in r) item.reject(r.error);
      else item.resolve(r.value);
    });
  };
  const inTurn = <T>(work: () => T) =>
    new Promise<T>((resolve, reject) => {
      if (queue.push({ work, resolve: resolve as (value: unknown) => void, reject }) === 1) setImmediate(flush);
    });
  return {
    send: <T>(make: (takeOrder: TakeOrder) => Work<T>) => inTurn(() => savepoint(() => make(insertAllocates)) as T),
    beforeSend: (work) => inTurn(() => x.now(work)),
  };
}

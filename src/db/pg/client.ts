// The PostgreSQL connection pool and the two kinds of unit of work the stores run on it: `write` (one read-committed
// transaction, retried on a deadlock or serialization failure) and `read` (one repeatable-read snapshot, so a
// method that asks several questions gets answers about the same committed prefix of the message order).
import pg, { type QueryResult } from 'pg';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';

export type Db = NodePgDatabase;
/** The pool or a transaction: both run `execute`. */
export type Executor = Pick<Db, 'execute'>;

/** `schema`: every connection's search_path, unless the URL sets its own (`?options=-c search_path=im`). */
export function createPool(url: string, max = 10, schema?: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // A database that does not answer fails a request in 5 s (STORAGE_UNAVAILABLE) rather than holding it forever;
    // keep-alive notices a connection whose peer vanished without a reset.
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // A connection that drops emits 'error' on its client: the pool listens only while the client is idle, and a
  // checked-out one (in a transaction too) would crash the process with "Unhandled 'error' event". The query in
  // flight already fails with the error and the pool discards the client, so a listener on each is all it takes.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

// Node's socket errors, pg's own messages for a lost or unobtainable connection, and SQLSTATE class 08
// (connection exception), 57P01–57P03 (shutdown, crash, cannot connect now) and 53300 (too many connections).
const CONNECTION_ERRNOS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const CONNECTION_MESSAGES = /Connection terminated|connection error and is not queryable|not queryable|timeout exceeded when trying to connect|Connection refused/i;

/** True when `e` (or what it wraps: drizzle wraps driver errors in `cause`) says the database is out of reach. */
export function isConnectionError(e: unknown): boolean {
  for (let err = e, depth = 0; err instanceof Error && depth < 5; err = (err as { cause?: unknown }).cause, depth++) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_ERRNOS.has(code) || code.startsWith('08') || /^57P0[123]$|^53300$/.test(code))) return true;
    if (CONNECTION_MESSAGES.test(err.message)) return true;
  }
  return false;
}

export const createDb = (pool: pg.Pool): Db => drizzle(pool);

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

export async function write<T>(db: Db, work: (tx: Executor) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (e) {
      const code = (e as { code?: string; cause?: { code?: string } }).code ?? (e as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 5 || !RETRYABLE.has(code ?? '')) throw e;
    }
  }
}

export const read = <T>(db: Db, work: (tx: Executor) => Promise<T>): Promise<T> =>
  db.transaction(work, { isolationLevel: 'repeatable read', accessMode: 'read only' });

// count(*), max(order_no) and the bigint columns arrive as int8 strings (drizzle passes its own type parsers, so a
// pool-level parser would not apply); every value the stores keep fits a double, so they become numbers here.
const INT8 = 20;

function numbered(result: QueryResult): Record<string, unknown>[] {
  const int8 = result.fields.filter((f) => f.dataTypeID === INT8).map((f) => f.name);
  if (int8.length > 0) {
    for (const row of result.rows as Record<string, unknown>[]) {
      for (const name of int8) if (typeof row[name] === 'string') row[name] = Number(row[name]);
    }
  }
  return result.rows as Record<string, unknown>[];
}

export async function rows<T>(ex: Executor, query: SQL): Promise<T[]> {
  return numbered(await ex.execute(query)) as T[];
}

export async function one<T>(ex: Executor, query: SQL): Promise<T | undefined> {
  return (await rows<T>(ex, query))[0];
}

/** The first column of the first row. */
export async function value<T>(ex: Executor, query: SQL): Promise<T | undefined> {
  const row = numbered(await ex.execute(query))[0];
  return row === undefined ? undefined : (Object.values(row)[0] as T);
}

/** Rows a write touched. */
export async function changes(ex: Executor, query: SQL): Promise<number> {
  return (await ex.execute(query)).rowCount ?? 0;
}

// PostgreSQL text cannot hold U+0000, which SQLite stores and the contract keeps byte for byte in free text
// (message text and custom fields, group names). Such text is stored with U+0000 written as U+E000 '0' and
// U+E000 itself as U+E000 'e', and read back exactly; text without either character is stored unchanged.
const ESC = '\uE000';

export const toDbText = <T extends string | null>(text: T): T =>
  (text !== null && /[\u0000\uE000]/.test(text) ? text.replace(/[\u0000\uE000]/g, (c) => ESC + (c === ESC ? 'e' : '0')) : text) as T;

export const fromDbText = <T extends string | null>(text: T): T =>
  (text !== null && text.includes(ESC) ? text.replace(/\uE000([0e])/g, (_, c: string) => (c === '0' ? '\u0000' : ESC)) : text) as T;

export { sql, type SQL };

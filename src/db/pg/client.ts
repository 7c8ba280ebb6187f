// The PostgreSQL connection pool, and how free text is stored (the executor, ./executor.ts, applies it to every
// parameter and every value read back).
import pg from 'pg';

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
const CONNECTION_ERRNOS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
const CONNECTION_MESSAGES =
  /Connection terminated|connection error and is not queryable|not queryable|timeout exceeded when trying to connect|Connection refused/i;

/** True when `e` (or what it wraps: drizzle wraps driver errors in `cause`) says the database is out of reach. */
export function isConnectionError(e: unknown): boolean {
  for (let err = e, depth = 0; err instanceof Error && depth < 5; err = (err as { cause?: unknown }).cause, depth++) {
    const code = (err as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (CONNECTION_ERRNOS.has(code) || code.startsWith('08') || /^57P0[123]$|^53300$/.test(code))
    )
      return true;
    if (CONNECTION_MESSAGES.test(err.message)) return true;
  }
  return false;
}

// PostgreSQL text cannot hold U+0000, which SQLite stores and the contract keeps byte for byte in free text
// (message text and custom fields, group names). Such text is stored with U+0000 written as U+E000 '0' and
// U+E000 itself as U+E000 'e', and read back exactly; text without either character is stored unchanged.
const ESC = '\uE000';

export const toDbText = <T extends string | null>(text: T): T =>
  (text !== null && /[\u0000\uE000]/.test(text)
    ? text.replace(/[\u0000\uE000]/g, (c) => ESC + (c === ESC ? 'e' : '0'))
    : text) as T;

export const fromDbText = <T extends string | null>(text: T): T =>
  (text !== null && text.includes(ESC)
    ? text.replace(/\uE000([0e])/g, (_, c: string) => (c === '0' ? '\u0000' : ESC))
    : text) as T;

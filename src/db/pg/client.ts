// The PostgreSQL connection pool, and how free text is stored (the executor, ./executor.ts, applies it to every
// parameter and every value read back).
import pg from 'pg';

/** `schema`: every connection's search_path, unless the URL sets its own (`?options=-c search_path=im`). */
export function createPool(url: string, max = 10, schema?: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  // An idle connection that drops (a server restart) is replaced on next use; without a listener it would crash us.
  pool.on('error', () => {});
  return pool;
}

// PostgreSQL text cannot hold U+0000, which SQLite stores and the contract keeps byte for byte in free text
// (message text and custom fields, group names). Such text is stored with U+0000 written as U+E000 '0' and
// U+E000 itself as U+E000 'e', and read back exactly; text without either character is stored unchanged.
const ESC = '\uE000';

export const toDbText = <T extends string | null>(text: T): T =>
  (text !== null && /[\u0000\uE000]/.test(text) ? text.replace(/[\u0000\uE000]/g, (c) => ESC + (c === ESC ? 'e' : '0')) : text) as T;

export const fromDbText = <T extends string | null>(text: T): T =>
  (text !== null && text.includes(ESC) ? text.replace(/\uE000([0e])/g, (_, c: string) => (c === '0' ? '\u0000' : ESC)) : text) as T;


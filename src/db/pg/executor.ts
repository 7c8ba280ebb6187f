// The PostgreSQL executor: renders each statement with drizzle's PostgreSQL dialect (`$n` placeholders) and runs it
// on the pool; a write is one read-committed transaction on one client, retried on a deadlock or serialization
// failure. Rows come out as the SQLite executor's: int8 and numeric as numbers, JSON lists decoded, free text
// unescaped (client.ts).
import type pg from 'pg';
import { PgDialect } from 'drizzle-orm/pg-core';
import { decodeJson, driveAsync, sql, type Dialect, type Executor, type Step, type Work } from '../statement';
import { fromDbText, isConnectionError, toDbText } from './client';
import { SAFE_HEAD, awaitOrdersBelow } from './order';

export const postgresDialect: Dialect = {
  list: (values, alias) => sql`unnest(${sql.param(values.map(toDbText))}::text[]) AS ${sql.raw(alias)}(value)`,
  inList: (values) => sql`(SELECT unnest(${sql.param(values.map(toDbText))}::text[]))`,
  greatest: (...args) => sql`greatest(${sql.join(args, sql`, `)})`,
  collate: sql`COLLATE "C"`,
  forUpdate: sql`FOR UPDATE`,
  outerJoin: sql`JOIN`,
  safeHead: SAFE_HEAD,
  awaitOrdersBelow,
};

// count(*), sums and the bigint columns arrive as strings; every value the store keeps fits a double.
const NUMERIC = new Set([20, 1700]); // int8, numeric

function decode(result: pg.QueryResult): Record<string, unknown>[] {
  const numeric = result.fields.filter((f) => NUMERIC.has(f.dataTypeID)).map((f) => f.name);
  const text = result.fields.filter((f) => f.dataTypeID === 25).map((f) => f.name);
  for (const r of result.rows as Record<string, unknown>[]) {
    for (const k of numeric) if (typeof r[k] === 'string') r[k] = Number(r[k]);
    for (const k of text) if (typeof r[k] === 'string') r[k] = fromDbText(r[k] as string);
    decodeJson(r);
  }
  return result.rows as Record<string, unknown>[];
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

export interface PgExecutorOptions {
  /** Called with each statement's text (and parameters) as it is sent (BEGIN and COMMIT included): tests count
   *  round trips, or explain a statement again. */
  onStatement?: (text: string, values?: unknown[]) => void;
}

export function createPgExecutor(pool: pg.Pool, options: PgExecutorOptions = {}): Executor {
  const render = new PgDialect();
  const { onStatement } = options;
  const exec = async (client: pg.Pool | pg.PoolClient, step: Step): Promise<unknown> => {
    const { sql: text, params } = render.sqlToQuery(step.query);
    const values = params.map((p) => (typeof p === 'string' ? toDbText(p) : p));
    onStatement?.(text, values);
    const result = await client.query({ text, values });
    return step.kind === 'run' ? (result.rowCount ?? 0) : decode(result);
  };
  const plain = async (client: pg.PoolClient, text: string) => {
    onStatement?.(text);
    await client.query(text);
  };
  return {
    dialect: postgresDialect,
    read: (work) => driveAsync(work(), (step) => exec(pool, step)),
    async write<T>(work: () => Work<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        let broken: Error | undefined;
        try {
          await plain(client, 'BEGIN');
          const value = await driveAsync(work(), (step) => exec(client, step));
          await plain(client, 'COMMIT');
          return value;
        } catch (e) {
          // A lost connection goes back to the pool with its error, so the pool discards it rather than reuse it;
          // open.ts turns the error into StorageUnavailable.
          if (isConnectionError(e)) broken = e as Error;
          else await client.query('ROLLBACK').catch(() => {});
          const code = (e as { code?: string }).code;
          if (attempt >= 5 || !RETRYABLE.has(code ?? '')) throw e;
        } finally {
          client.release(broken);
        }
      }
    },
  };
}

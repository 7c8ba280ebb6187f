// openPostgres: the PostgreSQL store (DATABASE_URL=postgres://…). Returned at once, like the SQLite store; the
// pool connects and the committed migrations in ./drizzle-pg run in the background, and every method waits for
// them, so the code above src/db never sees a half-migrated database (app.start() pings first, failing fast).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import { DEFAULT_GROUP_RULES, StorageUnavailable, type GroupRules, type Store } from '../store';
import { createGroupStore } from '../groups';
import { createMessageStore } from '../messages';
import { createConversationStore, createUserStore } from '../conversations';
import { createPool, isConnectionError } from './client';
import { createPgExecutor, type PgExecutorOptions } from './executor';
import { createPgSendPath } from './send';
import { createGroupTipsStore } from '../group-tips';

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../drizzle-pg');
/** Session advisory lock held while migrating, so processes starting together migrate one at a time. */
const MIGRATE_LOCK = 0x494e;

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

export interface PostgresOptions extends PgExecutorOptions {
  /** What each group type means to storage. */
  rules?: GroupRules;
  /** Pool size per process (default 10). */
  poolSize?: number;
  /** Work in this schema (created if missing) instead of the URL's search_path: tests use a fresh one each. */
  schema?: string;
}

/** Applies the committed migrations in the connection's current schema (the first on its search_path). */
export async function runPostgresMigrations(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    const schema = (await client.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s;
    if (!schema) throw new Error('DATABASE_URL: no schema on the search_path exists; create it first');
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATE_LOCK, schema]);
    try {
      // The migrations journal lives beside the tables, so each schema is a self-contained database.
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS, migrationsSchema: schema });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATE_LOCK, schema]);
    }
  } finally {
    client.release();
  }
}

/** A lost connection becomes StorageUnavailable, the one error the layers above know how to answer. */
const unavailable = (e: unknown): never => {
  throw isConnectionError(e) ? new StorageUnavailable(e) : e;
};

/**
 * Each method of `target`, run once `ready` has settled (and rejected with its error if it failed), its connection
 * errors turned into StorageUnavailable: every store call passes here, so no query needs its own handling.
 */
function gated<T extends object>(target: T, ready: Promise<void>): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(target)) {
    out[name] = async (...args: unknown[]) => {
      await ready;
      try {
        return await (fn as (...a: unknown[]) => unknown)(...args);
      } catch (e) {
        return unavailable(e);
      }
    };
  }
  return out as T;
}

export function openPostgres(url: string, options: PostgresOptions = {}): Store {
  const { schema } = options;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`schema "${schema}" is not a plain lower-case identifier`);
  const pool = createPool(url, options.poolSize, schema);
  const x = createPgExecutor(pool, options);
  const rules = options.rules ?? DEFAULT_GROUP_RULES;
  const ready = (
    schema === undefined ? Promise.resolve() : pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).then(() => {})
  ).then(() => runPostgresMigrations(pool));
  ready.catch(() => {}); // reported by every method (and by ping at start-up), not as an unhandled rejection
  let closing: Promise<void> | undefined;
  return {
    users: gated(createUserStore(x), ready),
    groups: gated(createGroupStore(x, rules), ready),
    messages: gated(createMessageStore(x, rules, createPgSendPath(x)), ready),
    conversations: gated(createConversationStore(x), ready),
    tips: gated(createGroupTipsStore(x, rules, createPgSendPath(x)), ready),
    ping: async () => {
      await ready;
      await pool.query('SELECT 1').catch(unavailable);
    },
    close: () => (closing ??= ready.catch(() => {}).then(() => pool.end())),
  };
}

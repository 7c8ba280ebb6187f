// PostgreSQL and Redis for the scale-out tests, selected by the environment the suite runs in:
// DATABASE_URL=postgres://… and REDIS_URL=redis://…. Each test gets its own schema (tables, migrations journal and
// order lock are all per schema) and its own Redis prefix, and drops them afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import Redis from 'ioredis';
import { isPostgresUrl } from '../../src/db';
import { openPostgres } from '../../src/db/pg/open';
import { createPgBlobs } from '../../src/media/pg-store';
import { createTestGateway as createSqliteTestGateway, type TestGateway } from './app';
import { groupRules } from '../../src/resolvers/group-type';

const env = process.env;

/** The PostgreSQL server of this run, or undefined (the PostgreSQL halves of the suites are skipped). */
export const PG_URL = env.DATABASE_URL && isPostgresUrl(env.DATABASE_URL) ? env.DATABASE_URL : undefined;
export const REDIS_URL = env.REDIS_URL && /^rediss?:\/\//.test(env.REDIS_URL) ? env.REDIS_URL : undefined;

export const SKIP_MESSAGE = 'scale-out suite skipped: set DATABASE_URL=postgres://… and REDIS_URL=redis://… to run it';

/** `url` with its search_path set to `schema` (the libpq `options` parameter). */
export function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export interface FreshSchema {
  schema: string;
  /** DATABASE_URL for a store or gateway process that works in this schema. */
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty, uniquely named schema; drop() removes it with everything in it. */
const schemaName = () => `t_${randomBytes(6).toString('hex')}`;

async function dropSchema(base: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}

export async function freshSchema(base = PG_URL!): Promise<FreshSchema> {
  const schema = schemaName();
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  return {
    schema,
    url: withSchema(base, schema),
    drop: () => dropSchema(base, schema),
  };
}

/** A unique REDIS_PREFIX, so concurrent test files never hear each other; drop() deletes its keys. */
export function freshPrefix(): { prefix: string; drop(): Promise<void> } {
  const prefix = `imtest-${randomBytes(6).toString('hex')}`;
  return {
    prefix,
    async drop() {
      const redis = new Redis(REDIS_URL!);
      try {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** createTestGateway() on a fresh PostgreSQL schema (dropped by app.stop()); helpers/backends.ts offers it. A config
 *  whose media store is postgres gets its blobs in that schema too, as a PostgreSQL deployment keeps them. */
export function createPgTestGateway(options: Parameters<typeof createSqliteTestGateway>[0] = {}): TestGateway {
  // A test that chose its own database (a SQLite file it inspects) or store keeps it.
  if (!PG_URL || options.store || (options.config && options.config.databaseUrl !== ':memory:'))
    return createSqliteTestGateway(options);
  const schema = schemaName();
  const pgMedia = !options.mediaBlobs && options.config?.media.store === 'postgres';
  const gw = createSqliteTestGateway({
    ...options,
    store: openPostgres(PG_URL, { schema, rules: groupRules }),
    ...(pgMedia ? { mediaBlobs: createPgBlobs(PG_URL, { schema, poolSize: 2 }) } : {}),
  });
  const stop = gw.app.stop;
  gw.app.stop = async () => {
    await stop();
    await dropSchema(PG_URL!, schema);
  };
  return gw;
}

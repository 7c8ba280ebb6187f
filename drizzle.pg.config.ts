// drizzle-kit generates the committed PostgreSQL migrations in ./drizzle-pg from src/db/pg/schema.ts:
// `npx drizzle-kit generate --config drizzle.pg.config.ts`. Applied at start-up when DATABASE_URL is postgres://.
// drizzle-kit writes foreign keys as REFERENCES "public"."t"; strip that (`sed -i 's/"public"\.//g' drizzle-pg/*.sql`)
// so the tables follow the connection's search_path (a deployment's own schema, a fresh schema per test).
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg/schema.ts',
  out: './drizzle-pg',
});

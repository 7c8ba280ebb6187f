// The PostgreSQL tables, derived from the one schema (src/db/schema.ts): same tables, columns, keys and indexes,
// so both stores hand out identical rows. What differs is only the integer width: SQLite has one integer type,
// PostgreSQL stores orders, times and counts as bigint (read back as numbers) and the small codes and 0/1 flags
// as integer. drizzle-kit generates ./drizzle-pg from this file (drizzle.pg.config.ts).
import { Column, SQL, getTableColumns, sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  customType,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  type PgColumnBuilderBase,
} from 'drizzle-orm/pg-core';
import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as lite from '../schema';

/** Columns whose values are small codes or 0/1 flags. */
const INT4 = new Set([
  'role',
  'targeted',
  'elem_type',
  'priority',
  'excluded_unread',
  'excluded_last',
  'need_read_receipt',
]);

const built = new Map<SQLiteTable, ReturnType<typeof pgTable>>();

function toPg(table: SQLiteTable) {
  const config = getTableConfig(table);
  const columns: Record<string, PgColumnBuilderBase> = {};
  for (const [key, c] of Object.entries(getTableColumns(table))) {
    // drizzle's builders are chained generics; this conversion only needs their runtime shape.
    let b: any =
      c.columnType === 'SQLiteText'
        ? text(c.name)
        : c.primary && (c as { autoIncrement?: boolean }).autoIncrement
          ? bigserial(c.name, { mode: 'number' })
          : INT4.has(c.name)
            ? integer(c.name)
            : bigint(c.name, { mode: 'number' });
    if (c.notNull && !c.primary) b = b.notNull();
    if (c.hasDefault && c.default !== undefined) b = b.default(c.default);
    if (c.primary) b = b.primaryKey();
    columns[key] = b;
  }
  const byName = (pt: Record<string, unknown>, col: Column) =>
    pt[Object.entries(getTableColumns(table)).find(([, v]) => v === col)![0]];
  const result = pgTable(config.name, columns, (pt: any) => [
    ...config.primaryKeys.map((pk) => primaryKey({ columns: pk.columns.map((col) => byName(pt, col)) as any })),
    ...config.indexes.map(({ config: ix }) => {
      const on = (ix.unique ? uniqueIndex : index)(ix.name).on(
        ...(ix.columns.map((col) => byName(pt, col as Column)) as [any]),
      );
      return ix.where
        ? on.where(
            new SQL(ix.where.queryChunks.map((chunk) => (chunk instanceof Column ? byName(pt, chunk) : chunk)) as any),
          )
        : on;
    }),
    ...config.foreignKeys.map((fk) => {
      const ref = fk.reference();
      const target = built.get(ref.foreignTable as SQLiteTable)! as any;
      const targetColumns = Object.entries(getTableColumns(ref.foreignTable))
        .filter(([, v]) => ref.foreignColumns.includes(v as any))
        .map(([k]) => target[k]);
      return foreignKey({
        columns: ref.columns.map((col) => byName(pt, col)) as any,
        foreignColumns: targetColumns as any,
      }).onDelete(fk.onDelete ?? 'no action');
    }),
  ]);
  built.set(table, result);
  return result;
}

// In dependency order: a foreign key's target first.
export const users = toPg(lite.users);
export const groups = toPg(lite.groups);
export const groupMembers = toPg(lite.groupMembers);
export const messages = toPg(lite.messages);
export const messageAudience = toPg(lite.messageAudience);
export const messageReactions = toPg(lite.messageReactions);
export const messageReceipts = toPg(lite.messageReceipts);
export const messageReaders = toPg(lite.messageReaders);
export const drafts = toPg(lite.drafts);
export const conversations = toPg(lite.conversations);
export const groupApplications = toPg(lite.groupApplications);
export const hiddenMessages = toPg(lite.hiddenMessages);
export const mediaRefs = toPg(lite.mediaRefs);
export const mergedMessages = toPg(lite.mergedMessages);

// PostgreSQL only: the bytes of media (src/media/pg-store.ts) when several gateway processes share one database.
// The SQLite deployment keeps them as files beside its database instead (src/media/store.ts), so this table has
// no SQLite twin. Fixed-size chunks, so a byte range maps to a range of chunk numbers.
const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });
export const mediaChunks = pgTable(
  'media_chunks',
  {
    blobId: text('blob_id').notNull(),
    n: integer('n').notNull(),
    data: bytea('data').notNull(),
    /** When the chunk was written; the first chunk's is the blob's age, for the sweep of bytes nobody holds. */
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.blobId, t.n] }),
    index('media_chunks_first')
      .on(t.blobId)
      .where(sql`n = 0`),
  ],
);

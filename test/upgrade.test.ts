// A database written by the store of commit 58449c6 (test/fixtures/store-58449c6.json: its tables, and what that
// store answered) upgrades without loss: after the new migrations every message, conversation and cursor answers
// as before. The one deliberate change: Meeting groups report no unread counts.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3';
import { migrate as sqliteMigrate } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres';
import { migrate as pgMigrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { openPostgres } from '../src/db/pg/open';
import type { Store, ViewedMessage } from '../src/db/store';
import { groupRules } from '../src/resolvers/group-type';
import { readAfter } from './helpers/backends';
import { PG_URL, freshSchema, type FreshSchema } from './helpers/pg';
import { textMessage } from './helpers/new-message';

const root = new URL('..', import.meta.url).pathname;
const fixture = JSON.parse(readFileSync(join(root, 'test/fixtures/store-58449c6.json'), 'utf8')) as {
  mid: number;
  tables: Record<string, Record<string, unknown>[]>;
  answers: Record<string, any>;
};
const OLD_MIGRATIONS = 2; // 0000_init and 0001_partial_message_indexes were main's at 58449c6
const TABLES = ['users', 'groups', 'group_members', 'messages', 'message_audience', 'drafts', 'conversations'];

let temp: string | undefined;
let schema: FreshSchema | undefined;
afterEach(async () => {
  if (temp) rmSync(temp, { recursive: true, force: true });
  await schema?.drop();
  temp = schema = undefined;
});

/** A copy of a migrations folder that stops where 58449c6's did. */
function oldMigrations(folder: string): string {
  const dir = join((temp ??= mkdtempSync(join(tmpdir(), 'im-upgrade-'))), folder);
  cpSync(join(root, folder), dir, { recursive: true });
  const journalPath = join(dir, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: unknown[] };
  journal.entries = journal.entries.slice(0, OLD_MIGRATIONS);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

const view = (m: ViewedMessage | null) =>
  m && { msgId: m.row.msgId, orderNo: m.row.orderNo, seq: m.seq, isRead: m.isRead, revoked: m.row.revokedAt !== null };

async function answers(store: Store, u: string) {
  const meeting = (id: string) => id === 'group_meet';
  return {
    conversations: (await store.conversations.list(u)).map((c) => ({
      conversationID: c.conversationID,
      unreadCount: c.unreadCount,
      lastMessage: view(c.lastMessage),
    })),
    totalUnread: await store.conversations.totalUnread(u),
    history: {
      work: (await store.messages.groupHistory(u, 'work', Number.MAX_SAFE_INTEGER, 100)).map(view),
      meet: (await store.messages.groupHistory(u, 'meet', Number.MAX_SAFE_INTEGER, 100)).map(view),
      pub: (await store.messages.groupHistory(u, 'pub', Number.MAX_SAFE_INTEGER, 100)).map(view),
      dan: (await store.messages.c2cHistory(u, 'dan', Number.MAX_SAFE_INTEGER, 100)).map(view),
      ann: (await store.messages.c2cHistory(u, 'ann', Number.MAX_SAFE_INTEGER, 100)).map(view),
    },
    resume: (await readAfter(store, u, 0, 1000)).map(view),
    resumeFromMid: (await readAfter(store, u, fixture.mid, 1000)).map(view),
    meeting,
  };
}

/** What 58449c6 answered, but with Meeting groups' unread counts at 0 (the deliberate change). */
function expected(u: string) {
  const old = structuredClone(fixture.answers[u]);
  for (const c of old.conversations) if (c.conversationID === 'group_meet') c.unreadCount = 0;
  old.totalUnread = old.conversations.reduce((n: number, c: { unreadCount: number }) => n + c.unreadCount, 0);
  return old;
}

async function checkUpgraded(store: Store) {
  for (const u of Object.keys(fixture.answers)) {
    const { meeting: _m, ...got } = await answers(store, u);
    expect(got, `${u} after the upgrade`).toEqual(expected(u));
  }
  // The order and the pair seq continue where they were.
  const last = Math.max(...fixture.tables.messages!.map((m) => m.order_no as number));
  await store.messages.createDraft({
    id: 'after-upgrade',
    owner: 'dan',
    createdAt: 1,
    expiresAt: Number.MAX_SAFE_INTEGER,
    elemType: 1,
    text: 'new',
    customData: null,
    customDesc: null,
    customExt: null,
    atUsers: null,
    elem: null,
    targets: null,
  });
  const sent = await store.messages.send(
    textMessage({
      msgId: 'after-upgrade-m',
      createId: 'after-upgrade',
      sender: 'dan',
      receiver: 'ann',
      text: 'new',
      timestamp: 1,
    }),
    1,
  );
  expect(sent.ok && sent.message.row.orderNo).toBe(last + 1);
  const pairSeqs = fixture.answers.ann.history.dan.map((m: { seq: number }) => m.seq);
  expect(sent.ok && sent.message.seq).toBe(Math.max(...pairSeqs) + 1);
}

describe('upgrading a database written by 58449c6', () => {
  it('when a SQLite file from 58449c6 is opened, then every message, conversation and cursor answers as before', async () => {
    const dir = oldMigrations('drizzle');
    const path = join(dir, 'im.db');
    const old = new Database(path);
    sqliteMigrate(sqliteDrizzle(old), { migrationsFolder: dir });
    for (const t of TABLES) {
      for (const r of fixture.tables[t]!) {
        const cols = Object.keys(r);
        old
          .prepare(`INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
          .run(...cols.map((c) => r[c]));
      }
    }
    old.close();
    const store = openDatabase(path, groupRules);
    try {
      await checkUpgraded(store);
    } finally {
      await store.close();
    }
  });

  (PG_URL ? it : it.skip)(
    'when a PostgreSQL schema from 58449c6 is opened, then every message, conversation and cursor answers as before',
    async () => {
      schema = await freshSchema();
      const dir = oldMigrations('drizzle-pg');
      const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema.schema}` });
      await client.connect();
      try {
        await pgMigrate(pgDrizzle(client), { migrationsFolder: dir, migrationsSchema: schema.schema });
        // As 58449c6 stored them: U+0000 in free text escaped as U+E000 '0', the pair key's separator U+0001.
        const asOldPg = (c: string, v: unknown) =>
          typeof v !== 'string'
            ? v
            : c === 'pair_key'
              ? v.replace('\u0000', '\u0001')
              : v.replace(/\u0000/g, '\uE0000');
        for (const t of TABLES) {
          for (const r of fixture.tables[t]!) {
            const cols = Object.keys(r);
            await client.query(
              `INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
              cols.map((c) => asOldPg(c, r[c])),
            );
          }
        }
        await client.query(
          `SELECT setval(pg_get_serial_sequence('messages', 'order_no'), (SELECT max(order_no) FROM messages))`,
        );
      } finally {
        await client.end();
      }
      const store = openPostgres(PG_URL!, { schema: schema.schema, rules: groupRules });
      try {
        await checkUpgraded(store);
      } finally {
        await store.close();
      }
    },
  );
});

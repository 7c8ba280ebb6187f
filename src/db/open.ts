// openDatabase: the SQLite file (WAL, foreign keys on), migrated by the committed drizzle-kit output before use.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { DEFAULT_GROUP_RULES, type GroupRules, type Store } from './store';
import { createGroupStore } from './groups';
import { createMessageStore } from './messages';
import { createConversationStore, createUserStore } from './conversations';
import { createSqliteExecutor, createSqliteSendPath } from './sqlite';
import { createGroupTipsStore } from './group-tips';

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), '../../drizzle');

export type Sqlite = Database.Database;

/** Applies the committed migrations; synchronous, so nothing listens before the schema is current. */
export function runMigrations(sqlite: Sqlite): void {
  migrate(drizzle(sqlite), { migrationsFolder: MIGRATIONS });
}

export function openDatabase(url: string, rules: GroupRules = DEFAULT_GROUP_RULES): Store {
  const path = url.startsWith('file:') ? url.slice(5) : url;
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  // WAL + NORMAL is durable against process crashes (SIGKILL); only an OS crash can lose the last commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  runMigrations(sqlite);
  const ping = sqlite.prepare('SELECT 1');
  const x = createSqliteExecutor(sqlite);
  const sendPath = createSqliteSendPath(sqlite, x);
  return {
    users: createUserStore(x),
    groups: createGroupStore(x, rules),
    messages: createMessageStore(x, rules, sendPath),
    conversations: createConversationStore(x),
    tips: createGroupTipsStore(x, rules, sendPath),
    ping: async () => {
      ping.get();
    },
    close: async () => {
      sqlite.close();
    },
  };
}

import type Database from 'better-sqlite3';
import type { UserStore } from '../store';

export function createUserStore(db: Database.Database): UserStore {
  const insert = db.prepare('INSERT OR IGNORE INTO users (user_id, created_at) VALUES (?, ?)');
  // Every authenticated request calls ensure(); remembering who exists keeps that off the disk.
  const known = new Set<string>();
  return {
    async ensure(userID, now) {
      if (known.has(userID)) return;
      insert.run(userID, now);
      if (known.size > 100_000) known.clear();
      known.add(userID);
    },
  };
}

import type { UserStore } from '../store';
import { sql, type Db } from './client';

export function createUserStore(db: Db): UserStore {
  // Every authenticated request calls ensure(); remembering who exists keeps that off the network.
  const known = new Set<string>();
  return {
    async ensure(userID, now) {
      if (known.has(userID)) return;
      await db.execute(sql`INSERT INTO users (user_id, created_at) VALUES (${userID}, ${now}) ON CONFLICT DO NOTHING`);
      if (known.size > 100_000) known.clear();
      known.add(userID);
    },
  };
}

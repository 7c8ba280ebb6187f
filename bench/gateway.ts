// The gateway under test: createApp with a temp SQLite file (or, for figure 8, the PostgreSQL schema and Redis prefix
// in BENCH_DATABASE_URL / BENCH_REDIS_URL / BENCH_REDIS_PREFIX), the per-group send rate raised out of the way, and
// set-up commands that write groups and drafts straight through the store (outside every measurement).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { BENCH_KEY, BENCH_SDKAPPID } from './keys';
import type { ServerUnderTest } from './server-under-test';

export interface GroupSetup {
  groupId: string;
  groupType: string;
  owner: string;
  members: string[];
}
export interface DraftSetup {
  sender: string;
  texts: string[];
  targets?: (string[] | null)[];
}

export async function startGateway(): Promise<ServerUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'im-bench-'));
  const config = loadConfig({
    IM_SDKAPPID: String(BENCH_SDKAPPID),
    IM_SECRET_KEY: BENCH_KEY,
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? join(dir, 'bench.db'),
    ...(process.env.BENCH_REDIS_URL
      ? { REDIS_URL: process.env.BENCH_REDIS_URL, IM_REDIS_PREFIX: process.env.BENCH_REDIS_PREFIX ?? 'bench' }
      : {}),
    IM_GROUP_SEND_RATE: '1000000',
    LOG_LEVEL: 'silent',
  });
  const app = createApp({ config, logger: createLogger('silent') });
  const port = await app.start(0, '127.0.0.1');
  const { store, router } = app.services;
  const now = () => Math.floor(Date.now() / 1000);

  return {
    port,
    subscriptions: () => router.streamCount(),
    commands: {
      async group({ groupId, groupType, owner, members }: GroupSetup) {
        const t = now();
        const created = await store.groups.create(
          { groupId, groupType, groupName: groupId, owner, createdAt: t },
          [],
          t,
        );
        if (!created) throw new Error(`group ${groupId} exists`);
        // In slices: addMembers checks each user inside one transaction.
        for (let i = 0; i < members.length; i += 1000) {
          const outcome = await store.groups.addMembers(
            groupId,
            members.slice(i, i + 1000),
            200,
            t,
            Number.MAX_SAFE_INTEGER,
          );
          if (outcome !== 'ok' && outcome !== 'already') throw new Error(`addMembers ${groupId}: ${outcome}`);
        }
        return members.length;
      },
      /** Created, unsent messages (what createTextMessage / createTargetedGroupMessage store); returns their ids. */
      async drafts({ sender, texts, targets }: DraftSetup) {
        const t = now();
        const ids = texts.map(() => `created_temp_id-${randomBytes(16).toString('base64url')}`);
        // A few at a time: on PostgreSQL each is a round trip, and thousands one after another take seconds.
        for (let i = 0; i < texts.length; i += 16) {
          await Promise.all(
            ids.slice(i, i + 16).map((id, k) => {
              const to = targets?.[i + k];
              return store.messages.createDraft({
                id,
                owner: sender,
                createdAt: t,
                expiresAt: t + 24 * 3600,
                elemType: 1,
                body: [{ kind: 'text', text: texts[i + k]! }],
                atUsers: null,
                targets: to ?? null,
              });
            }),
          );
        }
        return ids;
      },
      /** Router work so far: users looked at and events pushed (how the scaling figure is explained). */
      routerStats: () => ({ ...router.stats }),
    },
    async stop() {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The stores a store-level suite runs against, chosen explicitly in each test file (`for (const backend of
// backends)`): SQLite always, PostgreSQL when DATABASE_URL is postgres://… (its half is skipped, with a message,
// otherwise). Each open() gives a fresh, empty store with the product's group rules.
import { openStore } from '../../src/db';
import { openPostgres, type PostgresOptions } from '../../src/db/pg/open';
import type { Store, ViewedMessage } from '../../src/db/store';
import { groupRules } from '../../src/resolvers/group-type';
import { PG_URL, createPgTestGateway, freshSchema } from './pg';
import { createTestGateway, type TestGateway } from './app';

export interface Backend {
  name: string;
  enabled: boolean;
  open(options?: PostgresOptions): Promise<{ store: Store; drop(): Promise<void> }>;
}

export const backends: Backend[] = [
  {
    name: 'SQLite',
    enabled: true,
    open: async () => ({ store: openStore(':memory:', groupRules), drop: async () => {} }),
  },
  {
    name: 'PostgreSQL',
    enabled: PG_URL !== undefined,
    async open(options = {}) {
      const schema = await freshSchema();
      const store = openPostgres(PG_URL!, { schema: schema.schema, rules: groupRules, ...options });
      await store.ping();
      return { store, drop: schema.drop };
    },
  },
];

export const skipNotice = (suite: string) => {
  if (!PG_URL) console.log(`${suite}: PostgreSQL half skipped: set DATABASE_URL=postgres://… to run it`);
};

/** Up to `limit` messages after `afterOrder`, over as many resume pages as that takes (at most 1,000 pages). */
export async function readAfter(
  store: Store,
  viewer: string,
  afterOrder: number,
  limit: number,
): Promise<ViewedMessage[]> {
  const out: ViewedMessage[] = [];
  let from = afterOrder;
  for (let i = 0; i < 1000 && out.length < limit; i++) {
    const page = await store.messages.after(viewer, from, limit - out.length);
    out.push(...page.messages);
    if (page.done) break;
    from = page.through;
  }
  return out;
}

export interface GatewayBackend {
  name: string;
  enabled: boolean;
  create(options?: Parameters<typeof createTestGateway>[0]): TestGateway;
}

/** In-process gateways on each store, for the suites that run on both: `for (const backend of gateways)`. */
export const gateways: GatewayBackend[] = [
  { name: 'SQLite', enabled: true, create: createTestGateway },
  { name: 'PostgreSQL', enabled: PG_URL !== undefined, create: createPgTestGateway },
];

// Test gateways: one per case, in-memory SQLite unless a path is given, on a free port when started.
import TLSSigAPIv2 from 'tls-sig-api-v2';
import { expect } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp, type App, type AppOptions } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/log';

export const TEST_SDKAPPID = 1400123456;
export const TEST_KEY = 'test-secret-key-5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({
      IM_SDKAPPID: String(TEST_SDKAPPID),
      IM_SECRET_KEY: TEST_KEY,
      DATABASE_URL: ':memory:',
      LOG_LEVEL: 'silent',
    }),
    ...overrides,
  };
}

/** A UserSig made by Tencent's own package, as a real app backend would. */
export function userSig(userID: string, expire = 3600, sdkAppId = TEST_SDKAPPID, key = TEST_KEY): string {
  return new TLSSigAPIv2.Api(sdkAppId, key).genUserSig(userID, expire);
}

export interface GqlResult<T = any> {
  status: number;
  body: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

export interface TestGateway {
  app: App;
  /** In-process: yoga.fetch, no socket. */
  gql<T = any>(user: string | null, query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  /** Data of a single-field operation, asserting no GraphQL errors. */
  call<T = any>(user: string, query: string, variables?: Record<string, unknown>): Promise<T>;
  clock: { now: number };
}

export function createTestGateway(options: Partial<AppOptions> & { config?: Config } = {}): TestGateway {
  const clock = { now: Math.floor(Date.now() / 1000) };
  const app = createApp({ config: testConfig(), logger: createLogger('silent'), now: () => clock.now, ...options });
  const gql = async (user: string | null, query: string, variables?: Record<string, unknown>) => {
    const res = await app.yoga.fetch('http://local/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(user ? { authorization: `Bearer ${userSig(user)}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: await res.json() };
  };
  return {
    app,
    gql,
    clock,
    async call(user, query, variables) {
      const { body } = await gql(user, query, variables);
      if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      const data = body.data as Record<string, unknown>;
      return Object.values(data)[0] as any;
    },
  };
}

/** A graphql-ws client for `user` against a started gateway. */
export function wsClient(
  port: number,
  connectionParams: Record<string, unknown> | (() => Record<string, unknown>),
  extra: Partial<Parameters<typeof createClient>[0]> = {},
): Client {
  return createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    ...extra,
  });
}

/** Collects a subscription's events; `next(n)` waits until n have arrived. */
export function collect<T = any>(client: Client, query: string, variables?: Record<string, unknown>) {
  const events: T[] = [];
  const errors: unknown[] = [];
  let waiters: (() => void)[] = [];
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (v) => {
        if (v.errors) errors.push(v.errors);
        else events.push(v.data as T);
        waiters.forEach((w) => w());
      },
      error: (e) => {
        errors.push(e);
        waiters.forEach((w) => w());
      },
      complete: () => {},
    },
  );
  return {
    events,
    errors,
    dispose,
    async waitFor(n: number, timeoutMs = 5000): Promise<T[]> {
      await until(
        () => {
          if (errors.length) throw new Error(`subscription error: ${JSON.stringify(errors)}`);
          return events.length >= n;
        },
        `${n} events (got ${events.length})`,
        timeoutMs,
        () =>
          new Promise<void>((r) => {
            waiters.push(r);
            setTimeout(r, 50);
          }).then(() => {
            waiters = [];
          }),
      );
      return events;
    },
  };
}

/** Lets in-flight deliveries land before asserting that something did NOT arrive. */
export const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

/**
 * The one wait helper: polls `ready` (sync or async) until it holds. No assertion on time: the deadline only turns a
 * hang into a message naming `what` (a function: read when the wait fails, to say the state it ended in). `pause` is
 * how to wait between polls (default 10 ms).
 */
export async function until(
  ready: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 5000,
  pause = () => new Promise<void>((r) => setTimeout(r, 10)),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await pause();
  }
}

/** Asserts an envelope's code; a failure prints the code and its desc (which names the field or value). */
export function expectCode(r: { code: number; desc?: string | null }, code: number, what?: string): void {
  expect(`${r.code} ${r.desc ?? ''}`, what).toMatch(new RegExp(`^${code} `));
}

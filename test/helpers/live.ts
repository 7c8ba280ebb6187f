// A started gateway (port 0) with graphql-ws subscribers that are all disposed with it.
import type { Client } from 'graphql-ws';
import { afterEach, beforeEach } from 'vitest';
import type { Backend } from './backends';
import { collect, createTestGateway, until, userSig, wsClient, type TestGateway } from './app';

export { until };

export interface LiveGateway {
  gw: TestGateway;
  port: number;
  /** A graphql-ws client signed in as `user` (one socket). */
  client(user: string, params?: Record<string, unknown>): Client;
  /** Subscribes on a new socket for `user` and waits until the router routes to it. */
  subscribe<T = any>(
    user: string,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<ReturnType<typeof collect<T>>>;
  /** Waits until `user` has `n` open router streams. */
  streams(user: string, n: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startLive(options: Parameters<typeof createTestGateway>[0] = {}): Promise<LiveGateway> {
  const gw = createTestGateway(options);
  const port = await gw.app.start(0, '127.0.0.1');
  const clients: Client[] = [];
  const router = gw.app.services.router;

  const client = (user: string, params: Record<string, unknown> = {}) => {
    const c = wsClient(port, { userSig: userSig(user), ...params });
    clients.push(c);
    return c;
  };
  const streams = (user: string, n: number) =>
    until(() => router.streamCount(user) === n, `${user} to have ${n} open streams (has ${router.streamCount(user)})`);

  return {
    gw,
    port,
    client,
    streams,
    async subscribe(user, query, variables) {
      const before = router.streamCount(user);
      const sub = collect(client(user), query, variables);
      await streams(user, before + 1);
      await tick(); // the stream is counted before its groups are indexed: let that load finish
      return sub;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.dispose()));
      await gw.app.stop();
    },
  };
}

export const tick = () => new Promise((r) => setTimeout(r, 10));

/**
 * For each test of a suite (its beforeEach/afterEach): a fresh store of `backend` behind a started gateway, then
 * `setup` (a group, say). Returns that test's gateway as one stable LiveGateway, and `call` on it.
 */
export function liveEach(backend: Backend, setup?: (live: LiveGateway) => Promise<unknown>) {
  let current: LiveGateway | undefined;
  let drop = async () => {};
  beforeEach(async () => {
    const opened = await backend.open();
    drop = opened.drop;
    current = await startLive({ store: opened.store });
    await setup?.(current);
  });
  afterEach(async () => {
    await current?.stop();
    await drop();
    current = undefined;
  });
  const now = () => {
    if (!current) throw new Error('liveEach: only inside a test');
    return current;
  };
  const live: LiveGateway = {
    get gw() {
      return now().gw;
    },
    get port() {
      return now().port;
    },
    client: (user, params) => now().client(user, params),
    subscribe: (user, query, variables) => now().subscribe(user, query, variables),
    streams: (user, n) => now().streams(user, n),
    stop: () => now().stop(),
  };
  const call = (user: string, query: string, variables?: Record<string, unknown>) =>
    now().gw.call(user, query, variables);
  return { live, call };
}

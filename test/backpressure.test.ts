// Clients that stop reading (SECURITY.md §5): a graphql-ws socket whose output is over its bound is not read further,
// its live events end with the resumable error, what it pins stays under a small bound, and everyone else is served
// meanwhile. Asserted by the order of events, never by timings.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Config, Limits } from '../src/config';
import { collect, createTestGateway, testConfig, userSig, wsClient, type TestGateway } from './helpers/app';
import { GROUP_HISTORY, ON_MESSAGE, group, sendText } from './helpers/ops';
import { RawClient, until } from './helpers/raw-ws';
import { openDatabase } from '../src/db/open';
import { createLocalBus } from '../src/realtime/bus';
import { createRouter, RESET_SLICE } from '../src/realtime/router';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A started gateway whose warn/error log lines are kept. */
async function started(limits: Partial<Limits> = {}, config: Partial<Config> = {}) {
  const base = testConfig(config);
  const logged: string[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({
      write(chunk, _enc, done) {
        logged.push(String(chunk));
        done();
      },
    }),
  );
  const gw: TestGateway = createTestGateway({
    config: { ...base, groupSendRate: 1_000_000, limits: { ...base.limits, ...limits } },
    logger,
  });
  cleanup.push(() => gw.app.stop());
  const port = await gw.app.start(0, '127.0.0.1');
  return { gw, port, logged };
}

const serverSockets = (gw: TestGateway) => [...gw.app.ws.wss.clients];

describe('a client that pipelines queries and never reads', () => {
  it('when its answers pile up unsent, then the gateway stops reading it, answers /health and other clients meanwhile, and answers all of it once it reads', async () => {
    const { gw, port } = await started({ maxOperationsPerSecond: 1_000_000 });
    const groupID = await group(gw, 'alice', ['bob', 'carol']);
    for (let i = 0; i < 50; i++)
      expect((await sendText(gw, 'alice', `${i} ${'x'.repeat(8000)}`, { groupID })).code).toBe(0);

    const flooder = await RawClient.open(port, 'bob');
    cleanup.push(() => flooder.dispose());
    flooder.pauseReading();
    // Each ~420 KB answer; padded frames (an undeclared variable is ignored) so the flood is more than the kernel
    // buffers hold and the client's own writes back up once the gateway stops reading.
    const N = 200;
    const pad = 'p'.repeat(60_000);
    for (let i = 0; i < N; i++) flooder.subscribe(`q${i}`, GROUP_HISTORY, { groupID, count: 50, pad });

    // 1. The gateway stops reading the flooder.
    await until(() => serverSockets(gw).some((s) => s.isPaused), 'the gateway to stop reading the flooder', 30_000);
    // 2. Meanwhile /health and another client are answered.
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    const other = wsClient(port, { userSig: userSig('carol') });
    cleanup.push(() => other.dispose());
    const page = await new Promise<any>((resolve, reject) =>
      other.subscribe(
        { query: GROUP_HISTORY, variables: { groupID, count: 1 } },
        { next: resolve, error: reject, complete: () => {} },
      ),
    );
    expect(page.data.getGroupHistoryMessageList.code).toBe(0);
    // 3. ...while the flood is still held: the gateway has not read it all and holds no more than its bound.
    const held = serverSockets(gw).find((s) => s.isPaused)!;
    expect(held).toBeDefined();
    expect(flooder.ws.bufferedAmount).toBeGreaterThan(0);
    // The bound plus the answers already being written when it filled (20 at most, one operation slot each).
    expect(held.bufferedAmount).toBeLessThan(256 * 1024 + 20 * 430_000);

    // Once it reads, every one of its operations is answered (data, or an error it can act on), none lost.
    flooder.resumeReading();
    const answered = () =>
      new Set(flooder.frames.filter((f) => f.type === 'complete' || f.type === 'error').map((f) => f.id)).size;
    await flooder.until(() => answered() === N, `answers to all ${N} operations`, 60_000);
    expect(
      flooder.frames
        .filter((f) => f.type === 'next')
        .every((f) => f.payload.data?.getGroupHistoryMessageList.code === 0),
    ).toBe(true);
    expect(flooder.closed).toBeUndefined();
  }, 90_000);
});

describe('an operation rate per connection', () => {
  it('when a connection starts more operations per second than allowed, then the extra ones are answered RATE_LIMITED; the socket stays open and another connection is not affected', async () => {
    const { port } = await started({ maxOperationsPerSecond: 2 });
    const client = await RawClient.open(port, 'alice');
    cleanup.push(() => client.dispose());
    for (let i = 0; i < 30; i++) client.subscribe(`q${i}`, '{ getLoginUser { data } }');
    const answered = () => client.frames.filter((f) => f.type === 'complete' || f.type === 'error').length;
    await client.until(() => answered() === 30, 'answers to all 30');
    const limited = client.frames.filter((f) => f.type === 'error' && f.payload[0].extensions?.code === 'RATE_LIMITED');
    // A bucket of 2 refilled at 2/s: however slowly this ran, far fewer than 30 fit.
    expect(limited.length).toBeGreaterThanOrEqual(20);
    expect(limited[0]!.payload[0].message).toContain('at most 2 per second');
    expect(client.framesOf('q0')[0]).toMatchObject({
      type: 'next',
      payload: { data: { getLoginUser: { data: 'alice' } } },
    });
    expect(client.closed).toBeUndefined();

    const other = await RawClient.open(port, 'alice');
    cleanup.push(() => other.dispose());
    other.subscribe('a', '{ getLoginUser { data } }');
    await other.until(() => other.framesOf('a').length > 0, 'an answer');
    expect(other.framesOf('a')[0]).toMatchObject({
      type: 'next',
      payload: { data: { getLoginUser: { data: 'alice' } } },
    });
  });
});

describe('paused subscribers', () => {
  it('when ten sockets with 20 live subscriptions each stop reading, then each pins under 512 KiB, others are served in order, teardown logs nothing, and each resumes from its cursor with nothing lost', async () => {
    const consoleError = vi.spyOn(console, 'error');
    const { gw, port, logged } = await started();
    const paused = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const groupID = await group(gw, 'alice', ['fast', ...paused]);
    const origin = await sendText(gw, 'alice', 'origin', { groupID });
    const start = origin.data.cursor as string;

    const clients = await Promise.all(paused.map((u) => RawClient.open(port, u)));
    for (const c of clients) cleanup.push(() => c.dispose());
    for (const c of clients) for (let s = 0; s < 20; s++) c.subscribe(`s${s}`, ON_MESSAGE, { afterCursor: start });
    const fastClient = wsClient(port, { userSig: userSig('fast') });
    cleanup.push(() => fastClient.dispose());
    const fast = collect(fastClient, ON_MESSAGE, { afterCursor: start });
    await until(
      () =>
        paused.every((u) => gw.app.services.router.streamCount(u) === 20) &&
        gw.app.services.router.streamCount('fast') === 1,
      'all subscriptions open',
    );
    for (const c of clients) c.pauseReading();

    // Send until every paused socket has fallen behind and had its subscriptions ended (bounded).
    const acked: string[] = [];
    const text = (i: number) => `${i} ${'y'.repeat(11_000)}`;
    for (let i = 0; i < 400 && !paused.every((u) => gw.app.services.router.streamCount(u) === 0); i++) {
      const r = await sendText(gw, 'alice', text(i), { groupID });
      expect(r.code).toBe(0);
      acked.push(text(i));
    }
    expect(paused.map((u) => gw.app.services.router.streamCount(u))).toEqual(paused.map(() => 0));
    // The fast subscriber got everything, in order, while the paused ones were still paused.
    await fast.waitFor(acked.length, 20_000);
    expect(fast.events.map((e) => e.onRecvNewMessage.textElem.text)).toEqual(acked);
    // What each paused socket pins: the bound (256 KiB) plus one frame and one error frame per subscription.
    for (const s of serverSockets(gw)) expect(s.bufferedAmount).toBeLessThan(512 * 1024);
    // 200 subscriptions ended as expected: not one stack trace or error line.
    expect(consoleError).not.toHaveBeenCalled();
    expect(logged).toEqual([]);

    // Each paused client reads again: every subscription ends with the resumable error before anything closes,
    // and resuming from the last cursor it got brings exactly the rest.
    for (const c of clients) c.resumeReading();
    for (const c of clients) {
      await c.until(
        () => Array.from({ length: 20 }, (_, s) => c.framesOf(`s${s}`).some((f) => f.type === 'error')).every(Boolean),
        'an error frame on every subscription',
      );
      expect(c.closed).toBeUndefined();
      const first = c.framesOf('s0');
      const error = first.find((f) => f.type === 'error')!;
      expect(error.payload[0].extensions.code).toBe('RESUBSCRIBE');
      const before = first.filter((f) => f.type === 'next').map((f) => f.payload.data.onRecvNewMessage);
      expect(before.length).toBeLessThan(acked.length);
      c.subscribe('again', ON_MESSAGE, { afterCursor: before.length ? before.at(-1).cursor : start });
    }
    for (const c of clients) {
      const got = () => c.framesOf('again').filter((f) => f.type === 'next').length;
      const before = c
        .framesOf('s0')
        .filter((f) => f.type === 'next')
        .map((f) => f.payload.data.onRecvNewMessage.textElem.text);
      await c.until(() => before.length + got() >= acked.length, 'the rest after resuming');
      const after = c
        .framesOf('again')
        .filter((f) => f.type === 'next')
        .map((f) => f.payload.data.onRecvNewMessage.textElem.text);
      expect([...before, ...after]).toEqual(acked);
    }
    expect(consoleError).not.toHaveBeenCalled();
  }, 90_000);
});

describe('frames that are not graphql-transport-ws text', () => {
  it('when a client sends a binary frame, then the socket closes with 1003 and nothing runs', async () => {
    const { gw, port } = await started();
    const client = await RawClient.open(port, 'alice');
    cleanup.push(() => client.dispose());
    client.ws.send(
      Buffer.from(
        JSON.stringify({
          id: '1',
          type: 'subscribe',
          payload: { query: 'mutation { createTextMessage(text: "hi") { code } }' },
        }),
      ),
      { binary: true },
    );
    await client.whenClosed();
    expect(client.closed!.code).toBe(1003);
    expect(client.framesOf('1')).toEqual([]);
    void gw;
  });
});

describe('sockets that never send connection_init', () => {
  it('when more than IM_MAX_PENDING_INIT wait at once, then the extra one closes with 1013; the waiting ones stay, and one that initialises makes room', async () => {
    const { gw, port } = await started({ maxPendingInit: 3 });
    const waiting = await Promise.all([0, 1, 2].map(() => RawClient.connect(port)));
    for (const c of waiting) cleanup.push(() => c.dispose());
    await until(() => gw.app.ws.pendingInit() === 3, 'three sockets awaiting connection_init');
    const extra = await RawClient.connect(port);
    cleanup.push(() => extra.dispose());
    await extra.whenClosed();
    expect(extra.closed).toMatchObject({ code: 1013 });
    expect(extra.closed!.reason).toContain('awaiting connection_init');
    expect(waiting.map((c) => c.closed)).toEqual([undefined, undefined, undefined]);

    waiting[0]!.send({ type: 'connection_init', payload: { userSig: userSig('alice') } });
    await waiting[0]!.until(() => waiting[0]!.frames.some((f) => f.type === 'connection_ack'), 'connection_ack');
    const next = await RawClient.open(port, 'bob');
    cleanup.push(() => next.dispose());
    expect(next.closed).toBeUndefined();
    expect(gw.app.ws.pendingInit()).toBe(2);
  });
});

describe('tearing down many subscriptions at once', () => {
  it('when 1,000 live streams are reset together, then each event-loop turn ends at most one slice of them, and all end', async () => {
    const store = openDatabase(':memory:');
    cleanup.push(() => store.close());
    const router = createRouter(store, createLocalBus());
    const ended: number[] = [];
    const streams = await Promise.all(Array.from({ length: 1000 }, (_, i) => router.open(`u${i % 50}`, 'message')));
    streams.forEach((s, i) =>
      s.listen(
        () => {},
        () => ended.push(i),
      ),
    );
    router.resetAll('Live delivery was interrupted');
    // The turn of the call ends one slice; others (a send, a /health) get their turn before the next slice.
    expect(ended).toHaveLength(RESET_SLICE);
    await new Promise((r) => setImmediate(r));
    expect(ended.length).toBeLessThanOrEqual(2 * RESET_SLICE);
    await until(() => ended.length === 1000, 'every stream to end');
    expect(router.streamCount()).toBe(0);
  });
});

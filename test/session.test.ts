// Sessions honour UserSig expiry (src/auth/session.ts): a graphql-ws connection is closed with 4001 when its UserSig
// expires, never before; `login` with a fresh UserSig on the open socket renews it and keeps its subscriptions.
import { inflateSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { createExpirySweep } from '../src/auth/session';
import type { Client } from 'graphql-ws';
import { collect, userSig } from './helpers/app';
import { startLive, until, type LiveGateway } from './helpers/live';
import { ON_MESSAGE, sendText } from './helpers/ops';
import { sseSubscribe } from './helpers/sse';

let live: LiveGateway | undefined;
// Set by each test that starts one (the sweep's test starts none).
afterEach(async () => {
  await live?.stop();
  live = undefined;
});

const LOGIN =
  'mutation($userID: String!, $userSig: String!) { login(userID: $userID, userSig: $userSig) { code desc } }';

/** The last second a UserSig is valid in (tls-sig-api-v2: TLS.time + TLS.expire). */
function expiresAt(sig: string): number {
  const doc = JSON.parse(
    inflateSync(Buffer.from(sig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64')).toString(),
  );
  return doc['TLS.time'] + doc['TLS.expire'];
}

/** Runs one operation on an existing graphql-ws client (so on its socket) and returns its data field. */
function runOn(client: Client, query: string, variables: Record<string, unknown>): Promise<any> {
  return new Promise((resolve, reject) => {
    let result: any;
    client.subscribe(
      { query, variables },
      {
        next: (v) => {
          result = v;
        },
        error: reject,
        complete: () =>
          result?.errors ? reject(new Error(JSON.stringify(result.errors))) : resolve(Object.values(result.data)[0]),
      },
    );
  });
}

/** A client for `user` with `sig`, recording how its socket closed. */
function clientWith(user: string, sig: string) {
  const closes: { code: number; reason: string; at: number }[] = [];
  const client = live!.client(user, { userSig: sig });
  client.on('closed', (e) => {
    const { code, reason } = e as { code: number; reason: string };
    closes.push({ code, reason, at: Date.now() });
  });
  return { client, closes };
}

describe('UserSig expiry on graphql-ws', () => {
  it('when a connection\'s UserSig expires, then it is closed with 4001 "70001 …", not before, and its subscription ends', async () => {
    live = await startLive();
    const sig = userSig('bob', 2);
    const { client, closes } = clientWith('bob', sig);
    const sub = collect(client, ON_MESSAGE);
    await live.streams('bob', 1);
    await sendText(live.gw, 'alice', 'before expiry', { receiver: 'bob' });
    await sub.waitFor(1);
    await until(() => closes.length > 0, 'the socket to close at expiry', 8000);
    expect(closes[0]).toMatchObject({ code: 4001, reason: expect.stringMatching(/^70001 The UserSig has expired/) });
    // Valid through its last second: closed only after it.
    expect(closes[0]!.at).toBeGreaterThanOrEqual((expiresAt(sig) + 1) * 1000);
    await live.streams('bob', 0);
  });

  it('when the client logs in with a fresh UserSig before expiry, then the socket stays open and the subscription gets the next message', async () => {
    live = await startLive();
    const sig = userSig('bob', 3);
    const { client, closes } = clientWith('bob', sig);
    const sub = collect(client, ON_MESSAGE);
    await live.streams('bob', 1);
    expect(await runOn(client, LOGIN, { userID: 'bob', userSig: userSig('bob', 3600) })).toEqual({
      code: 0,
      desc: 'ok',
    });
    // Past the first UserSig's expiry and one sweep more.
    await until(() => Date.now() >= (expiresAt(sig) + 2) * 1000, 'the first UserSig to be past', 8000);
    await sendText(live.gw, 'alice', 'after the old expiry', { receiver: 'bob' });
    const [event] = await sub.waitFor(1);
    expect(event.onRecvNewMessage.textElem.text).toBe('after the old expiry');
    expect(closes).toEqual([]);
    expect(live.gw.app.services.router.streamCount('bob')).toBe(1);
  });

  it("when login gets another user's, an expired or a forged UserSig, then 6017, 70001 or 6014 and the connection keeps its expiry", async () => {
    live = await startLive();
    const sig = userSig('bob', 2);
    const { client, closes } = clientWith('bob', sig);
    collect(client, ON_MESSAGE);
    await live.streams('bob', 1);
    expect(await runOn(client, LOGIN, { userID: 'carol', userSig: userSig('carol', 3600) })).toMatchObject({
      code: 6017,
      desc: expect.stringMatching(/not the user of this connection \("bob"\)/),
    });
    expect(await runOn(client, LOGIN, { userID: 'bob', userSig: userSig('carol', 3600) })).toMatchObject({
      code: 6017,
      desc: expect.stringMatching(/not for userID "bob"/),
    });
    expect(await runOn(client, LOGIN, { userID: 'bob', userSig: userSig('bob', -10) })).toMatchObject({ code: 70001 });
    expect(await runOn(client, LOGIN, { userID: 'bob', userSig: 'forged' })).toMatchObject({ code: 6014 });
    await until(() => closes.length > 0, 'the socket to close at its original expiry', 8000);
    expect(closes[0]!.code).toBe(4001);
  });

  it('when login runs over HTTP, then it checks the UserSig (each request carries its own) and answers like the SDK', async () => {
    live = await startLive();
    expect(await live.gw.call('bob', LOGIN, { userID: 'bob', userSig: userSig('bob', 60) })).toEqual({
      code: 0,
      desc: 'ok',
    });
    expect((await live.gw.call('bob', LOGIN, { userID: 'bob', userSig: userSig('bob', -10) })).code).toBe(70001);
    expect((await live.gw.call('bob', LOGIN, { userID: 'bad\tid', userSig: userSig('bob', 60) })).code).toBe(7003);
  });
});

describe('the expiry sweep', () => {
  it('when sockets expire at different seconds, one is renewed and the clock jumps, then each closes once, in its turn', () => {
    vi.useFakeTimers();
    try {
      let now = 1_000_000_000; // ms
      const closed: string[] = [];
      const sweep = createExpirySweep(
        (s) => closed.push((s as unknown as { name: string }).name),
        () => now,
      );
      const socket = (name: string) => ({ name }) as unknown as WebSocket;
      const [a, b, c] = [socket('a'), socket('b'), socket('c')];
      const t = now / 1000;
      sweep.track(a, t + 1);
      sweep.track(b, t + 2);
      sweep.track(c, t + 2);
      sweep.track(b, t + 1000); // renewed
      const tick = (ms: number) => {
        now += ms;
        vi.advanceTimersByTime(ms);
      };
      tick(1000); // a is valid through second t+1
      expect(closed).toEqual([]);
      tick(1000);
      expect(closed).toEqual(['a']);
      tick(1000);
      expect(closed).toEqual(['a', 'c']);
      sweep.untrack(c); // already gone: no-op
      now += 10_000_000; // a stall far past b's expiry, then one sweep
      tick(1000);
      expect(closed).toEqual(['a', 'c', 'b']);
      expect(sweep.size).toBe(0);
      sweep.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('UserSig expiry on SSE', () => {
  it("when an SSE subscription's UserSig expires, then it gets one last event with imCode 70001 and the stream ends", async () => {
    live = await startLive();
    const sub = await sseSubscribe(live.port, ON_MESSAGE, undefined, userSig('bob', 2));
    await live.streams('bob', 1);
    await sendText(live.gw, 'alice', 'before expiry', { receiver: 'bob' });
    await sub.waitFor(1);
    await sub.done(8000);
    expect(sub.errors).toMatchObject([[{ extensions: { code: 'UNAUTHENTICATED', imCode: 70001 } }]]);
    await live.streams('bob', 0);
    sub.close();
  });
});

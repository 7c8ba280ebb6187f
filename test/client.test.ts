// The client package against real gateway processes that are killed (SIGKILL) and restarted mid-stream behind a
// TCP proxy (one stable address, as a load balancer gives): the listener sees every message once, in order.
import { createServer, connect, type Server, type Socket } from 'node:net';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createIMClient, isOk, type IMClient, type UserSigReason } from '../client/src';
import { createTestGateway, TEST_KEY, TEST_SDKAPPID, until, userSig } from './helpers/app';
import { issueUserSig } from '../src/auth/usersig';
import { httpCall, spawnGateway, tempDatabase, type SpawnedGateway } from './helpers/spawn';

const CREATE = 'mutation($text: String!) { createTextMessage(text: $text) { code desc data { id } } }';
const SEND =
  'mutation($id: String!, $groupID: String) { sendMessage(id: $id, groupID: $groupID) { code desc data { msgID cursor } } }';

/** A TCP proxy on 127.0.0.1 whose target port can change; `cut()` drops every open connection. */
async function proxy(): Promise<{ port: number; target: number; cut(): void; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const state = { target: 0 };
  const server: Server = createServer((client) => {
    const upstream = connect(state.target, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    get target() {
      return state.target;
    },
    set target(p: number) {
      state.target = p;
    },
    cut: () => open.forEach((s) => s.destroy()),
    close: () => {
      open.forEach((s) => s.destroy());
      return new Promise<void>((r) => server.close(() => r()));
    },
  } as never;
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('client: resume across gateway restarts', () => {
  it('when the gateway is killed and restarted twice mid-stream, then the listener gets every message once, in order, and a send made while it was down lands once', async () => {
    const db = tempDatabase();
    cleanup.push(() => db.remove());
    const gateways: SpawnedGateway[] = [];
    const start = async () => {
      const g = await spawnGateway({ DATABASE_URL: db.url }, 60_000 /* a hang guard: start-up is slow under load */);
      gateways.push(g);
      net.target = g.port;
      return g;
    };
    cleanup.push(() => Promise.all(gateways.map((g) => g.kill('SIGKILL'))));
    const net = await proxy();
    cleanup.push(() => net.close());
    let gw = await start();

    const groupID = 'resume';
    expect(
      await httpCall(
        gw.url,
        userSig('alice'),
        'mutation { createGroup(groupType: "Work", groupName: "R", groupID: "resume", memberList: [{ userID: "bob" }]) { code } }',
      ),
    ).toMatchObject({ code: 0 });
    const send = async (text: string) => {
      const created = await httpCall(gw.url, userSig('alice'), CREATE, { text });
      const sent = await httpCall(gw.url, userSig('alice'), SEND, { id: created.data.id, groupID });
      expect(sent).toMatchObject({ code: 0 });
      return sent.data.cursor as string;
    };
    const before = await send('before bob listens'); // bob resumes after it: nothing is lost while his socket opens

    const asked: UserSigReason[] = [];
    const bob: IMClient = createIMClient({
      url: `ws://127.0.0.1:${net.port}/graphql`,
      webSocketImpl: WebSocket,
      backoff: { baseMs: 50, maxMs: 500 },
      afterCursor: before,
      userSig: (reason) => {
        asked.push(reason);
        return userSig('bob');
      },
    });
    cleanup.push(() => bob.dispose());
    const got: string[] = [];
    bob.addAdvancedMsgListener({ onRecvNewMessage: (m) => got.push(m.textElem?.text ?? '?') });

    await send('m0');
    await until(() => got.length === 1, 'm0', 15_000);
    const created = await bob.createTextMessage({ text: 'from bob' });
    expect(isOk(created)).toBe(true);
    if (!isOk(created)) return;
    for (let i = 1; i <= 10; i++) await send(`m${i}`);
    await gw.kill('SIGKILL'); // mid-stream: bob may not have had all ten yet
    net.cut();
    const sending = bob.sendMessage({ id: created.data.id, groupID }); // while the gateway is down
    gw = await start();
    for (let i = 11; i <= 20; i++) await send(`m${i}`);
    // bob is back on the restarted gateway before it goes down again, so the second restart is a second reconnect
    await until(() => got.includes('m20'), 'm20 after the first restart', 15_000);
    await gw.kill('SIGTERM');
    net.cut();
    gw = await start();
    for (let i = 21; i <= 30; i++) await send(`m${i}`);

    const sent = await sending;
    expect(sent).toMatchObject({ code: 0 });
    const again = await bob.sendMessage({ id: created.data.id, groupID });
    expect(again.data?.msgID).toBe(sent.data?.msgID);

    const want = Array.from({ length: 31 }, (_, i) => `m${i}`);
    await until(() => got.length >= want.length + 1, `${want.length + 1} messages`, 15_000);
    await new Promise((r) => setTimeout(r, 200));
    // bob's own message sits where it was stored (after the restart); everything else in the order sent.
    expect(got.filter((t) => t !== 'from bob')).toEqual(want);
    expect(got.filter((t) => t === 'from bob')).toHaveLength(1);
    expect(asked[0]).toBe('connect');
    expect(asked.filter((r) => r === 'reconnect').length, asked.join(',')).toBeGreaterThanOrEqual(2);
    expect(bob.getCursor()).not.toBeNull();
  }, 240_000);
});

/** A UserSig that expired an hour ago: the gateway closes with 4001, which asks the provider for a fresh one. */
const expired = (userID: string) =>
  issueUserSig(userID, TEST_SDKAPPID, TEST_KEY, 60, Math.floor(Date.now() / 1000) - 3600);

describe('client: UserSig provider', () => {
  it.each([
    ["another app's UserSig (4403)", () => userSig('bob', 3600, 1400000000)],
    ['an expired UserSig (4001)', () => expired('bob')],
  ])(
    'when the gateway refuses %s, then the provider is asked again with "refused" and the fresh one connects',
    async (_what, refused) => {
      const gw = createTestGateway();
      const port = await gw.app.start(0, '127.0.0.1');
      cleanup.push(() => gw.app.stop());
      const asked: UserSigReason[] = [];
      const bob = createIMClient({
        url: `http://127.0.0.1:${port}/graphql`,
        webSocketImpl: WebSocket,
        backoff: { baseMs: 20, maxMs: 100 },
        userSig: (reason) => {
          asked.push(reason);
          return reason === 'refused' ? userSig('bob') : refused();
        },
      });
      cleanup.push(() => bob.dispose());
      expect(await bob.getLoginUser()).toMatchObject({ code: 0, data: 'bob' });
      expect(asked).toEqual(['connect', 'refused']);
    },
  );

  it('when the provider keeps returning a refused UserSig, then the client gives up with the 4001 close instead of reconnecting forever', async () => {
    const gw = createTestGateway();
    const port = await gw.app.start(0, '127.0.0.1');
    cleanup.push(() => gw.app.stop());
    let asked = 0;
    const bob = createIMClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      backoff: { baseMs: 10, maxMs: 20 },
      userSig: () => {
        asked++;
        return expired('bob');
      },
    });
    cleanup.push(() => bob.dispose());
    await expect(bob.getLoginUser()).rejects.toThrow(/4001/);
    expect(asked).toBe(4);
  });
});

// The same live delivery over SSE: yoga serves subscriptions at /graphql to `Accept: text/event-stream` (GET or
// POST), the viewer from `Authorization: Bearer <UserSig>`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userSig, expectCode } from './helpers/app';
import { startLive, type LiveGateway } from './helpers/live';
import { ON_MESSAGE, group, sendText } from './helpers/ops';
import { sseSubscribe, type SseSubscription } from './helpers/sse';

let live: LiveGateway;
let groupID: string;
const open: SseSubscription[] = [];
beforeEach(async () => {
  live = await startLive();
  groupID = await group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'work');
});
afterEach(async () => {
  open.splice(0).forEach((s) => s.close());
  await live.stop();
});

const send = (from: string, text: string, target: Parameters<typeof sendText>[3]) =>
  sendText(live.gw, from, text, target);
const texts = (events: any[]) => events.map((e) => e.onRecvNewMessage.textElem.text);

/** Subscribes over SSE as `user` and waits until the router routes to it. */
async function subscribe(user: string, variables?: Record<string, unknown>, method: 'GET' | 'POST' = 'POST') {
  const before = live.gw.app.services.router.streamCount(user);
  const sub = await sseSubscribe(live.port, ON_MESSAGE, variables, userSig(user), method);
  open.push(sub);
  expect(sub.status).toBe(200);
  await live.streams(user, before + 1);
  return sub;
}

describe('onRecvNewMessage over SSE', () => {
  it("when alice targets [bob, carol], then bob, carol and alice's other subscription get it and dave never does", async () => {
    const [alice, bob, carol, dave] = [
      await subscribe('alice', undefined, 'GET'),
      await subscribe('bob'),
      await subscribe('carol', undefined, 'GET'),
      await subscribe('dave'),
    ];
    const stats = live.gw.app.services.router.stats;
    const pushes = stats.pushes;
    const sent = await send('alice', 'for bob and carol only', { groupID, receiverList: ['bob', 'carol'] });
    expectCode(sent, 0);
    expect(stats.pushes - pushes).toBe(3); // alice's, bob's and carol's streams; dave's is never woken
    await send('alice', 'hello everyone', { groupID });

    for (const sub of [bob!, carol!]) {
      await sub.waitFor(2);
      expect(sub.events[0].onRecvNewMessage).toMatchObject({
        msgID: sent.data.msgID,
        isSelf: false,
        targetGroupMemberList: null,
      });
      expect(texts(sub.events)).toEqual(['for bob and carol only', 'hello everyone']);
    }
    await alice!.waitFor(2);
    expect(alice!.events[0].onRecvNewMessage).toMatchObject({
      msgID: sent.data.msgID,
      isSelf: true,
      targetGroupMemberList: ['bob', 'carol'],
    });
    await dave!.waitFor(1);
    expect(texts(dave!.events)).toEqual(['hello everyone']);
  });

  it('when bob reconnects with his last cursor (GET), then he gets each missed message once, in order, then live ones', async () => {
    const first = await subscribe('bob');
    await send('alice', 'm1', { groupID });
    const [seen] = await first.waitFor(1);
    first.close();
    await live.streams('bob', 0); // the server noticed the client went away and released the stream

    await send('alice', 'm2', { groupID });
    await send('alice', 'm3 for carol', { groupID, receiverList: ['carol'] });
    await send('alice', 'm4 for bob', { groupID, receiverList: ['bob'] });
    const resumed = await subscribe('bob', { afterCursor: seen.onRecvNewMessage.cursor }, 'GET');
    await resumed.waitFor(2);
    await send('alice', 'm5 live', { groupID });
    await resumed.waitFor(3);
    expect(texts(resumed.events)).toEqual(['m2', 'm4 for bob', 'm5 live']);
  });

  it('when afterCursor is not a cursor this server issued, then the stream carries an error with imCode 6017', async () => {
    const sub = await sseSubscribe(live.port, ON_MESSAGE, { afterCursor: 'forged' }, userSig('bob'));
    open.push(sub);
    await sub.done();
    expect(sub.errors).toMatchObject([[{ extensions: { imCode: 6017 } }]]);
    expect(live.gw.app.services.router.streamCount('bob')).toBe(0);
  });
});

describe('the UserSig over SSE', () => {
  it.each([
    ['a malformed UserSig', 'garbage', 6014],
    ['an expired UserSig', userSig('bob', -60), 70001],
    ['no UserSig', null, 6014],
  ])('when the request has %s, then it gets 401 with the IM code and no stream is opened', async (_, sig, imCode) => {
    for (const method of ['POST', 'GET'] as const) {
      const sub = await sseSubscribe(live.port, ON_MESSAGE, undefined, sig, method);
      open.push(sub);
      expect(sub.status).toBe(401);
      await sub.done();
      expect(sub.errors).toMatchObject([[{ extensions: { code: 'UNAUTHENTICATED', imCode } }]]);
      expect(sub.events).toEqual([]);
    }
    expect(live.gw.app.services.router.streamCount()).toBe(0);
  });
});

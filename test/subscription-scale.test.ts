// The router's cost for a targeted message is O(receivers), whatever the group's size and however many of its
// members are online (architecture: "the audience only"). Counted with router.stats, not timed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, expectCode } from './helpers/app';
import { startLive, type LiveGateway } from './helpers/live';
import { ON_MESSAGE, sendText } from './helpers/ops';

const BIG = 5000;

let live: LiveGateway;
beforeEach(async () => {
  live = await startLive();
});
afterEach(async () => {
  await live.stop();
});

/** A Meeting group of alice, bob, carol, dave and `size - 4` others, made directly in storage. */
async function bigGroup(groupId: string, size: number): Promise<string[]> {
  const { store } = live.gw.app.services;
  const now = live.gw.clock.now;
  const others = Array.from({ length: size - 4 }, (_, i) => `${groupId}-m${i}`);
  expect(
    await store.groups.create(
      { groupId, groupType: 'Meeting', groupName: groupId, owner: 'alice', createdAt: now },
      [{ userID: 'alice', role: 400 }],
      now,
    ),
  ).toBe(true);
  expect(await store.groups.addMembers(groupId, ['bob', 'carol', 'dave', ...others], 200, now, 100_000)).toBe('ok');
  return others;
}

/** Router work for one send: users looked at and events pushed into streams. */
async function cost(send: () => Promise<{ code: number }>) {
  const stats = live.gw.app.services.router.stats;
  const before = { ...stats };
  expectCode(await send(), 0);
  return { usersVisited: stats.usersVisited - before.usersVisited, pushes: stats.pushes - before.pushes };
}

describe('router work for a targeted message', () => {
  it(`when ${BIG} members are online, then a message targeted to [bob, carol] visits 3 users and reaches only them`, async () => {
    const small = await bigGroup('small', 50);
    const others = await bigGroup('big', BIG);
    const router = live.gw.app.services.router;
    // Everyone online: real sockets for the four, router streams for the rest (one socket each would only slow the test).
    const [bob, carol, dave] = await Promise.all(['bob', 'carol', 'dave'].map((u) => live.subscribe(u, ON_MESSAGE)));
    const alice = collect(live.client('alice'), ON_MESSAGE);
    await live.streams('alice', 1);
    await Promise.all([...others, ...small].map((u) => router.open(u, 'message')));
    expect(router.streamCount()).toBe(4 + (BIG - 4) + (50 - 4));

    const targetedBig = await cost(() =>
      sendText(live.gw, 'alice', 'for bob and carol', { groupID: 'big', receiverList: ['bob', 'carol'] }),
    );
    const targetedSmall = await cost(() =>
      sendText(live.gw, 'alice', 'for bob and carol, small', { groupID: 'small', receiverList: ['bob', 'carol'] }),
    );
    expect(targetedBig).toEqual({ usersVisited: 3, pushes: 3 }); // alice (isSelf), bob, carol
    expect(targetedSmall).toEqual(targetedBig); // the same work in a group 100 times smaller

    // The counters do count: a broadcast to the same group visits every online member.
    const broadcast = await cost(() => sendText(live.gw, 'alice', 'for everyone', { groupID: 'big' }));
    expect(broadcast).toEqual({ usersVisited: BIG, pushes: BIG });

    for (const sub of [bob!, carol!]) {
      await sub.waitFor(3);
      expect(sub.events.map((e) => e.onRecvNewMessage.textElem.text)).toEqual([
        'for bob and carol',
        'for bob and carol, small',
        'for everyone',
      ]);
    }
    await alice.waitFor(3);
    expect(alice.events.map((e) => e.onRecvNewMessage.isSelf)).toEqual([true, true, true]);
    await dave!.waitFor(1);
    expect(dave!.events.map((e) => e.onRecvNewMessage.textElem.text)).toEqual(['for everyone']);
  });
});

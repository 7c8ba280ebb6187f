// Live delivery over real graphql-ws sockets (im-semantics §7): events reach the audience only, a resubscribe
// with the last cursor replays what was missed once and in order, removed members stop receiving at once,
// and the viewer is always the connection's UserSig.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { createLocalBus, type RealtimeEvent } from '../src/realtime/bus';
import { collect, testConfig, userSig, wsClient, expectCode } from './helpers/app';
import { startLive, until, type LiveGateway } from './helpers/live';
import { ON_MESSAGE, group, sendText } from './helpers/ops';

const KICK = `mutation($g: String!, $u: [String!]!) { kickGroupMember(groupID: $g, memberList: $u) { code desc } }`;
const QUIT = `mutation($g: String!) { quitGroup(groupID: $g) { code desc } }`;
const REVOKE = `mutation($id: String!) { revokeMessage(msgID: $id) { code desc } }`;
const ON_REVOKED = `subscription { onRecvMessageRevoked { msgID groupID userID operateUser } }`;
const ON_CONVERSATION = `subscription { onConversationChanged { conversationID unreadCount lastMessage { msgID textElem { text } } } }`;
const ON_UNREAD = `subscription { onTotalUnreadMessageCountChanged }`;

/** The local bus, but message events can be held and then delivered newest first, as from a slower process. */
function holdingBus() {
  const local = createLocalBus();
  let held: RealtimeEvent[] | null = null;
  return {
    ...local,
    publish: async (event: RealtimeEvent) => {
      if (held && event.type === 'message') held.push(event);
      else await local.publish(event);
    },
    hold() {
      held = [];
    },
    async releaseReversed() {
      const events = held ?? [];
      held = null;
      for (const event of events.reverse()) await local.publish(event);
    },
  };
}

// A group tips message has no textElem: shown as (tip).
const texts = (events: any[]) => events.map((e) => e.onRecvNewMessage.textElem?.text ?? '(tip)');

let live: LiveGateway;
let groupID: string;
beforeEach(async () => {
  live = await startLive();
  groupID = await group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'work');
});
afterEach(async () => {
  await live.stop();
});

const send = (from: string, text: string, target: Parameters<typeof sendText>[3]) =>
  sendText(live.gw, from, text, target);

describe('onRecvNewMessage: the audience only', () => {
  it("when alice targets [bob, carol], then bob, carol and alice's other subscription get it (isSelf) and dave never does", async () => {
    const [alice, bob, carol, dave] = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((u) => live.subscribe(u, ON_MESSAGE)),
    );
    const stats = live.gw.app.services.router.stats;
    const pushes = stats.pushes;
    const sent = await send('alice', 'for bob and carol only', { groupID, receiverList: ['bob', 'carol'] });
    expectCode(sent, 0);
    expect(stats.pushes - pushes).toBe(3); // the router woke alice's, bob's and carol's streams, not dave's
    await send('alice', 'hello everyone', { groupID });

    for (const sub of [bob!, carol!]) {
      const [first, second] = await sub.waitFor(2);
      expect(first.onRecvNewMessage).toMatchObject({
        msgID: sent.data.msgID,
        sender: 'alice',
        groupID,
        isSelf: false,
        targetGroupMemberList: null,
        textElem: { text: 'for bob and carol only' },
      });
      expect(second.onRecvNewMessage.textElem.text).toBe('hello everyone');
      expect(sub.events).toHaveLength(2);
    }
    await alice!.waitFor(2);
    expect(alice!.events[0].onRecvNewMessage).toMatchObject({
      msgID: sent.data.msgID,
      isSelf: true,
      targetGroupMemberList: ['bob', 'carol'],
    });
    // dave's subscription is live (it gets the broadcast sent after), and the targeted one never came before it
    await dave!.waitFor(1);
    expect(texts(dave!.events)).toEqual(['hello everyone']);
    expect(dave!.events[0].onRecvNewMessage.seq).toBe('1');
  });

  it('when alice sends onlineUserOnly, then subscribers online now get it, and a resume from before it does not replay it', async () => {
    const bob = await live.subscribe('bob', ON_MESSAGE);
    const before = await send('alice', 'stored before', { groupID });
    const online = await send('alice', 'typing...', { groupID, onlineUserOnly: true });
    expectCode(online, 0);
    await send('alice', 'stored after', { groupID });
    await bob.waitFor(3);
    expect(texts(bob.events)).toEqual(['stored before', 'typing...', 'stored after']);
    expect(bob.events[1].onRecvNewMessage.cursor).toBeNull();

    const resumed = await live.subscribe('bob', ON_MESSAGE, { afterCursor: before.data.cursor });
    await resumed.waitFor(1);
    await send('alice', 'live again', { groupID });
    await resumed.waitFor(2);
    expect(texts(resumed.events)).toEqual(['stored after', 'live again']);
  });

  it('when a C2C message is sent, then only the pair gets it', async () => {
    const [bob, carol] = await Promise.all(['bob', 'carol'].map((u) => live.subscribe(u, ON_MESSAGE)));
    await send('alice', 'just bob', { receiver: 'bob' });
    await send('alice', 'everyone', { groupID });
    await carol!.waitFor(1);
    expect(texts(carol!.events)).toEqual(['everyone']);
    await bob!.waitFor(2);
    expect(bob!.events[0].onRecvNewMessage).toMatchObject({
      userID: 'alice',
      groupID: null,
      textElem: { text: 'just bob' },
    });
  });
});

describe('onRecvNewMessage: resume with afterCursor', () => {
  it('when bob disconnects, misses messages and resubscribes with his last cursor, then he gets each missed one once, in order, then live ones', async () => {
    const client = live.client('bob');
    const first = collect(client, ON_MESSAGE);
    await live.streams('bob', 1);
    await send('alice', 'm1', { groupID });
    const [seen] = await first.waitFor(1);
    await client.dispose(); // bob goes offline
    await live.streams('bob', 0);

    await send('alice', 'm2', { groupID });
    await send('alice', 'm3 for bob', { groupID, receiverList: ['bob'] });
    await send('alice', 'm4 for carol', { groupID, receiverList: ['carol'] });
    await send('carol', 'm5 direct', { receiver: 'bob' });
    await send('dave', 'm6', { groupID });

    const resumed = await live.subscribe('bob', ON_MESSAGE, { afterCursor: seen.onRecvNewMessage.cursor });
    await resumed.waitFor(4);
    await send('alice', 'm7 live', { groupID });
    await resumed.waitFor(5);
    await send('alice', 'm8 live', { groupID });
    await resumed.waitFor(6);
    expect(texts(resumed.events)).toEqual(['m2', 'm3 for bob', 'm5 direct', 'm6', 'm7 live', 'm8 live']);
    // group seqs as bob sees them: gap-free in his own view (m4 is not in it)
    expect(resumed.events.filter((e) => e.onRecvNewMessage.groupID).map((e) => e.onRecvNewMessage.seq)).toEqual([
      '2',
      '3',
      '4',
      '5',
      '6',
    ]);
  });

  it('when messages arrive while the missed ones are replayed, then there is no gap and no duplicate at the seam', async () => {
    // Storage wrapped so each replay page read has a send just before it (stored, so also in that read) and one
    // just after it (only live, unless a later page reads it).
    const store = openDatabase(':memory:');
    let replaying = false;
    let n = 0;
    const after = store.messages.after;
    store.messages.after = async (viewer, afterOrder, limit) => {
      if (!replaying) return after(viewer, afterOrder, limit);
      await send('alice', `before read ${++n}`, { groupID });
      const page = await after(viewer, afterOrder, limit);
      await send('alice', `after read ${n}`, { groupID });
      return page;
    };
    await live.stop();
    live = await startLive({ store, config: testConfig({ groupSendRate: 1_000_000 }) });
    groupID = await group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'work');

    const start = await send('alice', 'start', { groupID });
    const missed: string[] = [];
    for (let i = 1; i <= 250; i++) {
      // more than one replay page (200): two reads, so two seams
      missed.push(`missed ${i}`);
      await send('alice', `missed ${i}`, i % 7 === 0 ? { groupID, receiverList: ['bob'] } : { groupID });
    }
    await send('alice', 'not for bob', { groupID, receiverList: ['carol'] });

    replaying = true;
    const resumed = await live.subscribe('bob', ON_MESSAGE, { afterCursor: start.data.cursor });
    const expected = [...missed, 'before read 1', 'after read 1', 'before read 2', 'after read 2'];
    await resumed.waitFor(expected.length);
    replaying = false;
    await send('alice', 'live', { groupID });
    await resumed.waitFor(expected.length + 1);
    expect(texts(resumed.events)).toEqual([...expected, 'live']);
    expect(new Set(resumed.events.map((e) => e.onRecvNewMessage.msgID)).size).toBe(expected.length + 1);
  });

  it("when an earlier message's views take longer to read than a later one's, then a subscriber still gets them in the order sent", async () => {
    const store = openDatabase(':memory:');
    const viewsFor = store.messages.viewsFor;
    let first = true;
    store.messages.viewsFor = async (viewers, row) => {
      if (first) {
        first = false;
        await new Promise((r) => setTimeout(r, 50));
      } // as a slower PostgreSQL read could be
      return viewsFor(viewers, row);
    };
    await live.stop();
    live = await startLive({ store });
    groupID = await group(live.gw, 'alice', ['bob'], 'Work', 'work');
    const bob = await live.subscribe('bob', ON_MESSAGE);
    await send('alice', 'm1 (slow views)', { groupID });
    await send('alice', 'm2', { groupID });
    await bob.waitFor(2);
    expect(texts(bob.events)).toEqual(['m1 (slow views)', 'm2']);
  });

  it('when live events from other publishers arrive out of order, then none is taken for a replayed one and dropped', async () => {
    const bus = holdingBus();
    await live.stop();
    live = await startLive({ bus });
    groupID = await group(live.gw, 'alice', ['bob'], 'Work', 'work');
    const start = await send('alice', 'start', { groupID });
    const bob = await live.subscribe('bob', ON_MESSAGE, { afterCursor: start.data.cursor });
    bus.hold();
    await send('alice', 'first', { groupID });
    await send('alice', 'second', { groupID });
    await bus.releaseReversed();
    await bob.waitFor(2);
    expect(texts(bob.events)).toEqual(['second', 'first']);
  });

  it('when afterCursor is not a cursor this server issued, then the subscription fails with imCode 6017', async () => {
    const sub = collect(live.client('bob'), ON_MESSAGE, { afterCursor: 'not-a-cursor' });
    await until(() => sub.errors.length > 0, 'an error');
    const [errors] = sub.errors as { message: string; extensions: Record<string, unknown> }[][];
    expect(errors![0]!.extensions).toMatchObject({ imCode: 6017 });
    expect(errors![0]!.message).toMatch(/afterCursor/);
    expect(live.gw.app.services.router.streamCount('bob')).toBe(0);
  });
});

describe('membership changes reach open subscriptions at once', () => {
  it.each([
    ['is kicked', async () => expect((await live.gw.call('alice', KICK, { g: groupID, u: ['carol'] })).code).toBe(0)],
    ['quits', async () => expect((await live.gw.call('carol', QUIT, { g: groupID })).code).toBe(0)],
  ])('when carol %s, then her open subscriptions receive nothing further from the group', async (_, leave) => {
    const [bob, carol] = await Promise.all(['bob', 'carol'].map((u) => live.subscribe(u, ON_MESSAGE)));
    const carolConversations = await live.subscribe('carol', ON_CONVERSATION);
    const carolRevokes = await live.subscribe('carol', ON_REVOKED);
    const early = await send('alice', 'before', { groupID });
    await carol!.waitFor(1);
    await carolConversations.waitFor(1);

    await leave();
    const targeted = await send('alice', 'after, for bob', { groupID, receiverList: ['bob'] });
    expectCode(targeted, 0);
    const stats = live.gw.app.services.router.stats;
    const pushes = stats.pushes;
    await send('alice', 'after, for all', { groupID });
    expect(stats.pushes - pushes).toBe(1); // bob's stream only: the router stopped waking carol's at once
    expectCode(await live.gw.call('alice', REVOKE, { id: early.data.msgID }), 0);
    await send('bob', 'still direct', { receiver: 'carol' });

    // carol gets her own kick or quit (the group's tip), then only her C2C message: her subscriptions are open,
    // only the group is closed to her
    await carol!.waitFor(3);
    expect(texts(carol!.events)).toEqual(['before', '(tip)', 'still direct']);
    await carolConversations.waitFor(2);
    expect(carolConversations.events.map((e) => e.onConversationChanged[0].conversationID)).toEqual([
      'group_work',
      'c2c_bob',
    ]);
    expect(carolRevokes.events).toEqual([]);
    await bob!.waitFor(5);
    expect(texts(bob!.events)).toEqual(['before', '(tip)', 'after, for bob', 'after, for all', 'still direct']);
  });
});

describe('onRecvMessageRevoked', () => {
  it('when a targeted message is revoked, then its audience is told and dave is not', async () => {
    const subs = Object.fromEntries(
      await Promise.all(
        ['alice', 'bob', 'carol', 'dave'].map(async (u) => [u, await live.subscribe(u, ON_REVOKED)] as const),
      ),
    );
    const targeted = await send('alice', 'oops', { groupID, receiverList: ['bob', 'carol'] });
    expectCode(await live.gw.call('alice', REVOKE, { id: targeted.data.msgID }), 0);
    const broadcast = await send('alice', 'oops, all', { groupID });
    expectCode(await live.gw.call('alice', REVOKE, { id: broadcast.data.msgID }), 0);

    for (const u of ['alice', 'bob', 'carol']) {
      await subs[u]!.waitFor(2);
      expect(subs[u]!.events.map((e) => e.onRecvMessageRevoked)).toEqual([
        { msgID: targeted.data.msgID, groupID, userID: null, operateUser: 'alice' },
        { msgID: broadcast.data.msgID, groupID, userID: null, operateUser: 'alice' },
      ]);
    }
    await subs.dave!.waitFor(1);
    expect(subs.dave!.events.map((e) => e.onRecvMessageRevoked.msgID)).toEqual([broadcast.data.msgID]);
  });
});

describe('onConversationChanged and onTotalUnreadMessageCountChanged', () => {
  it("when alice targets [bob, carol], then bob's conversation and unread total change and dave hears nothing until a broadcast", async () => {
    const conversations = Object.fromEntries(
      await Promise.all(['bob', 'dave'].map(async (u) => [u, await live.subscribe(u, ON_CONVERSATION)] as const)),
    );
    const unread = Object.fromEntries(
      await Promise.all(['bob', 'dave'].map(async (u) => [u, await live.subscribe(u, ON_UNREAD)] as const)),
    );
    const targeted = await send('alice', 'for bob and carol', {
      groupID,
      receiverList: ['bob', 'carol'],
      isExcludedFromUnreadCount: false,
    });
    expectCode(targeted, 0);
    await conversations.bob!.waitFor(1);
    await unread.bob!.waitFor(1);
    await send('alice', 'for everyone', { groupID });

    await conversations.bob!.waitFor(2);
    expect(conversations.bob!.events.map((e) => e.onConversationChanged[0])).toMatchObject([
      {
        conversationID: 'group_work',
        unreadCount: 1,
        lastMessage: { msgID: targeted.data.msgID, textElem: { text: 'for bob and carol' } },
      },
      { conversationID: 'group_work', unreadCount: 2, lastMessage: { textElem: { text: 'for everyone' } } },
    ]);
    await unread.bob!.waitFor(2);
    expect(unread.bob!.events.map((e) => e.onTotalUnreadMessageCountChanged)).toEqual([1, 2]);

    await conversations.dave!.waitFor(1);
    expect(conversations.dave!.events.map((e) => e.onConversationChanged[0])).toMatchObject([
      { conversationID: 'group_work', unreadCount: 1, lastMessage: { textElem: { text: 'for everyone' } } },
    ]);
    await unread.dave!.waitFor(1);
    expect(unread.dave!.events.map((e) => e.onTotalUnreadMessageCountChanged)).toEqual([1]);
  });
});

describe('conversation and unread reads shared by an event’s subscribers', () => {
  it("when bob reaches an event late, after carol read both their totals for it, then bob's total never goes back", async () => {
    // bob's read for a first message is held up (as a busy PostgreSQL pool could); carol meanwhile reads the next
    // message's totals for both of them, and a third message arrives before bob's read is done.
    const store = openDatabase(':memory:');
    const totalUnreadMany = store.conversations.totalUnreadMany;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding = true;
    store.conversations.totalUnreadMany = async (viewers) => {
      if (holding && viewers.length === 1 && viewers[0] === 'bob') {
        holding = false;
        await held;
      }
      return totalUnreadMany(viewers);
    };
    await live.stop();
    live = await startLive({ store, config: testConfig({ groupSendRate: 1_000_000 }) });
    groupID = await group(live.gw, 'alice', ['bob', 'carol'], 'Work', 'work');
    const bob = await live.subscribe('bob', ON_UNREAD);
    const carol = await live.subscribe('carol', ON_UNREAD);
    const totals = (s: typeof bob) => s.events.map((e) => e.onTotalUnreadMessageCountChanged);

    expectCode(await send('alice', 'to bob', { receiver: 'bob' }), 0); // bob: 1 (his read held)
    expectCode(await send('alice', 'to both', { groupID }), 0); // bob: 2, carol: 1 (read by carol's turn)
    await carol.waitFor(1);
    expectCode(await send('alice', 'to bob again', { receiver: 'bob' }), 0); // bob: 3
    release();
    expectCode(await send('alice', 'last', { receiver: 'bob' }), 0); // bob: 4
    await until(() => totals(bob).at(-1) === 4, 'bob’s total reaches 4');
    // The shared read of "to both" was made before bob's own was done: taken, it showed 2 after 3.
    expect(totals(bob)).toEqual([3, 4]);
    expect(totals(carol)).toEqual([1]);
  });
});

describe('the viewer is the UserSig', () => {
  it('when the UserSig is bad or missing, then the socket is closed with 4403 at connect; expired, with 4001; the reason starts with the imCode', async () => {
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ userSig: 'garbage' }, 4403, /^6014 /],
      [{ userSig: userSig('bob', -60) }, 4001, /^70001 /],
      [{}, 4403, /^6014 /],
      [{ Authorization: 'Bearer nope' }, 4403, /^6014 UserSig is malformed/],
      [{ headers: { Authorization: 'Basic YWxpY2U6cHc=' } }, 4403, /^6014 The Authorization header is malformed/],
    ];
    for (const [params, code, reason] of cases) {
      const client = wsClient(live.port, params);
      const sub = collect(client, ON_MESSAGE);
      await until(() => sub.errors.length > 0, 'the socket to close');
      expect(sub.errors[0]).toMatchObject({ code, reason: expect.stringMatching(reason) });
      await client.dispose();
    }
    expect(live.gw.app.services.router.streamCount()).toBe(0);
  });

  it('when the Authorization header is sent in connectionParams (or its headers), then it is accepted like userSig', async () => {
    for (const params of [
      { Authorization: `Bearer ${userSig('bob')}` },
      { headers: { authorization: `Bearer ${userSig('bob')}` } },
    ]) {
      const client = wsClient(live.port, params);
      const sub = collect(client, ON_MESSAGE);
      await live.streams('bob', 1);
      await send('carol', 'hi bob', { receiver: 'bob' });
      await sub.waitFor(1);
      expect(sub.events[0].onRecvNewMessage).toMatchObject({ userID: 'carol', isSelf: false });
      await client.dispose();
      await live.streams('bob', 0);
    }
  });

  it("when a connection claims another user in its params or arguments, then it still sees only its UserSig's messages", async () => {
    const bob = live.client('bob', { userID: 'alice', user: 'alice', viewer: 'alice' });
    const sub = collect(bob, ON_MESSAGE);
    await live.streams('bob', 1);
    expect(live.gw.app.services.router.streamCount('alice')).toBe(0);
    await send('carol', 'for alice only', { groupID, receiverList: ['alice'] });
    await send('carol', 'for everyone', { groupID });
    await sub.waitFor(1);
    expect(sub.events.map((e) => e.onRecvNewMessage)).toMatchObject([
      { textElem: { text: 'for everyone' }, isSelf: false },
    ]);

    const withArg = collect(live.client('bob'), `subscription { onRecvNewMessage(userID: "alice") { msgID } }`);
    await until(() => withArg.errors.length > 0, 'a validation error');
    expect((withArg.errors[0] as { message: string }[])[0]!.message).toMatch(/Unknown argument "userID"/);
  });

  it('when a subscriber disconnects, then its router streams are closed', async () => {
    const client = live.client('bob');
    collect(client, ON_MESSAGE);
    collect(client, ON_UNREAD);
    await live.streams('bob', 2);
    await client.dispose();
    await live.streams('bob', 0);
  });
});

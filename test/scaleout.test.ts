// Scale-out (architecture.md): several gateway processes sharing PostgreSQL and Redis. Runs when DATABASE_URL is
// postgres://… and REDIS_URL is set; each test gets its own schema and Redis prefix. Real processes
// (`node --import tsx src/main.ts`) on their own ports: what is sent through one reaches exactly its audience on
// the other, cursors work across them, a killed process loses no acknowledged message, and ordering, idempotent
// retries, the group rate limit and the privacy rules hold as for one process.
import { afterEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import pg from 'pg';
import { openStore } from '../src/db';
import { readAfter } from './helpers/backends';
import type { DraftRow, MessageRow, Store } from '../src/db/store';
import { createRedisBus } from '../src/realtime/redis-bus';
import type { RealtimeEvent } from '../src/realtime/bus';
import { createRedisRateLimiter } from '../src/resolvers/rate-limit';
import { collect, until as waitUntil, userSig, wsClient, expectCode } from './helpers/app';
import {
  C2C_HISTORY,
  CREATE_GROUP,
  CREATE_TARGETED,
  CREATE_TEXT,
  FIND,
  GROUP_HISTORY,
  ON_MESSAGE,
  SEND,
} from './helpers/ops';
import { PG_URL, REDIS_URL, SKIP_MESSAGE, freshPrefix, freshSchema } from './helpers/pg';
import { httpCall, spawnGateway, type SpawnedGateway } from './helpers/spawn';
import { textMessage, textOf } from './helpers/new-message';

const enabled = PG_URL !== undefined && REDIS_URL !== undefined;
if (!enabled) console.log(SKIP_MESSAGE);
const suite = enabled ? describe : describe.skip;

const KICK = `mutation($g: String!, $u: [String!]!) { kickGroupMember(groupID: $g, memberList: $u) { code desc } }`;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const sigs = new Map<string, string>();
const sig = (u: string) => sigs.get(u) ?? sigs.set(u, userSig(u, 24 * 3600)).get(u)!;
const call = (gw: SpawnedGateway, user: string, query: string, variables?: Record<string, unknown>) =>
  httpCall(gw.url, sig(user), query, variables);

/** Two (or more) gateway processes on one fresh schema and Redis prefix, started at once (they migrate in turn). */
async function cluster(env: Record<string, string> = {}, n = 2): Promise<SpawnedGateway[]> {
  const schema = await freshSchema();
  cleanup.push(() => schema.drop());
  const prefix = freshPrefix();
  cleanup.push(() => prefix.drop());
  const gws = await Promise.all(
    Array.from({ length: n }, () =>
      spawnGateway({
        DATABASE_URL: schema.url,
        REDIS_URL: REDIS_URL!,
        IM_REDIS_PREFIX: prefix.prefix,
        IM_GROUP_SEND_RATE: '100000',
        ...env,
      }),
    ),
  );
  for (const gw of gws) cleanup.push(() => gw.kill('SIGKILL'));
  return gws;
}

async function createGroup(gw: SpawnedGateway, owner: string, members: string[], groupID = 'room') {
  const r = await call(gw, owner, CREATE_GROUP, {
    groupType: 'Work',
    groupName: groupID,
    groupID,
    memberList: members.map((userID) => ({ userID })),
  });
  expectCode(r, 0);
  return groupID;
}

async function create(gw: SpawnedGateway, from: string, text: string, receiverList?: string[]): Promise<string> {
  const created = await call(gw, from, CREATE_TEXT, { text });
  expectCode(created, 0);
  if (!receiverList) return created.data.id;
  const targeted = await call(gw, from, CREATE_TARGETED, { id: created.data.id, receiverList });
  expectCode(targeted, 0);
  return targeted.data.id;
}

/** createTextMessage (+ createTargetedGroupMessage) then sendMessage through `gw`; the envelope. */
async function send(
  gw: SpawnedGateway,
  from: string,
  text: string,
  target: { groupID?: string; receiver?: string; receiverList?: string[] },
) {
  const { receiverList, ...to } = target;
  return call(gw, from, SEND, { id: await create(gw, from, text, receiverList), ...to });
}

/**
 * A first message's cursor: subscribing after it, a subscriber misses nothing that follows while its socket is
 * still connecting (what was sent meanwhile is replayed), so the tests need no waiting for subscriptions.
 */
async function origin(gw: SpawnedGateway, owner: string, groupID: string): Promise<string> {
  const r = await send(gw, owner, 'origin', { groupID });
  expectCode(r, 0);
  return r.data.cursor;
}

function subscribe(gw: SpawnedGateway, user: string, afterCursor?: string) {
  const client = wsClient(gw.port, { userSig: sig(user) });
  cleanup.push(() => client.dispose());
  return Object.assign(collect(client, ON_MESSAGE, afterCursor ? { afterCursor } : {}), { client });
}

/**
 * A subscriber that behaves like an app: whenever the server ends its subscription (a process lost track of
 * wake-ups and ended its streams), it subscribes again after the last cursor it got.
 */
function resumingSubscriber(gw: SpawnedGateway, user: string, afterCursor: string) {
  const client = wsClient(gw.port, { userSig: sig(user) });
  const events: any[] = [];
  let last = afterCursor;
  let stopped = false;
  let resubscriptions = 0;
  let unsubscribe = () => {};
  const start = () => {
    unsubscribe = client.subscribe<any>(
      { query: ON_MESSAGE, variables: { afterCursor: last } },
      {
        next: (v) => {
          if (v.data) {
            events.push(v.data.onRecvNewMessage);
            last = v.data.onRecvNewMessage.cursor;
          }
        },
        error: () => {
          if (!stopped) {
            resubscriptions++;
            setTimeout(start, 50);
          }
        },
        complete: () => {
          if (!stopped) {
            resubscriptions++;
            start();
          }
        },
      },
    );
  };
  start();
  cleanup.push(() => {
    stopped = true;
    unsubscribe();
    return client.dispose();
  });
  return {
    events,
    resubscriptions: () => resubscriptions,
    until: (text: string, timeoutMs = 15_000) =>
      waitUntil(
        () => events.some((m) => m.textElem.text === text),
        () => `"${text}" (${events.length} events, ${resubscriptions} resubscriptions)`,
        timeoutMs,
      ),
  };
}

// A group tips message has no textElem: shown as (tip).
const texts = (events: any[]) => events.map((e) => e.onRecvNewMessage.textElem?.text ?? '(tip)');

/** Every message of a group as `user` sees it through `gw`, newest first. */
async function history(gw: SpawnedGateway, user: string, groupID: string): Promise<any[]> {
  const all: any[] = [];
  for (let lastMsgID: string | undefined; ;) {
    const page = (await call(gw, user, GROUP_HISTORY, { groupID, count: 100, lastMsgID })).data as any[];
    all.push(...page);
    if (page.length < 100) return all;
    lastMsgID = page.at(-1).msgID;
  }
}

suite('scale-out: two gateway processes on PostgreSQL and Redis', () => {
  it('when a targeted message is sent through one process, then its receivers on the other get it and nobody else does', async () => {
    const [a, b] = await cluster();
    const groupID = await createGroup(a!, 'alice', ['bob', 'carol', 'dave']);
    const start = await origin(a!, 'alice', groupID);
    const subs = Object.fromEntries(['bob', 'carol', 'dave'].map((u) => [u, subscribe(b!, u, start)]));
    const alice = subscribe(a!, 'alice', start);
    expectCode(await send(a!, 'alice', 'warm-up', { groupID }), 0);
    for (const s of [...Object.values(subs), alice]) await s.waitFor(1);

    const targeted = await send(a!, 'alice', 'for bob and carol only', { groupID, receiverList: ['bob', 'carol'] });
    expectCode(targeted, 0);
    // One publisher's events arrive in order: once "after" is in, the targeted one would have been before it.
    expectCode(await send(a!, 'alice', 'after', { groupID }), 0);
    for (const u of ['bob', 'carol']) {
      const events = await subs[u]!.waitFor(3);
      expect(texts(events)).toEqual(['warm-up', 'for bob and carol only', 'after']);
      expect(events[1].onRecvNewMessage).toMatchObject({
        msgID: targeted.data.msgID,
        isSelf: false,
        targetGroupMemberList: null,
        seq: '3',
      });
    }
    expect(texts(await subs.dave!.waitFor(2))).toEqual(['warm-up', 'after']);
    expect(subs.dave!.events[1].onRecvNewMessage.seq).toBe('3'); // no gap where the targeted message is
    expect(texts(await alice.waitFor(3))).toEqual(['warm-up', 'for bob and carol only', 'after']);

    // Nor can dave find it through the other process by any read.
    expect((await call(b!, 'dave', FIND, { ids: [targeted.data.msgID] })).data).toEqual([]);
    expect((await history(b!, 'dave', groupID)).map((m) => m.textElem.text)).toEqual(['after', 'warm-up', 'origin']);
    expect((await history(b!, 'carol', groupID)).map((m) => m.textElem.text)).toEqual([
      'after',
      'for bob and carol only',
      'warm-up',
      'origin',
    ]);
  });

  it('when a receiver sends a receipt for a targeted message through one process, then its sender on the other hears of it and a non-receiver does not', async () => {
    const [a, b] = await cluster();
    const groupID = await createGroup(a!, 'alice', ['bob', 'carol', 'dave']);
    const RECEIPTS = `mutation($ids: [String!]!) { sendMessageReadReceipts(messageIDList: $ids) { code desc } }`;
    const ON_RECEIPTS = `subscription { onRecvMessageReadReceipts { msgID readCount unreadCount } }`;
    const asked = async (from: string, target: { groupID: string; receiverList?: string[] }) => {
      const { receiverList, ...to } = target;
      const r = await call(a!, from, SEND, {
        id: await create(a!, from, 'asks', receiverList),
        ...to,
        needReadReceipt: true,
      });
      expectCode(r, 0);
      return r.data.msgID as string;
    };
    const subs = Object.fromEntries(
      ['alice', 'dave'].map((u) => {
        const client = wsClient(b!.port, { userSig: sig(u) });
        cleanup.push(() => client.dispose());
        return [u, collect(client, ON_RECEIPTS)] as const;
      }),
    );
    // A subscription has no cursor: warm each up with receipts of its own broadcasts until one arrives.
    for (const u of ['alice', 'dave']) {
      for (let i = 0; i < 50 && subs[u]!.events.length === 0; i++) {
        expectCode(await call(a!, 'carol', RECEIPTS, { ids: [await asked(u, { groupID })] }), 0);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(subs[u]!.events.length, `${u}'s warm-up`).toBeGreaterThan(0);
    }
    await new Promise((r) => setTimeout(r, 300)); // the last warm-up receipts land before counting them
    const warm = { alice: subs.alice!.events.length, dave: subs.dave!.events.length };

    const targeted = await asked('alice', { groupID, receiverList: ['bob', 'carol'] });
    expectCode(await call(a!, 'bob', RECEIPTS, { ids: [targeted] }), 0);
    expectCode(await call(a!, 'dave', RECEIPTS, { ids: [targeted] }), 6017);
    const later = await asked('dave', { groupID });
    expectCode(await call(a!, 'bob', RECEIPTS, { ids: [later] }), 0);
    await subs.alice!.waitFor(warm.alice + 1, 10_000);
    await subs.dave!.waitFor(warm.dave + 1, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(subs.alice!.events.slice(warm.alice).map((e: any) => e.onRecvMessageReadReceipts[0])).toEqual([
      { msgID: targeted, readCount: 1, unreadCount: 1 },
    ]);
    // dave's first event after the warm-up is the later broadcast's: the targeted one's never reached him.
    expect(subs.dave!.events.slice(warm.dave).map((e: any) => e.onRecvMessageReadReceipts[0])).toEqual([
      { msgID: later, readCount: 1, unreadCount: 2 },
    ]);
  });

  it('when a subscriber reconnects to the other process with its cursor, then it gets every missed message once, in order, then live ones', async () => {
    const [a, b] = await cluster();
    const groupID = await createGroup(a!, 'alice', ['bob', 'carol']);
    const first = subscribe(a!, 'bob', await origin(a!, 'alice', groupID));
    expectCode(await send(b!, 'alice', 'm1', { groupID }), 0);
    const cursor = (await first.waitFor(1))[0].onRecvNewMessage.cursor;
    await first.client.dispose();

    expectCode(await send(a!, 'alice', 'm2', { groupID }), 0);
    expectCode(await send(b!, 'carol', 'm3', { groupID, receiverList: ['bob'] }), 0);
    expectCode(await send(b!, 'carol', 'm4 c2c', { receiver: 'bob' }), 0);
    expectCode(await send(a!, 'alice', 'm5', { groupID, receiverList: ['carol'] }), 0); // not bob's

    const resumed = subscribe(b!, 'bob', cursor);
    expect(texts(await resumed.waitFor(3))).toEqual(['m2', 'm3', 'm4 c2c']);
    expectCode(await send(a!, 'alice', 'm6 live', { groupID }), 0);
    expect(texts(await resumed.waitFor(4))).toEqual(['m2', 'm3', 'm4 c2c', 'm6 live']);
    expect(resumed.events.map((e) => e.onRecvNewMessage.seq)).toEqual(['3', '4', '1', '5']);
  });

  it('when one process is killed (SIGKILL) while clients send, then no acknowledged message is lost and a retried send is stored once', async () => {
    const [a, b] = await cluster({ IM_REDIS_HEARTBEAT_MS: '200' });
    const groupID = await createGroup(a!, 'alice', ['bob', 'carol']);
    const bob = resumingSubscriber(b!, 'bob', await origin(a!, 'alice', groupID));
    expectCode(await send(a!, 'alice', 'warm-up', { groupID }), 0);
    await bob.until('warm-up');

    const acked: string[] = [];
    const inFlight: { from: string; id: string; target: { groupID?: string; receiver?: string } }[] = [];
    let killed: Promise<void> | undefined;
    const client = async (from: string, lane: number) => {
      for (let k = 0; ; k++) {
        let id: string;
        try {
          id = await create(a!, from, `${from}/${lane}/${k}`);
        } catch {
          return;
        }
        const target = k % 3 === 2 ? { receiver: from === 'bob' ? 'carol' : 'bob' } : { groupID };
        try {
          const r = await call(a!, from, SEND, { id, ...target });
          expectCode(r, 0);
          acked.push(r.data.msgID);
          if (acked.length === 60) killed = a!.kill('SIGKILL');
        } catch (e) {
          if (killed === undefined) throw e;
          inFlight.push({ from, id, target });
          return;
        }
      }
    };
    await Promise.all(['alice', 'carol'].flatMap((u) => [client(u, 0), client(u, 1), client(u, 2)]));
    await killed;

    // A send whose answer was lost is retried through the survivor: code 0 either way.
    for (const s of inFlight) {
      const r = await call(b!, s.from, SEND, { id: s.id, ...s.target });
      expectCode(r, 0);
      acked.push(r.data.msgID);
    }
    // Storage has every acknowledged message, once (bob is in the group and the peer of every C2C message).
    const stored = [
      ...(await history(b!, 'bob', groupID)),
      ...(await call(b!, 'bob', C2C_HISTORY, { userID: 'alice', count: 100 })).data,
      ...(await call(b!, 'bob', C2C_HISTORY, { userID: 'carol', count: 100 })).data,
    ]
      .filter((m: any) => m.textElem.text !== 'origin')
      .map((m: any) => m.msgID as string);
    expect(new Set(stored).size).toBe(stored.length);
    expect(acked.filter((id) => !stored.includes(id))).toEqual([]);

    // bob, subscribed on the survivor throughout (resubscribing after his last cursor whenever the survivor ended
    // his stream, as it does when the dead process's heartbeats stop), got each of them exactly once.
    expectCode(await send(b!, 'alice', 'the end', { groupID }), 0);
    await bob.until('the end');
    const got = bob.events.map((m) => m.msgID as string);
    expect(new Set(got).size).toBe(got.length);
    expect(new Set(got)).toEqual(new Set([...stored, bob.events.at(-1).msgID]));
  });

  it("when both processes take sends concurrently, then every viewer's seqs are gap-free and a live subscriber gets each message once, in cursor order", async () => {
    const [a, b] = await cluster();
    const groupID = await createGroup(a!, 'alice', ['bob', 'carol', 'dave']);
    const watcher = subscribe(b!, 'dave', await origin(a!, 'alice', groupID));
    expectCode(await send(a!, 'alice', 'warm-up', { groupID }), 0);
    await watcher.waitFor(1);

    const jobs: Promise<any>[] = [];
    for (let i = 0; i < 24; i++) {
      const gw = i % 2 === 0 ? a! : b!;
      const from = ['alice', 'bob', 'carol'][i % 3]!;
      jobs.push(
        send(
          gw,
          from,
          `n${i}`,
          i % 4 === 3
            ? { groupID, receiverList: ['dave'] }
            : i % 4 === 1
              ? { groupID, receiverList: ['alice', 'bob', 'carol'] }
              : { groupID },
        ),
      );
    }
    const results = await Promise.all(jobs);
    expect(results.every((r) => r.code === 0)).toBe(true);

    for (const u of ['alice', 'bob', 'carol', 'dave']) {
      const seqs = (await history(a!, u, groupID)).map((m) => Number(m.seq)).reverse();
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
    const daves = (await history(b!, 'dave', groupID)).reverse().slice(1); // from the warm-up on
    const live = (await watcher.waitFor(daves.length)).map((e) => e.onRecvNewMessage);
    // Live delivery from two publishers may interleave; each message arrives once and resume order is history order.
    expect(new Set(live.map((m) => m.msgID))).toEqual(new Set(daves.map((m) => m.msgID)));
    expect(live).toHaveLength(daves.length);
    const replay = subscribe(a!, 'dave', live[0].cursor);
    expect((await replay.waitFor(daves.length - 1)).map((e) => e.onRecvNewMessage.msgID)).toEqual(
      daves.slice(1).map((m) => m.msgID),
    );
  });

  it('when the same id is sent through both processes at once, then both answer with one message and it is delivered once', async () => {
    const [a, b] = await cluster();
    const groupID = await createGroup(a!, 'alice', ['bob']);
    const bob = subscribe(b!, 'bob', await origin(a!, 'alice', groupID));
    expectCode(await send(a!, 'alice', 'warm-up', { groupID }), 0);
    await bob.waitFor(1);
    const id = await create(a!, 'alice', 'exactly once');
    const [x, y] = await Promise.all([
      call(a!, 'alice', SEND, { id, groupID }),
      call(b!, 'alice', SEND, { id, groupID }),
    ]);
    expectCode(x, 0);
    expectCode(y, 0);
    expect(y.data.msgID).toBe(x.data.msgID);
    expect(y.data.seq).toBe(x.data.seq);
    expectCode(await send(a!, 'alice', 'marker', { groupID }), 0);
    expect(texts(await bob.waitFor(3))).toEqual(['warm-up', 'exactly once', 'marker']);
    expect((await history(b!, 'bob', groupID)).map((m) => [m.textElem.text, m.seq])).toEqual([
      ['marker', '4'],
      ['exactly once', '3'],
      ['warm-up', '2'],
      ['origin', '1'],
    ]);
  });

  it('when a group gets more sends than its rate across both processes within a second, then the extra ones get 10023 wherever they arrive', async () => {
    const [a, b] = await cluster({ IM_GROUP_SEND_RATE: '3' });
    const groupID = await createGroup(a!, 'alice', ['bob']);
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => create(i % 2 ? b! : a!, 'alice', `burst ${i}`)));
    const results = await Promise.all(ids.map((id, i) => call(i % 2 ? b! : a!, 'alice', SEND, { id, groupID })));
    const codes = results.map((r) => r.code);
    expect(codes.filter((c) => c === 0)).toHaveLength(3);
    expect(codes.filter((c) => c === 10023)).toHaveLength(5);
    // The refused ids stay usable once the second has passed.
    await new Promise((r) => setTimeout(r, 1100));
    const retry = ids[codes.indexOf(10023)]!;
    expectCode(await call(b!, 'alice', SEND, { id: retry, groupID }), 0);
  });

  it('when a member is kicked through one process, then their subscription on the other stops receiving the group at once', async () => {
    const [a, b] = await cluster();
    const groupID = await createGroup(a!, 'alice', ['bob', 'dave']);
    const dave = subscribe(b!, 'dave', await origin(a!, 'alice', groupID));
    expectCode(await send(a!, 'alice', 'warm-up', { groupID }), 0);
    await dave.waitFor(1);
    expectCode(await call(a!, 'alice', KICK, { g: groupID, u: ['dave'] }), 0);
    expectCode(await send(a!, 'alice', 'after the kick', { groupID }), 0);
    expectCode(await send(a!, 'bob', 'a word with dave', { receiver: 'dave' }), 0);
    // His own kick (the group's tip, from the other process), then nothing more from the group.
    expect(texts(await dave.waitFor(3))).toEqual(['warm-up', '(tip)', 'a word with dave']);
  });
});

// Cross-process ordering at the storage level: two stores (two pools, as two processes have) write at once while a
// reader resumes by cursor in a loop. A later order_no can commit first (sends no longer wait for each other's
// commits, src/db/pg/order.ts): readers must stop below a send still in flight, or a cursor would pass it.
suite('scale-out: PostgreSQL ordering under concurrent writers', () => {
  let drafts = 0;
  const NOW = 1_800_000_000;
  async function sendVia(
    store: Store,
    sender: string,
    to: { groupId?: string; receiver?: string; targets?: string[] },
  ) {
    const draft: DraftRow = {
      id: `d${++drafts}`,
      owner: sender,
      createdAt: NOW,
      expiresAt: NOW + 60,
      elemType: 1,
      body: [{ kind: 'text', text: `t${drafts}` }],
      atUsers: null,
      targets: null,
    };
    await store.messages.createDraft(draft);
    const targets = to.targets ?? null;
    const msg = textMessage({
      msgId: `m-${draft.id}`,
      createId: draft.id,
      sender,
      receiver: to.receiver ?? null,
      groupId: to.groupId ?? null,
      audience: targets ? [...new Set([sender, ...targets])] : null,
      targets,
      text: textOf(draft)!,
      timestamp: NOW,
    });
    const outcome = await store.messages.send(msg, NOW);
    if (!outcome.ok) throw new Error(outcome.reason);
    return outcome.message;
  }

  let schemaUrl = '';
  async function twoStores(): Promise<[Store, Store]> {
    const schema = await freshSchema();
    cleanup.push(() => schema.drop());
    schemaUrl = schema.url;
    const stores: [Store, Store] = [openStore(schema.url), openStore(schema.url)];
    for (const s of stores) cleanup.push(() => s.close());
    await Promise.all(stores.map((s) => s.ping()));
    return stores;
  }

  it("when a send is held in flight after taking its order, then other groups' sends commit past it, and readers and the bus fill stop below it until it commits", async () => {
    const [one, two] = await twoStores();
    for (const [g, owner] of [
      ['g1', 'alice'],
      ['g2', 'bob'],
    ] as const) {
      await one.groups.create(
        { groupId: g, groupType: 'Work', groupName: g, owner, createdAt: NOW },
        [{ userID: 'rita', role: 200 }],
        NOW,
      );
    }
    const first = await sendVia(one, 'alice', { groupId: 'g1' });
    // Hold alice's next send after it took its order: it waits for her conversation row, which a send updates last.
    const blocker = new pg.Client({ connectionString: schemaUrl });
    await blocker.connect();
    cleanup.push(() => blocker.end());
    await blocker.query('BEGIN');
    await blocker.query(
      `SELECT 1 FROM conversations WHERE user_id = 'alice' AND conversation_id = 'group_g1' FOR UPDATE`,
    );
    const events: string[] = [];
    const held = sendVia(one, 'alice', { groupId: 'g1' }).then((m) => {
      events.push('held committed');
      return m;
    });
    for (let i = 0; ; i++) {
      // Inside the blocker's transaction pg_stat_activity is a snapshot: clear it before each look.
      await blocker.query('SELECT pg_stat_clear_snapshot()');
      const waiting = await blocker.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE conversations SET read_order%'`,
      );
      if (waiting.rows[0].n > 0) break;
      if (i > 1000) throw new Error('the held send never reached its conversation update');
      await new Promise((r) => setTimeout(r, 10));
    }
    const later = await sendVia(two, 'bob', { groupId: 'g2' });
    events.push('later committed');
    // rita resumes: she gets what is final, never the later message past the one in flight.
    const page = (await two.messages.after('rita', 0, 100)).messages.map((m) => m.row.orderNo);
    expect(page).toEqual([first.row.orderNo]);
    expect(await two.messages.lastOrder()).toBe(first.row.orderNo);
    const fill = two.messages.between(first.row.orderNo, later.row.orderNo, 100).then((rows) => {
      events.push('fill read');
      return rows;
    });
    await new Promise((r) => setTimeout(r, 200));
    events.push('released');
    await blocker.query('COMMIT');
    const heldRow = (await held).row;
    expect(heldRow.orderNo).toBeLessThan(later.row.orderNo);
    expect((await fill).map((r) => r.orderNo)).toEqual([heldRow.orderNo]);
    // Nothing waited for the held send but the fill, and the fill only until it committed.
    expect(events.slice(0, 2)).toEqual(['later committed', 'released']);
    expect(events.slice(2).sort()).toEqual(['fill read', 'held committed']);
    expect((await two.messages.after('rita', 0, 100)).messages.map((m) => m.row.orderNo)).toEqual([
      first.row.orderNo,
      heldRow.orderNo,
      later.row.orderNo,
    ]);
  });

  it('when two writers commit concurrently across groups and C2C, then a reader resuming by cursor sees every message once, in order', async () => {
    const [one, two] = await twoStores();
    const groups = ['g1', 'g2', 'g3', 'g4'];
    for (const g of groups)
      await one.groups.create(
        { groupId: g, groupType: 'Work', groupName: g, owner: `owner-${g}`, createdAt: NOW },
        [{ userID: 'rita', role: 200 }],
        NOW,
      );
    let writing = true;
    const writers = [one, two].flatMap((store, w) =>
      Array.from({ length: 6 }, async (_, lane) => {
        for (let k = 0; k < 25; k++) {
          const g = groups[(w + lane + k) % groups.length]!;
          if (k % 5 === 4) await sendVia(store, `peer-${w}-${lane}`, { receiver: 'rita' });
          else if (k % 5 === 3) await sendVia(store, `owner-${g}`, { groupId: g, targets: ['rita'] });
          else await sendVia(store, `owner-${g}`, { groupId: g });
        }
      }),
    );
    const seen: number[] = [];
    const reader = (async () => {
      let last = 0;
      for (;;) {
        const done = !writing;
        const page = await two.messages.after('rita', last, 1000);
        for (const m of page.messages) seen.push(m.row.orderNo);
        last = page.through;
        if (done && page.done && page.messages.length === 0) return;
      }
    })();
    await Promise.all(writers);
    writing = false;
    await reader;
    const everything = (await readAfter(one, 'rita', 0, 10_000)).map((m) => m.row.orderNo);
    expect(everything).toHaveLength(2 * 6 * 25);
    expect(seen).toEqual(everything);
  });

  it('when both writers send into one group and one pair at once, then the public seq, the ranks and the pair seq never repeat or skip', async () => {
    const [one, two] = await twoStores();
    await one.groups.create(
      { groupId: 'g', groupType: 'Work', groupName: 'g', owner: 'alice', createdAt: NOW },
      ['bob', 'carol'].map((userID) => ({ userID, role: 200 })),
      NOW,
    );
    await Promise.all(
      [one, two].flatMap((store, w) =>
        Array.from({ length: 5 }, async (_, lane) => {
          for (let k = 0; k < 10; k++) {
            if (k % 3 === 0) await sendVia(store, w ? 'alice' : 'bob', { receiver: w ? 'bob' : 'alice' });
            else
              await sendVia(
                store,
                ['alice', 'bob', 'carol'][(lane + k) % 3]!,
                k % 3 === 1 ? { groupId: 'g', targets: ['carol'] } : { groupId: 'g' },
              );
          }
        }),
      ),
    );
    for (const u of ['alice', 'bob', 'carol']) {
      const seqs = (await one.messages.groupHistory(u, 'g', Number.MAX_SAFE_INTEGER, 1000)).map((m) => m.seq).reverse();
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
    const pair = (await two.messages.c2cHistory('alice', 'bob', Number.MAX_SAFE_INTEGER, 1000))
      .map((m) => m.seq)
      .reverse();
    expect(pair).toEqual(Array.from({ length: 2 * 5 * 4 }, (_, i) => i + 1));
  });
});

suite('scale-out: the Redis bus and the shared rate limit', () => {
  function buses(heartbeatMs = 60_000) {
    const prefix = freshPrefix();
    cleanup.push(() => prefix.drop());
    const make = () => {
      const bus = createRedisBus(REDIS_URL!, { prefix: prefix.prefix, heartbeatMs });
      cleanup.push(() => bus.close());
      const got: RealtimeEvent[] = [];
      const gaps: string[] = [];
      bus.subscribe((e) => got.push(e));
      bus.onGap((r) => gaps.push(r));
      return { bus, got, gaps };
    };
    return { prefix: prefix.prefix, make };
  }
  const read = (userId: string): RealtimeEvent => ({ type: 'read', userId, conversationId: 'c2c_x' });
  const until = (check: () => boolean) => waitUntil(check, () => check.toString());

  it('when a process publishes, then its own router gets the event at once and exactly once, and the other process gets it too', async () => {
    const { make } = buses();
    const one = make();
    const two = make();
    await Promise.all([one.bus.ready(), two.bus.ready()]);
    await one.bus.publish(read('a'));
    expect(one.got).toEqual([read('a')]); // before publish resolved, not via Redis
    await two.bus.publish(read('b'));
    await until(() => two.got.length === 2 && one.got.length === 2);
    await one.bus.publish(read('c'));
    await until(() => two.got.length === 3);
    expect(one.got).toEqual([read('a'), read('b'), read('c')]);
    // Its own event is local (at once), the others' come through Redis: each exactly once.
    expect(two.got).toHaveLength(3);
    expect(two.got.map((e) => (e as { userId: string }).userId).sort()).toEqual(['a', 'b', 'c']);
    expect(one.gaps).toEqual([]);
    expect(two.gaps).toEqual([]);
  });

  it("when a publisher's numbers skip or it falls silent without a goodbye, then the others report a gap; a clean close is no gap", async () => {
    const { prefix, make } = buses(100);
    const one = make();
    await one.bus.ready();
    const raw = new Redis(REDIS_URL!);
    cleanup.push(() => raw.disconnect());
    const channel = `${prefix}:events`;
    await raw.publish(channel, JSON.stringify({ from: 'ghost', n: 1, event: read('x') }));
    await raw.publish(channel, JSON.stringify({ from: 'ghost', n: 2, event: read('y') }));
    await until(() => one.got.length === 2);
    expect(one.gaps).toEqual([]);
    await raw.publish(channel, JSON.stringify({ from: 'ghost', n: 5, event: read('z') })); // 3 and 4 were lost
    await until(() => one.got.length === 3);
    expect(one.gaps).toHaveLength(1);
    expect(one.gaps[0]).toContain('missed events 3..4');
    await until(() => one.gaps.length === 2); // ghost never speaks again
    expect(one.gaps[1]).toContain('no heartbeat from ghost');

    const two = make();
    await two.bus.ready();
    await two.bus.publish(read('hello'));
    await until(() => one.got.length === 4);
    await two.bus.close();
    await new Promise((r) => setTimeout(r, 500)); // five heartbeats: a silent ghost would have been reported
    expect(one.gaps).toHaveLength(2);
  });

  it('when stored messages from two processes arrive out of commit order, then the router still gets them in order, each once', async () => {
    const prefix = freshPrefix();
    cleanup.push(() => prefix.drop());
    const row = (orderNo: number, groupId: string | null = 'g') =>
      ({
        orderNo,
        groupId,
        sender: 'alice',
        receiver: groupId ? null : 'bob',
        targeted: 0,
        targets: null,
        text: `#${orderNo}`,
      }) as unknown as MessageRow;
    const stored = [row(11, null), row(12), row(13)];
    const reads: [number, number][] = [];
    const bus = createRedisBus(REDIS_URL!, {
      prefix: prefix.prefix,
      heartbeatMs: 60_000,
      storage: {
        lastOrder: async () => 10,
        between: async (after, before) => {
          reads.push([after, before]);
          return stored.filter((r) => r.orderNo > after && r.orderNo < before);
        },
      },
    });
    cleanup.push(() => bus.close());
    const got: RealtimeEvent[] = [];
    bus.subscribe((e) => got.push(e));
    await bus.ready();
    const raw = new Redis(REDIS_URL!);
    cleanup.push(() => raw.disconnect());
    const publish = (from: string, n: number, orderNo: number) =>
      raw.publish(
        `${prefix.prefix}:events`,
        JSON.stringify({
          from,
          n,
          event: { type: 'message', row: stored.find((r) => r.orderNo === orderNo), users: null },
        }),
      );
    await publish('second', 1, 12); // 11 is still on its way from the first process
    await until(() => got.length === 2);
    await publish('first', 1, 11); // late: already read from storage
    await bus.publish({ type: 'message', row: stored[2]!, users: null }); // in order: no read
    expect(got.map((e) => [(e as any).row.orderNo, (e as any).users])).toEqual([
      [11, ['alice', 'bob']],
      [12, null],
      [13, null],
    ]);
    expect(reads).toEqual([[10, 12]]);
  });

  it('when two processes take from the shared limiter, then together they accept only the limit per window', async () => {
    const { make } = buses();
    const one = make();
    const two = make();
    await Promise.all([one.bus.ready(), two.bus.ready()]);
    const prefix = `limit-${Math.random().toString(36).slice(2)}`;
    cleanup.push(async () => {
      await one.bus.commands.del(`${prefix}:rate:g`);
    });
    const l1 = createRedisRateLimiter(one.bus.commands, 3, { prefix });
    const l2 = createRedisRateLimiter(two.bus.commands, 3, { prefix });
    const t = 1_000_000;
    expect([
      await l1.take('g', t),
      await l2.take('g', t + 1),
      await l1.take('g', t + 2),
      await l2.take('g', t + 3),
    ]).toEqual([true, true, true, false]);
    expect(await l1.take('other', t + 3)).toBe(true);
    expect(await l2.take('g', t + 1000)).toBe(true); // the first one left the window
    expect(await l1.take('g', t + 1001)).toBe(true);
    expect(await l1.take('g', t + 1002)).toBe(true);
    expect(await l2.take('g', t + 1003)).toBe(false);
  });
});

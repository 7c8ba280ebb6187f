// Crash safety (im-semantics §6: "an acknowledged message is never lost"): a real gateway process is SIGKILLed while
// several clients send concurrently, then restarted on the same SQLite file. Every acknowledged message is there
// exactly once, a send whose answer was lost is safe to retry with the same id, and subscribers resuming from the
// last cursor they saw get every message of theirs they missed, once.
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { collect, userSig, wsClient, expectCode } from './helpers/app';
import { httpCall, spawnGateway, tempDatabase, type SpawnedGateway } from './helpers/spawn';
import { C2C_HISTORY, CREATE_GROUP, CREATE_TEXT, GROUP_HISTORY, ON_MESSAGE, SEND } from './helpers/ops';

const USERS = ['u0', 'u1', 'u2', 'u3'];
const GROUP = 'crash-room';
const KILL_AFTER_ACKS = 120;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Send {
  sender: string;
  id: string;
  target: { groupID?: string; receiver?: string };
  text: string;
  msgID?: string;
  inFlight?: boolean;
}

const sigs = Object.fromEntries(USERS.map((u) => [u, userSig(u)]));
const call = (gw: SpawnedGateway, user: string, query: string, variables?: Record<string, unknown>) =>
  httpCall(gw.url, sigs[user]!, query, variables);

async function start(db: string): Promise<SpawnedGateway> {
  const gw = await spawnGateway({ DATABASE_URL: db, IM_GROUP_SEND_RATE: '100000' });
  cleanup.push(() => gw.kill('SIGKILL'));
  return gw;
}

function subscribe(gw: SpawnedGateway, user: string, afterCursor?: string) {
  const client: Client = wsClient(gw.port, { userSig: sigs[user] });
  cleanup.push(() => client.dispose());
  return collect<{ onRecvNewMessage: { msgID: string; cursor: string } }>(
    client,
    ON_MESSAGE,
    afterCursor ? { afterCursor } : undefined,
  );
}

/** Every msgID of a history, paged newest first by lastMsgID. */
async function allHistory(
  gw: SpawnedGateway,
  user: string,
  query: string,
  vars: Record<string, unknown>,
): Promise<string[]> {
  const ids: string[] = [];
  let lastMsgID: string | undefined;
  for (;;) {
    const page = await call(gw, user, query, { ...vars, count: 100, lastMsgID });
    expectCode(page, 0);
    ids.push(...page.data.map((m: { msgID: string }) => m.msgID));
    if (page.data.length < 100) return ids;
    lastMsgID = page.data[page.data.length - 1].msgID;
  }
}

const counts = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());

describe('crash safety', () => {
  it('when the gateway is SIGKILLed mid-stream and restarted, then every acknowledged message is there exactly once and resuming subscribers get each of theirs once', async () => {
    const db = tempDatabase();
    cleanup.push(() => db.remove());
    const first = await start(db.url);
    const created = await call(first, 'u0', CREATE_GROUP, {
      groupType: 'Work',
      groupName: 'crash',
      groupID: GROUP,
      memberList: USERS.slice(1).map((userID) => ({ userID })),
    });
    expectCode(created, 0);

    // Subscribers start after a first message's cursor (so none misses what follows while connecting) and are
    // live once the warm-up reaches all of them.
    const sendText = async (gw: SpawnedGateway, text: string) =>
      (await call(gw, 'u0', SEND, { id: (await call(gw, 'u0', CREATE_TEXT, { text })).data.id, groupID: GROUP })).data;
    const origin = (await sendText(first, 'before the subscribers')).cursor;
    const live = Object.fromEntries(USERS.map((u) => [u, subscribe(first, u, origin)]));
    const warmID = (await sendText(first, 'warm-up')).msgID;
    for (const u of USERS) await live[u]!.waitFor(1);

    // Two concurrent clients per user, each alternating group and one-to-one messages, until the process dies.
    const sends: Send[] = [];
    let acked = 0;
    let killed: Promise<void> | undefined;
    const client = async (sender: string, lane: number) => {
      for (let k = 0; ; k++) {
        const text = `${sender}/${lane}/${k}`;
        let id: string;
        try {
          id = (await call(first, sender, CREATE_TEXT, { text })).data.id;
        } catch {
          return; // the gateway is gone before this message existed
        }
        const peer = USERS[(USERS.indexOf(sender) + 1 + (k % 3)) % USERS.length]!;
        const send: Send = { sender, id, text, target: k % 2 === 0 ? { groupID: GROUP } : { receiver: peer } };
        sends.push(send);
        let r;
        try {
          r = await call(first, sender, SEND, { id, ...send.target });
        } catch (e) {
          if (killed === undefined) throw e;
          send.inFlight = true; // no answer: stored or not, the client cannot tell
          return;
        }
        expectCode(r, 0);
        send.msgID = r.data.msgID;
        if (++acked === KILL_AFTER_ACKS) killed = first.kill('SIGKILL');
      }
    };
    await Promise.all(USERS.flatMap((u) => [client(u, 0), client(u, 1)]));
    await killed;
    expect(acked).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    // What each subscriber saw is fixed now: frames still in the client's socket buffer would otherwise be read
    // after the cursor is taken, and those messages would count as seen before and come again on resuming.
    for (const u of USERS) live[u]!.dispose();
    const seenBefore = Object.fromEntries(USERS.map((u) => [u, live[u]!.events.map((e) => e.onRecvNewMessage)]));
    const lastCursor = Object.fromEntries(USERS.map((u) => [u, seenBefore[u]!.at(-1)!.cursor]));

    const second = await start(db.url);
    const resumed = Object.fromEntries(USERS.map((u) => [u, subscribe(second, u, lastCursor[u])]));

    // A send whose answer was lost is retried with the same id: code 0 either way, and stored once.
    for (const s of sends.filter((x) => x.inFlight)) {
      const r = await call(second, s.sender, SEND, { id: s.id, ...s.target });
      expectCode(r, 0);
      s.msgID = r.data.msgID;
    }
    const sent = sends.filter((s) => s.msgID !== undefined);
    expect(sent.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);

    // Storage: every message exactly once in the group history and in each pair's C2C history.
    const groupIDs = [warmID, ...sent.filter((s) => s.target.groupID).map((s) => s.msgID!)];
    const history = (await allHistory(second, 'u1', GROUP_HISTORY, { groupID: GROUP })).slice(0, -1); // minus the origin
    expect([...counts(history).values()].every((n) => n === 1)).toBe(true);
    expect(new Set(history)).toEqual(new Set(groupIDs));
    for (const [i, a] of USERS.entries()) {
      for (const b of USERS.slice(i + 1)) {
        const pair = sent
          .filter((s) => s.target.receiver && [a, b].includes(s.sender) && [a, b].includes(s.target.receiver))
          .map((s) => s.msgID!);
        const c2c = await allHistory(second, a, C2C_HISTORY, { userID: b });
        expect([...counts(c2c).values()].every((n) => n === 1)).toBe(true);
        expect(new Set(c2c)).toEqual(new Set(pair));
      }
    }
    // findMessages finds each acknowledged message for its sender.
    for (const s of sent) {
      const found = await call(
        second,
        s.sender,
        'query($ids: [String!]!) { findMessages(messageIDList: $ids) { code data { msgID textElem { text } } } }',
        { ids: [s.msgID] },
      );
      expect(found.data).toEqual([{ msgID: s.msgID, textElem: { text: s.text } }]);
    }

    // Live delivery: what each subscriber saw before the crash plus what it got on resuming is its audience, once each.
    for (const u of USERS) {
      const audience = new Set([
        ...groupIDs,
        ...sent.filter((s) => s.target.receiver && (s.sender === u || s.target.receiver === u)).map((s) => s.msgID!),
      ]);
      const before = seenBefore[u]!.map((e) => e.msgID);
      await resumed[u]!.waitFor(audience.size - before.length, 30_000).catch((e: Error) => {
        // Name what is missing, so a failure says which messages (and of which kind) the resume did not bring.
        const got = new Set([...before, ...resumed[u]!.events.map((x) => x.onRecvNewMessage.msgID)]);
        const missing = sent.filter((s) => audience.has(s.msgID!) && !got.has(s.msgID!));
        const at = (id: string) => history.indexOf(id);
        throw new Error(
          `${u}: ${e.message}; last live cursor after ${before.length} events, last live msg at history index ` +
            `${at(before.at(-1)!)}; missing ${JSON.stringify(missing.map((s) => [s.text, s.target, s.inFlight ?? false, at(s.msgID!)]))}`,
        );
      });
      const seen = [...before, ...resumed[u]!.events.map((e) => e.onRecvNewMessage.msgID)];
      expect([...counts(seen).entries()].filter(([, n]) => n > 1)).toEqual([]);
      expect(new Set(seen)).toEqual(audience);
    }
  }, 150_000);
});

// Property test of the cluster (architecture.md, scale-out): three gateway processes on one PostgreSQL schema and
// one Redis prefix. Random sends (broadcast, targeted, C2C) go through all three at once in concurrent lanes;
// every user holds a subscription that resumes, with its last cursor, on a random process at random moments; one
// process is killed (SIGKILL) at a random moment, and whatever was in flight through it is retried on a survivor
// with the same id. At the end every user has received exactly the acknowledged messages it may see, once each, in
// one global order (cursor order) in which each group's and each pair's seqs run 1, 2, 3… with no gap; nobody
// received anything else. Runs when DATABASE_URL=postgres://… and REDIS_URL are set (as in CI); a few runs, each
// with its own cluster (PROPERTY_SCALEOUT_RUNS, default 2), so it stays well under a minute.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Client } from 'graphql-ws';
import { createCursorCodec } from '../src/resolvers/cursor';
import { TEST_KEY, userSig, wsClient } from './helpers/app';
import { CREATE_GROUP, CREATE_TARGETED, CREATE_TEXT, ON_MESSAGE, SEND } from './helpers/ops';
import { PG_URL, REDIS_URL, SKIP_MESSAGE, freshPrefix, freshSchema } from './helpers/pg';
import { httpCall, spawnGateway, type SpawnedGateway } from './helpers/spawn';

const enabled = PG_URL !== undefined && REDIS_URL !== undefined;
if (!enabled) console.log(SKIP_MESSAGE);
const suite = enabled ? describe : describe.skip;
const RUNS = Number(process.env.PROPERTY_SCALEOUT_RUNS ?? 2);

const USERS = ['u0', 'u1', 'u2', 'u3', 'u4'];
const GROUPS: Record<string, string[]> = { ga: ['u0', 'u1', 'u2', 'u3'], gb: ['u1', 'u2', 'u4'] }; // owner first
const PROCESSES = 3;
const cursors = createCursorCodec(TEST_KEY);

type Send =
  | { kind: 'group'; group: string; from: number; via: number }
  | { kind: 'targeted'; group: string; from: number; to: number[]; via: number }
  | { kind: 'c2c'; from: number; to: number; via: number };

const via = fc.nat(PROCESSES - 1);
const send: fc.Arbitrary<Send> = fc.oneof(
  fc.record({ kind: fc.constant('group' as const), group: fc.constantFrom('ga', 'gb'), from: fc.nat(9), via }),
  fc.record({
    kind: fc.constant('targeted' as const),
    group: fc.constantFrom('ga', 'gb'),
    from: fc.nat(9),
    to: fc.uniqueArray(fc.nat(9), { minLength: 1, maxLength: 2 }),
    via,
  }),
  fc.record({ kind: fc.constant('c2c' as const), from: fc.nat(USERS.length - 1), to: fc.nat(USERS.length - 2), via }),
);
const scenario = fc.record({
  lanes: fc.array(fc.array(send, { minLength: 4, maxLength: 9 }), { minLength: 3, maxLength: 3 }),
  /** Where each user's subscription starts, and after how many of all sends it moves (resumes elsewhere). */
  subscribers: fc.array(
    fc.record({ start: via, moves: fc.array(fc.record({ after: fc.nat(24), to: via }), { maxLength: 2 }) }),
    { minLength: USERS.length, maxLength: USERS.length },
  ),
  kill: fc.record({ process: via, after: fc.nat(20) }),
});

interface Message {
  msgID: string;
  sender: string;
  groupID: string | null;
  userID: string | null;
  seq: string;
  cursor: string;
  text: string;
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A subscription that resumes after its last cursor whenever it ends, on a process chosen by `where()`. */
function subscriber(user: string, first: SpawnedGateway, origin: string, where: () => SpawnedGateway) {
  const events: Message[] = [];
  let last = origin;
  let client: Client | undefined;
  let unsubscribe = () => {};
  let stopped = false;
  const start = (gw: SpawnedGateway) => {
    const c = (client = wsClient(gw.port, { userSig: userSig(user, 3600) }));
    unsubscribe = c.subscribe<any>(
      { query: ON_MESSAGE, variables: { afterCursor: last } },
      {
        next: (v) => {
          const m = v.data?.onRecvNewMessage;
          if (!m) return;
          events.push({ ...m, text: m.textElem.text });
          last = m.cursor;
        },
        // The stream ended (a process lost track of wake-ups) or the socket died (its process was killed): resume.
        error: () => {
          if (!stopped && client === c)
            setTimeout(() => {
              if (!stopped && client === c) move(where());
            }, 20);
        },
        complete: () => {
          if (!stopped && client === c) move(where());
        },
      },
    );
  };
  const move = (gw: SpawnedGateway) => {
    const old = client;
    client = undefined;
    unsubscribe();
    void old?.dispose();
    start(gw);
  };
  start(first);
  cleanup.push(() => {
    stopped = true;
    unsubscribe();
    return client?.dispose();
  });
  return { user, events, move };
}

async function cluster(): Promise<SpawnedGateway[]> {
  const schema = await freshSchema();
  const prefix = freshPrefix();
  cleanup.push(
    () => schema.drop(),
    () => prefix.drop(),
  );
  const gws = await Promise.all(
    Array.from({ length: PROCESSES }, () =>
      spawnGateway({
        DATABASE_URL: schema.url,
        REDIS_URL: REDIS_URL!,
        IM_REDIS_PREFIX: prefix.prefix,
        IM_GROUP_SEND_RATE: '100000',
        IM_REDIS_HEARTBEAT_MS: '200',
      }),
    ),
  );
  for (const gw of gws) cleanup.push(() => gw.kill('SIGKILL'));
  return gws;
}

suite('scale-out property: three processes, random sends and resumes, one process killed', () => {
  it('when sends go through three processes at once, subscribers resume anywhere and one process dies, then each user gets exactly what it may see, once, in one order with gap-free seqs', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ lanes, subscribers, kill }) => {
        const gws = await cluster();
        const alive = new Set(gws);
        const pick = (i: number) => {
          const gw = gws[i % gws.length]!;
          return alive.has(gw) ? gw : [...alive][i % alive.size]!;
        };
        const call = async (i: number, user: string, query: string, variables: Record<string, unknown>) => {
          // A call through a process that dies answers with an error: retried through a survivor (same arguments).
          for (let attempt = 0; ; attempt++) {
            const gw = pick(i + attempt);
            try {
              return await httpCall(gw.url, userSig(user, 3600), query, variables);
            } catch (e) {
              if (alive.has(gw) || attempt > 4) throw e;
            }
          }
        };
        for (const [g, [owner, ...members]] of Object.entries(GROUPS)) {
          const r = await call(0, owner!, CREATE_GROUP, {
            groupType: 'Work',
            groupName: g,
            groupID: g,
            memberList: members.map((userID) => ({ userID })),
          });
          expect(r.code).toBe(0);
        }
        const origin = await call(0, 'sys', SEND, {
          id: (await call(0, 'sys', CREATE_TEXT, { text: 'origin' })).data.id,
          receiver: 'u0',
        });
        expect(origin.code).toBe(0);
        const subs = USERS.map((u, k) =>
          subscriber(u, pick(subscribers[k]!.start), origin.data.cursor, () => pick(k + Date.now())),
        );

        // Sends in three concurrent lanes, each through its own random processes.
        let done = 0;
        const sent: { msgID: string; audience: Set<string>; text: string }[] = [];
        const afterEach = async () => {
          done++;
          if (done === kill.after + 1) {
            const victim = gws[kill.process]!;
            alive.delete(victim);
            await victim.kill('SIGKILL');
          }
          subscribers.forEach((s, k) => {
            for (const m of s.moves) if (m.after === done) subs[k]!.move(pick(m.to));
          });
        };
        await Promise.all(
          lanes.map(async (lane, l) => {
            for (const [n, s] of lane.entries()) {
              const text = `L${l}#${n}`;
              let from: string;
              let target: Record<string, unknown>;
              let audience: string[];
              let receiverList: string[] | undefined;
              if (s.kind === 'c2c') {
                from = USERS[s.from]!;
                const to = USERS.filter((u) => u !== from)[s.to]!;
                target = { receiver: to };
                audience = [from, to];
              } else {
                const members = GROUPS[s.group]!;
                from = members[s.from % members.length]!;
                target = { groupID: s.group };
                if (s.kind === 'targeted') {
                  receiverList = [...new Set(s.to.map((t) => members[t % members.length]!))];
                  audience = [...new Set([from, ...receiverList])];
                } else {
                  audience = members;
                }
              }
              const created = await call(s.via, from, CREATE_TEXT, { text });
              expect(created.code).toBe(0);
              let id: string = created.data.id;
              if (receiverList) {
                const t = await call(s.via, from, CREATE_TARGETED, { id, receiverList });
                expect(t.code).toBe(0);
                id = t.data.id;
              }
              const r = await call(s.via, from, SEND, { id, ...target });
              expect(r.code, r.desc).toBe(0);
              sent.push({ msgID: r.data.msgID, audience: new Set(audience), text });
              await afterEach();
            }
          }),
        );
        if (alive.size === PROCESSES) {
          // the kill was set after the last send: kill now, the resumes still run
          const victim = gws[kill.process]!;
          alive.delete(victim);
          await victim.kill('SIGKILL');
        }

        // Everyone ends with exactly what it may see.
        const expected = new Map(
          USERS.map((u) => [u, new Set(sent.filter((m) => m.audience.has(u)).map((m) => m.msgID))]),
        );
        const complete = () =>
          subs.every((s) => [...expected.get(s.user)!].every((id) => s.events.some((e) => e.msgID === id)));
        for (const deadline = Date.now() + 20_000; !complete();) {
          if (Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 300)); // anything extra would land meanwhile
        for (const s of subs) {
          const ids = s.events.map((e) => e.msgID);
          expect({ user: s.user, duplicates: ids.filter((id, i) => ids.indexOf(id) !== i) }).toEqual({
            user: s.user,
            duplicates: [],
          });
          expect({ user: s.user, got: [...ids].sort() }).toEqual({
            user: s.user,
            got: [...expected.get(s.user)!].sort(),
          });
          // One order for all of it: the cursors (global order) only go up, and each conversation's seqs count 1, 2, 3…
          const orders = s.events.map((e) => cursors.decode(e.cursor)!);
          expect(orders).toEqual([...orders].sort((a, b) => a - b));
          const byConversation = new Map<string, number[]>();
          for (const e of s.events) {
            const key = e.groupID ?? `c2c_${e.sender === s.user ? e.userID : e.sender}`;
            byConversation.set(key, [...(byConversation.get(key) ?? []), Number(e.seq)]);
          }
          for (const [key, seqs] of byConversation) {
            const startAt = key === 'c2c_sys' ? 2 : 1; // the origin was seq 1 of u0's pair with sys, before the cursor
            expect({ user: s.user, key, seqs }).toEqual({ user: s.user, key, seqs: seqs.map((_, i) => i + startAt) });
          }
        }
        for (const c of cleanup.splice(0).reverse()) await c();
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 150_000);
});

// graphql-sse's single-connection mode (/graphql/stream) driven through random sequences of its requests by alice,
// bob and carol: apps connecting (PUT, then the EventSource's GET, and maybe a subscription), reservations (PUT with
// a valid, missing, garbage or expired UserSig, odd Accept headers), opens (GET with the user's own token, one never
// reserved, one already open, one closed or released, Accept other than text/event-stream; the stream kept, dropped
// at once, or dropped before the answer), operations POSTed on a token (subscriptions, queries, mutations, documents
// that do not parse, wrong variables, duplicate and odd operationIds; with the owner's, another user's, an expired or
// no UserSig; with Accept: text/event-stream too), operations sent as a GET with the token, DELETEs of known and
// unknown operationIds, streams closed by the client, distinct-connection subscriptions (/graphql and
// /graphql/stream without a token), messages sent meanwhile (C2C, to the group, targeted at one member) and the
// gateway clock moved on. The limits are small here (IM_MAX_CONNECTIONS_PER_USER 3,
// IM_MAX_SUBSCRIPTIONS_PER_CONNECTION 2) so that runs reach them.
// Through each run: every answer below 500 without a stack trace, nothing logged at error level, a POST, GET or
// DELETE on a token by anyone but its owner refused (403), never more than IM_MAX_CONNECTIONS_PER_USER streams open
// per user, an open or closed token never opened again, every event on a stream from an operation its owner started,
// and no stream carrying a message its owner is not in the audience of. After each run, once the client has closed
// every stream: each user can open his IM_MAX_CONNECTIONS_PER_USER streams again and not one more, no subscription is
// left running, and bob's own well-behaved stream (graphql-sse's client, untouched by the fuzz) still gets alice's
// message, and only messages he may see.
// It found an operation sent as a GET on a stream's token run without the owner check or the stream's bound (another
// user's events reached the stream), and a reservation asked for by a request graphql-sse does not open it with (a
// GET without Accept: text/event-stream) or opened by one the gateway did not count (a POST with it): streams past
// the limit, and subscriptions left running for good.
// FUZZ_RUNS explores longer; a failure prints the steps, the seed and the path: FUZZ_SEED=… FUZZ_PATH=… replays it.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { createClient, type Client } from 'graphql-sse';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueUserSig } from '../src/auth/usersig';
import { settle, TEST_KEY, TEST_SDKAPPID, testConfig, until, userSig } from './helpers/app';
import { startLive, type LiveGateway } from './helpers/live';
import { group, sendText } from './helpers/ops';
import { frames, type SseFrame } from './helpers/sse';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const MAX_CONNECTIONS = 3;
const MAX_OPERATIONS = 2;
/** How long a request may take to be answered (a stream: its headers) before the run fails as a hang. */
const MS_PER_REQUEST = 5_000;
const USERS = ['alice', 'bob', 'carol'] as const;
type User = (typeof USERS)[number];
/** bob's well-behaved stream holds one of his connections for the whole test. */
const heldOutside = (user: User) => (user === 'bob' ? 1 : 0);

const SUBSCRIPTIONS = [
  'subscription { onRecvNewMessage { msgID sender textElem { text } } }',
  'subscription($afterCursor: String) { onRecvNewMessage(afterCursor: $afterCursor) { msgID textElem { text } } }',
  'subscription { onConversationChanged { conversationID lastMessage { textElem { text } } } }',
  'subscription { onTotalUnreadMessageCountChanged }',
  'subscription { onGroupEvent { type groupID } }',
  'subscription { onRecvNewMessage { msgID } onTotalUnreadMessageCountChanged }',
];
/** Mostly what an app sends, sometimes not: each value pool is weighted toward the valid, so that most requests
 *  are off in one thing at most and operations do run (and their events can be checked). */
const often = <T>(valid: readonly T[], odd: readonly T[], weight = 6) =>
  fc.oneof({ weight, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });
const QUERY = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<unknown>(...SUBSCRIPTIONS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      '{ getLoginUser { code desc data } }',
      'query { __typename }',
      'mutation { createTextMessage(text: "hi") { code desc } }',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      'query($n: Int!) { __typename }',
      'subscription {',
      'subscription { nope }',
      '{ getLoginUser { code ',
      '',
      null,
      1,
    ),
  },
);
const VARIABLES = often<unknown>(
  [undefined],
  [null, 'x', [], { afterCursor: 'garbage' }, { afterCursor: 123 }, { n: 'x' }, { __proto__: null, constructor: 1 }],
);
const OPERATION_ID = often<unknown>(['1', '2', '3', '4'], ['x'.repeat(300), '', '__proto__', 'constructor', 1, null]);

type As = 'owner' | User | 'none' | 'garbage' | 'expired';
/** A token of a stream the client holds open now, of this run, of an earlier run (by index), or one never reserved. */
type TokenRef = { open: number } | { mine: number } | { stale: number } | 'never';
type Step =
  | { do: 'connect'; user: User; subscribe: boolean }
  | { do: 'put'; user: User; sig: 'valid' | 'none' | 'garbage' | 'expired'; accept: string }
  | { do: 'open'; token: TokenRef; accept: string; then: 'keep' | 'drop' | 'drop before the answer' }
  | { do: 'close'; stream: number }
  | {
      do: 'post';
      token: TokenRef;
      as: As;
      query: unknown;
      variables: unknown;
      operationId: unknown;
      accept: string;
    }
  | { do: 'get operation'; token: TokenRef; as: As; query: string; operationId: string; accept: string }
  | { do: 'delete'; token: TokenRef; as: As; operationId: string }
  | { do: 'distinct'; user: User; path: '/graphql' | '/graphql/stream'; query: string; then: 'keep' | 'drop' }
  | { do: 'send'; message: Message }
  | { do: 'clock'; seconds: number };

type Message = 'alice→bob' | 'alice→carol' | 'carol→alice' | 'bob→carol' | 'group' | 'group→carol' | 'group→bob';
/** Who sends each message, where, and who may see it (its sender too: his own stream may carry it). */
const MESSAGES: Record<Message, { from: User; to: 'group' | User; targets?: User[]; audience: User[] }> = {
  'alice→bob': { from: 'alice', to: 'bob', audience: ['alice', 'bob'] },
  'alice→carol': { from: 'alice', to: 'carol', audience: ['alice', 'carol'] },
  'carol→alice': { from: 'carol', to: 'alice', audience: ['alice', 'carol'] },
  'bob→carol': { from: 'bob', to: 'carol', audience: ['bob', 'carol'] },
  group: { from: 'alice', to: 'group', audience: ['alice', 'bob', 'carol'] },
  'group→carol': { from: 'alice', to: 'group', targets: ['carol'], audience: ['alice', 'carol'] },
  'group→bob': { from: 'carol', to: 'group', targets: ['bob'], audience: ['bob', 'carol'] },
};

const pick = <T>(list: readonly T[]) => fc.constantFrom(...list);
const tokenRef: fc.Arbitrary<TokenRef> = fc.oneof(
  { weight: 6, arbitrary: fc.nat(20).map((open) => ({ open })) },
  { weight: 6, arbitrary: fc.nat(20).map((mine) => ({ mine })) },
  { weight: 1, arbitrary: fc.nat(1000).map((stale) => ({ stale })) },
  { weight: 1, arbitrary: fc.constant('never' as const) },
);
const as: fc.Arbitrary<As> = often<As>(['owner'], ['alice', 'bob', 'carol', 'none', 'garbage', 'expired'], 5);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ do: fc.constant('connect' as const), user: pick(USERS), subscribe: fc.boolean() }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      do: fc.constant('put' as const),
      user: pick(USERS),
      sig: pick(['valid', 'valid', 'valid', 'valid', 'valid', 'none', 'garbage', 'expired'] as const),
      accept: pick(['text/plain', 'text/plain', 'text/plain', '*/*', 'application/json', 'text/event-stream']),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      do: fc.constant('open' as const),
      token: tokenRef,
      accept: pick(['text/event-stream', 'text/event-stream', 'text/event-stream', '*/*', 'application/json']),
      then: pick(['keep', 'keep', 'keep', 'drop', 'drop before the answer'] as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('close' as const), stream: fc.nat(20) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      do: fc.constant('post' as const),
      token: tokenRef,
      as,
      query: QUERY,
      variables: VARIABLES,
      operationId: OPERATION_ID,
      accept: often(['*/*', 'application/json'], ['text/event-stream', 'text/html']),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      do: fc.constant('get operation' as const),
      token: tokenRef,
      as,
      query: pick([
        ...SUBSCRIPTIONS,
        '{ getLoginUser { code desc data } }',
        'mutation { createTextMessage(text: "x") { code } }',
      ]),
      operationId: pick(['1', '2', '5', '6']),
      accept: pick(['*/*', 'application/json']),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      do: fc.constant('delete' as const),
      token: tokenRef,
      as,
      operationId: pick(['1', '2', '3', '5', '9', '']),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ do: fc.constant('send' as const), message: pick(Object.keys(MESSAGES) as Message[]) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      do: fc.constant('distinct' as const),
      user: pick(USERS),
      path: pick(['/graphql', '/graphql/stream'] as const),
      query: pick(SUBSCRIPTIONS),
      then: pick(['keep', 'keep', 'drop'] as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ do: fc.constant('clock' as const), seconds: pick([1, 30, 61]) }) },
);

const sigs = new Map(USERS.map((u) => [u, userSig(u)]));
/** A UserSig of `user` that expired an hour ago. */
const expired = (user: User) => issueUserSig(user, TEST_SDKAPPID, TEST_KEY, 60, Math.floor(Date.now() / 1000) - 3600);
const STACK_TRACE = /node_modules|\n\s+at .+:\d+:\d+/;
/** The text of a fuzz message: unique, and found again wherever it appears in an event. */
const MARK = /sse-fuzz-\d+-\d+/g;

interface Reservation {
  token: string;
  owner: User;
  /** What the client knows: open (it holds the stream), closed (it held it and went away), or neither for sure. */
  state: 'reserved' | 'open' | 'closed' | 'unknown';
}
interface Held {
  /** null: a distinct-connection stream (one subscription, not a connection of the user's). */
  token: string | null;
  owner: User;
  stop: AbortController;
  frames: SseFrame[];
  /** The client went away (aborted), or the server ended the stream. */
  dropped: boolean;
  ended: boolean;
  what: string;
}

describe('graphql-sse single-connection streams in random sequences', () => {
  let live: LiveGateway;
  let base: string;
  let groupID: string;
  const logged: string[] = [];
  const bobTexts: string[] = [];
  let bob: Client<true>;
  /** Who may see each fuzz message, across runs (a late event may land in the next one). */
  const audience = new Map<string, User[]>();
  /** Operations accepted (202) on each token, by whom, across runs. */
  const accepted = new Map<string, Map<string, User | null>>();
  /** Every reservation made by the fuzz, across runs. */
  const earlier: Reservation[] = [];

  beforeAll(async () => {
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    const config = testConfig();
    live = await startLive({
      logger,
      config: {
        ...config,
        limits: {
          ...config.limits,
          maxConnectionsPerUser: MAX_CONNECTIONS,
          maxSubscriptionsPerConnection: MAX_OPERATIONS,
        },
      },
    });
    base = `http://127.0.0.1:${live.port}`;
    groupID = await group(live.gw, 'alice', ['bob', 'carol']);
    bob = createClient({
      url: `${base}/graphql/stream`,
      singleConnection: true,
      retryAttempts: 0,
      headers: { authorization: `Bearer ${sigs.get('bob')}` },
    });
    bob.subscribe<{ onRecvNewMessage: { textElem: { text: string } | null } }>(
      { query: 'subscription { onRecvNewMessage { textElem { text } } }' },
      {
        next: (r) => void bobTexts.push(r.data?.onRecvNewMessage.textElem?.text ?? JSON.stringify(r)),
        error: (e) => void bobTexts.push(`error: ${String(e)}`),
        complete: () => void bobTexts.push('complete'),
      },
    );
    await live.streams('bob', 1);
  });
  afterAll(async () => {
    await bob?.dispose();
    await live?.stop();
  });

  /** One request; a 200 event stream is returned unread (its headers in), anything else with its body read. */
  async function request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
    dropEarly = false,
  ): Promise<{ status: number; text: string; stream?: { res: Response; stop: AbortController } } | 'dropped'> {
    const stop = new AbortController();
    const hang = setTimeout(() => stop.abort(), MS_PER_REQUEST);
    if (dropEarly) setTimeout(() => stop.abort(), 1);
    try {
      const res = await fetch(`${base}${path}`, { method, headers, body, signal: stop.signal });
      if (res.status === 200 && res.headers.get('content-type')?.startsWith('text/event-stream'))
        return { status: 200, text: '', stream: { res, stop } };
      return { status: res.status, text: await res.text() };
    } catch (error) {
      if (dropEarly) return 'dropped';
      throw new Error(`${method} ${path}: no answer in ${MS_PER_REQUEST} ms (${String(error)})`);
    } finally {
      clearTimeout(hang);
    }
  }

  /** Reserves and opens a stream for `user` as an app does: the stream once open, else the GET's status. The
   *  Response must stay referenced: undici cancels an unread body once its Response is garbage-collected. */
  async function openFresh(user: User): Promise<{ res: Response; stop: AbortController } | number> {
    const put = await request('PUT', '/graphql/stream', {
      authorization: `Bearer ${sigs.get(user)}`,
      accept: 'text/plain',
    });
    if (put === 'dropped' || put.status !== 201) throw new Error(`PUT for ${user}: ${JSON.stringify(put)}`);
    const get = await request('GET', `/graphql/stream?token=${put.text}`, { accept: 'text/event-stream' });
    if (get === 'dropped') throw new Error('dropped');
    if (get.stream) return get.stream;
    return get.status;
  }

  it(`when ${RUNS} runs of up to 25 random protocol steps by three users go by, then answers stay below 500, each stream carries only its owner's events, and the counts go back`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25, size: 'max' }), async (steps) => {
        const run = ++n;
        const mine: Reservation[] = [];
        const streams: Held[] = [];
        const trail: string[] = [];
        const what = () => `in run ${run} after ${JSON.stringify(trail)}`;
        const heldBy = (user: User) =>
          streams.filter((s) => s.token !== null && s.owner === user && !s.dropped && !s.ended).length;

        const tokenOf = (ref: TokenRef): { token: string; r?: Reservation } => {
          const open = mine.filter((r) => streams.some((s) => s.token === r.token && !s.dropped && !s.ended));
          const list =
            ref === 'never' ? [] : 'open' in ref ? (open.length > 0 ? open : mine) : 'mine' in ref ? mine : earlier;
          const i = ref === 'never' ? 0 : 'open' in ref ? ref.open : 'mine' in ref ? ref.mine : ref.stale;
          if (list.length === 0) return { token: randomUUID() };
          const r = list[i % list.length]!;
          return { token: r.token, r };
        };
        const viewerOf = (a: As, owner: User | undefined): User | null =>
          a === 'owner' ? (owner ?? 'alice') : a === 'none' || a === 'garbage' || a === 'expired' ? null : a;
        const authOf = (a: As, owner: User | undefined): Record<string, string> => {
          if (a === 'none') return {};
          if (a === 'garbage') return { authorization: 'Bearer garbage' };
          if (a === 'expired') return { authorization: `Bearer ${expired(owner ?? 'alice')}` };
          return { authorization: `Bearer ${sigs.get(viewerOf(a, owner)!)}` };
        };
        const answered = (label: string, a: { status: number; text: string }) => {
          trail[trail.length - 1] += ` → ${a.status}`;
          expect(a.status, `${label} ${what()}: ${a.text.slice(0, 300)}`).toBeLessThan(500);
          expect(STACK_TRACE.test(a.text), `${label} ${what()}: ${a.text.slice(0, 600)}`).toBe(false);
        };
        /** A stream the gateway opened (200, text/event-stream) on `r`'s token: held, read as it goes. */
        const opened = (r: Reservation, stream: { res: Response; stop: AbortController }, label: string) => {
          expect(
            heldBy(r.owner) + heldOutside(r.owner),
            `${label}: ${r.owner} already holds ${MAX_CONNECTIONS} streams, yet another opened ${what()}`,
          ).toBeLessThan(MAX_CONNECTIONS);
          expect(r.state, `${label}: a token already ${r.state} opened again ${what()}`).not.toMatch(/^(open|closed)$/);
          r.state = 'open';
          return hold(r.token, r.owner, stream, label);
        };
        const hold = (
          token: string | null,
          owner: User,
          stream: { res: Response; stop: AbortController },
          label: string,
        ) => {
          const held: Held = { token, owner, stop: stream.stop, frames: [], dropped: false, ended: false, what: label };
          streams.push(held);
          void (async () => {
            try {
              for await (const frame of frames(stream.res.body!)) held.frames.push(frame);
            } catch {
              // the client went away
            }
            held.ended = true;
          })();
          return held;
        };
        const drop = (held: Held) => {
          held.dropped = true;
          held.stop.abort();
          const r = [...mine, ...earlier].find((x) => x.token === held.token);
          if (r) r.state = 'closed';
        };

        try {
          for (const s of steps) {
            trail.push(JSON.stringify(s));
            switch (s.do) {
              case 'connect': {
                // As an app connects: a reservation, then its EventSource.
                const put = await request('PUT', '/graphql/stream', {
                  authorization: `Bearer ${sigs.get(s.user)}`,
                  accept: 'text/plain',
                });
                if (put === 'dropped') throw new Error('dropped');
                answered('PUT', put);
                expect(put.status, `PUT ${what()}`).toBe(201);
                const r: Reservation = { token: put.text, owner: s.user, state: 'reserved' };
                mine.push(r);
                earlier.push(r);
                const a = await request('GET', `/graphql/stream?token=${r.token}`, { accept: 'text/event-stream' });
                if (a === 'dropped') throw new Error('dropped');
                answered('GET', a);
                if (!a.stream) {
                  expect(a.status, `an app's GET of its new reservation ${what()}`).toBe(429);
                  break;
                }
                opened(r, a.stream, 'GET');
                if (!s.subscribe) break;
                const sub = await request(
                  'POST',
                  '/graphql/stream',
                  {
                    authorization: `Bearer ${sigs.get(s.user)}`,
                    'content-type': 'application/json',
                    'x-graphql-event-stream-token': r.token,
                  },
                  JSON.stringify({ query: SUBSCRIPTIONS[0], extensions: { operationId: 'app' } }),
                );
                if (sub === 'dropped') throw new Error('dropped');
                answered('POST', sub);
                expect(sub.status, `an app's subscription on its new stream ${what()}`).toBe(202);
                accepted.set(r.token, new Map([['app', s.user]]));
                break;
              }
              case 'put': {
                const headers: Record<string, string> = { accept: s.accept };
                if (s.sig === 'valid') headers.authorization = `Bearer ${sigs.get(s.user)}`;
                if (s.sig === 'garbage') headers.authorization = 'Bearer garbage';
                if (s.sig === 'expired') headers.authorization = `Bearer ${expired(s.user)}`;
                const a = await request('PUT', '/graphql/stream', headers);
                if (a === 'dropped') throw new Error('dropped');
                answered('PUT', a);
                if (s.sig !== 'valid') expect(a.status, `PUT without a valid UserSig ${what()}`).toBe(401);
                else if (['text/plain', '*/*'].includes(s.accept)) {
                  expect(a.status, `PUT ${what()}`).toBe(201);
                  mine.push({ token: a.text, owner: s.user, state: 'reserved' });
                  earlier.push(mine.at(-1)!);
                } else expect(a.status, `PUT ${what()}`).not.toBe(201);
                break;
              }
              case 'open': {
                const { token, r } = tokenOf(s.token);
                const a = await request(
                  'GET',
                  `/graphql/stream?token=${token}`,
                  { accept: s.accept },
                  undefined,
                  s.then === 'drop before the answer',
                );
                if (a === 'dropped') {
                  if (r && r.state === 'reserved') r.state = 'unknown';
                  break;
                }
                answered('GET', a);
                if (!a.stream) break;
                expect(r, `GET of a token never reserved opened a stream ${what()}`).toBeDefined();
                const held = opened(r!, a.stream, `GET (accept ${s.accept})`);
                if (s.then !== 'keep') drop(held);
                break;
              }
              case 'close': {
                const open = streams.filter((x) => !x.dropped);
                if (open.length > 0) drop(open[s.stream % open.length]!);
                break;
              }
              case 'post': {
                const { token, r } = tokenOf(s.token);
                const viewer = viewerOf(s.as, r?.owner);
                const a = await request(
                  'POST',
                  '/graphql/stream',
                  {
                    ...authOf(s.as, r?.owner),
                    accept: s.accept,
                    'content-type': 'application/json',
                    'x-graphql-event-stream-token': token,
                  },
                  JSON.stringify({
                    query: s.query,
                    variables: s.variables,
                    extensions: { operationId: s.operationId },
                  }),
                );
                if (a === 'dropped') throw new Error('dropped');
                answered('POST', a);
                if (!r || viewer !== r.owner) expect(a.status, `POST on a token not the poster's ${what()}`).toBe(403);
                if (a.status === 202)
                  accepted
                    .set(token, accepted.get(token) ?? new Map())
                    .get(token)!
                    .set(String(s.operationId), viewer);
                if (!a.stream) break;
                expect(r, `POST on a token never reserved opened a stream ${what()}`).toBeDefined();
                opened(r!, a.stream, 'POST with accept: text/event-stream');
                break;
              }
              case 'get operation': {
                const { token, r } = tokenOf(s.token);
                const viewer = viewerOf(s.as, r?.owner);
                const params = new URLSearchParams({
                  token,
                  query: s.query,
                  extensions: JSON.stringify({ operationId: s.operationId }),
                });
                const a = await request('GET', `/graphql/stream?${params}`, {
                  ...authOf(s.as, r?.owner),
                  accept: s.accept,
                });
                if (a === 'dropped') throw new Error('dropped');
                answered('GET with an operation', a);
                if (!r || viewer !== r.owner)
                  expect(a.status, `GET with an operation on a token not the sender's ${what()}`).toBe(403);
                if (a.status === 202)
                  accepted
                    .set(token, accepted.get(token) ?? new Map())
                    .get(token)!
                    .set(s.operationId, viewer);
                expect(a.stream, `GET with an operation opened a stream ${what()}`).toBeUndefined();
                break;
              }
              case 'delete': {
                const { token, r } = tokenOf(s.token);
                const a = await request(
                  'DELETE',
                  `/graphql/stream?token=${token}&operationId=${s.operationId}`,
                  authOf(s.as, r?.owner),
                );
                if (a === 'dropped') throw new Error('dropped');
                answered('DELETE', a);
                if (!r || viewerOf(s.as, r.owner) !== r.owner)
                  expect(a.status, `DELETE on a token not the sender's ${what()}`).toBe(403);
                break;
              }
              case 'distinct': {
                const a = await request(
                  'POST',
                  s.path,
                  {
                    authorization: `Bearer ${sigs.get(s.user)}`,
                    accept: 'text/event-stream',
                    'content-type': 'application/json',
                  },
                  JSON.stringify({ query: s.query }),
                );
                if (a === 'dropped') throw new Error('dropped');
                answered('a distinct-connection subscription', a);
                if (!a.stream) break; // a document refused (two root fields)
                const held = hold(null, s.user, a.stream, `distinct connection on ${s.path}`);
                if (s.then === 'drop') drop(held);
                break;
              }
              case 'send': {
                const m = MESSAGES[s.message];
                const text = `sse-fuzz-${run}-${trail.length}`;
                audience.set(text, m.audience);
                const sent = await sendText(
                  live.gw,
                  m.from,
                  text,
                  m.to === 'group' ? { groupID, receiverList: m.targets } : { receiver: m.to },
                );
                expect(sent.code, `${s.message} ${what()}: ${sent.desc}`).toBe(0);
                break;
              }
              case 'clock':
                live.gw.clock.now += s.seconds;
                break;
            }
          }
          // Deliveries land, then what every stream carried is read.
          await settle(30);
          for (const held of streams)
            for (const frame of held.frames) {
              const where = `on ${held.owner}'s stream (${held.what}) ${what()}: ${frame.event} ${frame.data.slice(0, 400)}`;
              expect(STACK_TRACE.test(frame.data), where).toBe(false);
              if (frame.event === 'next' && held.token !== null) {
                const { id } = JSON.parse(frame.data) as { id: string };
                expect(accepted.get(held.token)?.get(id), `an event of an operation not the owner's ${where}`).toBe(
                  held.owner,
                );
              }
              for (const [text] of frame.data.matchAll(MARK))
                expect(audience.get(text), `a message outside its audience ${where}`).toContain(held.owner);
            }
        } finally {
          for (const held of streams) if (!held.dropped) drop(held);
        }

        expect(logged, `logged at error level ${what()}`).toEqual([]);
        // Reservations not opened in this run expire; the next PUT releases them (and what runs on them).
        live.gw.clock.now += 61;
        for (const user of USERS) {
          const room = MAX_CONNECTIONS - heldOutside(user);
          const again: { res: Response; stop: AbortController }[] = [];
          try {
            let last: number | undefined;
            await until(
              async () => {
                const got = await openFresh(user);
                if (typeof got === 'number') last = got;
                else again.push(got);
                return again.length === room;
              },
              () =>
                `${user} to open ${room} streams again once all were closed (${again.length}, then ${last}) ${what()}`,
            );
            const beyond = await openFresh(user);
            if (typeof beyond !== 'number') beyond.stop.abort();
            expect(typeof beyond === 'number' ? beyond : 200, `${user}'s stream beyond the limit ${what()}`).toBe(429);
          } finally {
            for (const c of again) c.stop.abort();
          }
        }
        const router = live.gw.app.services.router;
        await until(
          () => USERS.every((u) => router.streamCount(u) === heldOutside(u)),
          () =>
            `subscriptions to end once every stream was closed (${USERS.map((u) => `${u} ${router.streamCount(u)}`)}) ${what()}`,
        );
        // bob's own stream still gets alice's message, and only messages he is in the audience of.
        const text = `after run ${run}`;
        expect((await sendText(live.gw, 'alice', text, { receiver: 'bob' })).code).toBe(0);
        await until(
          () => bobTexts.includes(text),
          () => `bob's own stream to get "${text}" (got ${JSON.stringify(bobTexts.slice(-3))}) ${what()}`,
        );
        for (const t of bobTexts)
          for (const [mark] of t.matchAll(MARK))
            expect(audience.get(mark), `bob's stream carried ${mark} ${what()}`).toContain('bob');
        expect(logged, `logged at error level ${what()}`).toEqual([]);
      }),
      {
        numRuns: RUNS,
        endOnFailure: true,
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
        path: process.env.FUZZ_PATH,
      },
    );
  }, 600_000);
});

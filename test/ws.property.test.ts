// graphql-ws sockets that misbehave at random: frames before connection_init, init payloads of every wrong shape,
// subscribe frames with ids and payloads of every wrong shape (duplicate ids, 300-character ids, "__proto__", no
// query, queries that do not parse, mutations and queries over the socket, afterCursor that is no cursor), complete
// and ping frames for ids nobody knows, text that is no JSON, JSON that is no frame, binary frames; one or two such
// sockets at once. Whatever they send, nothing is logged at error level and the gateway goes on serving everyone
// else: after each run alice's message to bob reaches bob's well-behaved subscription, and HTTP answers.
// It found a frame of a server-only type (next) logged as the server's error and closed with 4500.
// FUZZ_RUNS explores longer; a failure prints the frames, the seed and the path: FUZZ_SEED=… FUZZ_PATH=… replays it.
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until, userSig } from './helpers/app';
import { startLive, type LiveGateway } from './helpers/live';
import { CREATE_TEXT, SEND } from './helpers/ops';
import { RawClient } from './helpers/raw-ws';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);

const QUERIES = [
  'subscription { onRecvNewMessage { msgID textElem { text } } }',
  'subscription($afterCursor: String) { onRecvNewMessage(afterCursor: $afterCursor) { msgID cursor } }',
  'subscription { onConversationChanged { conversationID unreadCount } }',
  'subscription { onTotalUnreadMessageCountChanged }',
  'subscription { onGroupEvent { type groupID } }',
  'subscription { onRecvNewMessage { msgID } onTotalUnreadMessageCountChanged }',
  'query { getLoginUser { code desc data } }',
  'mutation { createTextMessage(text: "hi") { code desc } }',
  'mutation($userSig: String!) { login(userSig: $userSig) { code desc } }',
  '{ __typename }',
  'subscription {',
  'subscription { nope }',
  '',
];
const VARIABLES: unknown[] = [
  undefined,
  null,
  'x',
  [],
  { afterCursor: 'garbage' },
  { afterCursor: 123 },
  { afterCursor: '' },
  { userSig: 'garbage' },
  { userSig: '@alice' },
  { __proto__: null, constructor: 1 },
];
const IDS = ['1', '1', '2', 'x'.repeat(300), '', '__proto__', 'constructor'];

type Frame = { json: unknown } | { text: string } | { binary: number[] };

const sig = (s: string) => (s === '@alice' ? userSig('alice') : s === '@bob' ? userSig('bob') : s);
const init = fc.constantFrom<unknown>(
  { userSig: '@alice' },
  { userSig: '@alice' },
  { userSig: '@bob' },
  { userSig: 'garbage' },
  { userSig: 1 },
  {},
  null,
  'x',
  [],
);
const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 3, arbitrary: init.map((payload) => ({ json: { type: 'connection_init', payload } })) },
  {
    weight: 8,
    arbitrary: fc
      .record({
        id: fc.constantFrom<unknown>(...IDS, 1, null),
        query: fc.constantFrom(...QUERIES),
        variables: fc.constantFrom(...VARIABLES),
        shape: fc.constantFrom('payload', 'payload', 'payload', 'no payload', 'payload string'),
      })
      .map(({ id, query, variables, shape }) => ({
        json: {
          type: 'subscribe',
          id,
          ...(shape === 'payload'
            ? { payload: { query, variables } }
            : shape === 'payload string'
              ? { payload: query }
              : {}),
        },
      })),
  },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(...IDS, 7).map((id) => ({ json: { type: 'complete', id } })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<unknown>(
        { type: 'ping' },
        { type: 'ping', payload: 'x' },
        { type: 'pong', payload: [] },
        { type: 'next', id: '1', payload: {} },
        { type: 'nope' },
        { type: 'connection_ack' },
        null,
        [],
        42,
        { type: null },
      )
      .map((json) => ({ json })),
  },
  { weight: 1, arbitrary: fc.constantFrom('', '{', 'not json', '{"type":').map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }).map((binary) => ({ binary })) },
);

/** The frame on the wire; placeholders for UserSigs made real. */
function sendFrame(client: RawClient, f: Frame): void {
  if ('text' in f) return client.ws.send(f.text);
  if ('binary' in f) return client.ws.send(Buffer.from(f.binary), { binary: true });
  const json = JSON.parse(JSON.stringify(f.json ?? null), (k, v) =>
    k === 'userSig' && typeof v === 'string' ? sig(v) : v,
  );
  client.ws.send(JSON.stringify(json));
}

describe('graphql-ws sockets that misbehave', () => {
  let live: LiveGateway;
  const logged: string[] = [];
  let bob: Awaited<ReturnType<typeof live.subscribe<{ onRecvNewMessage: { textElem: { text: string } | null } }>>>;
  beforeAll(async () => {
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    live = await startLive({ logger });
    bob = await live.subscribe('bob', 'subscription { onRecvNewMessage { textElem { text } } }');
  });
  afterAll(() => live?.stop());

  it('when a client sends a frame only a server sends (next), then its socket closes with 4400 and nothing is logged as an error', async () => {
    const client = await RawClient.open(live.port, 'alice');
    try {
      client.send({ id: '1', type: 'next', payload: {} });
      await client.whenClosed();
      // It was 4500 "Internal server error", logged at error level for every such frame.
      expect(client.closed).toEqual({ code: 4400, reason: 'Unexpected message of type next received' });
      expect(logged).toEqual([]);
    } finally {
      client.dispose();
    }
  });

  it(`when ${RUNS} runs of one or two sockets send random and hostile frames, then nothing is logged as an error and everyone else is still served`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(frame, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 2 }),
        async (sockets) => {
          const clients = await Promise.all(sockets.map(() => RawClient.connect(live.port)));
          try {
            for (let i = 0; i < Math.max(...sockets.map((s) => s.length)); i++)
              sockets.forEach((frames, c) => {
                if (i < frames.length && clients[c]!.ws.readyState === clients[c]!.ws.OPEN)
                  sendFrame(clients[c]!, frames[i]!);
              });
            // What the frames started runs now; a socket the server closed is closed by then.
            await new Promise((r) => setTimeout(r, 30));
          } finally {
            for (const c of clients) c.dispose();
          }
          expect(logged, `logged at error level after ${JSON.stringify(sockets)}`).toEqual([]);
          // Everyone else still served: a message of alice's reaches bob's own subscription.
          const text = `after run ${++n}`;
          const created = await live.gw.call('alice', CREATE_TEXT, { text });
          expect(created.code).toBe(0);
          expect((await live.gw.call('alice', SEND, { id: created.data.id, receiver: 'bob' })).code).toBe(0);
          await until(
            () => bob.events.some((e) => e.onRecvNewMessage.textElem?.text === text),
            () => `bob's subscription to get "${text}" after ${JSON.stringify(sockets)}`,
          );
        },
      ),
      {
        numRuns: RUNS,
        endOnFailure: true,
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
        path: process.env.FUZZ_PATH,
      },
    );
  }, 600_000);
});

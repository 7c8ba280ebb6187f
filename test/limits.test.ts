// Abuse limits (SECURITY.md): each limit answers with a code or a protocol error a client can read, the server
// stays up, and requests within the limit still work.
import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { loadConfig, type Config, type Limits } from '../src/config';
import { Stream, StreamOverflowError } from '../src/realtime/stream';
import { collect, createTestGateway, testConfig, userSig, wsClient, type TestGateway, expectCode } from './helpers/app';
import { CREATE_TEXT, GROUP_HISTORY, SEND, group, sendText } from './helpers/ops';

const gateways: TestGateway[] = [];
const sockets: { dispose(): unknown }[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(sockets.splice(0).map((s) => s.dispose()));
  await Promise.all(gateways.splice(0).map((g) => g.app.stop()));
});

function gateway(limits: Partial<Limits> = {}, config: Partial<Config> = {}) {
  const base = testConfig(config);
  const gw = createTestGateway({ config: { ...base, limits: { ...base.limits, ...limits } } });
  gateways.push(gw);
  return gw;
}
async function started(limits: Partial<Limits> = {}, config: Partial<Config> = {}) {
  const gw = gateway(limits, config);
  return { gw, port: await gw.app.start(0, '127.0.0.1') };
}

/** Opens a graphql-ws socket for `user` (terminated after the test): acknowledged, or closed with a code. */
function connectAs(port: number, user: string) {
  return new Promise<{ acked: boolean; code?: number; reason?: string; ws: WebSocket }>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    sockets.push({ dispose: () => ws.terminate() });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { userSig: userSig(user) } })));
    ws.on('message', (m) => {
      if (JSON.parse(m.toString()).type === 'connection_ack') resolve({ acked: true, ws });
    });
    ws.on('close', (code, reason) => resolve({ acked: false, code, reason: reason.toString(), ws }));
  });
}

/** POSTs `body` over a real socket, chunked when asked (no Content-Length), and returns status and text. */
function post(port: number, body: string, chunked = false): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${userSig('alice')}`,
          ...(chunked ? {} : { 'content-length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        let text = '';
        res
          .setEncoding('utf8')
          .on('data', (c) => {
            text += c;
          })
          .on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    if (chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.slice(i, i + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

/** A raw graphql-transport-ws socket: resolves with the close code once the server closes it. */
function rawSocket(
  port: number,
  onOpen: (ws: WebSocket) => void = () => {},
): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    ws.on('open', () => onOpen(ws));
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', reject);
  });
}

const errorsOf = async (gw: TestGateway, query: string, user: string | null = 'alice') =>
  (await gw.gql(user, query)).body.errors ?? [];

describe('configuration', () => {
  it('when the limit variables are set, then config.limits carries them; when one is out of range, then start-up fails naming it', () => {
    const env = {
      IM_MAX_BODY_BYTES: '65536',
      IM_MAX_QUERY_DEPTH: '7',
      IM_MAX_ALIASES: '3',
      IM_MAX_TOKENS: '400',
      IM_MAX_SUBSCRIPTIONS_PER_CONNECTION: '4',
      IM_MAX_CONNECTIONS_PER_USER: '2',
      IM_MAX_SUBSCRIPTIONS_PER_USER: '9',
      IM_CONNECTION_INIT_TIMEOUT_MS: '1500',
      IM_DRAFT_RECLAIM_SECONDS: '5',
      IM_MAX_PENDING_INIT: '50',
      IM_MAX_OPERATIONS_PER_SECOND: '7',
      IM_WS_MAX_BUFFERED_BYTES: '65536',
    };
    const config = loadConfig(env);
    expect(config.limits).toEqual({
      maxBodyBytes: 65536,
      maxDepth: 7,
      maxAliases: 3,
      maxTokens: 400,
      maxSubscriptionsPerConnection: 4,
      maxConnectionsPerUser: 2,
      maxSubscriptionsPerUser: 9,
      connectionInitTimeoutMs: 1500,
      maxPendingInit: 50,
      maxOperationsPerSecond: 7,
      wsMaxBufferedBytes: 65536,
    });
    expect(config.draftReclaimSeconds).toBe(5);
    for (const [name, value] of [
      ['IM_MAX_BODY_BYTES', '1mb'],
      ['IM_MAX_QUERY_DEPTH', '0'],
      ['IM_MAX_CONNECTIONS_PER_USER', '-1'],
      ['IM_MAX_SUBSCRIPTIONS_PER_USER', '0'],
      ['IM_CONNECTION_INIT_TIMEOUT_MS', '2.5'],
      ['IM_WS_MAX_BUFFERED_BYTES', '1024'],
    ]) {
      expect(() => loadConfig({ ...env, [name!]: value })).toThrow(new RegExp(`^${name} must be an integer`));
    }
  });
});

describe('per-group send rate (im-semantics §6)', () => {
  it('when a group gets a 41st message within one second, then 10023 names the group, and the same id sends once the second has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const gw = gateway();
    const groupID = await group(gw, 'alice', ['bob']);
    const other = await group(gw, 'alice', ['bob']);
    for (let i = 0; i < 40; i++) expectCode(await sendText(gw, 'alice', `m${i}`, { groupID }), 0);

    const created = await gw.call('alice', CREATE_TEXT, { text: 'one too many' });
    const refused = await gw.call('alice', SEND, { id: created.data.id, groupID });
    expectCode(refused, 10023);
    expect(refused.desc).toContain(groupID);
    expect(refused.data.status).toBe('V2TIM_MSG_STATUS_SEND_FAIL');
    expect((await gw.call('bob', GROUP_HISTORY, { groupID, count: 100 })).data).toHaveLength(40);
    // Another group has its own budget.
    expectCode(await sendText(gw, 'bob', 'elsewhere', { groupID: other }), 0);

    vi.setSystemTime(Date.now() + 1001);
    const retried = await gw.call('alice', SEND, { id: created.data.id, groupID });
    expectCode(retried, 0);
    expect((await gw.call('bob', GROUP_HISTORY, { groupID, count: 100 })).data).toHaveLength(41);
  });
});

describe('request size', () => {
  it('when an HTTP body is over 1 MB, then 413, declared or chunked; a normal request on the same server still works', async () => {
    const { port } = await started();
    const huge = JSON.stringify({ query: CREATE_TEXT, variables: { text: 'x'.repeat(1100 * 1024) } });
    const declared = await post(port, huge);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await post(port, huge, true)).status).toBe(413);

    const small = JSON.stringify({ query: CREATE_TEXT, variables: { text: 'fits' } });
    for (const chunked of [false, true]) {
      const ok = await post(port, small, chunked);
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.text).data.createTextMessage.code).toBe(0);
    }
  });

  it('when a WebSocket message is over the limit, then that socket closes with 1009 and others carry on', async () => {
    const { port } = await started({ maxBodyBytes: 4096 });
    const closed = await rawSocket(port, (ws) =>
      ws.send(
        JSON.stringify({ type: 'connection_init', payload: { userSig: userSig('alice'), pad: 'x'.repeat(8192) } }),
      ),
    );
    expectCode(closed, 1009);
    const client = wsClient(port, { userSig: userSig('alice') });
    sockets.push(client);
    const r = await new Promise<any>((resolve, reject) =>
      client.subscribe({ query: '{ getLoginUser { data } }' }, { next: resolve, error: reject, complete: () => {} }),
    );
    expect(r.data.getLoginUser.data).toBe('alice');
  });
});

describe('query shape limits (graphql-armor)', () => {
  // The schema has no recursion, so only a lowered limit can be crossed by a real query (introspection has
  // graphql-js's own depth rule); the default 8 leaves room above the deepest real path (6).
  const DEEPEST =
    '{ getConversationList(count: 1) { data { conversationList { lastMessage { textElem { text } } } } } }';

  it('when a query is deeper than the depth limit, then a GraphQL error names it; the deepest real query fits the default', async () => {
    expect(await errorsOf(gateway(), DEEPEST)).toEqual([]);
    const low = gateway({ maxDepth: 5 });
    expect((await errorsOf(low, DEEPEST))[0]?.message).toMatch(/depth limit of 5 exceeded, found 6/);
    expect(
      await errorsOf(low, '{ getConversationList(count: 1) { data { conversationList { lastMessage { msgID } } } } }'),
    ).toEqual([]);
  });

  it('when an operation has more than 15 aliases, then a GraphQL error names the alias limit', async () => {
    const gw = gateway();
    const aliased = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: getLoginUser { data }`).join(' ')} }`;
    expect((await errorsOf(gw, aliased(16)))[0]?.message).toMatch(/Aliases limit of 15 exceeded/);
    const ok = await gw.gql('alice', aliased(15));
    expect(ok.body.data.a14.data).toBe('alice');
  });

  it('when an operation has more than 20 directives, then a GraphQL error names the directive limit', async () => {
    const gw = gateway();
    const directives = (n: number) => `{ ${'__typename @skip(if: false) '.repeat(n)} }`;
    expect((await errorsOf(gw, directives(21)))[0]?.message).toMatch(/Directives limit of 20 exceeded/);
    expect(await errorsOf(gw, directives(20))).toEqual([]);
  });

  it('when a document has more than 1000 tokens, then a GraphQL error names the token limit', async () => {
    const gw = gateway();
    const many = `{ ${'__typename '.repeat(1000)} }`;
    expect((await errorsOf(gw, many))[0]?.message).toMatch(/Token limit of 1000 exceeded/);
    expect(await errorsOf(gw, `{ ${'__typename '.repeat(500)} }`)).toEqual([]);
  });

  it('when a graphql-ws operation breaks a limit or the syntax, then that operation gets the error and the socket stays open', async () => {
    const { port } = await started({ maxDepth: 5 });
    const client = wsClient(port, { userSig: userSig('alice') });
    sockets.push(client);
    const run = (query: string) =>
      new Promise<any>((resolve) =>
        client.subscribe({ query }, { next: resolve, error: (e) => resolve({ errors: e }), complete: () => {} }),
      );
    expect((await run(`{ ${'__typename '.repeat(1000)} }`)).errors[0].message).toMatch(/Token limit/);
    expect((await run('{ getLoginUser ')).errors[0].message).toMatch(/Syntax Error/);
    expect((await run(DEEPEST)).errors[0].message).toMatch(/depth limit/);
    expect((await run('{ getLoginUser { data } }')).data.getLoginUser.data).toBe('alice');
  });
});

describe('graphql-ws connection limits', () => {
  it('when a connection opens more operations than allowed, then the extra one is refused with TOO_MANY_SUBSCRIPTIONS, and one fits again once another completes', async () => {
    const { gw, port } = await started({ maxSubscriptionsPerConnection: 2 });
    const client = wsClient(port, { userSig: userSig('alice') });
    sockets.push(client);
    const query = 'subscription { onRecvNewMessage { msgID } }';
    const first = collect(client, query);
    const second = collect(client, query);
    await vi.waitFor(() => expect(gw.app.services.router.streamCount('alice')).toBe(2));
    const third = collect(client, query);
    await vi.waitFor(() => expect(third.errors).toHaveLength(1));
    expect(JSON.stringify(third.errors)).toContain('TOO_MANY_SUBSCRIPTIONS');
    expect(second.errors).toEqual([]);

    first.dispose();
    await vi.waitFor(() => expect(gw.app.services.router.streamCount('alice')).toBe(1));
    const fourth = collect(client, query);
    await vi.waitFor(() => expect(gw.app.services.router.streamCount('alice')).toBe(2));
    await sendText(gw, 'bob', 'hi', { receiver: 'alice' });
    await fourth.waitFor(1);
    await second.waitFor(1);
    expect(fourth.errors).toEqual([]);
    fourth.dispose();
    second.dispose();
  });

  it('when a user holds IM_MAX_SUBSCRIPTIONS_PER_USER live subscriptions over graphql-ws and SSE, then another ends at once with TOO_MANY_SUBSCRIPTIONS; others are served, and one fits again once another completes', async () => {
    const { gw, port } = await started({ maxSubscriptionsPerUser: 3 });
    const base = `http://127.0.0.1:${port}`;
    const query = 'subscription { onRecvNewMessage { msgID } }';
    const socket = wsClient(port, { userSig: userSig('alice') });
    sockets.push(socket);
    const first = collect(socket, query);
    const second = collect(socket, query);
    await vi.waitFor(() => expect(gw.app.services.router.streamCount('alice')).toBe(2));
    // An SSE subscription (distinct connection: one HTTP request each) counts as well. SSE had no bound of its own.
    const sse = new AbortController();
    sockets.push({ dispose: () => sse.abort() });
    const stream = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${userSig('alice')}`,
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ query }),
      signal: sse.signal,
    });
    expect(stream.status).toBe(200);
    await vi.waitFor(() => expect(gw.app.services.router.streamCount('alice')).toBe(3));
    const fourth = collect(socket, query);
    await vi.waitFor(() => expect(fourth.errors).toHaveLength(1));
    expect(JSON.stringify(fourth.errors)).toContain('TOO_MANY_SUBSCRIPTIONS');
    expect(gw.app.services.router.streamCount('alice')).toBe(3);
    // Others are not affected.
    const bob = collect(wsClient(port, { userSig: userSig('bob') }), query);
    await vi.waitFor(() => expect(gw.app.services.router.streamCount('bob')).toBe(1));
    bob.dispose();

    first.dispose();
    await vi.waitFor(() => expect(gw.app.services.router.streamCount('alice')).toBe(2));
    const fifth = collect(socket, query);
    await vi.waitFor(() => expect(gw.app.services.router.streamCount('alice')).toBe(3));
    await sendText(gw, 'bob', 'hi', { receiver: 'alice' });
    await fifth.waitFor(1);
    expect(fifth.errors).toEqual([]);
    fifth.dispose();
    second.dispose();
  });

  it('when a user opens more sockets than allowed, then the extra one closes with 4430 (graphql-ws keeps 4429 for its own case); other users are not affected, and closing one makes room', async () => {
    const { port } = await started({ maxConnectionsPerUser: 2 });
    const connect = (user: string) => connectAs(port, user);
    const a1 = await connect('alice');
    expect((await connect('alice')).acked).toBe(true);
    const refused = await connect('alice');
    expect(refused).toMatchObject({ acked: false, code: 4430 });
    expect(refused.reason).toContain('at most 2 per user');
    expect((await connect('bob')).acked).toBe(true);

    await new Promise<void>((resolve) => {
      a1.ws.once('close', () => resolve());
      a1.ws.close();
    });
    await vi.waitFor(async () => {
      const again = await connect('alice');
      expect(again.acked).toBe(true);
    });
  });

  it('when a user holds IM_MAX_CONNECTIONS_PER_USER event streams and sockets, then another stream is refused 429 and another socket 4430; closing one makes room', async () => {
    const { port } = await started({ maxConnectionsPerUser: 3 });
    const base = `http://127.0.0.1:${port}`;
    const reserve = async (user: string) =>
      (
        await fetch(`${base}/graphql/stream`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${userSig(user)}`, accept: 'text/plain' },
        })
      ).text();
    /** Opens a reserved stream as an EventSource does (only the token) and keeps it open until disposed. */
    const open = async (user: string) => {
      const stop = new AbortController();
      const res = await fetch(`${base}/graphql/stream?token=${await reserve(user)}`, {
        headers: { accept: 'text/event-stream' },
        signal: stop.signal,
      });
      // Kept referenced until the test ends: fetch closes the connection of an unread response once it is collected.
      sockets.push({ dispose: () => (stop.abort(), res) });
      if (res.status !== 200) stop.abort();
      return { status: res.status, close: () => stop.abort() };
    };
    const first = await open('alice');
    expect(first.status).toBe(200);
    // One graphql-ws socket and two streams: the user's three. Opened streams had no bound (each held for good).
    expect((await connectAs(port, 'alice')).acked).toBe(true);
    expect((await open('alice')).status).toBe(200);
    expect((await open('alice')).status).toBe(429);
    expect((await open('bob')).status).toBe(200);
    expect(await connectAs(port, 'alice')).toMatchObject({ acked: false, code: 4430 });

    first.close();
    await vi.waitFor(async () => expect((await open('alice')).status).toBe(200));
  });

  it('when a socket sends no connection_init in time, then it is closed with 4408', async () => {
    const { port } = await started({ connectionInitTimeoutMs: 200 });
    const closed = await rawSocket(port);
    expectCode(closed, 4408);
  });
});

describe('a subscriber that stops reading', () => {
  it('when its unread events pass the bound, then its stream ends with an error that says to resume, and it is released', async () => {
    let released = false;
    const stream = new Stream<number>(3, () => {
      released = true;
    });
    for (let i = 0; i < 3; i++) stream.push(i);
    expect(released).toBe(false);
    stream.push(3);
    expect(released).toBe(true);
    await expect(stream.next()).rejects.toThrow(StreamOverflowError);
    expect(new StreamOverflowError().message).toContain('afterCursor');
  });
});

describe('a stream whose consumer listens instead of pulling (live subscriptions writing straight to a socket)', () => {
  it('when it starts listening, then what was queued comes first, in order, then each push at once, then the end', async () => {
    const stream = new Stream<number>(10, () => {});
    stream.push(1);
    stream.push(2);
    const got: number[] = [];
    const ends: (Error | null)[] = [];
    stream.listen(
      (n) => got.push(n),
      (e) => ends.push(e),
    );
    expect(got).toEqual([1, 2]);
    stream.push(3);
    expect(got).toEqual([1, 2, 3]); // synchronously: no promise per event
    stream.fail(new StreamOverflowError());
    stream.push(4);
    expect(got).toEqual([1, 2, 3]);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toBeInstanceOf(StreamOverflowError);
  });
});

describe('NODE_ENV=production', () => {
  const INTROSPECT = '{ __schema { queryType { name } } }';

  it('when introspection is asked over HTTP or graphql-ws, then it is refused; in development it answers', async () => {
    const dev = gateway();
    expect((await dev.gql('alice', INTROSPECT)).body.data.__schema.queryType.name).toBe('Query');

    const { gw, port } = await started({}, { production: true });
    const http = await errorsOf(gw, INTROSPECT);
    expect(http[0]?.message).toMatch(/introspection/i);
    expect(await errorsOf(gw, '{ __type(name: "Query") { name } }')).not.toEqual([]);

    const client = wsClient(port, { userSig: userSig('alice') });
    sockets.push(client);
    const ws = await new Promise<any>((resolve) =>
      client.subscribe(
        { query: INTROSPECT },
        { next: resolve, error: (e) => resolve({ errors: e }), complete: () => {} },
      ),
    );
    expect(ws.data).toBeUndefined();
    expect(JSON.stringify(ws.errors)).toMatch(/introspection/i);
  });

  it('when a field is misspelt, then the error does not suggest schema names', async () => {
    const { gw } = await started({}, { production: true });
    const [error] = await errorsOf(gw, '{ getLoginUsr }');
    expect(error?.message).toContain('getLoginUsr');
    expect(error?.message).not.toContain('getLoginUser');
    const devError = (await errorsOf(gateway(), '{ getLoginUsr }'))[0];
    expect(devError?.message).toContain('Did you mean "getLoginUser"');
  });
});

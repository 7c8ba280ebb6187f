// graphql-sse's single-connection mode (/graphql/stream), with graphql-sse's own client as apps use it: the stream is
// reserved with a UserSig, opened with only its token (what a browser EventSource can do), and owned by its user.
import { createClient, type Client } from 'graphql-sse';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestGateway, testConfig, until, userSig } from './helpers/app';
import { group, sendText } from './helpers/ops';
import { frames } from './helpers/sse';

const ON_MESSAGE = 'subscription { onRecvNewMessage { msgID sender textElem { text } } }';
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function started(limits: Partial<ReturnType<typeof testConfig>['limits']> = {}) {
  const config = testConfig();
  const gw = createTestGateway({ config: { ...config, limits: { ...config.limits, ...limits } } });
  const base = `http://127.0.0.1:${await gw.app.start(0, '127.0.0.1')}`;
  cleanup.push(() => gw.app.stop());
  return { gw, base };
}

function listen(client: Client<true>, texts: string[]) {
  return client.subscribe<{ onRecvNewMessage: { textElem: { text: string } | null } }>(
    { query: ON_MESSAGE },
    {
      next: (r) => {
        if (r.data) texts.push(r.data.onRecvNewMessage.textElem?.text ?? '?');
      },
      error: (e) => texts.push(`error: ${String(e)}`),
      complete: () => {},
    },
  );
}

describe('graphql-sse single-connection mode', () => {
  it('when bob and dave subscribe over one stream each, then bob gets the targeted message and dave only the broadcast', async () => {
    const { gw, base } = await started();
    const groupID = await group(gw, 'alice', ['bob', 'dave']);
    const sse = (user: string) => {
      const c = createClient({
        url: `${base}/graphql/stream`,
        singleConnection: true,
        retryAttempts: 0,
        headers: { authorization: `Bearer ${userSig(user)}` },
      });
      cleanup.push(() => c.dispose());
      return c;
    };
    const bob: string[] = [];
    const dave: string[] = [];
    listen(sse('bob'), bob);
    listen(sse('dave'), dave);
    await until(
      () => gw.app.services.router.streamCount('bob') === 1 && gw.app.services.router.streamCount('dave') === 1,
      'both streams open',
      10_000,
    );

    expect(await sendText(gw, 'alice', 'for bob only', { groupID, receiverList: ['bob'] })).toMatchObject({ code: 0 });
    expect(await sendText(gw, 'alice', 'hello everyone', { groupID })).toMatchObject({ code: 0 });
    await until(() => bob.length >= 2, "bob's two messages", 10_000);
    await until(() => dave.length >= 1, "dave's broadcast", 10_000);
    expect(bob).toEqual(['for bob only', 'hello everyone']);
    expect(dave).toEqual(['hello everyone']);
  });

  it('when a stream is reserved without a UserSig, then 401; when another user posts on it, then 403', async () => {
    const { base } = await started();
    const url = `${base}/graphql/stream`;
    expect((await fetch(url, { method: 'PUT' })).status).toBe(401);
    const reserved = await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${userSig('alice')}` } });
    expect(reserved.status).toBe(201);
    const token = await reserved.text();
    const post = (user: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-graphql-event-stream-token': token,
          authorization: `Bearer ${userSig(user)}`,
        },
        body: JSON.stringify({ query: ON_MESSAGE, extensions: { operationId: '1' } }),
      });
    expect((await post('eve')).status).toBe(403);
  });

  it('when an operation on /graphql/stream does not parse, then 400 names the syntax error, without a stack trace', async () => {
    const { base } = await started();
    for (const query of ['%', 'x', '{ getLoginUser { code ']) {
      const res = await fetch(`${base}/graphql/stream?query=${encodeURIComponent(query)}`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${userSig('alice')}` },
      });
      // It was 500 with the server's stack trace (graphql-sse let the parse error escape).
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]!.message, query).toMatch(/^Syntax Error: /);
      expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(JSON.stringify(body)).not.toMatch(/node_modules|\bat \w/);
    }
  });

  it("when another user sends an operation as a GET with a stream's token, then 403 and the stream carries none of his events; the owner's GETs count toward the bound", async () => {
    const { gw, base } = await started({ maxSubscriptionsPerConnection: 1 });
    const url = `${base}/graphql/stream`;
    const token = await (
      await fetch(url, {
        method: 'PUT',
        headers: { authorization: `Bearer ${userSig('alice')}`, accept: 'text/plain' },
      })
    ).text();
    const stop = new AbortController();
    cleanup.push(() => stop.abort());
    const stream = await fetch(`${url}?token=${token}`, {
      headers: { accept: 'text/event-stream' },
      signal: stop.signal,
    });
    expect(stream.status).toBe(200);
    const carried: string[] = [];
    void (async () => {
      try {
        for await (const frame of frames(stream.body!)) carried.push(frame.data);
      } catch {
        // closed at the end
      }
    })();
    const get = (user: string, operationId: string) =>
      fetch(
        `${url}?${new URLSearchParams({ token, query: ON_MESSAGE, extensions: JSON.stringify({ operationId }) })}`,
        {
          headers: { authorization: `Bearer ${userSig(user)}` },
        },
      );
    // It was 202: carol's subscription ran on alice's stream, and bob's message to carol reached alice.
    expect((await get('carol', 'c1')).status).toBe(403);
    expect(await sendText(gw, 'bob', 'for carol only', { receiver: 'carol' })).toMatchObject({ code: 0 });
    expect((await get('alice', 'a1')).status).toBe(202);
    expect((await get('alice', 'a2')).status).toBe(429);
    expect(await sendText(gw, 'bob', 'for alice', { receiver: 'alice' })).toMatchObject({ code: 0 });
    await until(() => carried.some((d) => d.includes('for alice')), "alice's own message on her stream");
    expect(carried.join('\n')).not.toContain('for carol only');
  });

  describe('a reservation asked for other than by an EventSource', () => {
    const request = (base: string, token: string, init: RequestInit & { headers: Record<string, string> }) => {
      const stop = new AbortController();
      cleanup.push(() => stop.abort());
      return fetch(`${base}/graphql/stream?token=${token}`, { ...init, signal: stop.signal });
    };
    const reserve = async (base: string) =>
      (
        await fetch(`${base}/graphql/stream`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${userSig('alice')}`, accept: 'text/plain' },
        })
      ).text();
    const eventSource = { accept: 'text/event-stream' };

    it("when a reservation is first asked for without Accept: text/event-stream, or opened by a POST, then its stream still counts as one of the user's connections", async () => {
      const { base } = await started({ maxConnectionsPerUser: 1 });
      const first = await reserve(base);
      expect((await request(base, first, { headers: {} })).status).not.toBe(200);
      expect((await request(base, first, { headers: eventSource })).status).toBe(200);
      // It was 200: the first GET had been counted and released already, so that stream counted for nothing.
      expect((await request(base, await reserve(base), { headers: eventSource })).status).toBe(429);
      // Opened by a POST (graphql-sse opens a stream for any request with that Accept), it was never counted.
      const post = await request(base, await reserve(base), {
        method: 'POST',
        headers: { ...eventSource, authorization: `Bearer ${userSig('alice')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }', extensions: { operationId: '1' } }),
      });
      expect(post.status).toBe(429);
    });

    it('when a reservation with a subscription on it is asked for without Accept: text/event-stream, then the subscription still ends when the reservation expires', async () => {
      const { gw, base } = await started();
      const token = await reserve(base);
      const subscribe = await request(base, token, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${userSig('alice')}`,
          'x-graphql-event-stream-token': token,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ query: ON_MESSAGE, extensions: { operationId: '1' } }),
      });
      expect(subscribe.status).toBe(202);
      await until(() => gw.app.services.router.streamCount('alice') === 1, 'the subscription running');
      expect((await request(base, token, { headers: {} })).status).not.toBe(200);
      gw.clock.now += 61;
      await reserve(base);
      // It ran for good: that GET had taken the reservation as opened, and nothing released it again.
      await until(
        () => gw.app.services.router.streamCount('alice') === 0,
        'the subscription to end with its reservation',
      );
    });
  });

  it('when an operation on /graphql/stream does not validate (a misspelt field, two root fields), then its errors name the problem: as its result on a stream (its id free again), 400 on its own', async () => {
    const { base } = await started();
    const auth = { authorization: `Bearer ${userSig('alice')}` };
    const token = await (
      await fetch(`${base}/graphql/stream`, { method: 'PUT', headers: { ...auth, accept: 'text/plain' } })
    ).text();
    const stop = new AbortController();
    const stream = await fetch(`${base}/graphql/stream?token=${token}`, {
      headers: { accept: 'text/event-stream' },
      signal: stop.signal,
    });
    cleanup.push(() => stop.abort());
    expect(stream.status).toBe(200);
    const events: { id: string; payload: { data?: unknown; errors?: unknown[] } }[] = [];
    void (async () => {
      let text = '';
      const reader = stream.body!.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        text += Buffer.from(r.value).toString();
        for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
          const frame = text.slice(0, end);
          text = text.slice(end + 2);
          const data = /^event: next\ndata: (.*)$/m.exec(frame)?.[1];
          if (data) events.push(JSON.parse(data));
        }
      }
    })().catch(() => {});
    const post = (query: string, headers: Record<string, string>) =>
      fetch(`${base}/graphql/stream`, {
        method: 'POST',
        headers: { ...auth, ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ query, extensions: { operationId: 'x' } }),
      });
    const cases: [string, string][] = [
      ['subscription { nope }', 'Cannot query field "nope" on type "Subscription".'],
      [
        'subscription { onTotalUnreadMessageCountChanged onConversationChanged { conversationID } }',
        'Anonymous Subscription must select only one top level field.',
      ],
    ];
    for (const [query, message] of cases) {
      const errors = [{ message, locations: [expect.any(Object)], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }];
      // Both were answered "Unable to detect operation AST", and on a stream the id "x" stayed taken for good (409).
      const onStream = await post(query, { 'x-graphql-event-stream-token': token });
      expect(onStream.status).toBe(202);
      await until(() => events.length > 0, 'the operation’s result on the stream');
      expect(events.splice(0)).toEqual([{ id: 'x', payload: { data: null, errors } }]);
      const alone = await post(query, { accept: 'text/event-stream' }); // distinct connection
      expect(alone.status).toBe(400);
      expect((await alone.json()).errors).toEqual(errors);
    }
    expect((await post('{ getLoginUser { code } }', { 'x-graphql-event-stream-token': token })).status).toBe(202);
  });

  describe('reservations (PUT) never opened', () => {
    const reserve = async (base: string, user: string) => {
      const res = await fetch(`${base}/graphql/stream`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${userSig(user)}`, accept: 'text/plain' },
      });
      expect(res.status).toBe(201);
      return res.text();
    };
    /** What opening the reservation's EventSource answers (the stream is closed again at once). */
    const open = async (base: string, token: string) => {
      const stop = new AbortController();
      const res = await fetch(`${base}/graphql/stream?token=${token}`, {
        headers: { accept: 'text/event-stream' },
        signal: stop.signal,
      });
      stop.abort();
      return res.status;
    };

    it("when a user reserves a ninth stream without opening any, then the oldest is released; the newest and other users' still open", async () => {
      const { base } = await started();
      const bobs = await reserve(base, 'bob');
      const alices: string[] = [];
      for (let i = 0; i < 9; i++) alices.push(await reserve(base, 'alice'));
      // Each reservation was kept for good (2.4 KB in graphql-sse), so PUTs in a loop grew the process without bound.
      expect(await open(base, alices[0]!)).not.toBe(200);
      expect(await open(base, alices[1]!)).toBe(200);
      expect(await open(base, alices[8]!)).toBe(200);
      expect(await open(base, bobs)).toBe(200);
    });

    it('when a PUT accepts no text/plain, then 406 and it takes none of the user’s eight unopened reservations', async () => {
      const { base } = await started();
      const alices: string[] = [];
      for (let i = 0; i < 8; i++) alices.push(await reserve(base, 'alice'));
      const refused = await fetch(`${base}/graphql/stream`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${userSig('alice')}`, accept: 'application/json' },
      });
      expect(refused.status).toBe(406);
      // It was reserved before graphql-sse's 406, so it released alice's oldest, whose EventSource then failed.
      expect(await open(base, alices[0]!)).toBe(200);
    });

    it('when a reservation is not opened within a minute, then it is released at the next reservation', async () => {
      const { gw, base } = await started();
      const early = await reserve(base, 'alice');
      gw.clock.now += 61;
      const late = await reserve(base, 'bob');
      expect(await open(base, early)).not.toBe(200);
      expect(await open(base, late)).toBe(200);
    });

    it('when a reservation a minute old is opened before any other PUT, then 404: it has expired', async () => {
      const { gw, base } = await started();
      const early = await reserve(base, 'alice');
      const fresh = await reserve(base, 'alice');
      gw.clock.now += 61;
      // Expiry waited for the next PUT: until then a reservation opened at any age.
      expect(await open(base, early)).toBe(404);
      expect(await open(base, fresh)).toBe(404);
      expect(await open(base, await reserve(base, 'alice'))).toBe(200);
    });
  });

  it('when a stream already runs IM_MAX_SUBSCRIPTIONS_PER_CONNECTION operations, then another is refused with 429 until one completes; finished queries do not count', async () => {
    const config = testConfig();
    const gw = createTestGateway({
      config: { ...config, limits: { ...config.limits, maxSubscriptionsPerConnection: 3 } },
    });
    const base = `http://127.0.0.1:${await gw.app.start(0, '127.0.0.1')}`;
    cleanup.push(() => gw.app.stop());
    const auth = { authorization: `Bearer ${userSig('alice')}` };
    const token = await (
      await fetch(`${base}/graphql/stream`, { method: 'PUT', headers: { ...auth, accept: 'text/plain' } })
    ).text();
    const post = async (query: string, operationId: string) =>
      (
        await fetch(`${base}/graphql/stream`, {
          method: 'POST',
          headers: { ...auth, 'x-graphql-event-stream-token': token, 'content-type': 'application/json' },
          body: JSON.stringify({ query, extensions: { operationId } }),
        })
      ).status;
    const SUBSCRIBE = 'subscription { onTotalUnreadMessageCountChanged }';
    // Queries and refused documents run and end: they leave the bound free.
    for (let i = 0; i < 5; i++) expect(await post('{ getLoginUser { code } }', `q${i}`)).toBe(202);
    expect(await post('{ nope }', 'bad')).toBe(202); // its errors are its result, on the stream
    // Every POST was accepted and kept running (300 subscriptions on one stream made 300 router streams).
    for (const id of ['s1', 's2', 's3']) expect(await post(SUBSCRIBE, id)).toBe(202);
    expect(await post(SUBSCRIBE, 's4')).toBe(429);
    const done = await fetch(`${base}/graphql/stream?token=${token}&operationId=s1`, {
      method: 'DELETE',
      headers: { ...auth, 'x-graphql-event-stream-token': token },
    });
    expect(done.status).toBe(200);
    await until(async () => (await post(SUBSCRIBE, 's5')) === 202, 'a slot free once s1 completed');
  });
});

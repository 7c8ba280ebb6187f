// Identity (im-semantics §2): UserSigs from Tencent's own tls-sig-api-v2 log in; tampered, expired and foreign ones
// are refused with their codes, over HTTP (401) and at graphql-ws connection_init (4403).
import { deflateSync, inflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyUserSig, issueUserSig } from '../src/auth/usersig';
import WebSocket from 'ws';
import { loadConfig } from '../src/config';
import {
  createTestGateway,
  TEST_KEY,
  TEST_SDKAPPID,
  testConfig,
  userSig,
  wsClient,
  type TestGateway,
} from './helpers/app';

const gateways: TestGateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.app.stop()));
});
const gateway = () => {
  const g = createTestGateway();
  gateways.push(g);
  return g;
};

async function asHttp(gw: TestGateway, authorization: string | null) {
  const res = await gw.app.yoga.fetch('http://local/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== null ? { authorization } : {}) },
    body: JSON.stringify({ query: '{ getLoginUser { data } }' }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Re-encodes a UserSig document after `edit`, keeping the original signature. */
function tamper(sig: string, edit: (doc: Record<string, unknown>) => void): string {
  const doc = JSON.parse(
    inflateSync(Buffer.from(sig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64')).toString(),
  );
  edit(doc);
  return deflateSync(Buffer.from(JSON.stringify(doc)))
    .toString('base64')
    .replace(/\+/g, '*')
    .replace(/\//g, '-')
    .replace(/=/g, '_');
}

describe('UserSig over HTTP', () => {
  it('when a UserSig from tls-sig-api-v2 is sent as a Bearer token, then the request runs as that user', async () => {
    const res = await asHttp(gateway(), `Bearer ${userSig('alice')}`);
    expect(res.status).toBe(200);
    expect(res.body.data.getLoginUser).toEqual({ data: 'alice' });
  });

  it.each([
    ['no Authorization header', null, 6014],
    ['a malformed token', 'Bearer not-a-usersig', 6014],
    ['a token for another SDKAppID', `Bearer ${userSig('alice', 3600, TEST_SDKAPPID + 1)}`, 6014],
    ['a token signed with another key', `Bearer ${userSig('alice', 3600, TEST_SDKAPPID, 'another-key')}`, 6014],
    [
      'a token whose identifier was changed',
      `Bearer ${tamper(userSig('alice'), (d) => {
        d['TLS.identifier'] = 'mallory';
      })}`,
      6014,
    ],
    [
      'a token whose expiry was extended',
      `Bearer ${tamper(userSig('alice', 1), (d) => {
        d['TLS.expire'] = 999999;
      })}`,
      6014,
    ],
    [
      'an expired token',
      `Bearer ${issueUserSig('alice', TEST_SDKAPPID, TEST_KEY, 60, Math.floor(Date.now() / 1000) - 3600)}`,
      70001,
    ],
  ])(
    'when the request carries %s, then HTTP 401 with UNAUTHENTICATED and imCode %i',
    async (_what, authorization, imCode) => {
      const res = await asHttp(gateway(), authorization);
      expect(res.status).toBe(401);
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', imCode });
    },
  );

  it.each([
    ['no Authorization header', null, 6014, /^Not logged in/, 'Bearer realm="im"'],
    [
      'a Basic Authorization header',
      'Basic YWxpY2U6cHc=',
      6014,
      /^The Authorization header is malformed: expected Bearer <UserSig>/,
      'Bearer realm="im", error="invalid_request", error_description="The Authorization header is malformed: expected Bearer <UserSig>."',
    ],
    ['a bare token without the Bearer scheme', userSig('alice'), 6014, /malformed/, /error="invalid_request"/],
    ['"Bearer" with no token', 'Bearer', 6014, /malformed/, /error="invalid_request"/],
    [
      'a forged UserSig',
      'Bearer not-a-usersig',
      6014,
      /UserSig is malformed/,
      'Bearer realm="im", error="invalid_token", error_description="UserSig is malformed."',
    ],
    [
      'an expired UserSig',
      `Bearer ${issueUserSig('alice', TEST_SDKAPPID, TEST_KEY, 60, Math.floor(Date.now() / 1000) - 3600)}`,
      70001,
      /expired/,
      'Bearer realm="im", error="invalid_token", error_description="UserSig has expired."',
    ],
  ])(
    'when the request carries %s, then 401 with its imCode, a message saying so and WWW-Authenticate',
    async (_what, authorization, imCode, message, challenge) => {
      const gw = gateway();
      const res = await gw.app.yoga.fetch('http://local/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization !== null ? { authorization } : {}) },
        body: JSON.stringify({ query: '{ getLoginUser { data } }' }),
      });
      expect(res.status).toBe(401);
      const header = res.headers.get('www-authenticate');
      if (typeof challenge === 'string') expect(header).toBe(challenge);
      else expect(header).toMatch(challenge);
      const body = (await res.json()) as any;
      expect(body.errors[0]).toMatchObject({
        message: expect.stringMatching(message),
        extensions: { code: 'UNAUTHENTICATED', imCode },
      });
    },
  );

  it('when an SSE subscription carries an expired UserSig, then 401 with WWW-Authenticate and an error event with imCode 70001', async () => {
    const gw = gateway();
    const res = await gw.app.yoga.fetch('http://local/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${issueUserSig('alice', TEST_SDKAPPID, TEST_KEY, 60, Math.floor(Date.now() / 1000) - 3600)}`,
      },
      body: JSON.stringify({ query: 'subscription { onRecvNewMessage { msgID } }' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(await res.text()).toMatch(/"imCode":70001/);
  });

  it('when an anonymous client asks only for introspection, then it gets the schema (GraphiQL docs work before login)', async () => {
    const gw = gateway();
    const res = await gw.app.yoga.fetch('http://local/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.__schema.queryType.name).toBe('Query');
  });

  it('when the first login happens, then the account exists and can be invited', async () => {
    const gw = gateway();
    expect((await gw.call('newcomer', '{ getLoginUser { data } }')).data).toBe('newcomer');
  });
});

describe('UserSig verification', () => {
  it('when the gateway issues a UserSig, then tls-sig-api-v2-compatible verification accepts it and reads the userID', () => {
    const sig = issueUserSig('bob', TEST_SDKAPPID, TEST_KEY, 600);
    expect(verifyUserSig(sig, TEST_SDKAPPID, TEST_KEY)).toMatchObject({ ok: true, userID: 'bob' });
    expect(verifyUserSig(userSig('bob'), TEST_SDKAPPID, TEST_KEY)).toMatchObject({ ok: true, userID: 'bob' });
  });

  it('when the userID inside is not printable ASCII of at most 32 bytes, then 7003; a space is printable ASCII', () => {
    expect(verifyUserSig(userSig('x'.repeat(33)), TEST_SDKAPPID, TEST_KEY)).toMatchObject({ ok: false, imCode: 7003 });
    expect(verifyUserSig(userSig('has\ttab'), TEST_SDKAPPID, TEST_KEY)).toMatchObject({ ok: false, imCode: 7003 });
    expect(verifyUserSig(userSig('has space'), TEST_SDKAPPID, TEST_KEY)).toMatchObject({
      ok: true,
      userID: 'has space',
    });
  });
});

describe('UserSig over graphql-ws', () => {
  async function closeEvent(params: Record<string, unknown>): Promise<{ code: number; reason: string } | 'connected'> {
    const gw = gateway();
    const port = await gw.app.start(0, '127.0.0.1');
    return new Promise((resolve) => {
      const client = wsClient(port, params, {
        lazy: false,
        onNonLazyError: () => {}, // the close is what we assert; graphql-ws would print it
        on: {
          connected: () => {
            resolve('connected');
            void client.dispose();
          },
          closed: (e) => {
            const { code, reason } = e as { code: number; reason: string };
            resolve({ code, reason });
          },
        },
      });
    });
  }

  it('when connection_init carries a valid userSig, then the connection is accepted', async () => {
    expect(await closeEvent({ userSig: userSig('alice') })).toBe('connected');
  });

  it.each([
    ['no userSig', {}, 4403, /^6014 Not logged in/],
    [
      'a tampered userSig',
      {
        userSig: tamper(userSig('alice'), (d) => {
          d['TLS.identifier'] = 'mallory';
        }),
      },
      4403,
      /^6014 UserSig signature does not match/,
    ],
    [
      "a foreign app's userSig",
      { userSig: userSig('alice', 3600, TEST_SDKAPPID + 1) },
      4403,
      /^6014 UserSig was issued for another SDKAppID/,
    ],
    [
      'an expired userSig',
      { userSig: issueUserSig('alice', TEST_SDKAPPID, TEST_KEY, 60, Math.floor(Date.now() / 1000) - 3600) },
      4001,
      /^70001 The UserSig has expired/,
    ],
  ])(
    'when connection_init carries %s, then the socket closes with %i and a reason starting with the imCode',
    async (_what, params, code, reason) => {
      const closed = await closeEvent(params);
      expect(closed).toMatchObject({ code, reason: expect.stringMatching(reason) });
    },
  );
});

describe('CORS (IM_CORS_ORIGINS)', () => {
  const preflight = async (gw: TestGateway, origin: string) =>
    (
      await gw.app.yoga.fetch('http://local/graphql', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      })
    ).headers;

  it('when unset, then any origin may call, without credentials, and may read WWW-Authenticate', async () => {
    const headers = await preflight(gateway(), 'https://app.example.com');
    expect(headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(headers.get('access-control-allow-credentials')).toBeNull();
    const res = await gateway().app.yoga.fetch('http://local/graphql', {
      method: 'POST',
      headers: { origin: 'https://x.example', 'content-type': 'application/json' },
      body: '{"query":"{ getLoginUser { data } }"}',
    });
    expect(res.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
  });

  it('when it lists origins, then only those are allowed, over HTTP and for WebSocket upgrades', async () => {
    const gw = createTestGateway({
      config: testConfig({
        corsOrigins: loadConfig({ IM_CORS_ORIGINS: 'https://a.example, http://localhost:3000' }).corsOrigins,
      }),
    });
    gateways.push(gw);
    expect((await preflight(gw, 'http://localhost:3000')).get('access-control-allow-origin')).toBe(
      'http://localhost:3000',
    );
    expect((await preflight(gw, 'https://evil.example')).get('access-control-allow-origin')).not.toBe(
      'https://evil.example',
    );
    const port = await gw.app.start(0, '127.0.0.1');
    const upgrade = (origin?: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws', origin ? { origin } : {});
        ws.on('open', () => {
          resolve(101);
          ws.close();
        });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('error', () => {});
      });
    expect(await upgrade('https://evil.example')).toBe(403);
    expect(await upgrade('https://a.example')).toBe(101);
    expect(await upgrade()).toBe(101); // not a browser
  });

  it('when it holds something that is not an origin, then the configuration is refused naming it', () => {
    expect(() => loadConfig({ IM_CORS_ORIGINS: 'https://a.example/path' })).toThrow(
      /IM_CORS_ORIGINS.*"https:\/\/a.example\/path"/,
    );
    expect(() => loadConfig({ IM_CORS_ORIGINS: 'a.example' })).toThrow(/IM_CORS_ORIGINS/);
  });
});

describe('verified UserSig cache', () => {
  it('when a cached UserSig expires, then the next request is refused with 70001', async () => {
    const { authenticate } = await import('../src/auth/viewer');
    const config = (await import('./helpers/app')).testConfig();
    const now = Math.floor(Date.now() / 1000);
    const sig = issueUserSig('alice', TEST_SDKAPPID, TEST_KEY, 60, now);
    expect(authenticate(sig, config, now)).toMatchObject({ viewer: 'alice' });
    expect(authenticate(sig, config, now + 30)).toMatchObject({ viewer: 'alice' });
    expect(authenticate(sig, config, now + 61)).toMatchObject({ viewer: null, authFailure: { imCode: 70001 } });
  });

  it('when another app configuration sees a UserSig cached by the first, then it verifies it with its own key', async () => {
    const { authenticate } = await import('../src/auth/viewer');
    const { testConfig } = await import('./helpers/app');
    const sig = userSig('alice');
    expect(authenticate(sig, testConfig())).toMatchObject({ viewer: 'alice' });
    expect(authenticate(sig, testConfig({ secretKey: 'another-key' }))).toMatchObject({
      viewer: null,
      authFailure: { imCode: 6014 },
    });
  });
});

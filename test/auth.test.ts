// Identity (im-semantics §2): UserSigs from Tencent's own tls-sig-api-v2 log in; tampered, expired and foreign ones
// are refused with their codes, over HTTP (401) and at graphql-ws connection_init (4403).
import { deflateSync, inflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyUserSig, issueUserSig } from '../src/auth/usersig';
import { createTestGateway, TEST_KEY, TEST_SDKAPPID, userSig, wsClient, type TestGateway } from './helpers/app';

const gateways: TestGateway[] = [];
afterEach(async () => { await Promise.all(gateways.splice(0).map((g) => g.app.stop())); });
const gateway = () => { const g = createTestGateway(); gateways.push(g); return g; };

async function asHttp(gw: TestGateway, authorization: string | null) {
  const res = await gw.app.yoga.fetch('http://local/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== null ? { authorization } : {}) },
    body: JSON.stringify({ query: '{ getLoginUser { data } }' }),
  });
  return { status: res.status, body: await res.json() as any };
}

/** Re-encodes a UserSig document after `edit`, keeping the original signature. */
function tamper(sig: string, edit: (doc: Record<string, unknown>) => void): string {
  const doc = JSON.parse(inflateSync(Buffer.from(sig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64')).toString());
  edit(doc);
  return deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
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
    ['a token whose identifier was changed', `Bearer ${tamper(userSig('alice'), (d) => { d['TLS.identifier'] = 'mallory'; })}`, 6014],
    ['a token whose expiry was extended', `Bearer ${tamper(userSig('alice', 1), (d) => { d['TLS.expire'] = 999999; })}`, 6014],
    ['an expired token', `Bearer ${issueUserSig('alice', TEST_SDKAPPID, TEST_KEY, 60, Math.floor(Date.now() / 1000) - 3600)}`, 70001],
  ])('when the request carries %s, then HTTP 401 with UNAUTHENTICATED and imCode %i', async (_what, authorization, imCode) => {
    const res = await asHttp(gateway(), authorization);
    expect(res.status).toBe(401);
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', imCode });
  });

  it('when an anonymous client asks only for introspection, then it gets the schema (GraphiQL docs work before login)', async () => {
    const gw = gateway();
    const res = await gw.app.yoga.fetch('http://local/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
    expect(res.status).toBe(200);
    expect((await res.json() as any).data.__schema.queryType.name).toBe('Query');
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

  it('when the userID inside is not printable ASCII of at most 32 bytes, then 7003', () => {
    expect(verifyUserSig(userSig('x'.repeat(33)), TEST_SDKAPPID, TEST_KEY)).toMatchObject({ ok: false, imCode: 7003 });
    expect(verifyUserSig(userSig('has space'), TEST_SDKAPPID, TEST_KEY)).toMatchObject({ ok: false, imCode: 7003 });
  });
});

describe('UserSig over graphql-ws', () => {
  async function closeCode(params: Record<string, unknown>): Promise<number | 'connected'> {
    const gw = gateway();
    const port = await gw.app.start(0, '127.0.0.1');
    return new Promise((resolve) => {
      const client = wsClient(port, params, {
        lazy: false,
        onNonLazyError: () => {}, // the close is what we assert; graphql-ws would print it
        on: { connected: () => { resolve('connected'); void client.dispose(); }, closed: (e) => resolve((e as { code: number }).code) },
      });
    });
  }

  it('when connection_init carries a valid userSig, then the connection is accepted', async () => {
    expect(await closeCode({ userSig: userSig('alice') })).toBe('connected');
  });

  it.each([
    ['no userSig', {}],
    ['a tampered userSig', { userSig: tamper(userSig('alice'), (d) => { d['TLS.identifier'] = 'mallory'; }) }],
    ['an expired userSig', { userSig: issueUserSig('alice', TEST_SDKAPPID, TEST_KEY, 60, Math.floor(Date.now() / 1000) - 3600) }],
    ['a foreign app\'s userSig', { userSig: userSig('alice', 3600, TEST_SDKAPPID + 1) }],
  ])('when connection_init carries %s, then the socket closes with 4403', async (_what, params) => {
    expect(await closeCode(params)).toBe(4403);
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
    expect(authenticate(sig, testConfig({ secretKey: 'another-key' }))).toMatchObject({ viewer: null, authFailure: { imCode: 6014 } });
  });
});

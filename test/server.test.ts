// The gateway over a real socket on port 0: health, readiness, GraphiQL (served offline), GraphQL over HTTP, and a
// clean stop.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestGateway, testConfig, userSig, type TestGateway } from './helpers/app';
import { CREATE_GROUP } from './helpers/ops';

const gateways: TestGateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.app.stop()));
});
async function started(production = false) {
  const gw = createTestGateway(production ? { config: testConfig({ production: true }) } : {});
  gateways.push(gw);
  return { gw, base: `http://127.0.0.1:${await gw.app.start(0, '127.0.0.1')}` };
}

describe('HTTP server', () => {
  it('when /health and /ready are asked, then both answer 200 while the database answers', async () => {
    const { base } = await started();
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: 'ready' });
  });

  it('when the database is closed, then /ready answers 503 and /health still 200', async () => {
    const { gw, base } = await started();
    await gw.app.services.store.close();
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('when a browser opens /graphql, then GraphiQL is served with its assets from this server', async () => {
    const { base } = await started();
    const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/graphiql-assets/yoga-graphiql.umd.js');
    expect(html).not.toContain('unpkg.com');
    const asset = await fetch(`${base}/graphiql-assets/yoga-graphiql.umd.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('application/javascript');
    expect((await fetch(`${base}/graphiql-assets/../package.json`)).status).not.toBe(200);
  });

  it('when NODE_ENV=production, then no GraphiQL is served', async () => {
    const { base } = await started(true);
    const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('yoga-graphiql');
    expect((await fetch(`${base}/graphiql-assets/graphiql.css`)).status).not.toBe(200);
  });

  it('when a client posts a mutation over the socket with a UserSig, then it runs as that user', async () => {
    const { base } = await started();
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${userSig('alice')}` },
      body: JSON.stringify({ query: CREATE_GROUP, variables: { groupType: 'Work', groupName: 'w', groupID: 'w1' } }),
    });
    expect(await res.json()).toEqual({ data: { createGroup: { code: 0, desc: 'ok', data: 'w1' } } });
  });

  it('when stopped, then the port no longer accepts connections', async () => {
    const { gw, base } = await started();
    await gw.app.stop();
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });
});

// Subscription lifecycle against the router: a client that unsubscribes releases its stream at once, even when
// no event ever arrives (an async generator waiting on its next event could not be returned until one did).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestGateway, until, userSig, wsClient, type TestGateway } from './helpers/app';

let gw: TestGateway;
let port: number;
beforeEach(async () => {
  gw = createTestGateway();
  port = await gw.app.start(0, '127.0.0.1');
});
afterEach(async () => {
  await gw.app.stop();
});

describe('subscription lifecycle', () => {
  it.each([
    'subscription { onRecvNewMessage { msgID } }',
    'subscription { onRecvMessageRevoked { msgID } }',
    'subscription { onConversationChanged { conversationID } }',
    'subscription { onTotalUnreadMessageCountChanged }',
  ])('when a client unsubscribes from a quiet %s, then its router stream is released at once', async (query) => {
    const client = wsClient(port, { userSig: userSig('bob') });
    const unsubscribe = client.subscribe({ query }, { next: () => {}, error: () => {}, complete: () => {} });
    await until(
      () => gw.app.services.router.streamCount('bob') === 1,
      'gw.app.services.router.streamCount("bob") === 1',
    );
    unsubscribe();
    await until(
      () => gw.app.services.router.streamCount('bob') === 0,
      'gw.app.services.router.streamCount("bob") === 0',
    );
    await client.dispose();
  });

  it('when a client disconnects, then all of its streams are released', async () => {
    const client = wsClient(port, { userSig: userSig('bob') });
    for (const query of [
      'subscription { onRecvNewMessage { msgID } }',
      'subscription { onTotalUnreadMessageCountChanged }',
    ]) {
      client.subscribe({ query }, { next: () => {}, error: () => {}, complete: () => {} });
    }
    await until(
      () => gw.app.services.router.streamCount('bob') === 2,
      'gw.app.services.router.streamCount("bob") === 2',
    );
    await client.dispose();
    await until(() => gw.app.services.router.streamCount() === 0, 'gw.app.services.router.streamCount() === 0');
  });

  it('when wake-ups may have been lost (router.resetAll), then subscribers get an error telling them to resume by cursor', async () => {
    const client = wsClient(port, { userSig: userSig('bob') });
    const errors: unknown[] = [];
    client.subscribe(
      { query: 'subscription { onRecvNewMessage { msgID } }' },
      { next: () => {}, error: (e) => errors.push(e), complete: () => {} },
    );
    await until(
      () => gw.app.services.router.streamCount('bob') === 1,
      'gw.app.services.router.streamCount("bob") === 1',
    );
    gw.app.services.router.resetAll('Live delivery was interrupted');
    await until(() => errors.length === 1, 'errors.length === 1');
    expect(JSON.stringify(errors[0])).toMatch(/resubscribe with afterCursor/);
    expect(JSON.stringify(errors[0])).toMatch(/RESUBSCRIBE/);
    expect(gw.app.services.router.streamCount('bob')).toBe(0);
    await client.dispose();
  });
});

// A broadcast runs GraphQL once per distinct view and selection, not once per socket, and every subscriber still
// gets its own view (seq, isSelf) right.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedExecutionStats } from '../src/realtime/shared-execution';
import { collect, createTestGateway, settle, userSig, wsClient, type TestGateway } from './helpers/app';
import { group, sendText } from './helpers/ops';

let gw: TestGateway;
let port: number;
beforeEach(async () => {
  gw = createTestGateway();
  port = await gw.app.start(0, '127.0.0.1');
});
afterEach(async () => {
  await gw.app.stop();
});

const SUB = 'subscription { onRecvNewMessage { msgID seq isSelf textElem { text } } }';

async function subscribers(users: string[], query = SUB) {
  const subs = users.map((u) => {
    const client = wsClient(port, { userSig: userSig(u) });
    return { user: u, client, sub: collect(client, query) };
  });
  const ready = () => users.every((u) => gw.app.services.router.streamCount(u) > 0);
  for (let i = 0; i < 100 && !ready(); i++) await settle(20);
  return subs;
}

describe('shared execution of subscription events', () => {
  it('when a message is broadcast to 20 subscribers with one selection, then GraphQL runs once for them all', async () => {
    const members = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const g = await group(gw, 'alice', members, 'Public');
    const subs = await subscribers(members);
    const before = { ...sharedExecutionStats };
    await sendText(gw, 'alice', 'to all', { groupID: g });
    for (const s of subs)
      expect(await s.sub.waitFor(1)).toMatchObject([
        { onRecvNewMessage: { seq: '1', isSelf: false, textElem: { text: 'to all' } } },
      ]);
    expect(sharedExecutionStats.executions - before.executions).toBe(1);
    // Serialized once, then framed per socket and written directly, past graphql-ws's per-socket pipeline.
    expect(sharedExecutionStats.serializations - before.serializations).toBe(1);
    expect(sharedExecutionStats.directFrames - before.directFrames).toBe(20);
    await Promise.all(subs.map((s) => s.client.dispose()));
  });

  it('when viewers see different seqs, then each distinct view is executed once and each gets its own', async () => {
    const g = await group(gw, 'alice', ['bob', 'carol', 'dave'], 'Work');
    await sendText(gw, 'alice', 'for bob', { groupID: g, receiverList: ['bob'] });
    const subs = await subscribers(['alice', 'bob', 'carol', 'dave']);
    const before = sharedExecutionStats.executions;
    await sendText(gw, 'alice', 'to all', { groupID: g });
    const got = Object.fromEntries(
      await Promise.all(subs.map(async (s) => [s.user, (await s.sub.waitFor(1))[0].onRecvNewMessage])),
    );
    expect(got.alice).toMatchObject({ seq: '2', isSelf: true });
    expect(got.bob).toMatchObject({ seq: '2', isSelf: false });
    expect(got.carol).toMatchObject({ seq: '1', isSelf: false });
    expect(got.dave).toMatchObject({ seq: '1', isSelf: false });
    // alice (self, seq 2), bob (seq 2), carol and dave (seq 1): three distinct views.
    expect(sharedExecutionStats.executions - before).toBe(3);
    await Promise.all(subs.map((s) => s.client.dispose()));
  });

  it('when subscribers select different fields, then each gets exactly its selection', async () => {
    const g = await group(gw, 'alice', ['bob', 'carol'], 'Work');
    const [bob] = await subscribers(['bob'], 'subscription { onRecvNewMessage { msgID } }');
    const [carol] = await subscribers(['carol'], SUB);
    await sendText(gw, 'alice', 'hi', { groupID: g });
    expect(Object.keys((await bob!.sub.waitFor(1))[0].onRecvNewMessage)).toEqual(['msgID']);
    expect((await carol!.sub.waitFor(1))[0].onRecvNewMessage.textElem.text).toBe('hi');
    await Promise.all([bob!.client.dispose(), carol!.client.dispose()]);
  });
});

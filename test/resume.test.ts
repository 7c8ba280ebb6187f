// A long resume over a real socket: every missed message once and in order, and other users are answered while it
// runs (asserted by the order of events: the answer arrives before the replay's end).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig, userSig, expectCode } from './helpers/app';
import { startLive, type LiveGateway } from './helpers/live';
import { CONVERSATIONS, ON_MESSAGE, group, sendText } from './helpers/ops';
import { textMessage } from './helpers/new-message';

const NOW = Math.floor(Date.now() / 1000);

let live: LiveGateway;
let groupID: string;
beforeEach(async () => {
  live = await startLive({ config: testConfig({ groupSendRate: 1_000_000 }) });
  groupID = await group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'work');
});
afterEach(async () => {
  await live.stop();
});

/**
 * Stores `count` messages straight through the store (fast; no subscriber is online for them): broadcasts, every
 * 10th targeted to bob, every 7th a C2C from carol to bob, every 13th targeted to carol only. Returns the texts bob
 * may see, in order.
 */
async function seed(count: number): Promise<string[]> {
  const store = live.gw.app.services.store;
  const forBob: string[] = [];
  for (let batch = 0; batch < count; batch += 200) {
    const sends: Promise<unknown>[] = [];
    for (let i = batch; i < Math.min(count, batch + 200); i++) {
      const c2c = i % 7 === 0;
      const targets = i % 13 === 0 ? ['carol'] : i % 10 === 0 ? ['bob'] : null;
      const sender = c2c ? 'carol' : 'alice';
      const text = `m${i}`;
      if (c2c || targets?.[0] !== 'carol') forBob.push(text);
      const id = `seed-${i}`;
      sends.push(
        store.messages
          .createDraft({
            id,
            owner: sender,
            createdAt: NOW,
            expiresAt: NOW + 3600,
            elemType: 1,
            body: [{ kind: 'text', text: text }],
            atUsers: null,
            targets,
          })
          .then(() => {
            const msg = textMessage({
              msgId: `seed-msg-${i}`,
              createId: id,
              sender,
              receiver: c2c ? 'bob' : null,
              groupId: c2c ? null : groupID,
              audience: targets && !c2c ? [sender, ...targets] : null,
              targets: c2c ? null : targets,
              draftTargets: targets,
              text,
              timestamp: NOW,
            });
            return store.messages.send(msg, NOW);
          }),
      );
    }
    await Promise.all(sends);
  }
  return forBob;
}

const texts = (events: any[]) => events.map((e) => e.onRecvNewMessage.textElem.text);

describe('onRecvNewMessage(afterCursor): long replays', () => {
  it('when bob resumes from the first message ever sent, then he gets every later one he may see once, in order, then live ones', async () => {
    const first = await sendText(live.gw, 'alice', 'first', { groupID });
    expectCode(first, 0);
    const missed = await seed(1500);
    const resumed = await live.subscribe('bob', ON_MESSAGE, { afterCursor: first.data.cursor });
    await resumed.waitFor(missed.length, 30_000);
    await sendText(live.gw, 'alice', 'live', { groupID });
    await resumed.waitFor(missed.length + 1);
    expect(texts(resumed.events)).toEqual([...missed, 'live']);
    expect(new Set(resumed.events.map((e) => e.onRecvNewMessage.msgID)).size).toBe(missed.length + 1);
  });

  it('when bob replays thousands of messages, then a request from dave is answered before the replay ends', async () => {
    const first = await sendText(live.gw, 'alice', 'first', { groupID });
    const missed = await seed(4000);
    let atAnswer: number | undefined;
    const resumed = await live.subscribe('bob', ON_MESSAGE, { afterCursor: first.data.cursor });
    await resumed.waitFor(1, 30_000);
    // Over a real socket, so the answer needs the event loop to get to I/O while the replay runs.
    const answered = fetch(`http://127.0.0.1:${live.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${userSig('dave')}` },
      body: JSON.stringify({ query: CONVERSATIONS }),
    }).then(async (res) => {
      const body = (await res.json()) as { data: { getConversationList: { code: number } } };
      expectCode(body.data.getConversationList, 0);
      atAnswer = resumed.events.length;
    });
    await resumed.waitFor(missed.length, 60_000);
    await answered;
    // Bob had received only part of his replay when dave's answer arrived.
    expect(atAnswer).toBeLessThan(missed.length);
    expect(texts(resumed.events)).toEqual(missed);
  }, 90_000);
});

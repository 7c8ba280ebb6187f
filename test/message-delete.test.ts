// Delete for oneself (deleteMessages, clearGroupHistoryMessage, clearC2CHistoryMessage): the deleter's own history,
// unread count and lastMessage change, nobody else's do; a message the deleter cannot see is "not found". On both
// stores, and a resume does not bring a deleted message back.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestGateway, expectCode, type TestGateway } from './helpers/app';
import { backends, skipNotice } from './helpers/backends';
import { startLive, type LiveGateway } from './helpers/live';
import {
  C2C_HISTORY,
  CONVERSATIONS,
  FIND,
  GROUP_HISTORY,
  ON_MESSAGE,
  TOTAL_UNREAD,
  group,
  sendText,
} from './helpers/ops';

const DELETE = `mutation($ids: [String!]!) { deleteMessages(msgIDList: $ids) { code desc } }`;
const CLEAR_GROUP = `mutation($g: String!) { clearGroupHistoryMessage(groupID: $g) { code desc } }`;
const CLEAR_C2C = `mutation($u: String!) { clearC2CHistoryMessage(userID: $u) { code desc } }`;

skipNotice('message delete');
for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`delete for oneself (${backend.name})`, () => {
    let gw: TestGateway;
    let drop: () => Promise<void>;
    beforeEach(async () => {
      const opened = await backend.open();
      drop = opened.drop;
      gw = createTestGateway({ store: opened.store });
    });
    afterEach(async () => {
      await gw.app.stop();
      await drop();
    });
    const send = async (from: string, text: string, target: Record<string, unknown>) => {
      const r = await sendText(gw, from, text, target);
      expectCode(r, 0);
      return r.data.msgID as string;
    };
    const groupTexts = async (user: string, g: string) =>
      (await gw.call(user, GROUP_HISTORY, { groupID: g, count: 100 })).data.map((m: any) => m.textElem.text);
    const conv = async (user: string, id: string) =>
      (await gw.call(user, CONVERSATIONS)).data.conversationList.find((c: any) => c.conversationID === id);

    it('when bob deletes a group message, then it leaves his history and findMessages only; alice keeps it', async () => {
      const g = await group(gw, 'alice', ['bob']);
      const one = await send('alice', 'one', { groupID: g });
      await send('alice', 'two', { groupID: g });
      expectCode(await gw.call('bob', DELETE, { ids: [one] }), 0);
      expect(await groupTexts('bob', g)).toEqual(['two']);
      expect((await gw.call('bob', FIND, { ids: [one] })).data).toEqual([]);
      expect(await groupTexts('alice', g)).toEqual(['two', 'one']);
      expect((await gw.call('alice', FIND, { ids: [one] })).data).toHaveLength(1);
      // Deleting it again: it is no longer among bob's messages.
      expectCode(await gw.call('bob', DELETE, { ids: [one] }), 6017);
    });

    it("when bob deletes unread messages, then his unread count drops by them; alice's and carol's stay", async () => {
      const g = await group(gw, 'alice', ['bob', 'carol']);
      const one = await send('alice', 'one', { groupID: g });
      const two = await send('alice', 'two', { groupID: g });
      await send('alice', 'three', { groupID: g });
      const c2c = await send('alice', 'dm', { receiver: 'bob' });
      expect((await gw.call('bob', TOTAL_UNREAD)).data).toBe(4);
      expectCode(await gw.call('bob', DELETE, { ids: [one, two] }), 0);
      expectCode(await gw.call('bob', DELETE, { ids: [c2c] }), 0);
      expect((await conv('bob', `group_${g}`)).unreadCount).toBe(1);
      expect((await gw.call('bob', TOTAL_UNREAD)).data).toBe(1);
      expect((await conv('carol', `group_${g}`)).unreadCount).toBe(3);
      expect((await gw.call('alice', TOTAL_UNREAD)).data).toBe(0);
    });

    it('when bob deletes his lastMessage, then his list shows the previous message he sees, never a targeted one he does not', async () => {
      const g = await group(gw, 'alice', ['bob', 'carol']);
      await send('alice', 'older', { groupID: g });
      await send('alice', 'for carol', { groupID: g, receiverList: ['carol'] });
      const last = await send('alice', 'latest', { groupID: g });
      expectCode(await gw.call('bob', DELETE, { ids: [last] }), 0);
      expect((await conv('bob', `group_${g}`)).lastMessage.textElem.text).toBe('older');
      expect((await conv('alice', `group_${g}`)).lastMessage.textElem.text).toBe('latest');
      expect((await conv('carol', `group_${g}`)).lastMessage.textElem.text).toBe('latest');
      await send('alice', 'newer', { groupID: g });
      expect((await conv('bob', `group_${g}`)).lastMessage.textElem.text).toBe('newer');
    });

    it('when a C2C lastMessage is deleted by one side, then the other side still has it', async () => {
      await send('alice', 'a', { receiver: 'bob' });
      const b = await send('bob', 'b', { receiver: 'alice' });
      expectCode(await gw.call('alice', DELETE, { ids: [b] }), 0);
      expect((await conv('alice', 'c2c_bob')).lastMessage.textElem.text).toBe('a');
      expect((await conv('bob', 'c2c_alice')).lastMessage.textElem.text).toBe('b');
      expect((await gw.call('bob', C2C_HISTORY, { userID: 'alice', count: 10 })).data).toHaveLength(2);
    });

    it('when a message is not one the deleter can see, then 6017 as for one that does not exist, and nothing changes', async () => {
      const g = await group(gw, 'alice', ['bob', 'carol']);
      const secret = await send('alice', 'for carol', { groupID: g, receiverList: ['carol'] });
      const open = await send('alice', 'open', { groupID: g });
      const dm = await send('alice', 'dm', { receiver: 'carol' });
      const notFound = await gw.call('bob', DELETE, { ids: ['no-such-message'] });
      const hidden = await gw.call('bob', DELETE, { ids: [open, secret] });
      expectCode(notFound, 6017);
      expectCode(hidden, 6017);
      expect(hidden.desc.replace(secret, 'X')).toBe(notFound.desc.replace('no-such-message', 'X'));
      expectCode(await gw.call('bob', DELETE, { ids: [dm] }), 6017);
      expect(await groupTexts('bob', g)).toEqual(['open']);
      expect(await groupTexts('carol', g)).toEqual(['open', 'for carol']);
      expectCode(await gw.call('bob', DELETE, { ids: [] }), 6017);
      expectCode(await gw.call('bob', DELETE, { ids: Array.from({ length: 51 }, (_, i) => `m${i}`) }), 6017);
      const mine = await send('bob', 'mine', { receiver: 'dave' });
      expectCode(await gw.call('bob', DELETE, { ids: [open, mine] }), 6017); // two conversations
    });

    it("when bob clears a group's history, then his history, unread and lastMessage empty, the conversation stays, alice keeps hers", async () => {
      const g = await group(gw, 'alice', ['bob']);
      await send('alice', 'one', { groupID: g });
      await send('alice', 'two', { groupID: g });
      expectCode(await gw.call('bob', CLEAR_GROUP, { g }), 0);
      expect(await groupTexts('bob', g)).toEqual([]);
      expect(await conv('bob', `group_${g}`)).toMatchObject({ unreadCount: 0, lastMessage: null });
      expect(await groupTexts('alice', g)).toEqual(['two', 'one']);
      await send('alice', 'three', { groupID: g });
      expect(await groupTexts('bob', g)).toEqual(['three']);
      expect(await conv('bob', `group_${g}`)).toMatchObject({
        unreadCount: 1,
        lastMessage: { textElem: { text: 'three' } },
      });
      expectCode(await gw.call('bob', CLEAR_GROUP, { g: 'no-such-group' }), 10010);
      expectCode(await gw.call('carol', CLEAR_GROUP, { g }), 10007);
    });

    it('when bob clears a C2C history, then only his side is empty', async () => {
      await send('alice', 'hello', { receiver: 'bob' });
      expectCode(await gw.call('bob', CLEAR_C2C, { u: 'alice' }), 0);
      expect((await gw.call('bob', C2C_HISTORY, { userID: 'alice', count: 10 })).data).toEqual([]);
      expect((await conv('bob', 'c2c_alice')).unreadCount).toBe(0);
      expect((await gw.call('alice', C2C_HISTORY, { userID: 'bob', count: 10 })).data).toHaveLength(1);
      expectCode(await gw.call('bob', CLEAR_C2C, { u: 'nobody-yet' }), 0);
      expectCode(await gw.call('bob', CLEAR_C2C, { u: '' }), 7003);
    });

    it('when a message bob deleted unread is revoked, then his unread count is not lowered twice', async () => {
      const g = await group(gw, 'alice', ['bob']);
      const one = await send('alice', 'one', { groupID: g });
      await send('alice', 'two', { groupID: g });
      expectCode(await gw.call('bob', DELETE, { ids: [one] }), 0);
      expectCode(
        await gw.call('alice', `mutation($id: String!) { revokeMessage(msgID: $id) { code desc } }`, { id: one }),
        0,
      );
      expect((await conv('bob', `group_${g}`)).unreadCount).toBe(1);
    });
  });
}

describe('delete for oneself and resuming', () => {
  let live: LiveGateway;
  beforeEach(async () => {
    live = await startLive();
  });
  afterEach(() => live.stop());

  it('when bob resumes from before messages he deleted, then they are not replayed; the others are', async () => {
    const g = await group(live.gw, 'alice', ['bob']);
    const first = await sendText(live.gw, 'alice', 'first', { groupID: g });
    const gone = await sendText(live.gw, 'alice', 'gone', { groupID: g });
    await sendText(live.gw, 'alice', 'kept', { groupID: g });
    expectCode(await live.gw.call('bob', DELETE, { ids: [gone.data.msgID] }), 0);
    const resumed = await live.subscribe('bob', ON_MESSAGE, { afterCursor: first.data.cursor });
    await resumed.waitFor(1);
    await sendText(live.gw, 'alice', 'live', { groupID: g });
    await resumed.waitFor(2);
    expect(resumed.events.map((e: any) => e.onRecvNewMessage.textElem.text)).toEqual(['kept', 'live']);
  });
});

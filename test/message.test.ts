// The seed's flow end to end: alice creates a text, targets [bob, carol] in a Work group that also holds dave,
// sends it. Who can see it, by every read path (im-semantics §4–§7).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestGateway, expectCode } from './helpers/app';
import {
  C2C_HISTORY,
  CONVERSATIONS,
  CREATE_TARGETED,
  CREATE_TEXT,
  FIND,
  GROUP_HISTORY,
  SEND,
  TOTAL_UNREAD,
  group,
  sendText,
} from './helpers/ops';
import { gateways, skipNotice } from './helpers/backends';

skipNotice('message');

for (const backend of gateways)
  (backend.enabled ? describe : describe.skip)(backend.name, () => {
    let gw: TestGateway;
    beforeEach(() => {
      gw = backend.create();
    });
    afterEach(async () => {
      await gw.app.stop();
    });

    const history = async (user: string, groupID: string, count = 100) =>
      (await gw.call(user, GROUP_HISTORY, { groupID, count })).data as any[];
    const conversation = async (user: string, id: string) =>
      (await gw.call(user, CONVERSATIONS)).data.conversationList.find((c: any) => c.conversationID === id);

    describe('the seed flow: a targeted group message', () => {
      let groupID: string;
      let sent: any;
      beforeEach(async () => {
        groupID = await group(gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'work');
        await sendText(gw, 'alice', 'hello everyone', { groupID });
        const created = await gw.call('alice', CREATE_TEXT, { text: 'for bob and carol only' });
        expect(created).toMatchObject({
          code: 0,
          desc: 'ok',
          data: {
            messageInfo: {
              status: 'V2TIM_MSG_STATUS_SENDING',
              elemType: 'V2TIM_ELEM_TYPE_TEXT',
              textElem: { text: 'for bob and carol only' },
            },
          },
        });
        const targeted = await gw.call('alice', CREATE_TARGETED, {
          id: created.data.id,
          receiverList: ['bob', 'carol'],
        });
        expectCode(targeted, 0);
        expect(targeted.data.id).toBe(created.data.id); // targeted in place, as Tencent's 8.x adapter does
        expect(targeted.data.messageInfo.targetGroupMemberList).toEqual(['bob', 'carol']);
        sent = await gw.call('alice', SEND, { id: targeted.data.id, groupID });
        await sendText(gw, 'alice', 'hello again', { groupID });
      });

      it('when sent, then alice gets status 2, a msgID, a seq and the receiver list', () => {
        expectCode(sent, 0);
        expect(sent.data).toMatchObject({
          status: 'V2TIM_MSG_STATUS_SEND_SUCC',
          groupID,
          sender: 'alice',
          isSelf: true,
          targetGroupMemberList: ['bob', 'carol'],
          seq: '2',
        });
        expect(sent.data.msgID).toBeTruthy();
      });

      it('then bob and carol find it in history, findMessages and their conversation; they do not learn the receiver list', async () => {
        for (const user of ['bob', 'carol']) {
          const texts = (await history(user, groupID)).map((m) => m.textElem.text);
          expect(texts).toEqual(['hello again', 'for bob and carol only', 'hello everyone']);
          const mine = (await history(user, groupID)).find((m) => m.msgID === sent.data.msgID);
          expect(mine.targetGroupMemberList).toBeNull();
          expect(mine.isSelf).toBe(false);
          const found = await gw.call(user, FIND, { ids: [sent.data.msgID] });
          expect(found.data).toEqual([{ msgID: sent.data.msgID, textElem: { text: 'for bob and carol only' } }]);
        }
      });

      it('then dave finds it nowhere, and his seq runs without a gap', async () => {
        const daves = await history('dave', groupID);
        expect(daves.map((m) => m.textElem.text)).toEqual(['hello again', 'hello everyone']);
        expect(daves.map((m) => m.seq)).toEqual(['2', '1']);
        expect((await gw.call('dave', FIND, { ids: [sent.data.msgID] })).data).toEqual([]);
        const conv = await conversation('dave', `group_${groupID}`);
        expect(conv.unreadCount).toBe(2);
        expect(conv.lastMessage.textElem.text).toBe('hello again');
        expect(conv.lastMessage.seq).toBe('2');
      });

      it('then each viewer sees contiguous seqs of its own view', async () => {
        for (const user of ['alice', 'bob', 'carol']) {
          expect((await history(user, groupID)).map((m) => m.seq)).toEqual(['3', '2', '1']);
        }
      });

      it('then the targeted message does not count as unread, also for its receivers', async () => {
        expect((await conversation('bob', `group_${groupID}`)).unreadCount).toBe(2);
        expect((await gw.call('bob', TOTAL_UNREAD)).data).toBe(2);
        expect((await conversation('alice', `group_${groupID}`)).unreadCount).toBe(0);
      });

      it('when the sender retries the same id, then the same message comes back and nothing is duplicated', async () => {
        const created = await gw.call('alice', CREATE_TEXT, { text: 'retry me' });
        const first = await gw.call('alice', SEND, { id: created.data.id, groupID });
        const again = await gw.call('alice', SEND, { id: created.data.id, groupID });
        expectCode(again, 0);
        expect(again.data.msgID).toBe(first.data.msgID);
        expect((await history('bob', groupID)).filter((m) => m.textElem.text === 'retry me')).toHaveLength(1);
        const other = await gw.call('alice', SEND, { id: created.data.id, receiver: 'bob' });
        expectCode(other, 6017);
      });
    });

    describe('unread counts and lastMessage', () => {
      it('when a targeted message is sent with isExcludedFromUnreadCount false, then it counts for its receivers only', async () => {
        const groupID = await group(gw, 'alice', ['bob', 'dave']);
        const r = await sendText(gw, 'alice', 'counted', {
          groupID,
          receiverList: ['bob'],
          isExcludedFromUnreadCount: false,
        });
        expectCode(r, 0);
        expect((await conversation('bob', `group_${groupID}`)).unreadCount).toBe(1);
        expect((await conversation('dave', `group_${groupID}`)).unreadCount).toBe(0);
        expect((await conversation('dave', `group_${groupID}`)).lastMessage).toBeNull();
      });

      it('when a message is excluded from lastMessage, then lastMessage stays on the one before', async () => {
        const groupID = await group(gw, 'alice', ['bob']);
        await sendText(gw, 'alice', 'visible last', { groupID });
        await sendText(gw, 'alice', 'quiet', { groupID, isExcludedFromLastMessage: true });
        expect((await conversation('bob', `group_${groupID}`)).lastMessage.textElem.text).toBe('visible last');
        expect((await conversation('bob', `group_${groupID}`)).unreadCount).toBe(2);
      });

      it('when bob marks the group read, then his unread count drops to 0 and later messages count again', async () => {
        const groupID = await group(gw, 'alice', ['bob']);
        await sendText(gw, 'alice', 'one', { groupID });
        expectCode(
          await gw.call('bob', `mutation($g: String!) { markGroupMessageAsRead(groupID: $g) { code } }`, {
            g: groupID,
          }),
          0,
        );
        expect((await conversation('bob', `group_${groupID}`)).unreadCount).toBe(0);
        await sendText(gw, 'alice', 'two', { groupID });
        expect((await gw.call('bob', TOTAL_UNREAD)).data).toBe(1);
      });

      it('when an onlineUserOnly message is sent, then it is in no history and counts nowhere', async () => {
        const groupID = await group(gw, 'alice', ['bob']);
        const r = await sendText(gw, 'alice', 'ephemeral', { groupID, onlineUserOnly: true });
        expectCode(r, 0);
        expect(r.data.cursor).toBeNull();
        expect(await history('bob', groupID)).toEqual([]);
        expect((await gw.call('bob', TOTAL_UNREAD)).data).toBe(0);
        expect((await gw.call('bob', FIND, { ids: [r.data.msgID] })).data).toEqual([]);
      });
    });

    describe('C2C messages', () => {
      it('when alice writes to bob, then both see it in their C2C history and bob has it unread', async () => {
        const r = await sendText(gw, 'alice', 'hi bob', { receiver: 'bob' });
        expect(r).toMatchObject({ code: 0, data: { userID: 'bob', status: 'V2TIM_MSG_STATUS_SEND_SUCC', seq: '1' } });
        const bobs = (await gw.call('bob', C2C_HISTORY, { userID: 'alice', count: 10 })).data;
        expect(bobs).toMatchObject([{ msgID: r.data.msgID, userID: 'alice', isSelf: false, isRead: false }]);
        expect((await gw.call('alice', C2C_HISTORY, { userID: 'bob', count: 10 })).data[0].isSelf).toBe(true);
        expect((await conversation('bob', 'c2c_alice')).unreadCount).toBe(1);
        expect((await gw.call('carol', C2C_HISTORY, { userID: 'alice', count: 10 })).data).toEqual([]);
        expect((await gw.call('carol', FIND, { ids: [r.data.msgID] })).data).toEqual([]);
      });

      it('when history is paged by lastMsgID, then pages are newest first and do not overlap', async () => {
        for (let i = 1; i <= 5; i++) await sendText(gw, 'alice', `m${i}`, { receiver: 'bob' });
        const first = (await gw.call('bob', C2C_HISTORY, { userID: 'alice', count: 2 })).data;
        const second = (await gw.call('bob', C2C_HISTORY, { userID: 'alice', count: 2, lastMsgID: first[1].msgID }))
          .data;
        const third = (await gw.call('bob', C2C_HISTORY, { userID: 'alice', count: 2, lastMsgID: second[1].msgID }))
          .data;
        expect([...first, ...second, ...third].map((m: any) => m.textElem.text)).toEqual([
          'm5',
          'm4',
          'm3',
          'm2',
          'm1',
        ]);
      });
    });

    describe('revokeMessage', () => {
      it('when the sender revokes within 2 minutes, then receivers see it revoked without content', async () => {
        const groupID = await group(gw, 'alice', ['bob']);
        const r = await sendText(gw, 'alice', 'oops', { groupID });
        expectCode(
          await gw.call('alice', `mutation($m: String!) { revokeMessage(msgID: $m) { code desc } }`, {
            m: r.data.msgID,
          }),
          0,
        );
        const [m] = await history('bob', groupID);
        expect(m).toMatchObject({ msgID: r.data.msgID, status: 'V2TIM_MSG_STATUS_LOCAL_REVOKED', textElem: null });
      });

      it("when the window has passed, then 10031; when bob revokes alice's message, then 10007; when dave is not in the audience, then 10030", async () => {
        const groupID = await group(gw, 'alice', ['bob', 'dave']);
        const targeted = await sendText(gw, 'alice', 'secret', { groupID, receiverList: ['bob'] });
        const revoke = `mutation($m: String!) { revokeMessage(msgID: $m) { code desc } }`;
        expectCode(await gw.call('bob', revoke, { m: targeted.data.msgID }), 10007);
        expectCode(await gw.call('dave', revoke, { m: targeted.data.msgID }), 10030);
        gw.clock.now += 121;
        expectCode(await gw.call('alice', revoke, { m: targeted.data.msgID }), 10031);
      });
    });
  });

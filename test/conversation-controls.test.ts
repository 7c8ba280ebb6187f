// Conversation controls (pin, draft, delete, marks, do-not-disturb, the "@ me" badge, cleaning unread, getConversation):
// each is the viewer's own state, refused with the SDK's codes, and never changes another member's list. On both stores.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestGateway, expectCode, type TestGateway } from './helpers/app';
import { backends, skipNotice } from './helpers/backends';
import { textMessage } from './helpers/new-message';
import { C2C_HISTORY, GROUP_HISTORY, TOTAL_UNREAD, group, sendText } from './helpers/ops';
import type { Store } from '../src/db/store';

const AT_ALL = '__kImSDK_MesssageAtALL__';
const CONV_FIELDS = `conversationID unreadCount isPinned draftText draftTimestamp recvOpt markList
  groupAtInfoList { seq atType } lastMessage { msgID textElem { text } }`;
const LIST = `query { getConversationList(count: 100) { code desc data { conversationList { ${CONV_FIELDS} } } } }`;
const GET = `query($id: String!) { getConversation(conversationID: $id) { code desc data { ${CONV_FIELDS} } } }`;
const PIN = `mutation($id: String!, $p: Boolean!) { pinConversation(conversationID: $id, isPinned: $p) { code desc } }`;
const DRAFT = `mutation($id: String!, $t: String) { setConversationDraft(conversationID: $id, draftText: $t) { code desc } }`;
const DELETE = `mutation($id: String!) { deleteConversation(conversationID: $id) { code desc } }`;
const CLEAR_C2C = `mutation($userID: String!) { clearC2CHistoryMessage(userID: $userID) { code desc } }`;
const MARK = `mutation($ids: [String!]!, $t: Int!, $e: Boolean!) { markConversation(conversationIDList: $ids, markType: $t, enableMark: $e) { code desc data { conversationID resultCode resultInfo } } }`;
const GROUP_OPT = `mutation($g: String!, $o: Int!) { setGroupReceiveMessageOpt(groupID: $g, opt: $o) { code desc } }`;
const C2C_OPT = `mutation($u: [String!]!, $o: Int!) { setC2CReceiveMessageOpt(userIDList: $u, opt: $o) { code desc } }`;
const GET_C2C_OPT = `query($u: [String!]!) { getC2CReceiveMessageOpt(userIDList: $u) { code desc data { userID c2CReceiveMessageOpt } } }`;
const CLEAN = `mutation($id: String!, $s: Int) { cleanConversationUnreadMessageCount(conversationID: $id, cleanTimestamp: 0, cleanSequence: $s) { code desc } }`;
const CREATE_AT = `mutation($text: String!, $at: [String!]!) { createTextAtMessage(text: $text, atUserList: $at) { code desc data { id } } }`;
const SEND_ID = `mutation($id: String!, $groupID: String) { sendMessage(id: $id, groupID: $groupID) { code desc data { msgID seq } } }`;

skipNotice('conversation controls');
for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`conversation controls (${backend.name})`, () => {
    let gw: TestGateway;
    let store: Store;
    let drop: () => Promise<void>;
    beforeEach(async () => {
      const opened = await backend.open();
      drop = opened.drop;
      store = opened.store;
      gw = createTestGateway({ store });
    });
    afterEach(async () => {
      await gw.app.stop();
      await drop();
    });
    const list = async (user: string) => {
      const r = await gw.call(user, LIST);
      expectCode(r, 0);
      return r.data.conversationList as any[];
    };
    const conv = async (user: string, id: string) => (await list(user)).find((c) => c.conversationID === id);
    const sendAt = async (from: string, g: string, text: string, at: string[]) => {
      const c = await gw.call(from, CREATE_AT, { text, at });
      expectCode(c, 0);
      const s = await gw.call(from, SEND_ID, { id: c.data.id, groupID: g });
      expectCode(s, 0);
      return s.data;
    };

    it('when a conversation is pinned, then it comes first for that user only, until unpinned', async () => {
      const g = await group(gw, 'alice', ['bob']);
      await sendText(gw, 'alice', 'hi group', { groupID: g });
      await sendText(gw, 'carol', 'hi bob', { receiver: 'bob' });
      expect((await list('bob')).map((c) => c.conversationID)).toEqual(['c2c_carol', `group_${g}`]);
      expectCode(await gw.call('bob', PIN, { id: `group_${g}`, p: true }), 0);
      const pinned = await list('bob');
      expect(pinned.map((c) => [c.conversationID, c.isPinned])).toEqual([
        [`group_${g}`, true],
        ['c2c_carol', false],
      ]);
      expect((await conv('alice', `group_${g}`)).isPinned).toBe(false);
      expectCode(await gw.call('bob', PIN, { id: `group_${g}`, p: false }), 0);
      expect((await list('bob')).map((c) => c.conversationID)).toEqual(['c2c_carol', `group_${g}`]);
    });

    it('when pinning a conversation that is not yours or a malformed id, then 6017', async () => {
      const g = await group(gw, 'alice', []);
      expectCode(await gw.call('bob', PIN, { id: `group_${g}`, p: true }), 6017);
      expectCode(await gw.call('bob', PIN, { id: 'c2c_nobody', p: true }), 6017);
      expectCode(await gw.call('bob', PIN, { id: 'nonsense', p: true }), 6017);
      expect((await conv('alice', `group_${g}`)).isPinned).toBe(false);
    });

    it('when a draft is set, then the conversation shows it with its time; empty clears it; too long is 80002', async () => {
      await sendText(gw, 'alice', 'hi', { receiver: 'bob' });
      gw.clock.now = 1_900_000_000;
      expectCode(await gw.call('bob', DRAFT, { id: 'c2c_alice', t: 'half a thought' }), 0);
      expect(await conv('bob', 'c2c_alice')).toMatchObject({
        draftText: 'half a thought',
        draftTimestamp: 1_900_000_000,
      });
      expect(await conv('alice', 'c2c_bob')).toMatchObject({ draftText: null, draftTimestamp: null });
      expectCode(await gw.call('bob', DRAFT, { id: 'c2c_alice', t: 'x'.repeat(12 * 1024 + 1) }), 80002);
      expectCode(await gw.call('bob', DRAFT, { id: 'c2c_alice', t: '' }), 0);
      expect(await conv('bob', 'c2c_alice')).toMatchObject({ draftText: null, draftTimestamp: null });
      expectCode(await gw.call('bob', DRAFT, { id: 'c2c_zed', t: 'x' }), 6017);
    });

    it("when a conversation is deleted, then it leaves that user's list with its unread and history, and a new message brings it back", async () => {
      const g = await group(gw, 'alice', ['bob']);
      await sendText(gw, 'alice', 'one', { groupID: g });
      await sendText(gw, 'alice', 'two', { groupID: g });
      expect((await conv('bob', `group_${g}`)).unreadCount).toBe(2);
      expectCode(await gw.call('bob', DELETE, { id: `group_${g}` }), 0);
      expect(await conv('bob', `group_${g}`)).toBeUndefined();
      expect((await gw.call('bob', TOTAL_UNREAD)).data).toBe(0);
      expect((await gw.call('bob', GROUP_HISTORY, { groupID: g, count: 20 })).data).toEqual([]);
      // The other member keeps everything.
      expect((await conv('alice', `group_${g}`)).lastMessage.textElem.text).toBe('two');
      expect((await gw.call('alice', GROUP_HISTORY, { groupID: g, count: 20 })).data).toHaveLength(2);
      await sendText(gw, 'alice', 'three', { groupID: g });
      expect(await conv('bob', `group_${g}`)).toMatchObject({
        unreadCount: 1,
        lastMessage: { textElem: { text: 'three' } },
      });
      expect(
        (await gw.call('bob', GROUP_HISTORY, { groupID: g, count: 20 })).data.map((m: any) => m.textElem.text),
      ).toEqual(['three']);
      expectCode(await gw.call('bob', DELETE, { id: 'c2c_nobody' }), 6017);
    });

    it('when a C2C conversation is deleted, then the peer still has it, unread and all', async () => {
      await sendText(gw, 'alice', 'hey', { receiver: 'bob' });
      expectCode(await gw.call('bob', DELETE, { id: 'c2c_alice' }), 0);
      expect(await conv('bob', 'c2c_alice')).toBeUndefined();
      expect((await gw.call('bob', C2C_HISTORY, { userID: 'alice', count: 20 })).data).toEqual([]);
      expect((await conv('alice', 'c2c_bob')).lastMessage.textElem.text).toBe('hey');
      expect((await gw.call('alice', C2C_HISTORY, { userID: 'bob', count: 20 })).data).toHaveLength(1);
    });

    it('when a deleted conversation has its history cleared, then it stays out of the list until a new message', async () => {
      await sendText(gw, 'alice', 'hey', { receiver: 'bob' });
      expectCode(await gw.call('bob', DELETE, { id: 'c2c_alice' }), 0);
      expectCode(await gw.call('bob', CLEAR_C2C, { userID: 'alice' }), 0);
      expect(await conv('bob', 'c2c_alice')).toBeUndefined();
      expect((await gw.call('bob', TOTAL_UNREAD)).data).toBe(0);
      await sendText(gw, 'alice', 'again', { receiver: 'bob' });
      expect(await conv('bob', 'c2c_alice')).toMatchObject({
        unreadCount: 1,
        lastMessage: { textElem: { text: 'again' } },
      });
    });

    it('when conversations are marked, then markList shows the bits and each id gets its result', async () => {
      const g = await group(gw, 'alice', ['bob']);
      const r = await gw.call('bob', MARK, { ids: [`group_${g}`, 'c2c_nobody'], t: 1, e: true });
      expectCode(r, 0);
      expect(r.data).toEqual([
        { conversationID: `group_${g}`, resultCode: 0, resultInfo: 'ok' },
        { conversationID: 'c2c_nobody', resultCode: 6017, resultInfo: expect.any(String) },
      ]);
      expectCode(await gw.call('bob', MARK, { ids: [`group_${g}`], t: 8, e: true }), 0);
      expect((await conv('bob', `group_${g}`)).markList).toEqual([1, 8]);
      expectCode(await gw.call('bob', MARK, { ids: [`group_${g}`], t: 1, e: false }), 0);
      expect((await conv('bob', `group_${g}`)).markList).toEqual([8]);
      expect((await conv('alice', `group_${g}`)).markList).toEqual([]);
      expectCode(await gw.call('bob', MARK, { ids: [`group_${g}`], t: 3, e: true }), 6017);
      expectCode(await gw.call('bob', MARK, { ids: [], t: 1, e: true }), 6017);
      expectCode(await gw.call('bob', MARK, { ids: ['bad'], t: 1, e: true }), 6017);
    });

    it('when do-not-disturb is set, then recvOpt shows it; a group not found is 10010, not a member 10007, a bad opt 6017', async () => {
      const g = await group(gw, 'alice', ['bob']);
      expectCode(await gw.call('bob', GROUP_OPT, { g, o: 2 }), 0);
      expect((await conv('bob', `group_${g}`)).recvOpt).toBe(2);
      expect((await conv('alice', `group_${g}`)).recvOpt).toBe(0);
      expectCode(await gw.call('bob', GROUP_OPT, { g: 'no-such-group', o: 1 }), 10010);
      expectCode(await gw.call('carol', GROUP_OPT, { g, o: 1 }), 10007);
      expectCode(await gw.call('bob', GROUP_OPT, { g, o: 9 }), 6017);
      // C2C: may come before any message, without showing an empty conversation.
      expectCode(await gw.call('bob', C2C_OPT, { u: ['dave'], o: 1 }), 0);
      expect(await conv('bob', 'c2c_dave')).toBeUndefined();
      expect((await gw.call('bob', GET_C2C_OPT, { u: ['dave', 'erin'] })).data).toEqual([
        { userID: 'dave', c2CReceiveMessageOpt: 1 },
        { userID: 'erin', c2CReceiveMessageOpt: 0 },
      ]);
      await sendText(gw, 'dave', 'psst', { receiver: 'bob' });
      expect(await conv('bob', 'c2c_dave')).toMatchObject({ recvOpt: 1, unreadCount: 1 });
      expectCode(await gw.call('bob', C2C_OPT, { u: [], o: 1 }), 6017);
      expectCode(await gw.call('bob', C2C_OPT, { u: Array.from({ length: 31 }, (_, i) => `u${i}`), o: 1 }), 6017);
    });

    it('when a message @-mentions a member or everyone, then groupAtInfoList shows it until read', async () => {
      const g = await group(gw, 'alice', ['bob', 'carol']);
      const me = await sendAt('alice', g, '@bob look', ['bob']);
      expect((await conv('bob', `group_${g}`)).groupAtInfoList).toEqual([{ seq: me.seq, atType: 1 }]);
      expect((await conv('carol', `group_${g}`)).groupAtInfoList).toEqual([]);
      expect((await conv('alice', `group_${g}`)).groupAtInfoList).toEqual([]);
      const all = await sendAt('alice', g, '@all look', [AT_ALL]);
      expect((await conv('bob', `group_${g}`)).groupAtInfoList).toEqual([
        { seq: me.seq, atType: 1 },
        { seq: all.seq, atType: 2 },
      ]);
      expect((await conv('carol', `group_${g}`)).groupAtInfoList).toEqual([{ seq: all.seq, atType: 2 }]);
      expect((await conv('alice', `group_${g}`)).groupAtInfoList).toEqual([]);
      const both = await sendAt('alice', g, '@all and @carol', [AT_ALL, 'carol']);
      expect((await conv('carol', `group_${g}`)).groupAtInfoList).toEqual([{ seq: both.seq, atType: 3 }]);
      expectCode(await gw.call('bob', CLEAN, { id: `group_${g}` }), 0);
      expect(await conv('bob', `group_${g}`)).toMatchObject({ groupAtInfoList: [], unreadCount: 0 });
      expect((await conv('carol', `group_${g}`)).unreadCount).toBe(3);
    });

    it('when a targeted message @-mentions members, then only its receivers get the badge', async () => {
      const g = await group(gw, 'alice', ['bob', 'carol']);
      // createTargetedGroupMessage refuses @ drafts, so the store is given one directly, as a send would.
      await store.messages.createDraft({
        id: 'd-at',
        owner: 'alice',
        createdAt: gw.clock.now,
        expiresAt: gw.clock.now + 60,
        elemType: 1,
        body: [{ kind: 'text', text: 'x' }],
        atUsers: ['bob', 'carol', AT_ALL],
        targets: ['bob'],
      });
      const sent = await store.messages.send(
        textMessage({
          msgId: 'm-at',
          createId: 'd-at',
          sender: 'alice',
          groupId: g,
          audience: ['alice', 'bob'],
          targets: ['bob'],
          draftTargets: ['bob'],
          atUsers: ['bob', 'carol', AT_ALL],
          text: 'x',
          timestamp: gw.clock.now,
        }),
        gw.clock.now,
      );
      expect(sent.ok).toBe(true);
      expect((await conv('bob', `group_${g}`)).groupAtInfoList).toEqual([{ seq: '1', atType: 3 }]);
      expect((await conv('carol', `group_${g}`)).groupAtInfoList).toEqual([]);
    });

    it('when unread counts are cleaned for one, "c2c", or all conversations, then exactly those read', async () => {
      const g = await group(gw, 'alice', ['bob']);
      await sendText(gw, 'alice', 'g1', { groupID: g });
      await sendText(gw, 'alice', 'c1', { receiver: 'bob' });
      await sendText(gw, 'carol', 'c2', { receiver: 'bob' });
      expectCode(await gw.call('bob', CLEAN, { id: 'c2c_carol', s: 0 }), 0);
      expect((await gw.call('bob', TOTAL_UNREAD)).data).toBe(2);
      expectCode(await gw.call('bob', CLEAN, { id: 'c2c' }), 0);
      expect((await conv('bob', `group_${g}`)).unreadCount).toBe(1);
      expect((await gw.call('bob', TOTAL_UNREAD)).data).toBe(1);
      expectCode(await gw.call('bob', CLEAN, { id: '' }), 0);
      expect((await gw.call('bob', TOTAL_UNREAD)).data).toBe(0);
      expectCode(await gw.call('bob', CLEAN, { id: 'c2c_nobody' }), 6017);
      expectCode(await gw.call('bob', CLEAN, { id: 'c2c_alice', s: -1 }), 6017);
    });

    it('when getConversation asks for one of yours, then it is returned; anything else is 6017', async () => {
      await sendText(gw, 'alice', 'hi', { receiver: 'bob' });
      const r = await gw.call('bob', GET, { id: 'c2c_alice' });
      expectCode(r, 0);
      expect(r.data).toMatchObject({
        conversationID: 'c2c_alice',
        unreadCount: 1,
        lastMessage: { textElem: { text: 'hi' } },
      });
      expectCode(await gw.call('bob', GET, { id: 'c2c_carol' }), 6017);
      expectCode(await gw.call('bob', GET, { id: 'x' }), 6017);
    });
  });
}

// Profiles (setSelfInfo, getUsersInfo) and where they show: on messages (history, live, the send's answer),
// group members and C2C conversations. A profile is seen by its user and by those who share a group or a
// conversation with them; a stranger sees only the userID. On both stores.
import { describe, expect, it } from 'vitest';
import { backends, skipNotice } from './helpers/backends';
import { liveEach } from './helpers/live';
import { CREATE_TEXT, group, sendText } from './helpers/ops';

const SET = `mutation($info: V2TimUserFullInfoInput!) { setSelfInfo(userFullInfo: $info) { code desc } }`;
const GET = `query($ids: [String!]!) { getUsersInfo(userIDList: $ids) { code desc data { userID nickName faceUrl selfSignature gender customInfo { key value } } } }`;
const HISTORY = `query($groupID: String!) { getGroupHistoryMessageList(groupID: $groupID, count: 20) { code data { sender nickName faceUrl textElem { text } } } }`;
const C2C = `query($userID: String!) { getC2CHistoryMessageList(userID: $userID, count: 20) { code data { sender nickName faceUrl } } }`;
const MEMBERS = `query($groupID: String!) { getGroupMemberList(groupID: $groupID) { code data { memberInfoList { userID nickName faceUrl } } } }`;
const CONVERSATIONS = `query { getConversationList(count: 100) { code data { conversationList { conversationID showName faceUrl lastMessage { nickName } } } } }`;
const LIVE = `subscription { onRecvNewMessage { sender nickName faceUrl textElem { text } } }`;
const SEND = `mutation($id: String!, $groupID: String) { sendMessage(id: $id, groupID: $groupID) { code data { nickName faceUrl } } }`;

const ALICE = {
  nickName: 'Alice A.',
  faceUrl: 'https://example.com/a.png',
  selfSignature: 'hi',
  gender: 2,
  customInfo: [{ key: 'city', value: 'Shenzhen' }],
};

skipNotice('profiles');
for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`profiles (${backend.name})`, () => {
    const { live, call } = liveEach(backend);
    const profile = async (viewer: string, user: string) => (await call(viewer, GET, { ids: [user] })).data[0];

    it("when alice sets her profile, then she and her group's members read it; a stranger gets only her userID", async () => {
      await group(live.gw, 'alice', ['bob']);
      expect(await call('alice', SET, { info: ALICE })).toEqual({ code: 0, desc: 'ok' });
      const full = { userID: 'alice', ...ALICE };
      expect(await profile('alice', 'alice')).toEqual(full);
      expect(await profile('bob', 'alice')).toEqual(full);
      const stranger = {
        userID: 'alice',
        nickName: null,
        faceUrl: null,
        selfSignature: null,
        gender: 0,
        customInfo: [],
      };
      expect(await profile('mallory', 'alice')).toEqual(stranger);
      // The same answer as for a userID nobody uses: existence is not revealed either.
      expect(await profile('mallory', 'nobody')).toEqual({ ...stranger, userID: 'nobody' });
    });

    it("when someone sends alice a one-to-one message, then both see each other's profile from then on", async () => {
      await call('alice', SET, { info: { nickName: 'Alice' } });
      expect((await profile('carol', 'alice')).nickName).toBeNull();
      expect((await sendText(live.gw, 'carol', 'hello', { receiver: 'alice' })).code).toBe(0);
      expect((await profile('carol', 'alice')).nickName).toBe('Alice');
      await call('carol', SET, { info: { nickName: 'Carol' } });
      expect((await profile('alice', 'carol')).nickName).toBe('Carol');
    });

    it('when fields are left out, then they keep their value; customInfo merges key by key; "" clears a field', async () => {
      await call('alice', SET, { info: ALICE });
      await call('alice', SET, {
        info: {
          selfSignature: '',
          customInfo: [
            { key: 'level', value: '3' },
            { key: 'city', value: 'Paris' },
          ],
        },
      });
      expect(await profile('alice', 'alice')).toEqual({
        userID: 'alice',
        nickName: 'Alice A.',
        faceUrl: ALICE.faceUrl,
        selfSignature: '',
        gender: 2,
        customInfo: expect.arrayContaining([
          { key: 'city', value: 'Paris' },
          { key: 'level', value: '3' },
        ]),
      });
    });

    it('when bad fields are set, then 6017 names the field and nothing changes', async () => {
      await call('alice', SET, { info: { nickName: 'Alice' } });
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ nickName: 'é'.repeat(251) }, /userFullInfo\.nickName is 502 bytes/],
        [{ faceUrl: 'x'.repeat(501) }, /userFullInfo\.faceUrl/],
        [{ selfSignature: 'x'.repeat(501) }, /userFullInfo\.selfSignature/],
        [{ gender: 3 }, /userFullInfo\.gender is 3/],
        [
          { nickName: 'Bob', customInfo: [{ key: 'much_too_long', value: 'v' }] },
          /customInfo\[0\]\.key "much_too_long"/,
        ],
        [{ customInfo: [{ key: 'ok', value: 'x'.repeat(501) }] }, /customInfo\[0\]\.value/],
        [
          { customInfo: Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: 'v' })) },
          /customInfo has 21 keys/,
        ],
        [{ nickName: '\ud800' }, /userFullInfo\.nickName is not valid Unicode/],
      ];
      for (const [info, desc] of cases)
        expect(await call('alice', SET, { info }), JSON.stringify(info)).toMatchObject({
          code: 6017,
          desc: expect.stringMatching(desc),
        });
      expect(await profile('alice', 'alice')).toMatchObject({ nickName: 'Alice', customInfo: [] });
      // 20 keys stored; one more in a later call is refused too.
      await call('alice', SET, {
        info: { customInfo: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: 'v' })) },
      });
      expect(await call('alice', SET, { info: { customInfo: [{ key: 'extra', value: 'v' }] } })).toMatchObject({
        code: 6017,
        desc: expect.stringMatching(/would hold 21 keys/),
      });
    });

    it('when two calls at once add customInfo keys that fit alone but not together, then one lands and the other gets 6017, and at most 20 are stored', async () => {
      const keys = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: 'v' }));
      expect((await call('alice', SET, { info: { customInfo: keys(15) } })).code).toBe(0);
      const answers = await Promise.all([
        call('alice', SET, { info: { customInfo: keys(5, 15) } }),
        call('alice', SET, { info: { nickName: 'Alice', customInfo: keys(5, 20) } }),
      ]);
      expect(answers.map((a) => a.code).sort()).toEqual([0, 6017]);
      expect(answers.find((a) => a.code !== 0)!.desc).toBe(
        'userFullInfo.customInfo would hold 25 keys; at most 20 are allowed.',
      );
      // The refused call changed nothing, its nickName neither.
      expect(await profile('alice', 'alice')).toMatchObject(
        answers[0]!.code === 0
          ? { nickName: null, customInfo: keys(20) }
          : { nickName: 'Alice', customInfo: [...keys(15), ...keys(5, 20)] },
      );
    });

    it('when getUsersInfo gets no, too many or malformed userIDs, then 6017 names userIDList', async () => {
      expect(await call('alice', GET, { ids: [] })).toMatchObject({
        code: 6017,
        data: null,
        desc: expect.stringMatching(/userIDList is empty/),
      });
      expect(await call('alice', GET, { ids: Array.from({ length: 101 }, (_, i) => `u${i}`) })).toMatchObject({
        code: 6017,
        desc: expect.stringMatching(/userIDList has 101/),
      });
      expect(await call('alice', GET, { ids: ['ok', 'x'.repeat(33)] })).toMatchObject({
        code: 6017,
        desc: expect.stringMatching(/userIDList\[1\]/),
      });
      // Duplicates are folded, in the order asked.
      expect((await call('alice', GET, { ids: ['bob', 'alice', 'bob'] })).data.map((u: any) => u.userID)).toEqual([
        'bob',
        'alice',
      ]);
    });

    it('when alice has a profile, then her messages, her membership and her conversations carry her nickName and faceUrl, live too', async () => {
      await call('alice', SET, { info: ALICE });
      const g = await group(live.gw, 'alice', ['bob']);
      const sub = await live.subscribe('bob', LIVE);
      const id = (await call('alice', CREATE_TEXT, { text: 'hi all' })).data.id;
      expect(await call('alice', SEND, { id, groupID: g })).toEqual({
        code: 0,
        data: { nickName: ALICE.nickName, faceUrl: ALICE.faceUrl },
      });
      expect(await sub.waitFor(1)).toEqual([
        {
          onRecvNewMessage: {
            sender: 'alice',
            nickName: ALICE.nickName,
            faceUrl: ALICE.faceUrl,
            textElem: { text: 'hi all' },
          },
        },
      ]);
      expect((await call('bob', HISTORY, { groupID: g })).data).toEqual([
        { sender: 'alice', nickName: ALICE.nickName, faceUrl: ALICE.faceUrl, textElem: { text: 'hi all' } },
      ]);
      expect((await call('bob', MEMBERS, { groupID: g })).data.memberInfoList).toEqual([
        { userID: 'alice', nickName: ALICE.nickName, faceUrl: ALICE.faceUrl },
        { userID: 'bob', nickName: null, faceUrl: null },
      ]);
      expect((await sendText(live.gw, 'alice', 'psst', { receiver: 'bob' })).code).toBe(0);
      expect((await call('bob', C2C, { userID: 'alice' })).data).toEqual([
        { sender: 'alice', nickName: ALICE.nickName, faceUrl: ALICE.faceUrl },
      ]);
      const conversations = (await call('bob', CONVERSATIONS)).data.conversationList;
      expect(conversations.find((c: any) => c.conversationID === 'c2c_alice')).toEqual({
        conversationID: 'c2c_alice',
        showName: ALICE.nickName,
        faceUrl: ALICE.faceUrl,
        lastMessage: { nickName: ALICE.nickName },
      });
      // A C2C conversation with someone without a nickName shows the userID.
      expect(
        (await call('alice', CONVERSATIONS)).data.conversationList.find((c: any) => c.conversationID === 'c2c_bob'),
      ).toMatchObject({ showName: 'bob', faceUrl: null });
    });

    it("when alice changes her profile, then her group's members, her C2C peer and her other session hear of it live; a stranger does not", async () => {
      const g = await group(live.gw, 'alice', ['bob']);
      expect((await sendText(live.gw, 'carol', 'hello', { receiver: 'alice' })).code).toBe(0);
      // erin shares a group with dan, the stranger: dan's first profile event must be erin's.
      await group(live.gw, 'erin', ['dan']);
      const CHANGED = `subscription { onUserInfoChanged { userID nickName faceUrl customInfo { key value } } }`;
      const bob = await live.subscribe('bob', CHANGED);
      const carol = await live.subscribe('carol', CHANGED);
      const dan = await live.subscribe('dan', CHANGED);
      const self = await live.subscribe('alice', `subscription { onSelfInfoUpdated { userID nickName } }`);
      const others = await live.subscribe('alice', CHANGED);
      expect(
        await call('alice', SET, { info: { nickName: 'Alice', customInfo: [{ key: 'city', value: 'Paris' }] } }),
      ).toMatchObject({ code: 0 });
      const change = {
        onUserInfoChanged: [
          { userID: 'alice', nickName: 'Alice', faceUrl: null, customInfo: [{ key: 'city', value: 'Paris' }] },
        ],
      };
      expect(await bob.waitFor(1)).toEqual([change]);
      expect(await carol.waitFor(1)).toEqual([change]);
      expect(await self.waitFor(1)).toEqual([{ onSelfInfoUpdated: { userID: 'alice', nickName: 'Alice' } }]);
      await call('erin', SET, { info: { nickName: 'Erin' } });
      expect((await dan.waitFor(1))[0]).toMatchObject({ onUserInfoChanged: [{ userID: 'erin', nickName: 'Erin' }] });
      // Once bob leaves the group he shares nothing with alice: her next change is not his to hear.
      expect((await call('bob', `mutation($g: String!) { quitGroup(groupID: $g) { code } }`, { g })).code).toBe(0);
      await call('alice', SET, { info: { nickName: 'Alice 2' } });
      await call('erin', SET, { info: { faceUrl: 'https://example.com/e.png' } });
      await carol.waitFor(2);
      await dan.waitFor(2);
      expect(bob.events).toEqual([change]);
      expect(dan.events.map((e: any) => e.onUserInfoChanged[0].userID)).toEqual(['erin', 'erin']);
      // alice's own changes are onSelfInfoUpdated, not onUserInfoChanged.
      expect(others.events).toEqual([]);
    });
  });
}

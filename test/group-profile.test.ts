// Group profiles (getGroupsInfo, setGroupInfo): who may change them per group type, what members and non-members
// read, and the refusal codes. On both stores.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from './helpers/app';
import { backends, skipNotice } from './helpers/backends';
import { group, sendText } from './helpers/ops';

const SET = `mutation($info: V2TimGroupInfoInput!) { setGroupInfo(info: $info) { code desc } }`;
const GET = `query($ids: [String!]!) { getGroupsInfo(groupIDList: $ids) { code desc data { resultCode resultMessage groupInfo { groupID groupType groupName owner memberCount role notification introduction faceUrl } } } }`;
const JOINED = `query { getJoinedGroupList { code data { groupID groupName notification } } }`;
const ROLE = `mutation($g: String!, $u: String!, $r: Int!) { setGroupMemberRole(groupID: $g, userID: $u, role: $r) { code desc } }`;
const TRANSFER = `mutation($g: String!, $u: String!) { transferGroupOwner(groupID: $g, userID: $u) { code desc } }`;
const KICK = `mutation($g: String!, $u: [String!]!) { kickGroupMember(groupID: $g, memberList: $u) { code desc } }`;
const QUIT = `mutation($g: String!) { quitGroup(groupID: $g) { code desc } }`;
const MEMBERS = `query($g: String!) { getGroupMemberList(groupID: $g) { data { memberInfoList { userID role } } } }`;
const CARD = `mutation($g: String!, $u: String!, $c: String) { setGroupMemberInfo(groupID: $g, info: { userID: $u, nameCard: $c }) { code desc } }`;
const MEMBERS_INFO = `query($g: String!, $u: [String!]!) { getGroupMembersInfo(groupID: $g, memberList: $u) { code desc data { userID role nameCard } } }`;
const LIST_CARDS = `query($g: String!) { getGroupMemberList(groupID: $g) { data { memberInfoList { userID nameCard } } } }`;
const CUSTOM = `query($ids: [String!]!) { getGroupsInfo(groupIDList: $ids) { data { resultCode groupInfo { role customInfo { key value } } } } }`;
const MEMBER_SET = `mutation($g: String!, $info: V2TimGroupMemberInfoInput!) { setGroupMemberInfo(groupID: $g, info: $info) { code desc } }`;
const MEMBER_CUSTOM = `query($g: String!, $u: [String!]!) { getGroupMembersInfo(groupID: $g, memberList: $u) { code desc data { userID nameCard customInfo { key value } } } }`;
const LIST_CUSTOM = `query($g: String!) { getGroupMemberList(groupID: $g) { code data { memberInfoList { userID customInfo { key value } } } } }`;
const TIPS = `query($g: String!) { getGroupHistoryMessageList(groupID: $g, count: 100) { code data { elemType groupTipsElem {
  type opMember { userID } memberList { userID nameCard } groupChangeInfoList { type key value }
  memberChangeInfoList { userID muteTime nameCard customInfo { key value } } } } } }`;
const kv = (entries: Record<string, string>) => Object.entries(entries).map(([key, value]) => ({ key, value }));

const PROFILE = {
  groupName: 'Release crew',
  notification: 'Ship on Friday',
  introduction: 'We ship.',
  faceUrl: 'https://example.com/g.png',
};

skipNotice('group profiles');
for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`group profiles (${backend.name})`, () => {
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
    const info = async (user: string, groupID: string) => (await gw.call(user, GET, { ids: [groupID] })).data[0];

    it('when any member of a Work group sets its profile, then every member reads it, in getJoinedGroupList too', async () => {
      const g = await group(gw, 'alice', ['bob']);
      expect(await gw.call('bob', SET, { info: { groupID: g, ...PROFILE } })).toEqual({ code: 0, desc: 'ok' });
      expect(await info('alice', g)).toEqual({
        resultCode: 0,
        resultMessage: 'ok',
        groupInfo: {
          groupID: g,
          groupType: 'GROUP_TYPE_WORK',
          owner: 'alice',
          memberCount: 2,
          role: 'V2TIM_GROUP_MEMBER_ROLE_OWNER',
          ...PROFILE,
        },
      });
      expect((await info('bob', g)).groupInfo.role).toBe('V2TIM_GROUP_MEMBER_ROLE_MEMBER');
      expect((await gw.call('bob', JOINED)).data).toEqual([
        { groupID: g, groupName: PROFILE.groupName, notification: PROFILE.notification },
      ]);
      // Left out: unchanged; "": cleared.
      expect((await gw.call('alice', SET, { info: { groupID: g, notification: '' } })).code).toBe(0);
      expect((await info('bob', g)).groupInfo).toMatchObject({
        groupName: PROFILE.groupName,
        notification: '',
        introduction: PROFILE.introduction,
      });
    });

    it('when a plain member of a Public group sets its profile, then 10007; the owner and an admin can', async () => {
      const r = await gw.call(
        'alice',
        `mutation { createGroup(groupType: "Public", groupName: "pub", memberList: [{ userID: "bob", role: 300 }, { userID: "carol" }]) { code data } }`,
      );
      const g = r.data;
      expect(await gw.call('carol', SET, { info: { groupID: g, notification: 'mine' } })).toMatchObject({
        code: 10007,
        desc: expect.stringMatching(/owner and admins/),
      });
      expect((await gw.call('bob', SET, { info: { groupID: g, notification: 'by admin' } })).code).toBe(0);
      expect((await gw.call('alice', SET, { info: { groupID: g, introduction: 'by owner' } })).code).toBe(0);
      expect((await info('carol', g)).groupInfo).toMatchObject({ notification: 'by admin', introduction: 'by owner' });
      // A non-member reads a Public group's profile with role 0, cannot change it.
      expect((await info('mallory', g)).groupInfo).toMatchObject({
        role: 'V2TIM_GROUP_MEMBER_UNDEFINED',
        notification: 'by admin',
        memberCount: 3,
      });
      expect((await gw.call('mallory', SET, { info: { groupID: g, notification: 'x' } })).code).toBe(10007);
    });

    it('when a non-member asks for a Work group or an unknown one, then that entry is 10007 or 10010 and the others answer', async () => {
      const g = await group(gw, 'alice', ['bob']);
      const r = await gw.call('mallory', GET, { ids: [g, 'nope', g] });
      expect(r.code).toBe(0);
      expect(r.data.map((e: any) => [e.resultCode, e.groupInfo])).toEqual([
        [10007, null],
        [10010, null],
      ]);
    });

    it('when fields are too long, empty or the group is unknown, then 10004 names the field, 10010 for the group', async () => {
      const g = await group(gw, 'alice', ['bob']);
      const cases: [Record<string, unknown>, number, RegExp][] = [
        [{ groupName: 'x'.repeat(101) }, 10004, /info\.groupName is 101 bytes/],
        [{ groupName: '' }, 10004, /info\.groupName is empty/],
        [{ notification: 'é'.repeat(151) }, 10004, /info\.notification is 302 bytes/],
        [{ introduction: 'x'.repeat(241) }, 10004, /info\.introduction/],
        [{ faceUrl: 'x'.repeat(101) }, 10004, /info\.faceUrl/],
        [{ notification: '\udc00' }, 10004, /info\.notification is not valid Unicode/],
      ];
      for (const [fields, code, desc] of cases)
        expect(await gw.call('alice', SET, { info: { groupID: g, ...fields } }), JSON.stringify(fields)).toMatchObject({
          code,
          desc: expect.stringMatching(desc),
        });
      expect((await gw.call('alice', SET, { info: { groupID: 'nope', notification: 'x' } })).code).toBe(10010);
      expect((await gw.call('alice', SET, { info: { groupID: 'bad id', notification: 'x' } })).code).toBe(10015);
      expect(await gw.call('alice', GET, { ids: [] })).toMatchObject({
        code: 10004,
        desc: expect.stringMatching(/groupIDList is empty/),
      });
      expect((await info('alice', g)).groupInfo).toMatchObject({ groupName: 'Work group', notification: null });
    });

    const roles = async (g: string) =>
      Object.fromEntries(
        (await gw.call('alice', MEMBERS, { g })).data.memberInfoList.map((m: any) => [m.userID, m.role]),
      );
    const publicGroup = async () =>
      (
        await gw.call(
          'alice',
          `mutation { createGroup(groupType: "Public", groupName: "pub", memberList: [{ userID: "bob" }, { userID: "carol" }]) { data } }`,
        )
      ).data as string;

    it('when the owner makes bob an admin, then bob can kick a member; set back to member, he cannot', async () => {
      const g = await publicGroup();
      expect(await gw.call('alice', ROLE, { g, u: 'bob', r: 300 })).toEqual({ code: 0, desc: 'ok' });
      expect(await roles(g)).toEqual({
        alice: 'V2TIM_GROUP_MEMBER_ROLE_OWNER',
        bob: 'V2TIM_GROUP_MEMBER_ROLE_ADMIN',
        carol: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER',
      });
      expect((await gw.call('alice', ROLE, { g, u: 'bob', r: 200 })).code).toBe(0);
      expect((await gw.call('bob', KICK, { g, u: ['carol'] })).code).toBe(10007);
      expect((await gw.call('alice', ROLE, { g, u: 'bob', r: 300 })).code).toBe(0);
      expect((await gw.call('bob', KICK, { g, u: ['carol'] })).code).toBe(0);
    });

    it('when roles are set wrongly, then 10007 for a non-owner or a Work group, 10004 for a bad role, a non-member or the owner', async () => {
      const g = await publicGroup();
      const w = await group(gw, 'alice', ['bob']);
      expect(await gw.call('bob', ROLE, { g, u: 'carol', r: 300 })).toMatchObject({
        code: 10007,
        desc: expect.stringMatching(/Only the owner/),
      });
      expect(await gw.call('alice', ROLE, { g: w, u: 'bob', r: 300 })).toMatchObject({
        code: 10007,
        desc: expect.stringMatching(/Work groups have no admins/),
      });
      expect(await gw.call('alice', ROLE, { g, u: 'bob', r: 400 })).toMatchObject({
        code: 10004,
        desc: expect.stringMatching(/role is 400/),
      });
      expect(await gw.call('alice', ROLE, { g, u: 'dave', r: 300 })).toMatchObject({
        code: 10004,
        desc: expect.stringMatching(/"dave" is not a member/),
      });
      expect((await gw.call('alice', ROLE, { g, u: 'alice', r: 200 })).code).toBe(10004);
      expect((await gw.call('alice', ROLE, { g: 'nope', u: 'bob', r: 300 })).code).toBe(10010);
      expect(await roles(g)).toEqual({
        alice: 'V2TIM_GROUP_MEMBER_ROLE_OWNER',
        bob: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER',
        carol: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER',
      });
    });

    it('when the owner transfers the group to bob, then bob owns it (he cannot quit, alice can) and alice is a member', async () => {
      const g = await publicGroup();
      expect(await gw.call('alice', TRANSFER, { g, u: 'bob' })).toEqual({ code: 0, desc: 'ok' });
      expect(await roles(g)).toEqual({
        alice: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER',
        bob: 'V2TIM_GROUP_MEMBER_ROLE_OWNER',
        carol: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER',
      });
      expect((await info('carol', g)).groupInfo.owner).toBe('bob');
      expect((await gw.call('alice', TRANSFER, { g, u: 'carol' })).code).toBe(10007);
      expect((await gw.call('bob', QUIT, { g })).code).toBe(10009);
      expect((await gw.call('alice', QUIT, { g })).code).toBe(0);
    });

    it('when a transfer names a non-member or yourself, or the group is an AVChatRoom, then 10004 or 10007 and nothing changes', async () => {
      const g = await publicGroup();
      expect(await gw.call('alice', TRANSFER, { g, u: 'dave' })).toMatchObject({
        code: 10004,
        desc: expect.stringMatching(/"dave" is not a member/),
      });
      expect((await gw.call('alice', TRANSFER, { g, u: 'alice' })).code).toBe(10004);
      const live = (
        await gw.call('alice', `mutation { createGroup(groupType: "AVChatRoom", groupName: "live") { data } }`)
      ).data;
      expect(await gw.call('alice', TRANSFER, { g: live, u: 'bob' })).toMatchObject({
        code: 10007,
        desc: expect.stringMatching(/AVChatRoom/),
      });
      expect(await roles(g)).toEqual({
        alice: 'V2TIM_GROUP_MEMBER_ROLE_OWNER',
        bob: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER',
        carol: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER',
      });
    });

    it('when bob sets his own name card, then members read it in getGroupMembersInfo and getGroupMemberList', async () => {
      const g = await publicGroup();
      expect(await gw.call('bob', CARD, { g, u: 'bob', c: 'Bobby' })).toEqual({ code: 0, desc: 'ok' });
      expect(await gw.call('carol', MEMBERS_INFO, { g, u: ['bob', 'dave', 'alice'] })).toEqual({
        code: 0,
        desc: 'ok',
        data: [
          { userID: 'bob', role: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER', nameCard: 'Bobby' },
          { userID: 'alice', role: 'V2TIM_GROUP_MEMBER_ROLE_OWNER', nameCard: null },
        ],
      });
      expect((await gw.call('alice', LIST_CARDS, { g })).data.memberInfoList).toContainEqual({
        userID: 'bob',
        nameCard: 'Bobby',
      });
      // The owner sets a member's; "" clears.
      expect((await gw.call('alice', CARD, { g, u: 'bob', c: '' })).code).toBe(0);
      expect((await gw.call('carol', MEMBERS_INFO, { g, u: ['bob'] })).data[0].nameCard).toBe('');
    });

    it("when a member sets someone else's name card, one is too long, or a non-member asks, then 10007 or 10004", async () => {
      const g = await publicGroup();
      expect(await gw.call('carol', CARD, { g, u: 'bob', c: 'x' })).toMatchObject({
        code: 10007,
        desc: expect.stringMatching(/your own name card/),
      });
      expect((await gw.call('alice', ROLE, { g, u: 'bob', r: 300 })).code).toBe(0);
      expect((await gw.call('bob', CARD, { g, u: 'alice', c: 'boss' })).code).toBe(10007); // an admin, above him
      expect((await gw.call('bob', CARD, { g, u: 'carol', c: 'Caz' })).code).toBe(0);
      expect(await gw.call('bob', CARD, { g, u: 'bob', c: 'é'.repeat(26) })).toMatchObject({
        code: 10004,
        desc: expect.stringMatching(/info\.nameCard is 52 bytes/),
      });
      expect(await gw.call('bob', CARD, { g, u: 'dave', c: 'x' })).toMatchObject({
        code: 10004,
        desc: expect.stringMatching(/"dave" is not a member/),
      });
      expect(await gw.call('mallory', MEMBERS_INFO, { g, u: ['bob'] })).toMatchObject({ code: 10007, data: null });
      expect(await gw.call('bob', MEMBERS_INFO, { g, u: [] })).toMatchObject({
        code: 10004,
        desc: expect.stringMatching(/memberList is empty/),
      });
      expect(
        (await gw.call('alice', MEMBERS_INFO, { g, u: ['bob', 'carol'] })).data.map((m: any) => m.nameCard),
      ).toEqual([null, 'Caz']);
    });

    it('when an admin mutes everyone, then plain members get 10017 and the owner and admins still send; unmuted, all send', async () => {
      const g = await publicGroup();
      expect((await gw.call('alice', ROLE, { g, u: 'bob', r: 300 })).code).toBe(0);
      expect((await gw.call('carol', SET, { info: { groupID: g, isAllMuted: true } })).code).toBe(10007);
      expect(await gw.call('bob', SET, { info: { groupID: g, isAllMuted: true } })).toEqual({ code: 0, desc: 'ok' });
      expect(
        (
          await gw.call(
            'carol',
            `query($ids: [String!]!) { getGroupsInfo(groupIDList: $ids) { data { groupInfo { isAllMuted } } } }`,
            { ids: [g] },
          )
        ).data[0].groupInfo.isAllMuted,
      ).toBe(true);
      expect((await sendText(gw, 'carol', 'let me talk', { groupID: g })).code).toBe(10017);
      expect((await sendText(gw, 'bob', 'admins talk', { groupID: g })).code).toBe(0);
      expect((await sendText(gw, 'alice', 'owner talks', { groupID: g })).code).toBe(0);
      expect((await gw.call('alice', SET, { info: { groupID: g, isAllMuted: false } })).code).toBe(0);
      expect((await sendText(gw, 'carol', 'finally', { groupID: g })).code).toBe(0);
      // Work groups have no muting at all.
      const w = await group(gw, 'alice', ['bob']);
      expect(await gw.call('alice', SET, { info: { groupID: w, isAllMuted: true } })).toMatchObject({
        code: 10007,
        desc: expect.stringMatching(/Work groups cannot be muted/),
      });
    });

    const tips = async (user: string, g: string) =>
      ((await gw.call(user, TIPS, { g })).data as any[])
        .filter((m) => m.elemType === 'V2TIM_ELEM_TYPE_GROUP_TIPS')
        .map((m) => m.groupTipsElem)
        .reverse();
    const adminGroup = async () =>
      (
        await gw.call(
          'alice',
          `mutation { createGroup(groupType: "Public", groupName: "pub", memberList: [{ userID: "bob", role: 300 }, { userID: "carol" }]) { data } }`,
        )
      ).data as string;

    it('when the owner and an admin set group customInfo, then it merges key by key, members read it, a non-member does not, and each key is a CUSTOM tip', async () => {
      const g = await adminGroup();
      const set = (u: string, entries: Record<string, string>) =>
        gw.call(u, SET, { info: { groupID: g, customInfo: kv(entries) } });
      expect(await set('alice', { level: 'gold', Region_2: 'eu' })).toEqual({ code: 0, desc: 'ok' });
      expect((await set('bob', { level: 'platinum', empty: '' })).code).toBe(0);
      expect(await set('carol', { level: 'mine' })).toMatchObject({
        code: 10007,
        desc: expect.stringMatching(/owner and admins/),
      });
      expect((await set('mallory', { level: 'x' })).code).toBe(10007);
      const custom = async (u: string) => (await gw.call(u, CUSTOM, { ids: [g] })).data[0].groupInfo;
      const expected = kv({ level: 'platinum', Region_2: 'eu', empty: '' });
      expect(await custom('carol')).toEqual({ role: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER', customInfo: expected });
      expect(await custom('alice')).toEqual({ role: 'V2TIM_GROUP_MEMBER_ROLE_OWNER', customInfo: expected });
      // A non-member reads the Public group's profile, not its custom fields.
      expect(await custom('mallory')).toEqual({ role: 'V2TIM_GROUP_MEMBER_UNDEFINED', customInfo: null });
      expect((await tips('carol', g)).map((t) => [t.type, t.opMember.userID, t.groupChangeInfoList])).toEqual([
        [
          'V2TIM_GROUP_TIPS_TYPE_GROUP_INFO_CHANGE',
          'alice',
          [
            { type: 'V2TIM_GROUP_INFO_CHANGE_TYPE_CUSTOM', key: 'level', value: 'gold' },
            { type: 'V2TIM_GROUP_INFO_CHANGE_TYPE_CUSTOM', key: 'Region_2', value: 'eu' },
          ],
        ],
        [
          'V2TIM_GROUP_TIPS_TYPE_GROUP_INFO_CHANGE',
          'bob',
          [
            { type: 'V2TIM_GROUP_INFO_CHANGE_TYPE_CUSTOM', key: 'level', value: 'platinum' },
            { type: 'V2TIM_GROUP_INFO_CHANGE_TYPE_CUSTOM', key: 'empty', value: '' },
          ],
        ],
      ]);
      // Any member of a Work group sets them, as the rest of its profile.
      const w = await group(gw, 'alice', ['bob']);
      expect((await gw.call('bob', SET, { info: { groupID: w, customInfo: kv({ k: 'v' }) } })).code).toBe(0);
      expect((await gw.call('alice', CUSTOM, { ids: [w] })).data[0].groupInfo.customInfo).toEqual(kv({ k: 'v' }));
      expect((await gw.call('mallory', CUSTOM, { ids: [w] })).data[0]).toEqual({ resultCode: 10007, groupInfo: null });
    });

    it('when a customInfo key is "__proto__" or "constructor" (letters and "_" like any key), then the group and the member keep it', async () => {
      const g = await adminGroup();
      const entries = [
        { key: '__proto__', value: 'p' },
        { key: 'constructor', value: 'c' },
      ];
      expect(await gw.call('alice', SET, { info: { groupID: g, customInfo: entries } })).toEqual({
        code: 0,
        desc: 'ok',
      });
      expect((await gw.call('carol', CUSTOM, { ids: [g] })).data[0].groupInfo.customInfo).toEqual(entries);
      expect(await gw.call('carol', MEMBER_SET, { g, info: { userID: 'carol', customInfo: entries } })).toEqual({
        code: 0,
        desc: 'ok',
      });
      expect((await gw.call('alice', MEMBER_CUSTOM, { g, u: ['carol'] })).data[0].customInfo).toEqual(entries);
    });

    it('when group customInfo has a bad key, a value over 512 bytes or too many keys, then 10004 names the field and nothing changes', async () => {
      const g = await adminGroup();
      const keys = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: 'v' }));
      const cases: [unknown[], RegExp][] = [
        [
          [
            { key: 'ok', value: 'v' },
            { key: 'x'.repeat(17), value: 'v' },
          ],
          /info\.customInfo\[1\]\.key "x{17}" must be 1 to 16/,
        ],
        [[{ key: 'bad-key', value: 'v' }], /info\.customInfo\[0\]\.key "bad-key"/],
        [[{ key: '', value: 'v' }], /info\.customInfo\[0\]\.key ""/],
        [[{ key: 'big', value: 'é'.repeat(257) }], /info\.customInfo\[0\]\.value is 514 bytes/],
        [[{ key: 'bad', value: '\ud800' }], /info\.customInfo\[0\]\.value is not valid Unicode/],
        [keys(11), /info\.customInfo has 11 keys; at most 10/],
      ];
      for (const [customInfo, desc] of cases)
        expect(
          await gw.call('alice', SET, { info: { groupID: g, notification: 'n', customInfo } }),
          JSON.stringify(customInfo).slice(0, 80),
        ).toMatchObject({ code: 10004, desc: expect.stringMatching(desc) });
      expect((await gw.call('alice', SET, { info: { groupID: g, customInfo: keys(10) } })).code).toBe(0);
      expect((await gw.call('alice', SET, { info: { groupID: g, customInfo: keys(1, 3) } })).code).toBe(0); // known key
      expect(await gw.call('alice', SET, { info: { groupID: g, customInfo: keys(1, 10) } })).toMatchObject({
        code: 10004,
        desc: expect.stringMatching(/info\.customInfo would hold 11 keys/),
      });
      expect(
        (await gw.call('alice', SET, { info: { groupID: g, customInfo: [{ key: 'k', value: 'é'.repeat(2048) }] } }))
          .code,
      ).toBe(10004); // an 11th key
      const info = (await gw.call('carol', GET, { ids: [g] })).data[0].groupInfo;
      expect(info.notification).toBeNull();
      expect((await gw.call('carol', CUSTOM, { ids: [g] })).data[0].groupInfo.customInfo).toEqual(keys(10));
      expect((await tips('carol', g)).length).toBe(2); // the two accepted changes only
    });

    it('when two admins add group customInfo keys at once that fit alone but not together, then one lands and the other gets 10004, and at most 10 are stored', async () => {
      const g = await adminGroup();
      const keys = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: 'v' }));
      expect((await gw.call('alice', SET, { info: { groupID: g, customInfo: keys(8) } })).code).toBe(0);
      const answers = await Promise.all([
        gw.call('alice', SET, { info: { groupID: g, customInfo: keys(2, 8) } }),
        gw.call('bob', SET, { info: { groupID: g, customInfo: keys(2, 10) } }),
      ]);
      expect(answers.map((a) => a.code).sort()).toEqual([0, 10004]);
      expect(answers.find((a) => a.code !== 0)!.desc).toBe(
        'info.customInfo would hold 12 keys; at most 10 are allowed.',
      );
      const stored = (await gw.call('carol', CUSTOM, { ids: [g] })).data[0].groupInfo.customInfo;
      expect(stored).toEqual(answers[0]!.code === 0 ? keys(10) : [...keys(8), ...keys(2, 10)]);
      expect((await tips('carol', g)).length).toBe(2); // the first change and the one that landed
    });

    it('when members set member customInfo, then it merges, members read it in getGroupMembersInfo and getGroupMemberList, and a MEMBER_INFO_CHANGE tip names what changed', async () => {
      const g = await adminGroup();
      expect(
        await gw.call('carol', MEMBER_SET, {
          g,
          info: { userID: 'carol', nameCard: 'Caz', customInfo: kv({ team: 'web' }) },
        }),
      ).toEqual({ code: 0, desc: 'ok' });
      expect(
        (
          await gw.call('bob', MEMBER_SET, {
            g,
            info: { userID: 'carol', customInfo: kv({ desk: '4F', team: 'ops' }) },
          })
        ).code,
      ).toBe(0); // an admin, for a member below him
      expect(
        await gw.call('carol', MEMBER_SET, { g, info: { userID: 'bob', customInfo: kv({ team: 'x' }) } }),
      ).toMatchObject({
        code: 10007,
        desc: expect.stringMatching(/your own name card and custom fields/),
      });
      expect(
        (await gw.call('bob', MEMBER_SET, { g, info: { userID: 'alice', customInfo: kv({ a: 'b' }) } })).code,
      ).toBe(10007); // the owner is above him
      expect(
        (await gw.call('mallory', MEMBER_SET, { g, info: { userID: 'mallory', customInfo: kv({ a: 'b' }) } })).code,
      ).toBe(10007);
      const carol = { userID: 'carol', nameCard: 'Caz', customInfo: kv({ team: 'ops', desk: '4F' }) };
      expect(await gw.call('alice', MEMBER_CUSTOM, { g, u: ['carol', 'bob'] })).toEqual({
        code: 0,
        desc: 'ok',
        data: [carol, { userID: 'bob', nameCard: null, customInfo: [] }],
      });
      expect((await gw.call('bob', LIST_CUSTOM, { g })).data.memberInfoList).toContainEqual({
        userID: 'carol',
        customInfo: carol.customInfo,
      });
      // A non-member reads neither.
      expect(await gw.call('mallory', MEMBER_CUSTOM, { g, u: ['carol'] })).toMatchObject({ code: 10007, data: null });
      expect(await gw.call('mallory', LIST_CUSTOM, { g })).toMatchObject({ code: 10007, data: null });
      expect(
        (await tips('carol', g)).map((t) => [t.type, t.opMember.userID, t.memberList, t.memberChangeInfoList]),
      ).toEqual([
        [
          'V2TIM_GROUP_TIPS_TYPE_MEMBER_INFO_CHANGE',
          'carol',
          [{ userID: 'carol', nameCard: 'Caz' }],
          [{ userID: 'carol', muteTime: 0, nameCard: 'Caz', customInfo: kv({ team: 'web' }) }],
        ],
        [
          'V2TIM_GROUP_TIPS_TYPE_MEMBER_INFO_CHANGE',
          'bob',
          [{ userID: 'carol', nameCard: 'Caz' }],
          [{ userID: 'carol', muteTime: 0, nameCard: null, customInfo: kv({ desk: '4F', team: 'ops' }) }],
        ],
      ]);
    });

    it('when member customInfo has a bad key, a value over 64 bytes or too many keys, then 10004 names the field and nothing changes', async () => {
      const g = await adminGroup();
      const keys = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: 'v' }));
      const cases: [unknown[], RegExp][] = [
        [[{ key: 'x'.repeat(17), value: 'v' }], /info\.customInfo\[0\]\.key "x{17}" must be 1 to 16/],
        [[{ key: 'a b', value: 'v' }], /info\.customInfo\[0\]\.key "a b"/],
        [
          [
            { key: 'ok', value: 'v' },
            { key: 'big', value: 'x'.repeat(65) },
          ],
          /info\.customInfo\[1\]\.value is 65 bytes/,
        ],
        [keys(6), /info\.customInfo has 6 keys; at most 5/],
      ];
      for (const [customInfo, desc] of cases)
        expect(
          await gw.call('carol', MEMBER_SET, { g, info: { userID: 'carol', nameCard: 'n', customInfo } }),
          JSON.stringify(customInfo).slice(0, 80),
        ).toMatchObject({ code: 10004, desc: expect.stringMatching(desc) });
      expect((await gw.call('carol', MEMBER_SET, { g, info: { userID: 'carol', customInfo: keys(5) } })).code).toBe(0);
      expect(
        await gw.call('carol', MEMBER_SET, { g, info: { userID: 'carol', customInfo: keys(1, 5) } }),
      ).toMatchObject({
        code: 10004,
        desc: expect.stringMatching(/info\.customInfo would hold 6 keys/),
      });
      expect(await gw.call('alice', MEMBER_SET, { g, info: { userID: 'dave', customInfo: keys(1) } })).toMatchObject({
        code: 10004,
        desc: expect.stringMatching(/"dave" is not a member/),
      });
      expect(
        (await gw.call('alice', MEMBER_SET, { g: 'nope', info: { userID: 'bob', customInfo: keys(1) } })).code,
      ).toBe(10010);
      expect((await gw.call('alice', MEMBER_CUSTOM, { g, u: ['carol'] })).data).toEqual([
        { userID: 'carol', nameCard: null, customInfo: keys(5) },
      ]);
      expect((await tips('carol', g)).length).toBe(1);
    });

    it('when an admin and the member add member customInfo keys at once that fit alone but not together, then one lands and the other gets 10004, and at most 5 are stored', async () => {
      const g = await adminGroup();
      const keys = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: 'v' }));
      expect((await gw.call('carol', MEMBER_SET, { g, info: { userID: 'carol', customInfo: keys(3) } })).code).toBe(0);
      const answers = await Promise.all([
        gw.call('carol', MEMBER_SET, { g, info: { userID: 'carol', customInfo: keys(2, 3) } }),
        gw.call('bob', MEMBER_SET, { g, info: { userID: 'carol', customInfo: keys(2, 5) } }),
      ]);
      expect(answers.map((a) => a.code).sort()).toEqual([0, 10004]);
      expect(answers.find((a) => a.code !== 0)!.desc).toBe('info.customInfo would hold 7 keys; at most 5 are allowed.');
      expect((await gw.call('alice', MEMBER_CUSTOM, { g, u: ['carol'] })).data[0].customInfo).toEqual(
        answers[0]!.code === 0 ? keys(5) : [...keys(3), ...keys(2, 5)],
      );
      expect((await tips('carol', g)).length).toBe(2);
    });
  });
}

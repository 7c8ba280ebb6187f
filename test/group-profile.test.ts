// Group profiles (getGroupsInfo, setGroupInfo): who may change them per group type, what members and non-members
// read, and the refusal codes. On both stores.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from './helpers/app';
import { backends, skipNotice } from './helpers/backends';
import { group } from './helpers/ops';

const SET = `mutation($info: V2TimGroupInfoInput!) { setGroupInfo(info: $info) { code desc } }`;
const GET = `query($ids: [String!]!) { getGroupsInfo(groupIDList: $ids) { code desc data { resultCode resultMessage groupInfo { groupID groupType groupName owner memberCount role notification introduction faceUrl } } } }`;
const JOINED = `query { getJoinedGroupList { code data { groupID groupName notification } } }`;

const PROFILE = { groupName: 'Release crew', notification: 'Ship on Friday', introduction: 'We ship.', faceUrl: 'https://example.com/g.png' };

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
    afterEach(async () => { await gw.app.stop(); await drop(); });
    const info = async (user: string, groupID: string) => (await gw.call(user, GET, { ids: [groupID] })).data[0];

    it('when any member of a Work group sets its profile, then every member reads it, in getJoinedGroupList too', async () => {
      const g = await group(gw, 'alice', ['bob']);
      expect(await gw.call('bob', SET, { info: { groupID: g, ...PROFILE } })).toEqual({ code: 0, desc: 'ok' });
      expect(await info('alice', g)).toEqual({ resultCode: 0, resultMessage: 'ok', groupInfo: { groupID: g, groupType: 'Work', owner: 'alice', memberCount: 2, role: 400, ...PROFILE } });
      expect((await info('bob', g)).groupInfo.role).toBe(200);
      expect((await gw.call('bob', JOINED)).data).toEqual([{ groupID: g, groupName: PROFILE.groupName, notification: PROFILE.notification }]);
      // Left out: unchanged; "": cleared.
      expect((await gw.call('alice', SET, { info: { groupID: g, notification: '' } })).code).toBe(0);
      expect((await info('bob', g)).groupInfo).toMatchObject({ groupName: PROFILE.groupName, notification: '', introduction: PROFILE.introduction });
    });

    it('when a plain member of a Public group sets its profile, then 10007; the owner and an admin can', async () => {
      const r = await gw.call('alice', `mutation { createGroup(groupType: "Public", groupName: "pub", memberList: [{ userID: "bob", role: 300 }, { userID: "carol" }]) { code data } }`);
      const g = r.data;
      expect(await gw.call('carol', SET, { info: { groupID: g, notification: 'mine' } })).toMatchObject({ code: 10007, desc: expect.stringMatching(/owner and admins/) });
      expect((await gw.call('bob', SET, { info: { groupID: g, notification: 'by admin' } })).code).toBe(0);
      expect((await gw.call('alice', SET, { info: { groupID: g, introduction: 'by owner' } })).code).toBe(0);
      expect((await info('carol', g)).groupInfo).toMatchObject({ notification: 'by admin', introduction: 'by owner' });
      // A non-member reads a Public group's profile with role 0, cannot change it.
      expect((await info('mallory', g)).groupInfo).toMatchObject({ role: 0, notification: 'by admin', memberCount: 3 });
      expect((await gw.call('mallory', SET, { info: { groupID: g, notification: 'x' } })).code).toBe(10007);
    });

    it('when a non-member asks for a Work group or an unknown one, then that entry is 10007 or 10010 and the others answer', async () => {
      const g = await group(gw, 'alice', ['bob']);
      const r = await gw.call('mallory', GET, { ids: [g, 'nope', g] });
      expect(r.code).toBe(0);
      expect(r.data.map((e: any) => [e.resultCode, e.groupInfo])).toEqual([[10007, null], [10010, null]]);
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
      for (const [fields, code, desc] of cases) expect(await gw.call('alice', SET, { info: { groupID: g, ...fields } }), JSON.stringify(fields)).toMatchObject({ code, desc: expect.stringMatching(desc) });
      expect((await gw.call('alice', SET, { info: { groupID: 'nope', notification: 'x' } })).code).toBe(10010);
      expect((await gw.call('alice', SET, { info: { groupID: 'bad id', notification: 'x' } })).code).toBe(10015);
      expect(await gw.call('alice', GET, { ids: [] })).toMatchObject({ code: 10004, desc: expect.stringMatching(/groupIDList is empty/) });
      expect((await info('alice', g)).groupInfo).toMatchObject({ groupName: 'Work group', notification: null });
    });
  });
}

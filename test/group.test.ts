// Groups (im-semantics §3): each operation works, and each refusal answers with its code.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestGateway, expectCode } from './helpers/app';
import { CONVERSATIONS, CREATE_GROUP, TOTAL_UNREAD, group, sendText } from './helpers/ops';
import { gateways, skipNotice } from './helpers/backends';

skipNotice('group');

for (const backend of gateways)
  (backend.enabled ? describe : describe.skip)(backend.name, () => {
    let gw: TestGateway;
    beforeEach(() => {
      gw = backend.create();
    });
    afterEach(async () => {
      await gw.app.stop();
    });

    const JOIN = `mutation($g: String!) { joinGroup(groupID: $g) { code desc } }`;
    const QUIT = `mutation($g: String!) { quitGroup(groupID: $g) { code desc } }`;
    const DISMISS = `mutation($g: String!) { dismissGroup(groupID: $g) { code desc } }`;
    const INVITE = `mutation($g: String!, $u: [String!]!) { inviteUserToGroup(groupID: $g, userList: $u) { code desc } }`;
    const KICK = `mutation($g: String!, $u: [String!]!) { kickGroupMember(groupID: $g, memberList: $u) { code desc } }`;
    const MUTE = `mutation($g: String!, $u: String!, $s: Int!) { muteGroupMember(groupID: $g, userID: $u, seconds: $s) { code desc } }`;
    const JOINED = `query { getJoinedGroupList { code desc data { groupID groupType groupName owner memberCount role } } }`;
    const MEMBERS = `query($g: String!, $count: Int, $next: String) { getGroupMemberList(groupID: $g, count: $count, nextSeq: $next) { code desc data { nextSeq memberInfoList { userID role muteUntil } } } }`;

    const members = async (user: string, g: string) =>
      ((await gw.call(user, MEMBERS, { g })).data?.memberInfoList ?? []).map((m: any) => m.userID).sort();

    describe('createGroup', () => {
      it('when alice creates a Work group with members, then she owns it and everyone sees it in getJoinedGroupList', async () => {
        const g = await group(gw, 'alice', ['bob', 'carol'], 'Work', 'team');
        expect(g).toBe('team');
        expect((await gw.call('alice', JOINED)).data).toEqual([
          {
            groupID: 'team',
            groupType: 'GROUP_TYPE_WORK',
            groupName: 'Work group',
            owner: 'alice',
            memberCount: 3,
            role: 'V2TIM_GROUP_MEMBER_ROLE_OWNER',
          },
        ]);
        expect((await gw.call('bob', JOINED)).data[0]).toMatchObject({
          groupID: 'team',
          role: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER',
        });
        expect(await members('carol', g)).toEqual(['alice', 'bob', 'carol']);
      });

      it('when no groupID is given, then one starting with @TGS# is generated (@TGS#_ for a Community)', async () => {
        const work = await gw.call('alice', CREATE_GROUP, { groupType: 'Public', groupName: 'p' });
        expect(work.data).toMatch(/^@TGS#[^_]/);
        const community = await gw.call('alice', CREATE_GROUP, { groupType: 'Community', groupName: 'c' });
        expect(community.data).toMatch(/^@TGS#_/);
      });

      it.each([
        ['an unknown groupType', { groupType: 'Club', groupName: 'x' }, 10004, /groupType/],
        ['an empty groupName', { groupType: 'Work', groupName: '' }, 10004, /groupName/],
        ['a groupName over 100 bytes', { groupType: 'Work', groupName: '群'.repeat(34) }, 10004, /groupName/],
        [
          'a custom groupID starting with @TGS#',
          { groupType: 'Work', groupName: 'x', groupID: '@TGS#mine' },
          10015,
          /groupID/,
        ],
        [
          'a Community groupID without @TGS#_',
          { groupType: 'Community', groupName: 'x', groupID: 'town' },
          10015,
          /@TGS#_/,
        ],
        ['a groupID over 48 bytes', { groupType: 'Work', groupName: 'x', groupID: 'g'.repeat(49) }, 10015, /groupID/],
        ['a groupID with a space', { groupType: 'Work', groupName: 'x', groupID: 'a b' }, 10015, /groupID/],
        [
          'a member given the owner role',
          { groupType: 'Work', groupName: 'x', memberList: [{ userID: 'bob', role: 400 }] },
          10004,
          /memberList\[0\]\.role/,
        ],
        [
          'an invalid member userID',
          { groupType: 'Work', groupName: 'x', memberList: [{ userID: '' }] },
          10004,
          /memberList\[0\]\.userID/,
        ],
        [
          'more members than a Work group holds',
          {
            groupType: 'Work',
            groupName: 'x',
            memberList: Array.from({ length: 200 }, (_, i) => ({ userID: `u${i}` })),
          },
          10014,
          /201 members/,
        ],
      ])('when creating with %s, then %i', async (_what, args, code, desc) => {
        const r = await gw.call('alice', CREATE_GROUP, args);
        expectCode(r, code);
        expect(r.desc).toMatch(desc);
        expect(r.data).toBeNull();
      });

      it('when the groupID is taken, then 10021 and the first group is untouched', async () => {
        await group(gw, 'alice', ['bob'], 'Work', 'taken');
        const r = await gw.call('mallory', CREATE_GROUP, { groupType: 'Work', groupName: 'mine', groupID: 'taken' });
        expectCode(r, 10021);
        expect((await gw.call('alice', JOINED)).data[0]).toMatchObject({
          groupID: 'taken',
          owner: 'alice',
          memberCount: 2,
        });
      });
    });

    describe('joinGroup and quitGroup', () => {
      it('when dave joins a Public group open to anyone, then he is a member; joining again is 10013; quitting removes him', async () => {
        // groupAddOpt ANY (2); the default, approval, is test/group-application.test.ts's.
        const g = (
          await gw.call(
            'alice',
            `mutation { createGroup(groupType: "Public", groupName: "p", addOpt: 2) { code data } }`,
          )
        ).data;
        expectCode(await gw.call('dave', JOIN, { g }), 0);
        expect(await members('alice', g)).toEqual(['alice', 'dave']);
        expectCode(await gw.call('dave', JOIN, { g }), 10013);
        expectCode(await gw.call('dave', QUIT, { g }), 0);
        expect(await members('alice', g)).toEqual(['alice']);
        expectCode(await gw.call('dave', QUIT, { g }), 10007);
      });

      it('when someone tries to join a Work group, then 10007 (invite only)', async () => {
        const g = await group(gw, 'alice', [], 'Work');
        const r = await gw.call('dave', JOIN, { g });
        expectCode(r, 10007);
        expect(r.desc).toMatch(/invite/);
      });

      it('when the group does not exist, then 10010; when the groupID is malformed, then 10015', async () => {
        expectCode(await gw.call('dave', JOIN, { g: 'nope' }), 10010);
        expectCode(await gw.call('dave', JOIN, { g: 'bad id' }), 10015);
      });

      it.each(['Public', 'Meeting', 'Community', 'AVChatRoom'])(
        'when the owner of a %s group quits, then 10009',
        async (type) => {
          const g = await group(gw, 'alice', [], type, type === 'Community' ? '@TGS#_c' : undefined);
          expect(await gw.call('alice', QUIT, { g })).toMatchObject({
            code: 10009,
            desc: expect.stringContaining(type),
          });
          expect(await members('alice', g)).toEqual(['alice']);
        },
      );

      it('when a Public group is full, then joining is 10014', async () => {
        const g = await group(gw, 'alice', [], 'Public');
        await gw.app.services.store.groups.addMembers(
          g,
          Array.from({ length: 1999 }, (_, i) => `m${i}`),
          200,
          0,
          2000,
        );
        const r = await gw.call('dave', JOIN, { g });
        expectCode(r, 10014);
        expect(await gw.app.services.store.groups.member(g, 'dave')).toBeUndefined();
      });
    });

    describe('inviteUserToGroup', () => {
      it('when a Work member invites, then the invitees are members; inviting members only is 10013', async () => {
        const g = await group(gw, 'alice', ['bob'], 'Work');
        expectCode(await gw.call('bob', INVITE, { g, u: ['carol', 'dave'] }), 0);
        expect(await members('alice', g)).toEqual(['alice', 'bob', 'carol', 'dave']);
        expectCode(await gw.call('bob', INVITE, { g, u: ['carol'] }), 10013);
      });

      it('when a non-member invites, then 10007; when a plain member of a Public group invites, then 10007', async () => {
        const work = await group(gw, 'alice', [], 'Work');
        expectCode(await gw.call('mallory', INVITE, { g: work, u: ['mallory2'] }), 10007);
        const pub = await group(gw, 'alice', ['bob'], 'Public');
        expectCode(await gw.call('bob', INVITE, { g: pub, u: ['carol'] }), 10007);
      });

      it('when userList is empty or holds an invalid userID, then 10004 naming userList', async () => {
        const g = await group(gw, 'alice', [], 'Work');
        expect(await gw.call('alice', INVITE, { g, u: [] })).toMatchObject({
          code: 10004,
          desc: expect.stringMatching(/userList/),
        });
        expect(await gw.call('alice', INVITE, { g, u: ['ok', 'not\tok'] })).toMatchObject({
          code: 10004,
          desc: expect.stringMatching(/userList\[1\]/),
        });
      });

      it('when the invitation would overfill a Work group, then 10014 and nobody is added', async () => {
        const g = await group(
          gw,
          'alice',
          Array.from({ length: 198 }, (_, i) => `m${i}`),
          'Work',
        );
        expectCode(await gw.call('alice', INVITE, { g, u: ['x1', 'x2'] }), 10014);
        expect(await gw.app.services.store.groups.member(g, 'x1')).toBeUndefined();
        expectCode(await gw.call('alice', INVITE, { g, u: ['x1'] }), 0);
      });
    });

    describe('kickGroupMember and muteGroupMember', () => {
      it('when the owner kicks bob, then bob is gone and can no longer read the group', async () => {
        const g = await group(gw, 'alice', ['bob', 'carol'], 'Work');
        expectCode(await gw.call('alice', KICK, { g, u: ['bob'] }), 0);
        expect(await members('alice', g)).toEqual(['alice', 'carol']);
        expectCode(await gw.call('bob', MEMBERS, { g }), 10007);
      });

      it('when a member kicks, or an admin kicks the owner, then 10007; kicking non-members is 10004', async () => {
        const g = await group(gw, 'alice', ['bob', 'carol'], 'Public');
        expectCode(await gw.call('bob', KICK, { g, u: ['carol'] }), 10007);
        const g2 = (
          await gw.call('alice', CREATE_GROUP, {
            groupType: 'Public',
            groupName: 'y',
            memberList: [{ userID: 'admin', role: 300 }, { userID: 'erin' }],
          })
        ).data;
        expectCode(await gw.call('admin', KICK, { g: g2, u: ['alice'] }), 10007);
        expectCode(await gw.call('admin', KICK, { g: g2, u: ['erin'] }), 0); // an admin kicks members
        expectCode(await gw.call('alice', KICK, { g, u: ['stranger'] }), 10004);
      });

      it("when the owner mutes bob, then bob's muteUntil is set; a member muting is 10007; muting a non-member is 10004", async () => {
        const g = await group(gw, 'alice', ['bob', 'carol'], 'Public');
        expectCode(await gw.call('alice', MUTE, { g, u: 'bob', s: 60 }), 0);
        const bob = (await gw.call('alice', MEMBERS, { g })).data.memberInfoList.find((m: any) => m.userID === 'bob');
        expect(bob.muteUntil).toBe(gw.clock.now + 60);
        expectCode(await gw.call('carol', MUTE, { g, u: 'bob', s: 60 }), 10007);
        expectCode(await gw.call('alice', MUTE, { g, u: 'zed', s: 60 }), 10004);
        expect((await gw.call('alice', MUTE, { g, u: 'bob', s: -1 })).desc).toMatch(/seconds/);
      });
    });

    describe("rules per group type (Tencent's V2TIMManager.h and group overview)", () => {
      it("when a Work group's owner quits, then she is gone and the group goes on without an owner: nobody can kick, members still invite", async () => {
        const g = await group(gw, 'alice', ['bob', 'carol'], 'Work');
        expectCode(await gw.call('alice', QUIT, { g }), 0);
        expect(await members('bob', g)).toEqual(['bob', 'carol']);
        expectCode(await gw.call('bob', KICK, { g, u: ['carol'] }), 10007);
        expectCode(await gw.call('bob', INVITE, { g, u: ['dave'] }), 0);
      });

      it('when even the owner dismisses a Work group, then 10007 and the group stays', async () => {
        const g = await group(gw, 'alice', ['bob'], 'Work');
        expect(await gw.call('alice', DISMISS, { g })).toMatchObject({
          code: 10007,
          desc: expect.stringMatching(/not even by its owner/),
        });
        expect(await members('bob', g)).toEqual(['alice', 'bob']);
      });

      it('when a Work group is created with an admin, then 10004 naming the role: Work groups have no admins', async () => {
        const r = await gw.call('alice', CREATE_GROUP, {
          groupType: 'Work',
          groupName: 'w',
          memberList: [{ userID: 'bob' }, { userID: 'carol', role: 300 }],
        });
        expect(r).toMatchObject({
          code: 10004,
          data: null,
          desc: expect.stringMatching(/memberList\[1\]\.role.*no admins/),
        });
      });

      it('when the owner mutes in a Work group, then 10007 and nobody is muted', async () => {
        const g = await group(gw, 'alice', ['bob'], 'Work');
        expect(await gw.call('alice', MUTE, { g, u: 'bob', s: 60 })).toMatchObject({
          code: 10007,
          desc: expect.stringMatching(/Work groups do not support muting/),
        });
        expect(
          (await gw.call('alice', MEMBERS, { g })).data.memberInfoList.find((m: any) => m.userID === 'bob').muteUntil,
        ).toBe(0);
      });

      it("when a Work group's owner kicks, then it works; a member kicking is 10007", async () => {
        const g = await group(gw, 'alice', ['bob', 'carol'], 'Work');
        expect(await gw.call('bob', KICK, { g, u: ['carol'] })).toMatchObject({
          code: 10007,
          desc: expect.stringMatching(/Only the owner/),
        });
        expectCode(await gw.call('alice', KICK, { g, u: ['carol'] }), 0);
      });

      it('when messages arrive in a Meeting group, then they count as unread nowhere; in a Public group they do', async () => {
        const meet = await group(gw, 'alice', ['bob'], 'Meeting');
        const pub = await group(gw, 'alice', ['bob'], 'Public');
        for (const groupID of [meet, pub]) expectCode(await sendText(gw, 'alice', 'news', { groupID }), 0);
        const unread = Object.fromEntries(
          (await gw.call('bob', CONVERSATIONS)).data.conversationList.map((c: any) => [c.groupID, c.unreadCount]),
        );
        expect(unread).toEqual({ [meet]: 0, [pub]: 1 });
        expect((await gw.call('bob', TOTAL_UNREAD)).data).toBe(1);
      });

      it('when an AVChatRoom is created with members, then 10004 naming memberList; its owner cannot kick (10007)', async () => {
        const r = await gw.call('alice', CREATE_GROUP, {
          groupType: 'AVChatRoom',
          groupName: 'live',
          memberList: [{ userID: 'bob' }],
        });
        expect(r).toMatchObject({ code: 10004, data: null, desc: expect.stringMatching(/memberList must be empty/) });
        const g = await group(gw, 'alice', [], 'AVChatRoom');
        expectCode(await gw.call('bob', JOIN, { g }), 0);
        expect(await gw.call('alice', KICK, { g, u: ['bob'] })).toMatchObject({
          code: 10007,
          desc: expect.stringMatching(/AVChatRoom groups do not support kicking/),
        });
        expect(await members('alice', g)).toEqual(['alice', 'bob']);
      });
    });

    describe('dismissGroup', () => {
      it('when the owner dismisses, then the group is gone for everyone (10010 afterwards)', async () => {
        const g = await group(gw, 'alice', ['bob'], 'Public');
        expectCode(await gw.call('bob', DISMISS, { g }), 10007);
        expectCode(await gw.call('alice', DISMISS, { g }), 0);
        expect((await gw.call('bob', JOINED)).data).toEqual([]);
        expectCode(await gw.call('bob', JOIN, { g }), 10010);
      });
    });

    describe('getGroupMemberList paging', () => {
      it('when a group has more members than count, then pages follow nextSeq until it is null', async () => {
        const g = await group(gw, 'alice', ['b', 'c', 'd', 'e'], 'Work');
        const seen: string[] = [];
        let next: string | null = null;
        do {
          const r: any = await gw.call('alice', MEMBERS, { g, count: 2, next });
          seen.push(...r.data.memberInfoList.map((m: any) => m.userID));
          next = r.data.nextSeq;
        } while (next);
        expect(seen.sort()).toEqual(['alice', 'b', 'c', 'd', 'e']);
        expectCode(await gw.call('alice', MEMBERS, { g, count: 101 }), 10004);
        expect((await gw.call('alice', MEMBERS, { g, next: 'abc' })).desc).toMatch(/nextSeq/);
      });
    });
  });

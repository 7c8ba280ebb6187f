// Group applications: a Public group follows its groupAddOpt (Tencent's default: approval by the owner or an admin),
// invitations follow approveOpt; getGroupApplicationList, acceptGroupApplication, refuseGroupApplication and
// setGroupApplicationRead, with their refusal codes and who may see what. On both stores.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestGateway, collect, expectCode, settle, until, userSig, wsClient } from './helpers/app';
import { CREATE_GROUP, group } from './helpers/ops';
import { gateways, skipNotice } from './helpers/backends';

const CREATE = `mutation($t: String!, $g: String!, $m: [V2TimGroupMemberInput!], $addOpt: Int, $approveOpt: Int) {
  createGroup(groupType: $t, groupName: $g, groupID: $g, memberList: $m, addOpt: $addOpt, approveOpt: $approveOpt) { code desc data } }`;
const JOIN = `mutation($g: String!, $msg: String) { joinGroup(groupID: $g, message: $msg) { code desc } }`;
const INVITE = `mutation($g: String!, $u: [String!]!) { inviteUserToGroup(groupID: $g, userList: $u) { code desc } }`;
const SET = `mutation($info: V2TimGroupInfoInput!) { setGroupInfo(info: $info) { code desc } }`;
const INFO = `query($g: String!) { getGroupsInfo(groupIDList: [$g]) { data { groupInfo { groupAddOpt approveOpt } } } }`;
const LIST = `query { getGroupApplicationList { code desc data { unreadCount groupApplicationList {
  groupID fromUser fromUserNickName toUser requestMsg handledMsg type handleStatus handleResult addTime } } } }`;
const ACCEPT = `mutation($g: String!, $from: String!, $to: String, $type: Int, $reason: String) {
  acceptGroupApplication(groupID: $g, fromUser: $from, toUser: $to, type: $type, reason: $reason) { code desc } }`;
const REFUSE = `mutation($g: String!, $from: String!, $to: String, $type: Int, $reason: String) {
  refuseGroupApplication(groupID: $g, fromUser: $from, toUser: $to, type: $type, reason: $reason) { code desc } }`;
const READ = `mutation { setGroupApplicationRead { code desc } }`;
const QUIT = `mutation($g: String!) { quitGroup(groupID: $g) { code desc } }`;
const DISMISS = `mutation($g: String!) { dismissGroup(groupID: $g) { code desc } }`;
const ROLE = `mutation($g: String!, $u: String!, $r: Int!) { setGroupMemberRole(groupID: $g, userID: $u, role: $r) { code desc } }`;
const MEMBERS = `query($g: String!) { getGroupMemberList(groupID: $g) { data { memberInfoList { userID } } } }`;
const PROFILE = `mutation($n: String!) { setSelfInfo(userFullInfo: { nickName: $n }) { code desc } }`;

skipNotice('group applications');

for (const backend of gateways)
  (backend.enabled ? describe : describe.skip)(backend.name, () => {
    let gw: TestGateway;
    beforeEach(() => {
      gw = backend.create();
    });
    afterEach(async () => {
      await gw.app.stop();
    });

    const members = async (user: string, g: string) =>
      ((await gw.call(user, MEMBERS, { g })).data?.memberInfoList ?? []).map((m: any) => m.userID).sort();
    const list = async (user: string) => (await gw.call(user, LIST)).data;
    /** A Public group owned by alice with bob as admin and carol as a plain member. */
    const publicGroup = async (vars: Record<string, unknown> = {}) => {
      const r = await gw.call('alice', CREATE, {
        t: 'Public',
        g: 'pub',
        m: [
          { userID: 'bob', role: 300 },
          { userID: 'carol', role: 200 },
        ],
        ...vars,
      });
      expectCode(r, 0);
      return 'pub';
    };

    describe('joinGroup per groupAddOpt', () => {
      it('when dave joins a Public group with the default groupAddOpt, then code 0 files an application and he is not a member yet', async () => {
        const g = await publicGroup();
        expect((await gw.call('alice', INFO, { g })).data[0].groupInfo).toEqual({
          groupAddOpt: 'V2TIM_GROUP_ADD_AUTH',
          approveOpt: 'V2TIM_GROUP_ADD_ANY',
        });
        expectCode(await gw.call('dave', PROFILE, { n: 'Dave' }), 0);
        expectCode(await gw.call('dave', JOIN, { g, msg: 'let me in' }), 0);
        expect(await members('alice', g)).toEqual(['alice', 'bob', 'carol']);
        const data = await list('alice');
        expect(data.unreadCount).toBe(1);
        expect(data.groupApplicationList).toEqual([
          {
            groupID: g,
            fromUser: 'dave',
            fromUserNickName: 'Dave',
            toUser: null,
            requestMsg: 'let me in',
            handledMsg: null,
            type: 'V2TIM_GROUP_JOIN_APPLICATION_NEED_APPROVED_BY_ADMIN',
            handleStatus: 'V2TIM_GROUP_APPLICATION_HANDLE_STATUS_UNHANDLED',
            handleResult: 'V2TIM_GROUP_APPLICATION_HANDLE_RESULT_REFUSE',
            addTime: expect.any(Number),
          },
        ]);
        // The admin sees it too; a plain member, the applicant and a stranger do not.
        expect((await list('bob')).groupApplicationList).toHaveLength(1);
        for (const u of ['carol', 'dave', 'erin'])
          expect(await list(u), u).toEqual({ unreadCount: 0, groupApplicationList: [] });
      });

      it('when the groupAddOpt is ANY, then joinGroup makes a member at once; FORBID answers 10007', async () => {
        const g = await publicGroup({ addOpt: 2 });
        expectCode(await gw.call('dave', JOIN, { g }), 0);
        expect(await members('alice', g)).toContain('dave');
        expectCode(await gw.call('bob', SET, { info: { groupID: g, groupAddOpt: 0 } }), 0);
        const r = await gw.call('erin', JOIN, { g });
        expectCode(r, 10007);
        expect(r.desc).toMatch(/FORBID/);
        expect((await list('alice')).groupApplicationList).toEqual([]);
        expect((await gw.call('carol', INFO, { g })).data[0].groupInfo.groupAddOpt).toBe('V2TIM_GROUP_ADD_FORBID');
      });

      it('when the group does not exist, then 10010; a member applying is 10013; a Work group is 10007', async () => {
        expectCode(await gw.call('dave', JOIN, { g: 'nope' }), 10010);
        const g = await publicGroup();
        expectCode(await gw.call('carol', JOIN, { g }), 10013);
        const long = await gw.call('dave', JOIN, { g, msg: 'x'.repeat(301) });
        expectCode(long, 10004);
        expect(long.desc).toMatch(/message is 301 bytes/);
        const work = await group(gw, 'alice', [], 'Work');
        expectCode(await gw.call('dave', JOIN, { g: work }), 10007);
        expect((await list('alice')).groupApplicationList).toEqual([]);
      });

      it('when Meeting, Community or AVChatRoom groups are joined, then at once, and they take no groupAddOpt (10004, 10007)', async () => {
        const meet = await group(gw, 'alice', [], 'Meeting');
        expectCode(await gw.call('dave', JOIN, { g: meet }), 0);
        expect(await members('alice', meet)).toEqual(['alice', 'dave']);
        expectCode(await gw.call('alice', CREATE, { t: 'Meeting', g: 'm2', addOpt: 1 }), 10004);
        expectCode(await gw.call('alice', SET, { info: { groupID: meet, groupAddOpt: 1 } }), 10007);
        expectCode(await gw.call('alice', CREATE, { t: 'AVChatRoom', g: 'av', approveOpt: 1 }), 10004);
      });

      it('when addOpt is out of the enum, then 10004 naming it; a plain member setting it is 10007', async () => {
        const bad = await gw.call('alice', CREATE, { t: 'Public', g: 'p2', addOpt: 7 });
        expectCode(bad, 10004);
        expect(bad.desc).toMatch(/addOpt is 7/);
        const g = await publicGroup();
        expectCode(await gw.call('alice', SET, { info: { groupID: g, approveOpt: -1 } }), 10004);
        expectCode(await gw.call('carol', SET, { info: { groupID: g, groupAddOpt: 2 } }), 10007);
        expect((await gw.call('carol', INFO, { g })).data[0].groupInfo.groupAddOpt).toBe('V2TIM_GROUP_ADD_AUTH');
      });

      it('when the group is full, then applying is 10014', async () => {
        const g = await publicGroup();
        await gw.app.services.store.groups.addMembers(
          g,
          Array.from({ length: 1997 }, (_, i) => `m${i}`),
          200,
          0,
          2000,
        );
        expectCode(await gw.call('dave', JOIN, { g }), 10014);
      });
    });

    describe('acceptGroupApplication and refuseGroupApplication', () => {
      it('when an admin accepts, then the applicant is a member and the application reads as handled, by self or by other', async () => {
        const g = await publicGroup();
        expectCode(await gw.call('dave', JOIN, { g }), 0);
        expectCode(await gw.call('bob', ACCEPT, { g, from: 'dave', reason: 'welcome' }), 0);
        expect(await members('alice', g)).toEqual(['alice', 'bob', 'carol', 'dave']);
        expect((await list('bob')).groupApplicationList[0]).toMatchObject({
          handleStatus: 'V2TIM_GROUP_APPLICATION_HANDLE_STATUS_HANDLED_BY_SELF',
          handleResult: 'V2TIM_GROUP_APPLICATION_HANDLE_RESULT_AGREE',
          handledMsg: 'welcome',
        });
        expect((await list('alice')).groupApplicationList[0]).toMatchObject({
          handleStatus: 'V2TIM_GROUP_APPLICATION_HANDLE_STATUS_HANDLED_BY_OTHER',
        });
        // Accepting or refusing again: 10024.
        expectCode(await gw.call('alice', ACCEPT, { g, from: 'dave' }), 10024);
        expectCode(await gw.call('alice', REFUSE, { g, from: 'dave' }), 10024);
      });

      it('when the owner refuses, then the applicant stays out; applying again files a new one', async () => {
        const g = await publicGroup();
        expectCode(await gw.call('dave', JOIN, { g }), 0);
        expectCode(await gw.call('alice', REFUSE, { g, from: 'dave', reason: 'no' }), 0);
        expect(await members('alice', g)).not.toContain('dave');
        expect((await list('bob')).groupApplicationList[0]).toMatchObject({
          handleStatus: 'V2TIM_GROUP_APPLICATION_HANDLE_STATUS_HANDLED_BY_OTHER',
          handleResult: 'V2TIM_GROUP_APPLICATION_HANDLE_RESULT_REFUSE',
          handledMsg: 'no',
        });
        expectCode(await gw.call('dave', JOIN, { g, msg: 'please' }), 0);
        const again = (await list('alice')).groupApplicationList;
        expect(again).toHaveLength(1);
        expect(again[0]).toMatchObject({
          requestMsg: 'please',
          handleStatus: 'V2TIM_GROUP_APPLICATION_HANDLE_STATUS_UNHANDLED',
        });
        expectCode(await gw.call('alice', ACCEPT, { g, from: 'dave' }), 0);
      });

      it('when a plain member or a stranger accepts or refuses, then 10007 and nothing changes', async () => {
        const g = await publicGroup();
        expectCode(await gw.call('dave', JOIN, { g }), 0);
        for (const u of ['carol', 'erin', 'dave']) {
          expectCode(await gw.call(u, ACCEPT, { g, from: 'dave' }), 10007, u);
          expectCode(await gw.call(u, REFUSE, { g, from: 'dave' }), 10007, u);
        }
        // Not even whether an application exists: a stranger asking about a made-up one gets the same 10007.
        expectCode(await gw.call('erin', ACCEPT, { g, from: 'zoe' }), 10007);
        expect(await members('alice', g)).not.toContain('dave');
        expect((await list('alice')).groupApplicationList[0].handleStatus).toBe(
          'V2TIM_GROUP_APPLICATION_HANDLE_STATUS_UNHANDLED',
        );
      });

      it('when the application or the group does not exist, then 10004 or 10010; bad arguments are 10004 naming them', async () => {
        const g = await publicGroup();
        expectCode(await gw.call('alice', ACCEPT, { g, from: 'dave' }), 10004);
        expectCode(await gw.call('alice', ACCEPT, { g: 'nope', from: 'dave' }), 10010);
        const bad = await gw.call('alice', ACCEPT, { g, from: 'dave', type: 5 });
        expectCode(bad, 10004);
        expect(bad.desc).toMatch(/type is 5/);
        expectCode(await gw.call('alice', ACCEPT, { g, from: 'dave', type: 2 }), 10004);
        expectCode(await gw.call('alice', ACCEPT, { g, from: 'dave', reason: 'x'.repeat(301) }), 10004);
      });

      it('when the applicant joined otherwise meanwhile, then accepting is 10013 and closes the application', async () => {
        const g = await publicGroup();
        expectCode(await gw.call('dave', JOIN, { g }), 0);
        expectCode(await gw.call('alice', INVITE, { g, u: ['dave'] }), 0);
        expectCode(await gw.call('bob', ACCEPT, { g, from: 'dave' }), 10013);
        expect((await list('alice')).groupApplicationList[0].handleStatus).toBe(
          'V2TIM_GROUP_APPLICATION_HANDLE_STATUS_HANDLED_BY_OTHER',
        );
        expectCode(await gw.call('alice', ACCEPT, { g, from: 'dave' }), 10024);
        expect(await members('alice', g)).toEqual(['alice', 'bob', 'carol', 'dave']);
      });

      it('when the group filled up meanwhile, then accepting is 10014 and the application still waits', async () => {
        const g = await publicGroup();
        expectCode(await gw.call('dave', JOIN, { g }), 0);
        await gw.app.services.store.groups.addMembers(
          g,
          Array.from({ length: 1997 }, (_, i) => `m${i}`),
          200,
          0,
          2000,
        );
        expectCode(await gw.call('alice', ACCEPT, { g, from: 'dave' }), 10014);
        expect((await list('alice')).groupApplicationList[0].handleStatus).toBe(
          'V2TIM_GROUP_APPLICATION_HANDLE_STATUS_UNHANDLED',
        );
        expectCode(await gw.call('carol', QUIT, { g }), 0);
        expectCode(await gw.call('alice', ACCEPT, { g, from: 'dave' }), 0);
        expect(await gw.app.services.store.groups.member(g, 'dave')).toBeDefined();
      });

      it('when the group was dismissed meanwhile, then accepting is 10010 and its applications are gone', async () => {
        const g = await publicGroup();
        expectCode(await gw.call('dave', JOIN, { g }), 0);
        expectCode(await gw.call('alice', DISMISS, { g }), 0);
        expectCode(await gw.call('alice', ACCEPT, { g, from: 'dave' }), 10010);
        expect((await list('alice')).groupApplicationList).toEqual([]);
      });

      it('when two admins accept the same application at once, then one succeeds and the other gets 10024', async () => {
        const g = await publicGroup();
        expectCode(await gw.call('dave', JOIN, { g }), 0);
        const codes = (
          await Promise.all([
            gw.call('alice', ACCEPT, { g, from: 'dave' }),
            gw.call('bob', ACCEPT, { g, from: 'dave' }),
          ])
        )
          .map((r) => r.code)
          .sort();
        expect(codes).toEqual([0, 10024]);
        expect(await members('alice', g)).toEqual(['alice', 'bob', 'carol', 'dave']);
      });

      it('when an admin is demoted, then they no longer list or handle the group’s applications; a new admin does', async () => {
        const g = await publicGroup();
        expectCode(await gw.call('dave', JOIN, { g }), 0);
        expectCode(await gw.call('alice', ROLE, { g, u: 'bob', r: 200 }), 0);
        expect((await list('bob')).groupApplicationList).toEqual([]);
        expectCode(await gw.call('bob', ACCEPT, { g, from: 'dave' }), 10007);
        expectCode(await gw.call('alice', ROLE, { g, u: 'carol', r: 300 }), 0);
        expect((await list('carol')).groupApplicationList).toHaveLength(1);
        expectCode(await gw.call('carol', ACCEPT, { g, from: 'dave' }), 0);
      });
    });

    describe('setGroupApplicationRead', () => {
      it('when an admin marks the applications read, then unreadCount is 0 until a new one arrives, for that admin only', async () => {
        const g = await publicGroup();
        expectCode(await gw.call('dave', JOIN, { g }), 0);
        expectCode(await gw.call('erin', JOIN, { g }), 0);
        expect((await list('bob')).unreadCount).toBe(2);
        expectCode(await gw.call('bob', READ), 0);
        expect((await list('bob')).unreadCount).toBe(0);
        expect((await list('alice')).unreadCount).toBe(2);
        expectCode(await gw.call('frank', JOIN, { g }), 0);
        const after = await list('bob');
        expect(after.unreadCount).toBe(1);
        // Newest first.
        expect(after.groupApplicationList.map((a: any) => a.fromUser)).toEqual(['frank', 'erin', 'dave']);
        // A handled one no longer counts.
        expectCode(await gw.call('alice', REFUSE, { g, from: 'frank' }), 0);
        expect((await list('bob')).unreadCount).toBe(0);
      });
    });

    describe('inviteUserToGroup per approveOpt', () => {
      it('when a Work member invites and approveOpt is AUTH, then an invitation waits for the owner, who accepts it', async () => {
        const r = await gw.call('alice', CREATE, { t: 'Work', g: 'w', m: [{ userID: 'bob' }], approveOpt: 1 });
        expectCode(r, 0);
        expectCode(await gw.call('bob', INVITE, { g: 'w', u: ['carol'] }), 0);
        expect(await members('alice', 'w')).toEqual(['alice', 'bob']);
        expect((await list('alice')).groupApplicationList).toEqual([
          expect.objectContaining({
            groupID: 'w',
            fromUser: 'bob',
            toUser: 'carol',
            type: 'V2TIM_GROUP_INVITE_APPLICATION_NEED_APPROVED_BY_ADMIN',
          }),
        ]);
        expect((await list('bob')).groupApplicationList).toEqual([]);
        expect((await list('carol')).groupApplicationList).toEqual([]);
        expectCode(await gw.call('alice', ACCEPT, { g: 'w', from: 'bob' }), 10004); // toUser names the invitee
        expectCode(await gw.call('alice', ACCEPT, { g: 'w', from: 'bob', to: 'carol', type: 2 }), 0);
        expect(await members('alice', 'w')).toEqual(['alice', 'bob', 'carol']);
        // The owner's own invitations need no approval.
        expectCode(await gw.call('alice', INVITE, { g: 'w', u: ['dave'] }), 0);
        expect(await members('alice', 'w')).toContain('dave');
      });

      it('when approveOpt is FORBID, then inviting is 10007', async () => {
        const g = await publicGroup({ approveOpt: 0 });
        const r = await gw.call('alice', INVITE, { g, u: ['dave'] });
        expectCode(r, 10007);
        expect(r.desc).toMatch(/FORBID/);
        expect(await members('alice', g)).not.toContain('dave');
      });
    });

    describe('live events', () => {
      const RECEIVED = `subscription { onReceiveJoinApplication { groupID member { userID nickName } opReason } }`;
      const PROCESSED = `subscription { onApplicationProcessed { groupID opUser { userID nickName } isAgreeJoin opReason } }`;

      it('when dave applies and is accepted, then the owner and admin get onReceiveJoinApplication and dave onApplicationProcessed, nobody else', async () => {
        const port = await gw.app.start(0, '127.0.0.1');
        const g = await publicGroup();
        expectCode(await gw.call('alice', PROFILE, { n: 'Alice' }), 0);
        expectCode(await gw.call('dave', PROFILE, { n: 'Dave' }), 0);
        const clients = new Map(
          ['alice', 'bob', 'carol', 'dave', 'erin'].map((u) => [u, wsClient(port, { userSig: userSig(u) })]),
        );
        const received = new Map([...clients].map(([u, c]) => [u, collect(c, RECEIVED)]));
        const processed = new Map([...clients].map(([u, c]) => [u, collect(c, PROCESSED)]));
        const router = gw.app.services.router;
        await until(() => [...clients.keys()].every((u) => router.streamCount(u) === 2), 'every subscription to open');
        try {
          expectCode(await gw.call('dave', JOIN, { g, msg: 'hi' }), 0);
          const event = { groupID: g, member: { userID: 'dave', nickName: 'Dave' }, opReason: 'hi' };
          expect(await received.get('alice')!.waitFor(1)).toEqual([{ onReceiveJoinApplication: event }]);
          expect(await received.get('bob')!.waitFor(1)).toEqual([{ onReceiveJoinApplication: event }]);
          // A refused applicant does not learn the owner's profile; an accepted one does (they share the group now).
          expectCode(await gw.call('alice', REFUSE, { g, from: 'dave', reason: 'not yet' }), 0);
          expect(await processed.get('dave')!.waitFor(1)).toEqual([
            {
              onApplicationProcessed: {
                groupID: g,
                opUser: { userID: 'alice', nickName: null },
                isAgreeJoin: false,
                opReason: 'not yet',
              },
            },
          ]);
          expectCode(await gw.call('dave', JOIN, { g }), 0);
          expectCode(await gw.call('alice', ACCEPT, { g, from: 'dave' }), 0);
          expect((await processed.get('dave')!.waitFor(2))[1]).toEqual({
            onApplicationProcessed: {
              groupID: g,
              opUser: { userID: 'alice', nickName: 'Alice' },
              isAgreeJoin: true,
              opReason: null,
            },
          });
          await settle();
          expect(received.get('alice')!.events).toHaveLength(2);
          for (const u of ['carol', 'dave', 'erin']) expect(received.get(u)!.events, u).toEqual([]);
          for (const u of ['alice', 'bob', 'carol', 'erin']) expect(processed.get(u)!.events, u).toEqual([]);
        } finally {
          for (const c of clients.values()) await c.dispose();
        }
      });
    });

    it('when createGroup is called without the join options, then the contract operation still works', async () => {
      expectCode(await gw.call('alice', CREATE_GROUP, { groupType: 'Public', groupName: 'p' }), 0);
    });
  });

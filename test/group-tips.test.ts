// Group tips and group events: membership and profile changes become GROUP_TIPS messages in history and on
// onRecvNewMessage (in seq order with the other messages, seen by exactly the members at that moment) and
// V2TIMGroupListener events on onGroupEvent. On both stores.
import { describe, expect, it } from 'vitest';
import { expectCode, settle } from './helpers/app';
import { backends, skipNotice } from './helpers/backends';
import { liveEach } from './helpers/live';
import { CREATE_GROUP, group, sendText } from './helpers/ops';

const TIPS = `groupTipsElem { groupID type opMember { userID nickName } memberList { userID } groupChangeInfoList { type value boolValue }
  memberChangeInfoList { userID muteTime } memberCount }`;
const HISTORY = `query($g: String!) { getGroupHistoryMessageList(groupID: $g, count: 100) { code desc data {
  msgID sender seq elemType isRead textElem { text } ${TIPS} } } }`;
const ON_MESSAGE = `subscription { onRecvNewMessage { msgID seq elemType textElem { text } ${TIPS} } }`;
const ON_GROUP = `subscription { onGroupEvent { type groupID msgID opUser { userID } memberList { userID } member { userID }
  changeInfos { type value boolValue } memberChangeInfoList { userID muteTime } } }`;
const CONVERSATIONS = `query { getConversationList(count: 100) { data { conversationList { conversationID unreadCount lastMessage { msgID elemType } } } } }`;
const op = (name: string, args: string, vars: string) => `mutation(${vars}) { ${name}(${args}) { code desc } }`;
const JOIN = op('joinGroup', 'groupID: $g', '$g: String!');
const QUIT = op('quitGroup', 'groupID: $g', '$g: String!');
const DISMISS = op('dismissGroup', 'groupID: $g', '$g: String!');
const INVITE = op('inviteUserToGroup', 'groupID: $g, userList: $u', '$g: String!, $u: [String!]!');
const KICK = op('kickGroupMember', 'groupID: $g, memberList: $u', '$g: String!, $u: [String!]!');
const ROLE = op('setGroupMemberRole', 'groupID: $g, userID: $u, role: $r', '$g: String!, $u: String!, $r: Int!');
const MUTE = op('muteGroupMember', 'groupID: $g, userID: $u, seconds: $s', '$g: String!, $u: String!, $s: Int!');
const TRANSFER = op('transferGroupOwner', 'groupID: $g, userID: $u', '$g: String!, $u: String!');
const SET_INFO = op('setGroupInfo', 'info: $info', '$info: V2TimGroupInfoInput!');
const REVOKE = op('revokeMessage', 'msgID: $m', '$m: String!');

skipNotice('group tips');
for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`group tips (${backend.name})`, () => {
    const { live, call } = liveEach(backend);
    const history = async (u: string, g: string) => {
      const r = await call(u, HISTORY, { g });
      expectCode(r, 0, `${u}'s history`);
      return [...r.data].reverse(); // oldest first
    };
    // Open to anyone (addOpt ANY), so joinGroup joins at once rather than filing an application.
    const publicGroup = async (members: string[]) =>
      (
        await call(
          'alice',
          `mutation($m: [V2TimGroupMemberInput!]) { createGroup(groupType: "Public", groupName: "pub", memberList: $m, addOpt: 2) { code data } }`,
          { m: members.map((userID) => ({ userID })) },
        )
      ).data as string;
    const tipTypes = (list: any[]) =>
      list.map((m) => (m.elemType === 'V2TIM_ELEM_TYPE_GROUP_TIPS' ? m.groupTipsElem.type : m.textElem.text));

    it('when each kind of change happens, then its tip is in history in seq order with the messages, gap-free', async () => {
      const g = await publicGroup(['bob', 'carol']);
      expectCode(await sendText(live.gw, 'alice', 'hello', { groupID: g }), 0);
      expectCode(await call('dave', JOIN, { g }), 0);
      expectCode(await call('alice', INVITE, { g, u: ['erin'] }), 0);
      expectCode(await call('alice', ROLE, { g, u: 'bob', r: 300 }), 0);
      expectCode(await call('alice', ROLE, { g, u: 'bob', r: 200 }), 0);
      expectCode(await call('alice', MUTE, { g, u: 'carol', s: 60 }), 0);
      expectCode(await call('alice', SET_INFO, { info: { groupID: g, groupName: 'renamed', isAllMuted: true } }), 0);
      expectCode(await sendText(live.gw, 'bob', 'muted?', { groupID: g }), 10017); // mute-all: no tip, no message
      expectCode(await call('alice', SET_INFO, { info: { groupID: g, isAllMuted: false } }), 0);
      expectCode(await call('alice', KICK, { g, u: ['erin'] }), 0);
      expectCode(await call('dave', QUIT, { g }), 0);
      expectCode(await call('alice', TRANSFER, { g, u: 'bob' }), 0);
      expectCode(await sendText(live.gw, 'carol', 'bye', { groupID: g }), 10017); // carol is still muted
      expectCode(await sendText(live.gw, 'bob', 'mine now', { groupID: g }), 0);

      const list = await history('carol', g);
      expect(tipTypes(list)).toEqual([
        'hello',
        'V2TIM_GROUP_TIPS_TYPE_JOIN',
        'V2TIM_GROUP_TIPS_TYPE_INVITE',
        'V2TIM_GROUP_TIPS_TYPE_SET_ADMIN',
        'V2TIM_GROUP_TIPS_TYPE_CANCEL_ADMIN',
        'V2TIM_GROUP_TIPS_TYPE_MEMBER_INFO_CHANGE',
        'V2TIM_GROUP_TIPS_TYPE_GROUP_INFO_CHANGE',
        'V2TIM_GROUP_TIPS_TYPE_GROUP_INFO_CHANGE',
        'V2TIM_GROUP_TIPS_TYPE_KICKED',
        'V2TIM_GROUP_TIPS_TYPE_QUIT',
        'V2TIM_GROUP_TIPS_TYPE_GROUP_INFO_CHANGE',
        'mine now',
      ]);
      expect(list.map((m) => m.seq)).toEqual(list.map((_, i) => String(i + 1)));
      const tips = list.map((m) => m.groupTipsElem);
      expect(tips[1]).toMatchObject({
        groupID: g,
        opMember: { userID: 'dave' },
        memberList: [{ userID: 'dave' }],
        memberCount: 4,
      });
      expect(tips[2]).toMatchObject({
        opMember: { userID: 'alice' },
        memberList: [{ userID: 'erin' }],
        memberCount: 5,
      });
      expect(tips[3]).toMatchObject({ opMember: { userID: 'alice' }, memberList: [{ userID: 'bob' }] });
      expect(tips[5]).toMatchObject({ memberChangeInfoList: [{ userID: 'carol', muteTime: 60 }] });
      expect(tips[6].groupChangeInfoList).toEqual([
        { type: 'V2TIM_GROUP_INFO_CHANGE_TYPE_NAME', value: 'renamed', boolValue: null },
        { type: 'V2TIM_GROUP_INFO_CHANGE_TYPE_SHUT_UP_ALL', value: null, boolValue: true },
      ]);
      expect(tips[8]).toMatchObject({
        opMember: { userID: 'alice' },
        memberList: [{ userID: 'erin' }],
        memberCount: 4,
      });
      expect(tips[9]).toMatchObject({ opMember: { userID: 'dave' }, memberCount: 3 });
      expect(tips[10].groupChangeInfoList).toEqual([
        { type: 'V2TIM_GROUP_INFO_CHANGE_TYPE_OWNER', value: 'bob', boolValue: null },
      ]);
      // Tips are not unread, but one can be the lastMessage.
      const conv = (await call('carol', CONVERSATIONS)).data.conversationList.find(
        (c: any) => c.conversationID === `group_${g}`,
      );
      expect(conv).toMatchObject({ unreadCount: 2, lastMessage: { elemType: 'V2TIM_ELEM_TYPE_TEXT' } });
      expectCode(await call('alice', SET_INFO, { info: { groupID: g, notification: 'n' } }), 10007); // not admin now
      expectCode(await call('bob', SET_INFO, { info: { groupID: g, notification: 'n' } }), 0);
      const after = (await call('carol', CONVERSATIONS)).data.conversationList.find(
        (c: any) => c.conversationID === `group_${g}`,
      );
      expect(after).toMatchObject({ unreadCount: 2, lastMessage: { elemType: 'V2TIM_ELEM_TYPE_GROUP_TIPS' } });
      // Nobody revokes a tip, not its operator, not an admin.
      expectCode(await call('bob', REVOKE, { m: list.at(-2).msgID }), 10007);
    });

    it('when a member joins, then exactly the members get the tip and onMemberEnter live; others get nothing', async () => {
      const g = await publicGroup(['bob']);
      const other = await group(live.gw, 'mallory', ['oscar']);
      const subs = Object.fromEntries(
        await Promise.all(
          ['alice', 'bob', 'carol', 'oscar', 'zed'].map(async (u) => [
            u,
            { messages: await live.subscribe(u, ON_MESSAGE), events: await live.subscribe(u, ON_GROUP) },
          ]),
        ),
      );
      expectCode(await call('carol', JOIN, { g }), 0);
      for (const u of ['alice', 'bob', 'carol']) {
        const [m] = await subs[u].messages.waitFor(1);
        expect(m.onRecvNewMessage, u).toMatchObject({
          elemType: 'V2TIM_ELEM_TYPE_GROUP_TIPS',
          groupTipsElem: { type: 'V2TIM_GROUP_TIPS_TYPE_JOIN', opMember: { userID: 'carol' }, memberCount: 3 },
        });
        const [e] = await subs[u].events.waitFor(1);
        expect(e.onGroupEvent, u).toEqual({
          type: 'onMemberEnter',
          groupID: g,
          msgID: m.onRecvNewMessage.msgID,
          opUser: null,
          memberList: [{ userID: 'carol' }],
          member: null,
          changeInfos: [],
          memberChangeInfoList: [],
        });
      }
      expectCode(await sendText(live.gw, 'oscar', 'elsewhere', { groupID: other }), 0);
      await subs.oscar.messages.waitFor(1);
      await settle();
      expect(subs.oscar.events.events, 'a member of another group').toEqual([]);
      expect(subs.oscar.messages.events.map((e: any) => e.onRecvNewMessage.textElem?.text)).toEqual(['elsewhere']);
      expect(subs.zed.messages.events, 'a non-member').toEqual([]);
      expect(subs.zed.events.events, 'a non-member').toEqual([]);
    });

    it('when a member is kicked, then he gets his own kick live and nothing after; a late joiner sees no earlier tips', async () => {
      const g = await publicGroup(['bob', 'carol']);
      const bob = { messages: await live.subscribe('bob', ON_MESSAGE), events: await live.subscribe('bob', ON_GROUP) };
      const carol = await live.subscribe('carol', ON_GROUP);
      expectCode(await call('alice', KICK, { g, u: ['bob'] }), 0);
      const [kick] = await bob.messages.waitFor(1);
      expect(kick.onRecvNewMessage).toMatchObject({
        seq: '1',
        groupTipsElem: {
          type: 'V2TIM_GROUP_TIPS_TYPE_KICKED',
          opMember: { userID: 'alice' },
          memberList: [{ userID: 'bob' }],
        },
      });
      const [event] = await bob.events.waitFor(1);
      expect(event.onGroupEvent).toMatchObject({
        type: 'onMemberKicked',
        opUser: { userID: 'alice' },
        memberList: [{ userID: 'bob' }],
      });
      expect((await carol.waitFor(1))[0].onGroupEvent.type).toBe('onMemberKicked');
      expectCode(await sendText(live.gw, 'alice', 'after the kick', { groupID: g }), 0);
      expectCode(await call('alice', MUTE, { g, u: 'carol', s: 30 }), 0);
      await carol.waitFor(2);
      await settle();
      expect(bob.messages.events).toHaveLength(1);
      expect(bob.events.events).toHaveLength(1);
      expectCode(await call('bob', HISTORY, { g }), 10007);

      expectCode(await call('dave', JOIN, { g }), 0);
      expect(tipTypes(await history('dave', g))).toEqual(['V2TIM_GROUP_TIPS_TYPE_JOIN']);
      expect((await history('dave', g))[0].seq).toBe('4'); // the group's seq: after the kick, the message and the mute
    });

    it('when a member quits and the group is dismissed, then he gets onMemberLeave, the rest onGroupDismissed', async () => {
      const g = await publicGroup(['bob', 'carol']);
      const bob = await live.subscribe('bob', ON_GROUP);
      const carol = await live.subscribe('carol', ON_GROUP);
      expectCode(await call('bob', QUIT, { g }), 0);
      expect((await bob.waitFor(1))[0].onGroupEvent).toMatchObject({
        type: 'onMemberLeave',
        member: { userID: 'bob' },
        opUser: { userID: 'bob' },
      });
      expectCode(await call('alice', DISMISS, { g }), 0);
      const events = await carol.waitFor(2);
      expect(events.map((e) => e.onGroupEvent.type)).toEqual(['onMemberLeave', 'onGroupDismissed']);
      expect(events[1].onGroupEvent).toMatchObject({ groupID: g, opUser: { userID: 'alice' }, msgID: null });
      await settle();
      expect(bob.events).toHaveLength(1);
    });

    it('when a member whose userID is "__proto__" quits, then he gets his own onMemberLeave and QUIT tip like anyone', async () => {
      const g = await publicGroup(['__proto__', 'carol']);
      const events = await live.subscribe('__proto__', ON_GROUP);
      const messages = await live.subscribe('__proto__', ON_MESSAGE);
      expectCode(await call('__proto__', QUIT, { g }), 0);
      expect((await events.waitFor(1))[0].onGroupEvent).toMatchObject({
        type: 'onMemberLeave',
        member: { userID: '__proto__' },
      });
      expect((await messages.waitFor(1))[0].onRecvNewMessage.groupTipsElem).toMatchObject({
        type: 'V2TIM_GROUP_TIPS_TYPE_QUIT',
        memberList: [{ userID: '__proto__' }],
      });
    });

    it('when a targeted message is in the mix, then a non-receiver sees tips and messages with gap-free seqs', async () => {
      const g = await publicGroup(['bob', 'carol']);
      expectCode(await sendText(live.gw, 'alice', 'to bob', { groupID: g, receiverList: ['bob'] }), 0);
      expectCode(await call('dave', JOIN, { g }), 0);
      expectCode(await sendText(live.gw, 'alice', 'again to bob', { groupID: g, receiverList: ['bob'] }), 0);
      expectCode(await call('alice', ROLE, { g, u: 'carol', r: 300 }), 0);
      expectCode(await sendText(live.gw, 'bob', 'all', { groupID: g }), 0);
      const carol = await history('carol', g);
      expect(tipTypes(carol)).toEqual(['V2TIM_GROUP_TIPS_TYPE_JOIN', 'V2TIM_GROUP_TIPS_TYPE_SET_ADMIN', 'all']);
      expect(carol.map((m) => m.seq)).toEqual(['1', '2', '3']);
      expect(JSON.stringify(carol)).not.toMatch(/to bob/);
      const bob = await history('bob', g);
      expect(tipTypes(bob)).toEqual([
        'to bob',
        'V2TIM_GROUP_TIPS_TYPE_JOIN',
        'again to bob',
        'V2TIM_GROUP_TIPS_TYPE_SET_ADMIN',
        'all',
      ]);
      expect(bob.map((m) => m.seq)).toEqual(['1', '2', '3', '4', '5']);
    });

    it('when custom fields change, then members get onGroupInfoChanged / onMemberInfoChanged with the keys; a non-member nothing', async () => {
      const g = await publicGroup(['bob']);
      const ON_CUSTOM = `subscription { onGroupEvent { type groupID msgID opUser { userID } memberList { userID }
        changeInfos { type key value } memberChangeInfoList { userID nameCard customInfo { key value } } } }`;
      const subs = Object.fromEntries(
        await Promise.all(['alice', 'bob', 'zed'].map(async (u) => [u, await live.subscribe(u, ON_CUSTOM)])),
      );
      expectCode(
        await call('alice', SET_INFO, { info: { groupID: g, customInfo: [{ key: 'theme', value: 'dark' }] } }),
        0,
      );
      expectCode(
        await call(
          'bob',
          op('setGroupMemberInfo', 'groupID: $g, info: $info', '$g: String!, $info: V2TimGroupMemberInfoInput!'),
          { g, info: { userID: 'bob', customInfo: [{ key: 'seat', value: '12A' }] } },
        ),
        0,
      );
      for (const u of ['alice', 'bob']) {
        const [info, member] = (await subs[u].waitFor(2)).map((e: any) => e.onGroupEvent);
        expect(info, u).toMatchObject({
          type: 'onGroupInfoChanged',
          groupID: g,
          opUser: { userID: 'alice' },
          changeInfos: [{ type: 'V2TIM_GROUP_INFO_CHANGE_TYPE_CUSTOM', key: 'theme', value: 'dark' }],
        });
        expect(member, u).toMatchObject({
          type: 'onMemberInfoChanged',
          opUser: { userID: 'bob' },
          memberList: [{ userID: 'bob' }],
          memberChangeInfoList: [{ userID: 'bob', nameCard: null, customInfo: [{ key: 'seat', value: '12A' }] }],
        });
      }
      await settle();
      expect(subs.zed.events, 'a non-member').toEqual([]);
    });

    it('when a change is refused, then no tip is stored', async () => {
      const g = await publicGroup(['bob']);
      expectCode(await call('bob', JOIN, { g }), 10013);
      expectCode(await call('bob', KICK, { g, u: ['alice'] }), 10007);
      expectCode(await call('alice', KICK, { g, u: ['nobody'] }), 10004);
      expectCode(await call('alice', ROLE, { g, u: 'nobody', r: 300 }), 10004);
      expectCode(await call('alice', MUTE, { g, u: 'nobody', s: 10 }), 10004);
      expectCode(await call('alice', TRANSFER, { g, u: 'nobody' }), 10004);
      expect(await history('bob', g)).toEqual([]);
    });
  });
}

// Message reactions (issue 16): addMessageReaction, removeMessageReaction, getMessageReactions,
// getAllUserListOfMessageReaction and onRecvMessageReactionsChanged, within Tencent's limits, and for a message's
// audience only: a non-receiver of a targeted message can neither react, read its reactions nor hear of them.
import { describe, expect, it } from 'vitest';
import { expectCode, settle } from './helpers/app';
import { backends, skipNotice } from './helpers/backends';
import { liveEach } from './helpers/live';
import { group, sendText } from './helpers/ops';

const ADD = `mutation($m: String!, $r: String!) { addMessageReaction(msgID: $m, reactionID: $r) { code desc } }`;
const REMOVE = `mutation($m: String!, $r: String!) { removeMessageReaction(msgID: $m, reactionID: $r) { code desc } }`;
const GET = `query($ids: [String!]!, $max: Int) { getMessageReactions(msgIDList: $ids, maxUserCountPerReaction: $max) {
  code desc data { resultCode msgID reactionList { reactionID totalUserCount reactedByMyself partialUserList { userID } } } } }`;
const USERS = `query($m: String!, $r: String!, $seq: Int, $count: Int) { getAllUserListOfMessageReaction(msgID: $m, reactionID: $r, nextSeq: $seq, count: $count) {
  code desc data { userInfoList { userID } nextSeq isFinished } } }`;
const ON_CHANGED = `subscription { onRecvMessageReactionsChanged { messageID reactionList { reactionID totalUserCount reactedByMyself } } }`;
const REVOKE = `mutation($m: String!) { revokeMessage(msgID: $m) { code desc } }`;

skipNotice('reactions');
for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`reactions (${backend.name})`, () => {
    const { live, call } = liveEach(backend, (live) =>
      group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'team'),
    );

    it('when bob reacts to a message targeted to him, then alice and bob hear of it and read it; dave can neither react, read nor hear', async () => {
      const subs = Object.fromEntries(
        await Promise.all(['alice', 'bob', 'dave'].map(async (u) => [u, await live.subscribe(u, ON_CHANGED)] as const)),
      );
      const secret = (await sendText(live.gw, 'alice', 'bob only', { groupID: 'team', receiverList: ['bob'] })).data;
      expectCode(await call('bob', ADD, { m: secret.msgID, r: '👍' }), 0);
      const open = (await sendText(live.gw, 'alice', 'everyone', { groupID: 'team' })).data;
      expectCode(await call('carol', ADD, { m: open.msgID, r: 'heart' }), 0);

      await subs.alice!.waitFor(2);
      await subs.bob!.waitFor(2);
      await subs.dave!.waitFor(1);
      await settle();
      const ids = (u: string) => subs[u]!.events.map((e) => e.onRecvMessageReactionsChanged[0].messageID);
      expect(ids('alice')).toEqual([secret.msgID, open.msgID]);
      expect(ids('bob')).toEqual([secret.msgID, open.msgID]);
      expect(ids('dave')).toEqual([open.msgID]); // the targeted one never reached him, not even first
      expect(subs.bob!.events[0].onRecvMessageReactionsChanged[0].reactionList).toEqual([
        { reactionID: '👍', totalUserCount: 1, reactedByMyself: true },
      ]);
      expect(subs.alice!.events[0].onRecvMessageReactionsChanged[0].reactionList[0].reactedByMyself).toBe(false);

      const daves = await call('dave', GET, { ids: [secret.msgID, open.msgID] });
      expectCode(daves, 0);
      expect(daves.data.map((r: any) => [r.msgID, r.resultCode, r.reactionList.length])).toEqual([
        [secret.msgID, 6017, 0],
        [open.msgID, 0, 1],
      ]);
      expectCode(await call('dave', ADD, { m: secret.msgID, r: '👍' }), 6017);
      expectCode(await call('dave', USERS, { m: secret.msgID, r: '👍' }), 6017);
      const unknown = await call('dave', GET, { ids: ['no-such-id'] });
      expect(unknown.data[0].resultCode).toBe(6017); // the same answer as for a message he may not see
    });

    it('when several users react, then getMessageReactions counts them, lists the first in order, and the user list pages', async () => {
      const m = (await sendText(live.gw, 'alice', 'vote', { groupID: 'team' })).data;
      for (const u of ['bob', 'carol', 'dave', 'alice']) expectCode(await call(u, ADD, { m: m.msgID, r: 'yes' }), 0);
      expectCode(await call('bob', ADD, { m: m.msgID, r: 'no' }), 0);
      const r = await call('carol', GET, { ids: [m.msgID], max: 2 });
      expect(r.data[0].reactionList).toEqual([
        {
          reactionID: 'yes',
          totalUserCount: 4,
          reactedByMyself: true,
          partialUserList: [{ userID: 'bob' }, { userID: 'carol' }],
        },
        { reactionID: 'no', totalUserCount: 1, reactedByMyself: false, partialUserList: [{ userID: 'bob' }] },
      ]);
      const page1 = await call('carol', USERS, { m: m.msgID, r: 'yes', count: 3 });
      expect(page1.data).toEqual({
        userInfoList: [{ userID: 'bob' }, { userID: 'carol' }, { userID: 'dave' }],
        nextSeq: 3,
        isFinished: false,
      });
      const page2 = await call('carol', USERS, { m: m.msgID, r: 'yes', seq: 3, count: 3 });
      expect(page2.data).toEqual({ userInfoList: [{ userID: 'alice' }], nextSeq: 0, isFinished: true });

      expectCode(await call('dave', REMOVE, { m: m.msgID, r: 'yes' }), 0);
      expectCode(await call('dave', REMOVE, { m: m.msgID, r: 'yes' }), 0); // not reacted (any more): nothing to do
      expect((await call('bob', GET, { ids: [m.msgID], max: 0 })).data[0].reactionList).toEqual([
        { reactionID: 'yes', totalUserCount: 3, reactedByMyself: true, partialUserList: [] },
        { reactionID: 'no', totalUserCount: 1, reactedByMyself: true, partialUserList: [] },
      ]);
    });

    it("when a message has 10 reactions, then an 11th kind is 23005; reacting twice is 23007; a reaction's 101st user is 23006", async () => {
      const m = (await sendText(live.gw, 'alice', 'many', { groupID: 'team' })).data;
      for (let k = 0; k < 10; k++) expectCode(await call('bob', ADD, { m: m.msgID, r: `r${k}` }), 0);
      expectCode(await call('bob', ADD, { m: m.msgID, r: 'r10' }), 23005);
      expectCode(await call('carol', ADD, { m: m.msgID, r: 'r3' }), 0); // an existing kind still takes users
      expectCode(await call('bob', ADD, { m: m.msgID, r: 'r3' }), 23007);

      const crowd = Array.from({ length: 100 }, (_, i) => `u${i}`);
      await group(live.gw, 'alice', crowd, 'Work', 'crowd');
      const c = (await sendText(live.gw, 'alice', 'crowd', { groupID: 'crowd' })).data;
      for (const u of crowd) expectCode(await call(u, ADD, { m: c.msgID, r: 'ok' }), 0);
      expectCode(await call('alice', ADD, { m: c.msgID, r: 'ok' }), 23006);
      expect((await call('alice', GET, { ids: [c.msgID], max: 0 })).data[0].reactionList[0].totalUserCount).toBe(100);
    });

    it('when the arguments are wrong or the message is revoked, then the right code names the field', async () => {
      const m = (await sendText(live.gw, 'alice', 'x', { groupID: 'team' })).data;
      const cases: [string, string, Record<string, unknown>, number, RegExp][] = [
        ['an empty reactionID', ADD, { m: m.msgID, r: '' }, 6017, /reactionID/],
        ['a reactionID over 100 bytes', ADD, { m: m.msgID, r: 'x'.repeat(101) }, 6017, /reactionID/],
        ['no msgIDs', GET, { ids: [] }, 6017, /msgIDList/],
        ['21 msgIDs', GET, { ids: Array.from({ length: 21 }, (_, i) => `m${i}`) }, 6017, /msgIDList/],
        ['11 users per reaction', GET, { ids: [m.msgID], max: 11 }, 6017, /maxUserCountPerReaction/],
        ['a page of 101', USERS, { m: m.msgID, r: 'a', count: 101 }, 6017, /count/],
        ['a negative nextSeq', USERS, { m: m.msgID, r: 'a', seq: -1 }, 6017, /nextSeq/],
      ];
      for (const [what, query, vars, code, desc] of cases) {
        const r = await call('bob', query, vars);
        expectCode(r, code, what);
        expect(r.desc, what).toMatch(desc);
      }
      expectCode(await call('bob', ADD, { m: m.msgID, r: 'a' }), 0);
      expectCode(await call('alice', REVOKE, { m: m.msgID }), 0);
      expectCode(await call('carol', ADD, { m: m.msgID, r: 'a' }), 10007);
    });
  });
}

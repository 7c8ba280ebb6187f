// Read receipts (issue 16): sendMessageReadReceipts, getMessageReadReceipts, getGroupMessageReadMemberList,
// onRecvMessageReadReceipts and isPeerRead, for a message's audience only: a non-receiver of a targeted message is
// never counted unread, cannot send or read a receipt of it, and never hears of one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { openPostgres } from '../src/db/pg/open';
import { MAX_MEMBER_POSITION, type Store } from '../src/db/store';
import { groupRules } from '../src/resolvers/group-type';
import { expectCode, settle } from './helpers/app';
import { backends, skipNotice } from './helpers/backends';
import { liveEach } from './helpers/live';
import { group, sendText } from './helpers/ops';
import { PG_URL, freshSchema } from './helpers/pg';

const SEND_RECEIPTS = `mutation($ids: [String!]!) { sendMessageReadReceipts(messageIDList: $ids) { code desc } }`;
const GET = `query($ids: [String!]!) { getMessageReadReceipts(messageIDList: $ids) {
  code desc data { resultCode msgID userID groupID readCount unreadCount timestamp isPeerRead } } }`;
const MEMBERS = `query($m: String!, $f: GroupMessageReadMembersFilter!, $seq: Int, $count: Int) {
  getGroupMessageReadMemberList(msgID: $m, filter: $f, nextSeq: $seq, count: $count) {
    code desc data { memberInfoList { userID } nextSeq isFinished } } }`;
const ON_RECEIPTS = `subscription { onRecvMessageReadReceipts { msgID groupID userID readCount unreadCount isPeerRead } }`;
const C2C_HISTORY = `query($u: String!) { getC2CHistoryMessageList(userID: $u, count: 10) { code desc data { msgID isPeerRead } } }`;
const MARK_C2C = `mutation($u: String!) { markC2CMessageAsRead(userID: $u) { code desc } }`;
const ON_C2C = `subscription { onRecvC2CReadReceipt { msgID userID isPeerRead } }`;
const SET_OPT = `mutation($u: [String!]!) { setC2CReceiveMessageOpt(userIDList: $u, opt: 2) { code desc } }`;
const JOIN = `mutation($g: String!) { joinGroup(groupID: $g) { code desc } }`;
const INVITE = `mutation($g: String!, $u: [String!]!) { inviteUserToGroup(groupID: $g, userList: $u) { code desc } }`;
const READ = 'V2TIM_GROUP_MESSAGE_READ_MEMBERS_FILTER_READ';
const UNREAD = 'V2TIM_GROUP_MESSAGE_READ_MEMBERS_FILTER_UNREAD';

skipNotice('receipts');
for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`read receipts (${backend.name})`, () => {
    const { live, call } = liveEach(backend, (live) =>
      group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'team'),
    );
    const counts = async (user: string, msgID: string) => {
      const r = await call(user, GET, { ids: [msgID] });
      expectCode(r, 0);
      return [r.data[0].resultCode, r.data[0].readCount, r.data[0].unreadCount];
    };
    const members = async (user: string, msgID: string, f: string) => {
      const r = await call(user, MEMBERS, { m: msgID, f });
      expectCode(r, 0);
      return r.data.memberInfoList.map((m: { userID: string }) => m.userID);
    };

    it('when bob reads a message targeted to him, then alice alone hears of it; dave is not counted, cannot read or send a receipt, and hears nothing', async () => {
      const subs = Object.fromEntries(
        await Promise.all(
          ['alice', 'bob', 'dave'].map(async (u) => [u, await live.subscribe(u, ON_RECEIPTS)] as const),
        ),
      );
      const secret = (
        await sendText(live.gw, 'alice', 'bob and carol', {
          groupID: 'team',
          receiverList: ['bob', 'carol'],
          needReadReceipt: true,
        })
      ).data;
      expectCode(await call('bob', SEND_RECEIPTS, { ids: [secret.msgID] }), 0);
      expect(await counts('alice', secret.msgID)).toEqual([0, 1, 1]); // over bob and carol only
      expect(await members('alice', secret.msgID, READ)).toEqual(['bob']);
      expect(await members('alice', secret.msgID, UNREAD)).toEqual(['carol']);

      expect((await call('dave', GET, { ids: [secret.msgID] })).data[0].resultCode).toBe(6017);
      expectCode(await call('dave', SEND_RECEIPTS, { ids: [secret.msgID] }), 6017);
      expectCode(await call('dave', MEMBERS, { m: secret.msgID, f: READ }), 6017);
      const unknown = await call('dave', SEND_RECEIPTS, { ids: ['no-such-id'] });
      expectCode(unknown, 6017); // the same answer as for the message he may not see
      expect(unknown.desc.replace('no-such-id', secret.msgID)).toBe(
        (await call('dave', SEND_RECEIPTS, { ids: [secret.msgID] })).desc,
      );

      // A later broadcast's receipt reaches alice too; for dave it is the only thing there is, so it comes first.
      const open = (await sendText(live.gw, 'dave', 'everyone', { groupID: 'team', needReadReceipt: true })).data;
      expectCode(await call('carol', SEND_RECEIPTS, { ids: [open.msgID] }), 0);
      await subs.alice!.waitFor(1);
      await subs.dave!.waitFor(1);
      await settle();
      expect(subs.alice!.events.map((e) => e.onRecvMessageReadReceipts[0])).toEqual([
        { msgID: secret.msgID, groupID: 'team', userID: null, readCount: 1, unreadCount: 1, isPeerRead: null },
      ]);
      expect(subs.dave!.events.map((e) => e.onRecvMessageReadReceipts[0])).toEqual([
        { msgID: open.msgID, groupID: 'team', userID: null, readCount: 1, unreadCount: 2, isPeerRead: null },
      ]);
      expect(subs.bob!.events).toEqual([]); // a receipt goes to the message's sender, not to other readers
      expect(await counts('dave', open.msgID)).toEqual([0, 1, 2]); // alice, bob, carol: the members then, less dave
    });

    it('when a targeted message goes to 3 members of a group of 60, then its counts and lists range over those 3 only', async () => {
      const crowd = Array.from({ length: 60 }, (_, i) => `u${String(i).padStart(2, '0')}`);
      await group(live.gw, 'alice', crowd, 'Public', 'big');
      const m = (
        await sendText(live.gw, 'alice', 'three', {
          groupID: 'big',
          receiverList: ['u01', 'u02', 'u03'],
          needReadReceipt: true,
        })
      ).data;
      expect(await counts('alice', m.msgID)).toEqual([0, 0, 3]);
      expectCode(await call('u02', SEND_RECEIPTS, { ids: [m.msgID] }), 0);
      expectCode(await call('u02', SEND_RECEIPTS, { ids: [m.msgID] }), 0); // again: nothing changes
      expect(await counts('alice', m.msgID)).toEqual([0, 1, 2]);
      expect(await counts('u03', m.msgID)).toEqual([0, 1, 2]); // a receiver may read the counts too
      expect(await members('alice', m.msgID, UNREAD)).toEqual(['u01', 'u03']);
      expectCode(await call('u10', SEND_RECEIPTS, { ids: [m.msgID] }), 6017);
      expect((await call('u10', GET, { ids: [m.msgID] })).data[0].resultCode).toBe(6017);

      // A broadcast counts the 60 members (and alice) less its sender, and pages through them.
      const b = (await sendText(live.gw, 'u05', 'all', { groupID: 'big', needReadReceipt: true })).data;
      for (const u of ['u07', 'u01', 'alice']) expectCode(await call(u, SEND_RECEIPTS, { ids: [b.msgID] }), 0);
      expect(await counts('u05', b.msgID)).toEqual([0, 3, 57]);
      const page1 = await call('u05', MEMBERS, { m: b.msgID, f: READ, count: 2 });
      expect(page1.data.memberInfoList.map((x: { userID: string }) => x.userID)).toEqual(['u07', 'u01']);
      expect(page1.data.isFinished).toBe(false);
      const page2 = await call('u05', MEMBERS, { m: b.msgID, f: READ, seq: page1.data.nextSeq, count: 2 });
      expect(page2.data).toEqual({ memberInfoList: [{ userID: 'alice' }], nextSeq: 0, isFinished: true });
      const unread: string[] = [];
      let seq = 0;
      for (let i = 0; i < 10; i++) {
        const r = await call('u05', MEMBERS, { m: b.msgID, f: UNREAD, seq, count: 20 });
        unread.push(...r.data.memberInfoList.map((x: { userID: string }) => x.userID));
        if (r.data.isFinished) break;
        seq = r.data.nextSeq;
      }
      expect(unread).toHaveLength(57);
      expect(unread).not.toContain('u05');
      expect(unread).not.toContain('u07');
      expect(new Set(unread).size).toBe(57);
    });

    it('when alice pages the readers and non-readers of a broadcast to 7 members 2 at a time, while one more reads, then each list holds each member once, in order, and ends with isFinished', async () => {
      // Joined one by one, not in userID order: non-readers come in the order they joined, readers as they read.
      const joined = ['u7', 'u3', 'u5', 'u1', 'u6', 'u2', 'u4'];
      await group(live.gw, 'alice', [], 'Work', 'seven');
      for (const u of joined) expectCode(await call('alice', INVITE, { g: 'seven', u: [u] }), 0);
      const m = (await sendText(live.gw, 'alice', 'all', { groupID: 'seven', needReadReceipt: true })).data;
      for (const u of ['u5', 'u1', 'u4']) expectCode(await call(u, SEND_RECEIPTS, { ids: [m.msgID] }), 0);
      const page = async (f: string, seq: number, msgID = m.msgID) => {
        const r = await call('alice', MEMBERS, { m: msgID, f, seq, count: 2 });
        expectCode(r, 0);
        return r.data as { memberInfoList: { userID: string }[]; nextSeq: number; isFinished: boolean };
      };
      const ids = (p: { memberInfoList: { userID: string }[] }) => p.memberInfoList.map((x) => x.userID);
      const read1 = await page(READ, 0);
      const unread1 = await page(UNREAD, 0);
      expect([ids(read1), read1.isFinished, ids(unread1), unread1.isFinished]).toEqual([
        ['u5', 'u1'],
        false,
        ['u7', 'u3'],
        false,
      ]);
      // u7, already listed, reads between two pages: the next ones continue where the last stopped, skipping nobody.
      expectCode(await call('u7', SEND_RECEIPTS, { ids: [m.msgID] }), 0);
      const read2 = await page(READ, read1.nextSeq);
      const unread2 = await page(UNREAD, unread1.nextSeq);
      expect(read2).toEqual({ memberInfoList: [{ userID: 'u4' }, { userID: 'u7' }], nextSeq: 0, isFinished: true });
      expect(unread2).toEqual({ memberInfoList: [{ userID: 'u6' }, { userID: 'u2' }], nextSeq: 0, isFinished: true });
      expect(new Set([...ids(read1), ...ids(read2), ...ids(unread1), ...ids(unread2)])).toEqual(new Set(joined));

      // A targeted message's receivers who have not read it come by userID.
      const t = (
        await sendText(live.gw, 'alice', 'five', {
          groupID: 'seven',
          receiverList: ['u6', 'u2', 'u4', 'u1', 'u3'],
          needReadReceipt: true,
        })
      ).data;
      expectCode(await call('u2', SEND_RECEIPTS, { ids: [t.msgID] }), 0);
      const pages: string[][] = [];
      for (let seq = 0, finished = false; !finished && pages.length < 5;) {
        const p = await page(UNREAD, seq, t.msgID);
        pages.push(ids(p));
        [seq, finished] = [p.nextSeq, p.isFinished];
      }
      expect(pages).toEqual([
        ['u1', 'u3'],
        ['u4', 'u6'],
      ]);

      // A nextSeq works for its own list only; a made-up one is refused, not taken as a place to start.
      for (const [f, seq] of [
        [UNREAD, read1.nextSeq],
        [READ, unread1.nextSeq],
        [READ, 12345],
      ] as const) {
        const r = await call('alice', MEMBERS, { m: m.msgID, f, seq, count: 2 });
        expectCode(r, 6017, `${f} ${seq}`);
        expect(r.desc).toMatch(/nextSeq/);
      }
    });

    it('when 12 members send their receipts at the same moment, then each is counted and listed once', async () => {
      const crowd = Array.from({ length: 12 }, (_, i) => `c${String(i).padStart(2, '0')}`);
      await group(live.gw, 'alice', crowd, 'Work', 'crowd');
      const m = (await sendText(live.gw, 'alice', 'all', { groupID: 'crowd', needReadReceipt: true })).data;
      const sent = await Promise.all(crowd.map((u) => call(u, SEND_RECEIPTS, { ids: [m.msgID] })));
      for (const r of sent) expectCode(r, 0);
      expect(await counts('alice', m.msgID)).toEqual([0, 12, 0]);
      expect((await members('alice', m.msgID, READ)).sort()).toEqual(crowd);
    });

    it('when bob sends a receipt for a C2C message, or reads the conversation, then alice sees isPeerRead and hears of the receipt', async () => {
      const sub = await live.subscribe('alice', ON_RECEIPTS);
      const m1 = (await sendText(live.gw, 'alice', 'one', { receiver: 'bob', needReadReceipt: true })).data;
      const m2 = (await sendText(live.gw, 'alice', 'two', { receiver: 'bob', needReadReceipt: true })).data;
      expect((await call('alice', GET, { ids: [m1.msgID] })).data[0]).toMatchObject({
        resultCode: 0,
        userID: 'bob',
        readCount: 0,
        unreadCount: 1,
        isPeerRead: false,
      });
      expectCode(await call('bob', SEND_RECEIPTS, { ids: [m1.msgID] }), 0);
      await sub.waitFor(1);
      expect(sub.events[0].onRecvMessageReadReceipts).toEqual([
        { msgID: m1.msgID, groupID: null, userID: 'bob', readCount: 1, unreadCount: 0, isPeerRead: true },
      ]);
      const history = async () =>
        Object.fromEntries(
          (await call('alice', C2C_HISTORY, { u: 'bob' })).data.map((m: any) => [m.msgID, m.isPeerRead]),
        );
      expect(await history()).toEqual({ [m1.msgID]: true, [m2.msgID]: false });
      expect((await call('bob', C2C_HISTORY, { u: 'alice' })).data[0].isPeerRead).toBeNull(); // not his own
      const c2c = await live.subscribe('alice', ON_C2C);
      // A stranger who opened a conversation with alice without a message tells her nothing by reading it.
      expectCode(await call('erin', SET_OPT, { u: ['alice'] }), 0);
      expectCode(await call('erin', MARK_C2C, { u: 'alice' }), 0);
      expectCode(await call('bob', MARK_C2C, { u: 'alice' }), 0);
      expect(await history()).toEqual({ [m1.msgID]: true, [m2.msgID]: true });
      await c2c.waitFor(1);
      await settle();
      expect(c2c.events.map((e) => e.onRecvC2CReadReceipt)).toEqual([[{ msgID: '', userID: 'bob', isPeerRead: true }]]);
      expectCode(await call('alice', SEND_RECEIPTS, { ids: [m1.msgID] }), 10007); // her own
      expectCode(await call('bob', MEMBERS, { m: m1.msgID, f: READ }), 6017); // not a group message
    });

    it('when the arguments or the message are wrong, then the right code names the field', async () => {
      const plain = (await sendText(live.gw, 'alice', 'plain', { groupID: 'team' })).data;
      const asked = (await sendText(live.gw, 'alice', 'asked', { groupID: 'team', needReadReceipt: true })).data;
      const c2c = (await sendText(live.gw, 'carol', 'hi', { receiver: 'bob', needReadReceipt: true })).data;
      const cases: [string, string, string, Record<string, unknown>, number, RegExp][] = [
        ['no ids', 'bob', SEND_RECEIPTS, { ids: [] }, 6017, /messageIDList/],
        [
          '101 ids',
          'bob',
          SEND_RECEIPTS,
          { ids: Array.from({ length: 101 }, (_, i) => `m${i}`) },
          6017,
          /messageIDList/,
        ],
        ['no ids (get)', 'bob', GET, { ids: [] }, 6017, /messageIDList/],
        ['without needReadReceipt', 'bob', SEND_RECEIPTS, { ids: [plain.msgID] }, 6017, /needReadReceipt/],
        ['own message', 'alice', SEND_RECEIPTS, { ids: [asked.msgID] }, 10007, /own/],
        ['two conversations', 'bob', SEND_RECEIPTS, { ids: [asked.msgID, c2c.msgID] }, 6017, /conversation/],
        ['a page of 101', 'alice', MEMBERS, { m: asked.msgID, f: READ, count: 101 }, 6017, /count/],
        ['a negative nextSeq', 'alice', MEMBERS, { m: asked.msgID, f: UNREAD, seq: -1 }, 6017, /nextSeq/],
        ['not the sender', 'bob', MEMBERS, { m: asked.msgID, f: READ }, 10007, /sender/],
        ['no needReadReceipt (list)', 'alice', MEMBERS, { m: plain.msgID, f: READ }, 6017, /needReadReceipt/],
      ];
      for (const [what, user, query, vars, code, desc] of cases) {
        const r = await call(user, query, vars);
        expectCode(r, code, what);
        expect(r.desc, what).toMatch(desc);
      }
      // Nothing of a refused call was recorded.
      expect(await counts('alice', asked.msgID)).toEqual([0, 0, 3]);
      expect((await call('bob', GET, { ids: [plain.msgID] })).data[0].resultCode).toBe(6017);
    });

    it('when a Meeting member joins after a broadcast, then he sees it but is not in its receipt audience (10007)', async () => {
      await group(live.gw, 'alice', ['bob'], 'Meeting', 'meet');
      const m = (await sendText(live.gw, 'alice', 'before', { groupID: 'meet', needReadReceipt: true })).data;
      expectCode(await call('erin', JOIN, { g: 'meet' }), 0);
      expect((await call('erin', GET, { ids: [m.msgID] })).data[0].resultCode).toBe(0); // he may see it
      expectCode(await call('erin', SEND_RECEIPTS, { ids: [m.msgID] }), 10007);
      expect(await counts('alice', m.msgID)).toEqual([0, 0, 1]);
      expect(await members('alice', m.msgID, UNREAD)).toEqual(['bob']);
      // A Community takes no receipts: the message answers as one sent without needReadReceipt.
      await group(live.gw, 'alice', [], 'Community', '@TGS#_comm');
      expectCode(await call('bob', JOIN, { g: '@TGS#_comm' }), 0);
      const c = (await sendText(live.gw, 'alice', 'c', { groupID: '@TGS#_comm', needReadReceipt: true })).data;
      expectCode(await call('bob', SEND_RECEIPTS, { ids: [c.msgID] }), 6017);
    });
  });
}

// A group's join numbers grow by one a join while members stay and others come and go: after millions of joins they
// would pass what a nextSeq holds. The store renumbers the members then; a nextSeq of the old numbering is refused.
// The numbers are moved near the limit directly in the database, which is why these stores are opened here.
const numbered: Record<string, () => Promise<{ store: Store; exec(q: string): Promise<void>; drop(): Promise<void> }>> =
  {
    SQLite: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'im-receipts-'));
      const path = join(dir, 'im.db');
      const store = openDatabase(path, groupRules);
      const raw = new Database(path);
      return {
        store,
        exec: async (q) => void raw.exec(q),
        drop: async () => {
          raw.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    PostgreSQL: async () => {
      const schema = await freshSchema();
      const store = openPostgres(PG_URL!, { schema: schema.schema, rules: groupRules });
      const raw = new pg.Client({ connectionString: schema.url });
      await raw.connect();
      return {
        store,
        exec: async (q) => void (await raw.query(q)),
        drop: async () => {
          await raw.end();
          await schema.drop();
        },
      };
    },
  };

for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`unread-member pages past a nextSeq's reach (${backend.name})`, () => {
    let exec: (q: string) => Promise<void> = async () => {};
    const { live, call } = liveEach({
      ...backend,
      open: async () => {
        const opened = await numbered[backend.name]!();
        exec = opened.exec;
        return opened;
      },
    });
    const unread = async (msgID: string, seq: number, count: number) => {
      const r = await call('alice', MEMBERS, { m: msgID, f: UNREAD, seq, count });
      return r as {
        code: number;
        desc: string;
        data: { memberInfoList: { userID: string }[]; nextSeq: number; isFinished: boolean };
      };
    };
    const all = async (msgID: string) => {
      const out: string[] = [];
      for (let seq = 0, finished = false, n = 0; !finished && n < 20; n++) {
        const r = await unread(msgID, seq, 1);
        expectCode(r, 0, `page ${n}`);
        out.push(...r.data.memberInfoList.map((m) => m.userID));
        [seq, finished] = [r.data.nextSeq, r.data.isFinished];
      }
      return out;
    };

    it('when joins would number members past the limit, then the group is renumbered: every member is listed once in join order, and an older nextSeq is refused (6017), not misread', async () => {
      await group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'old');
      await exec(`UPDATE group_members SET join_no = join_no + ${MAX_MEMBER_POSITION - 6} WHERE group_id = 'old'`);
      const before = (await sendText(live.gw, 'alice', 'before', { groupID: 'old', needReadReceipt: true })).data;
      const first = await unread(before.msgID, 0, 2);
      expect(first.data.memberInfoList.map((m) => m.userID)).toEqual(['bob', 'carol']);

      // Four more would take join numbers up to the limit + 2.
      for (const u of ['u4', 'u3', 'u2', 'u1'])
        expectCode(await call('alice', INVITE, { g: 'old', u: [u] }), 0, `invite ${u}`);
      const rest = await unread(before.msgID, first.data.nextSeq, 2);
      expectCode(rest, 6017, 'a nextSeq of the old numbering');
      expect(rest.desc).toMatch(/nextSeq/);
      expect(await all(before.msgID)).toEqual(['bob', 'carol', 'dave']);

      const after = (await sendText(live.gw, 'alice', 'after', { groupID: 'old', needReadReceipt: true })).data;
      expect(await all(after.msgID)).toEqual(['bob', 'carol', 'dave', 'u4', 'u3', 'u2', 'u1']);
    });
  });
}

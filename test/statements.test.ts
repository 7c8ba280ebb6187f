// PostgreSQL is spoken to in sets: each GraphQL read costs a small, constant number of statements whatever the
// number of conversations, groups or ids (counted as they are sent, by the executor's onStatement hook).
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgres } from '../src/db/pg/open';
import { groupRules } from '../src/resolvers/group-type';
import { createTestGateway, testConfig, type TestGateway } from './helpers/app';
import { CONVERSATIONS, CREATE_TEXT, FIND, SEND, TOTAL_UNREAD, group, sendText } from './helpers/ops';
import { PG_URL, freshSchema, type FreshSchema } from './helpers/pg';
import { startLive } from './helpers/live';

const MERGE = `mutation($ids: [String!]!, $title: String!, $abstractList: [String!]!, $compatibleText: String!) {
  createMergerMessage(msgIDList: $ids, title: $title, abstractList: $abstractList, compatibleText: $compatibleText) { code desc data { id } } }`;
const SEND_TO = `mutation($id: String!, $receiver: String) { sendMessage(id: $id, receiver: $receiver) { code desc data { msgID } } }`;
const DOWNLOAD_MERGER = `query($msgID: String!) { downloadMergerMessage(msgID: $msgID) { code desc data { sender textElem { text } } } }`;

if (!PG_URL) console.log('statement counts: skipped: set DATABASE_URL=postgres://… to run them');

let schema: FreshSchema | undefined;
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.app.stop();
  await schema?.drop();
  gw = undefined;
  schema = undefined;
});

/** A store on a fresh PostgreSQL schema that reports each statement as it is sent (its text and parameters). */
async function watchedStore(onStatement: (text: string, values?: unknown[]) => void) {
  schema = await freshSchema();
  return openPostgres(PG_URL!, { schema: schema.schema, rules: groupRules, onStatement });
}

/** bob in `groups` groups and `peers` C2C conversations, a few messages each; counts the statements of each read. */
async function countsFor(groups: number, peers: number) {
  let statements = 0;
  const store = await watchedStore(() => void statements++);
  gw = createTestGateway({ store, config: testConfig({ groupSendRate: 1_000_000 }) });
  const ids: string[] = [];
  for (let i = 0; i < groups; i++) {
    const g = await group(gw, 'alice', ['bob', 'carol'], i % 3 === 2 ? 'Meeting' : 'Work', `g${i}`);
    ids.push((await sendText(gw, 'alice', `to all ${i}`, { groupID: g })).data.msgID);
    ids.push((await sendText(gw, 'alice', `to bob ${i}`, { groupID: g, receiverList: ['bob'] })).data.msgID);
  }
  for (let i = 0; i < peers; i++) ids.push((await sendText(gw, `peer${i}`, `hi ${i}`, { receiver: 'bob' })).data.msgID);
  const count = async (query: string, variables?: Record<string, unknown>) => {
    const before = statements;
    const r = await gw!.call('bob', query, variables);
    expect(r.code, r.desc).toBe(0);
    return statements - before;
  };
  await count(TOTAL_UNREAD); // bob's account exists from here on (one insert, then remembered)
  const resume = async () => {
    const before = statements;
    await store.messages.after('bob', 0, 200);
    return statements - before;
  };
  // A merger of every message bob sees (5 or 52 of them): downloading it is one read however many it holds.
  const merger = await gw.call('bob', MERGE, { ids, title: 'all', abstractList: [], compatibleText: 'c' });
  const mergerSent = await gw.call('bob', SEND_TO, { id: merger.data.id, receiver: 'alice' });
  return {
    downloadMerger: await count(DOWNLOAD_MERGER, { msgID: mergerSent.data.msgID }),
    conversations: await count(CONVERSATIONS),
    unread: await count(TOTAL_UNREAD),
    find20: await count(FIND, { ids: ids.slice(0, 20) }),
    resumePage: await resume(),
  };
}

(PG_URL ? describe : describe.skip)('PostgreSQL statements per operation', () => {
  it('when bob has 3 or 30 conversations and asks for 20 ids, then each read is one statement (a resume page two) either way', async () => {
    const small = await countsFor(2, 1);
    await gw!.app.stop();
    await schema!.drop();
    gw = undefined;
    schema = undefined;
    const large = await countsFor(22, 8);
    // A resume page is its bound (the safe watermark, src/db/pg/order.ts) and then the read: the read's snapshot
    // must be taken after the bound, so they cannot be one statement.
    expect(large).toEqual({ downloadMerger: 1, conversations: 1, unread: 1, find20: 1, resumePage: 2 });
    expect(small).toEqual(large);
  }, 120_000);
});

/** A group of alice and `members` others with a broadcast message; `run` gets the statements from a mutation of
 *  alice's (on that message, or with the variables `variables` makes in group `g`) to the last delivery of its
 *  event to subscribers who are online on `subscriptions` each time. */
async function liveCosts<T>(
  members: number,
  run: (
    cost: (
      mutation: string,
      subscriptions: string | string[],
      variables?: (g: string, gateway: TestGateway) => Promise<Record<string, unknown>>,
    ) => Promise<number>,
  ) => Promise<T>,
): Promise<T> {
  let statements = 0;
  const store = await watchedStore(() => void statements++);
  const live = await startLive({ store, config: testConfig({ groupSendRate: 1_000_000 }) });
  try {
    const users = Array.from({ length: members }, (_, i) => `m${i}`);
    const g = await group(live.gw, 'alice', users, 'Work', 'costs');
    const msgID = (await sendText(live.gw, 'alice', 'to all', { groupID: g })).data.msgID;
    return await run(async (mutation, subscriptions, variables) => {
      const subs = (
        await Promise.all(
          users.map(async (u) => {
            const mine = [];
            for (const q of [subscriptions].flat()) mine.push(await live.subscribe(u, q));
            return mine;
          }),
        )
      ).flat();
      // What subscribing reads (a total's first value) is done once no statement has come for a while.
      for (let last = -1; last !== statements;) {
        last = statements;
        await new Promise((r) => setTimeout(r, 100));
      }
      const vars = variables ? await variables(g, live.gw) : { msgID };
      const before = statements;
      expect((await live.gw.call('alice', mutation, vars)).code).toBe(0);
      await Promise.all(subs.map((s) => s.waitFor(1)));
      return statements - before;
    });
  } finally {
    await live.stop();
    await schema?.drop();
    schema = undefined;
  }
}

/** Each of `members` online on onRecvMessageModified and onRecvMessageRevoked: an edit's and a revoke's costs. */
const editAndRevoke = (members: number) =>
  liveCosts(members, async (cost) => ({
    edit: await cost(
      `mutation($msgID: String!) { modifyMessage(msgID: $msgID, text: "edited") { code } }`,
      `subscription { onRecvMessageModified { msgID } }`,
    ),
    revoke: await cost(
      `mutation($msgID: String!) { revokeMessage(msgID: $msgID) { code } }`,
      `subscription { onRecvMessageRevoked { msgID } }`,
    ),
  }));

(PG_URL ? describe : describe.skip)('PostgreSQL statements per live event', () => {
  it('when an edit and a revoke reach 3 or 30 online members, then the statements are the same: one audience check per event, not per subscriber', async () => {
    const small = await editAndRevoke(3);
    const large = await editAndRevoke(30);
    expect(large).toEqual(small);
  }, 120_000);

  it("when alice's reaction reaches 3 or 30 online members, then the statements are the same: one read of the reactions and the profiles per event, not per subscriber", async () => {
    const reaction = (members: number) =>
      liveCosts(members, (cost) =>
        cost(
          `mutation($msgID: String!) { addMessageReaction(msgID: $msgID, reactionID: "ok") { code } }`,
          `subscription { onRecvMessageReactionsChanged { reactionList { reactedByMyself partialUserList { nickName } } } }`,
        ),
      );
    const small = await reaction(3);
    const large = await reaction(30);
    expect(large).toBe(small);
  }, 120_000);
});

(PG_URL ? describe : describe.skip)('PostgreSQL statements per message to online members', () => {
  it('when a group message reaches 3 or 30 members online on onConversationChanged and onTotalUnreadMessageCountChanged, then the statements are the same: one read of the conversations and one of the totals per event, not per subscriber', async () => {
    const send = (members: number) =>
      liveCosts(members, (cost) =>
        cost(
          SEND,
          [
            'subscription { onConversationChanged { conversationID unreadCount } }',
            'subscription { onTotalUnreadMessageCountChanged }',
          ],
          async (groupID, gateway) => ({
            id: (await gateway.call('alice', CREATE_TEXT, { text: 'to all' })).data.id,
            groupID,
          }),
        ),
      );
    const small = await send(3);
    const large = await send(30);
    // Each subscriber read its own conversation and total: 60 more statements for 27 more members.
    expect(large).toBe(small);
  }, 120_000);
});

const READ_MEMBERS = `query($m: String!, $f: GroupMessageReadMembersFilter!, $seq: Int) {
  getGroupMessageReadMemberList(msgID: $m, filter: $f, nextSeq: $seq, count: 2) { code desc data { nextSeq } } }`;
const SEND_RECEIPTS = `mutation($ids: [String!]!) { sendMessageReadReceipts(messageIDList: $ids) { code desc } }`;

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows of `table` a plan's scans read: those they returned and those their filters dropped. */
const rowsRead = (node: PlanNode, table: string): number =>
  (node['Relation Name'] === table
    ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops']
    : 0) + (node.Plans ?? []).reduce((n, child) => n + rowsRead(child, table), 0);

(PG_URL ? describe : describe.skip)('PostgreSQL rows per page', () => {
  it("when alice reads the 10th page (count 2) of a broadcast's readers or non-readers in a group of 40, then it reads no more rows than the first page", async () => {
    const sent: { text: string; values: unknown[] }[] = [];
    const store = await watchedStore((text, values) => void sent.push({ text, values: values ?? [] }));
    gw = createTestGateway({ store, config: testConfig({ groupSendRate: 1_000_000 }) });
    const members = Array.from({ length: 40 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    await group(gw, 'alice', members, 'Work', 'forty');
    const { msgID } = (await sendText(gw, 'alice', 'all', { groupID: 'forty', needReadReceipt: true })).data;
    const explain = new pg.Client({ connectionString: schema!.url });
    await explain.connect();
    try {
      /** The rows of `table` the page statements of the 1st and the 10th page read, run again under EXPLAIN. */
      const firstAndTenth = async (filter: string, table: string): Promise<[number, number]> => {
        const pages: { text: string; values: unknown[] }[] = [];
        let seq = 0;
        for (let i = 0; i < 10; i++) {
          const from = sent.length;
          const r = await gw!.call('alice', READ_MEMBERS, { m: msgID, f: filter, seq });
          expect(r.code, r.desc).toBe(0);
          seq = r.data.nextSeq;
          pages.push(sent.slice(from).find((s) => /^SELECT (u\.)?user_id AS "userId"/.test(s.text))!);
        }
        // A table this small would be read whole by choice; as a large one is, it must be read along an index.
        await explain.query('SET enable_seqscan = off');
        const read = async ({ text, values }: { text: string; values: unknown[] }) => {
          const plan = (await explain.query({ text: `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values })).rows[0];
          return rowsRead(plan['QUERY PLAN'][0].Plan, table);
        };
        return [await read(pages[0]!), await read(pages[9]!)];
      };
      // Non-readers first (nobody has read yet), then readers: 30 of the 40, in order.
      const [firstUnread, tenthUnread] = await firstAndTenth(
        'V2TIM_GROUP_MESSAGE_READ_MEMBERS_FILTER_UNREAD',
        'group_members',
      );
      for (const u of members.slice(0, 30)) expect((await gw.call(u, SEND_RECEIPTS, { ids: [msgID] })).code).toBe(0);
      const [firstRead, tenthRead] = await firstAndTenth(
        'V2TIM_GROUP_MESSAGE_READ_MEMBERS_FILTER_READ',
        'message_readers',
      );
      expect(firstUnread).toBeLessThanOrEqual(4); // a page of 2, the row that tells there is more, and alice's own
      expect(tenthUnread).toBeLessThanOrEqual(firstUnread);
      expect(firstRead).toBe(3);
      expect(tenthRead).toBe(firstRead);
    } finally {
      await explain.end();
    }
  }, 120_000);
});

(PG_URL ? describe : describe.skip)('PostgreSQL statements of an online-only send', () => {
  it('when alice sends a text onlineUserOnly into a group, then it runs no statement on holdings (the draft delete tells it holds none)', async () => {
    const texts: string[] = [];
    const store = await watchedStore((text) => void texts.push(text));
    gw = createTestGateway({ store });
    await group(gw, 'alice', ['bob'], 'Work', 'team');
    const before = texts.length;
    const sent = await sendText(gw, 'alice', 'live only', { groupID: 'team', onlineUserOnly: true });
    expect(sent.code, sent.desc).toBe(0);
    const send = texts.slice(before);
    expect(send.some((t) => /DELETE FROM drafts/.test(t))).toBe(true);
    expect(send.filter((t) => /media_refs|merged_messages/.test(t) && !/DELETE FROM drafts/.test(t))).toEqual([]);
  });
});

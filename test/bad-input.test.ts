// Bad input, table-driven over every argument of every operation (schema-contract.graphql): wrong types, empty,
// too long, Unicode edge cases, unknown ids, other users' ids, injection-looking strings. Each answers with its
// code and a desc naming the field or value (or a GraphQL error naming the variable, for wrong types), nothing is
// stored by a refused call, an id of someone else's reads exactly like an unknown one, and the server stays up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, testConfig, userSig, type TestGateway, expectCode } from './helpers/app';
import { frames } from './helpers/sse';
import { CREATE_TARGETED, CREATE_TEXT, SEND, group, sendText } from './helpers/ops';

let gw: TestGateway;
let dir: string;
let db: Database.Database;
/** Ids of the fixture, made in beforeAll. */
const f = {} as {
  team: string;
  pub: string;
  outside: string;
  draft: string;
  bobsDraft: string;
  c2c: string;
  foreign: string;
  groupMsg: string;
  targetedForBob: string;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'im-bad-input-'));
  gw = createTestGateway({ config: testConfig({ databaseUrl: join(dir, 'im.db') }) });
  // A second, read-only connection sees every commit (WAL): the snapshots below compare whole tables.
  db = new Database(join(dir, 'im.db'), { readonly: true });
  f.team = await group(gw, 'alice', ['bob'], 'Work', 'team');
  f.pub = await group(gw, 'alice', ['bob'], 'Public', 'pub'); // a type with mute (Work groups have none)
  f.outside = await group(gw, 'carol', ['dave'], 'Public', 'outside');
  f.draft = (await gw.call('alice', CREATE_TEXT, { text: 'draft' })).data.id;
  f.bobsDraft = (await gw.call('bob', CREATE_TEXT, { text: 'bob draft' })).data.id;
  f.c2c = (await sendText(gw, 'alice', 'to bob', { receiver: 'bob' })).data.msgID;
  f.foreign = (await sendText(gw, 'carol', 'to dave', { receiver: 'dave' })).data.msgID;
  f.groupMsg = (await sendText(gw, 'alice', 'team news', { groupID: f.team })).data.msgID;
  f.targetedForBob = (
    await sendText(gw, 'carol', 'for dave only', { groupID: f.outside, receiverList: ['dave'] })
  ).data.msgID;
});
afterAll(async () => {
  db.close();
  await gw.app.stop();
  rmSync(dir, { recursive: true, force: true });
});

const TABLES = ['users', 'groups', 'group_members', 'messages', 'message_audience', 'drafts', 'conversations'];
const snapshot = () => JSON.stringify(TABLES.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()));

// ---- the operations, each with valid arguments that the cases below spoil one at a time ----

const ops = {
  getGroupMemberList: [
    'query($groupID: String!, $count: Int, $nextSeq: String) { getGroupMemberList(groupID: $groupID, count: $count, nextSeq: $nextSeq) { code desc } }',
    () => ({ groupID: f.team }),
  ],
  getGroupHistoryMessageList: [
    'query($groupID: String!, $count: Int!, $lastMsgID: String) { getGroupHistoryMessageList(groupID: $groupID, count: $count, lastMsgID: $lastMsgID) { code desc } }',
    () => ({ groupID: f.team, count: 10 }),
  ],
  getC2CHistoryMessageList: [
    'query($userID: String!, $count: Int!, $lastMsgID: String) { getC2CHistoryMessageList(userID: $userID, count: $count, lastMsgID: $lastMsgID) { code desc data { msgID } } }',
    () => ({ userID: 'bob', count: 10 }),
  ],
  findMessages: [
    'query($messageIDList: [String!]!) { findMessages(messageIDList: $messageIDList) { code desc data { msgID } } }',
    () => ({ messageIDList: [f.c2c] }),
  ],
  getConversationList: [
    'query($count: Int!, $nextSeq: String) { getConversationList(count: $count, nextSeq: $nextSeq) { code desc } }',
    () => ({ count: 10 }),
  ],
  createGroup: [
    'mutation($groupType: String!, $groupName: String!, $groupID: String, $memberList: [V2TimGroupMemberInput!]) { createGroup(groupType: $groupType, groupName: $groupName, groupID: $groupID, memberList: $memberList) { code desc } }',
    () => ({ groupType: 'Work', groupName: 'n', groupID: 'fresh', memberList: [{ userID: 'bob' }] }),
  ],
  joinGroup: [
    'mutation($groupID: String!, $message: String) { joinGroup(groupID: $groupID, message: $message) { code desc } }',
    () => ({ groupID: f.outside }),
  ],
  quitGroup: [
    'mutation($groupID: String!) { quitGroup(groupID: $groupID) { code desc } }',
    () => ({ groupID: f.team }),
  ],
  dismissGroup: [
    'mutation($groupID: String!) { dismissGroup(groupID: $groupID) { code desc } }',
    () => ({ groupID: f.team }),
  ],
  inviteUserToGroup: [
    'mutation($groupID: String!, $userList: [String!]!) { inviteUserToGroup(groupID: $groupID, userList: $userList) { code desc } }',
    () => ({ groupID: f.team, userList: ['erin'] }),
  ],
  kickGroupMember: [
    'mutation($groupID: String!, $memberList: [String!]!, $reason: String) { kickGroupMember(groupID: $groupID, memberList: $memberList, reason: $reason) { code desc } }',
    () => ({ groupID: f.team, memberList: ['bob'] }),
  ],
  muteGroupMember: [
    'mutation($groupID: String!, $userID: String!, $seconds: Int!) { muteGroupMember(groupID: $groupID, userID: $userID, seconds: $seconds) { code desc } }',
    () => ({ groupID: f.pub, userID: 'bob', seconds: 60 }),
  ],
  createTextMessage: [
    'mutation($text: String!) { createTextMessage(text: $text) { code desc data { id messageInfo { textElem { text } } } } }',
    () => ({ text: 'hi' }),
  ],
  createTextAtMessage: [
    'mutation($text: String!, $atUserList: [String!]!) { createTextAtMessage(text: $text, atUserList: $atUserList) { code desc } }',
    () => ({ text: 'hi', atUserList: ['bob'] }),
  ],
  createCustomMessage: [
    'mutation($data: String!, $desc: String, $extension: String) { createCustomMessage(data: $data, desc: $desc, extension: $extension) { code desc data { id messageInfo { customElem { data desc extension } } } } }',
    () => ({ data: 'd' }),
  ],
  createTargetedGroupMessage: [
    'mutation($id: String!, $receiverList: [String!]!) { createTargetedGroupMessage(id: $id, receiverList: $receiverList) { code desc } }',
    () => ({ id: f.draft, receiverList: ['bob'] }),
  ],
  sendMessage: [SEND, () => ({ id: f.draft, groupID: f.team })],
  revokeMessage: [
    'mutation($msgID: String!) { revokeMessage(msgID: $msgID) { code desc } }',
    () => ({ msgID: f.groupMsg }),
  ],
  markGroupMessageAsRead: [
    'mutation($groupID: String!) { markGroupMessageAsRead(groupID: $groupID) { code desc } }',
    () => ({ groupID: f.team }),
  ],
  markC2CMessageAsRead: [
    'mutation($userID: String!) { markC2CMessageAsRead(userID: $userID) { code desc } }',
    () => ({ userID: 'bob' }),
  ],
} as const satisfies Record<string, readonly [string, () => Record<string, unknown>]>;
type Op = keyof typeof ops;

interface Refused {
  op: Op;
  arg: string;
  value: unknown;
  code: number;
  names: string | RegExp;
}

// Malformed ids: each id argument refuses them with its format code and names the argument. userIDs are Tencent's
// printable ASCII 0x20–0x7e, so a space (and SQL made of printable ASCII) is a valid userID; see USER_ID_OK.
const MALFORMED: [string, (max: number) => string][] = [
  ['empty', () => ''],
  ['one byte too long', (max) => 'x'.repeat(max + 1)],
  ['a space', () => 'a b'],
  ['NUL', () => 'ab\u0000c'],
  ['an RTL override', () => 'ab\u202ec'],
  ['an emoji', () => 'team😀'],
  ['a lone surrogate', () => 'ab\ud800'],
  ['SQL', () => "' OR 1=1 --"],
];
const USER_ID_OK = new Set(['a space', 'SQL']);
const ID_ARGS: { op: Op; arg: string; code: number; max: number }[] = [
  ...(
    [
      'getGroupMemberList',
      'getGroupHistoryMessageList',
      'joinGroup',
      'quitGroup',
      'dismissGroup',
      'inviteUserToGroup',
      'kickGroupMember',
      'muteGroupMember',
      'markGroupMessageAsRead',
      'sendMessage',
      'createGroup',
    ] as const
  ).map((op) => ({ op, arg: 'groupID', code: 10015, max: 48 })),
  { op: 'getC2CHistoryMessageList', arg: 'userID', code: 7003, max: 32 },
  { op: 'markC2CMessageAsRead', arg: 'userID', code: 7003, max: 32 },
  { op: 'sendMessage', arg: 'receiver', code: 7003, max: 32 },
  { op: 'muteGroupMember', arg: 'userID', code: 10004, max: 32 },
];
const LIST_ARGS: { op: Op; arg: string; code: number; max: number }[] = [
  { op: 'inviteUserToGroup', arg: 'userList', code: 10004, max: 500 },
  { op: 'kickGroupMember', arg: 'memberList', code: 10004, max: 500 },
  { op: 'createTextAtMessage', arg: 'atUserList', code: 6017, max: 30 },
  { op: 'createTargetedGroupMessage', arg: 'receiverList', code: 6017, max: 50 },
];

const many = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);
const TOO_BIG = 'a'.repeat(12 * 1024 + 1);
const EMOJI_TOO_BIG = '😀'.repeat(3073); // 12,292 bytes in 6,146 UTF-16 units: bytes count, not characters

const REFUSED: Refused[] = [
  ...ID_ARGS.flatMap(({ op, arg, code, max }) =>
    MALFORMED
      // "" is "not set" where the argument is optional: a generated groupID, or no receiver / no group.
      .filter(([what]) => !(what === 'empty' && (op === 'createGroup' || op === 'sendMessage')))
      .filter(([what]) => !(max === 32 && USER_ID_OK.has(what)))
      .map(([, make]) => ({ op, arg, value: make(max), code, names: arg })),
  ),
  ...LIST_ARGS.flatMap(({ op, arg, code, max }) => [
    ...(op === 'createTextAtMessage' ? [] : [{ op, arg, value: [], code, names: `${arg} is empty` }]),
    { op, arg, value: many(max + 1), code, names: arg },
    ...MALFORMED.filter(([what]) => what !== 'one byte too long' && !USER_ID_OK.has(what)).map(([, make]) => ({
      op,
      arg,
      value: ['bob', make(32)],
      code,
      names: `${arg}[1]`,
    })),
  ]),
  // Groups
  { op: 'createGroup', arg: 'groupType', value: 'work', code: 10004, names: 'groupType' },
  { op: 'createGroup', arg: 'groupType', value: '', code: 10004, names: 'groupType' },
  { op: 'createGroup', arg: 'groupType', value: "Work' OR 1=1 --", code: 10004, names: 'groupType' },
  { op: 'createGroup', arg: 'groupName', value: '', code: 10004, names: 'groupName' },
  { op: 'createGroup', arg: 'groupName', value: '界'.repeat(34), code: 10004, names: 'groupName' },
  { op: 'createGroup', arg: 'groupName', value: 'bad \ud800 name', code: 10004, names: 'groupName' },
  { op: 'createGroup', arg: 'groupID', value: '@TGS#mine', code: 10015, names: 'groupID' },
  { op: 'createGroup', arg: 'groupID', value: 'team', code: 10021, names: 'groupID' },
  {
    op: 'createGroup',
    arg: 'memberList',
    value: [{ userID: 'bob', role: 400 }],
    code: 10004,
    names: 'memberList[0].role',
  },
  {
    op: 'createGroup',
    arg: 'memberList',
    value: [{ userID: 'bob' }, { userID: "'\tOR 1=1 --" }],
    code: 10004,
    names: 'memberList[1].userID',
  },
  {
    op: 'createGroup',
    arg: 'memberList',
    value: many(200).map((userID) => ({ userID })),
    code: 10014,
    names: 'memberList',
  },
  { op: 'getGroupMemberList', arg: 'count', value: 0, code: 10004, names: 'count' },
  { op: 'getGroupMemberList', arg: 'count', value: 101, code: 10004, names: 'count' },
  { op: 'getGroupMemberList', arg: 'nextSeq', value: 'abc', code: 10004, names: 'nextSeq' },
  { op: 'getGroupMemberList', arg: 'nextSeq', value: '-1', code: 10004, names: 'nextSeq' },
  { op: 'muteGroupMember', arg: 'seconds', value: -1, code: 10004, names: 'seconds' },
  { op: 'muteGroupMember', arg: 'seconds', value: 31 * 24 * 3600, code: 10004, names: 'seconds' },
  { op: 'kickGroupMember', arg: 'memberList', value: ['zoe'], code: 10004, names: 'memberList' },
  { op: 'inviteUserToGroup', arg: 'userList', value: ['bob'], code: 10013, names: 'bob' },
  // Unknown groups, and groups of others: the group is named
  ...(
    [
      'getGroupMemberList',
      'getGroupHistoryMessageList',
      'joinGroup',
      'quitGroup',
      'dismissGroup',
      'inviteUserToGroup',
      'kickGroupMember',
      'muteGroupMember',
      'sendMessage',
    ] as const
  ).flatMap((op) => [
    { op, arg: 'groupID', value: '<script>alert(1)</script>', code: 10010, names: '<script>alert(1)</script>' },
    ...(op === 'joinGroup' ? [] : [{ op, arg: 'groupID', value: 'outside', code: 10007, names: 'outside' }]),
  ]),
  { op: 'markGroupMessageAsRead', arg: 'groupID', value: 'nosuchgroup', code: 6017, names: 'nosuchgroup' },
  { op: 'markGroupMessageAsRead', arg: 'groupID', value: 'outside', code: 6017, names: 'outside' },
  { op: 'markC2CMessageAsRead', arg: 'userID', value: 'zoe', code: 6017, names: 'zoe' },
  // Pages
  ...(['getGroupHistoryMessageList', 'getC2CHistoryMessageList', 'getConversationList'] as const).flatMap((op) => [
    { op, arg: 'count', value: 0, code: 6017, names: 'count' },
    { op, arg: 'count', value: -5, code: 6017, names: 'count' },
    { op, arg: 'count', value: 101, code: 6017, names: 'count' },
  ]),
  { op: 'getConversationList', arg: 'nextSeq', value: 'abc', code: 6017, names: 'nextSeq' },
  { op: 'getConversationList', arg: 'nextSeq', value: "1' OR '1'='1", code: 6017, names: 'nextSeq' },
  ...(['getGroupHistoryMessageList', 'getC2CHistoryMessageList'] as const).flatMap((op) => [
    { op, arg: 'lastMsgID', value: 'nope', code: 6017, names: 'lastMsgID' },
    { op, arg: 'lastMsgID', value: "' OR 1=1 --", code: 6017, names: 'lastMsgID' },
  ]),
  { op: 'findMessages', arg: 'messageIDList', value: many(101), code: 6017, names: 'messageIDList' },
  // Creating messages
  { op: 'createTextMessage', arg: 'text', value: '', code: 6017, names: 'text' },
  { op: 'createTextMessage', arg: 'text', value: TOO_BIG, code: 80002, names: 'text' },
  { op: 'createTextMessage', arg: 'text', value: EMOJI_TOO_BIG, code: 80002, names: 'text' },
  { op: 'createTextMessage', arg: 'text', value: 'half of 😀: \ud83d', code: 6017, names: 'text' },
  { op: 'createTextMessage', arg: 'text', value: '\udc00 alone', code: 6017, names: 'text' },
  { op: 'createTextAtMessage', arg: 'text', value: '', code: 6017, names: 'text' },
  { op: 'createTextAtMessage', arg: 'text', value: TOO_BIG, code: 80002, names: 'text' },
  { op: 'createTextAtMessage', arg: 'text', value: 'x\ud800', code: 6017, names: 'text' },
  { op: 'createCustomMessage', arg: 'data', value: '', code: 6017, names: 'data' },
  { op: 'createCustomMessage', arg: 'data', value: TOO_BIG, code: 80002, names: 'data' },
  { op: 'createCustomMessage', arg: 'data', value: '{"k":"\ud800"}', code: 6017, names: 'data' },
  { op: 'createCustomMessage', arg: 'desc', value: '\udfff', code: 6017, names: 'desc' },
  { op: 'createCustomMessage', arg: 'extension', value: 'e\ud800', code: 6017, names: 'extension' },
  { op: 'createTargetedGroupMessage', arg: 'id', value: '', code: 6017, names: 'id' },
  { op: 'createTargetedGroupMessage', arg: 'id', value: 'created_temp_id-nope', code: 6017, names: 'id' },
  // Sending and revoking
  { op: 'sendMessage', arg: 'id', value: '', code: 6017, names: 'id' },
  { op: 'sendMessage', arg: 'id', value: "created_temp_id-' OR 1=1 --", code: 6017, names: 'id' },
  { op: 'sendMessage', arg: 'cloudCustomData', value: TOO_BIG, code: 80002, names: 'cloudCustomData' },
  { op: 'sendMessage', arg: 'localCustomData', value: TOO_BIG, code: 80002, names: 'localCustomData' },
  { op: 'sendMessage', arg: 'cloudCustomData', value: 'x\ud800', code: 6017, names: 'cloudCustomData' },
  { op: 'sendMessage', arg: 'localCustomData', value: '\udc00', code: 6017, names: 'localCustomData' },
  // The 12 KB cap is on the whole message: f.draft's 5-byte text plus 12,284 bytes of cloudCustomData is one too many.
  {
    op: 'sendMessage',
    arg: 'cloudCustomData',
    value: 'x'.repeat(12284),
    code: 80002,
    names: 'text 5, cloudCustomData 12284',
  },
  // Rules per group type (Tencent's): the fixture's "team" is a Work group, owned by alice.
  {
    op: 'createGroup',
    arg: 'memberList',
    value: [{ userID: 'bob', role: 300 }],
    code: 10004,
    names: 'memberList[0].role must be 200 (member), got 300: Work groups have no admins',
  },
  {
    op: 'createGroup',
    arg: 'groupType',
    value: 'AVChatRoom',
    code: 10004,
    names: 'memberList must be empty for AVChatRoom groups',
  },
  { op: 'dismissGroup', arg: 'groupID', value: 'team', code: 10007, names: 'not even by its owner' },
  { op: 'muteGroupMember', arg: 'groupID', value: 'team', code: 10007, names: 'Work groups do not support muting' },
  { op: 'revokeMessage', arg: 'msgID', value: '', code: 10030, names: 'msgID' },
  { op: 'revokeMessage', arg: 'msgID', value: "1' OR '1'='1", code: 10030, names: 'msgID' },
] as Refused[];

async function ask(op: Op, vars: Record<string, unknown>, user = 'alice') {
  const [query] = ops[op];
  const { status, body } = await gw.gql(user, query, vars);
  return { status, body, result: body.data?.[op] as { code: number; desc: string; data?: unknown } | undefined };
}

const label = (v: unknown) => {
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
};

describe('refused arguments: their code, a desc naming the field or value, and nothing stored', () => {
  it.each(REFUSED.map((c) => [c.op, c.arg, label(c.value), c] as const))(
    'when %s gets %s = %s, then its code',
    async (_op, _arg, _v, c) => {
      const before = snapshot();
      const { status, result } = await ask(c.op, { ...ops[c.op][1](), [c.arg]: c.value });
      expect(status).toBe(200);
      expect(result?.code, result?.desc).toBe(c.code);
      if (typeof c.names === 'string') expect(result!.desc).toContain(c.names);
      else expect(result!.desc).toMatch(c.names);
      expect(snapshot()).toBe(before);
    },
  );

  it('when sendMessage names the sender as its own receiver, then 6032 naming receiver', async () => {
    const { result } = await ask('sendMessage', { id: f.draft, receiver: 'alice' });
    expect(result).toMatchObject({ code: 6032, desc: expect.stringContaining('receiver') });
  });

  it('when sendMessage has neither receiver nor groupID (or empty strings), then 6017 naming both', async () => {
    for (const vars of [{ id: f.draft }, { id: f.draft, receiver: '', groupID: '' }]) {
      const { result } = await ask('sendMessage', vars);
      expect(result?.code).toBe(6017);
      expect(result?.desc).toMatch(/receiver and groupID/);
    }
  });
});

describe("someone else's ids read exactly like unknown ones", () => {
  const same = async (op: Op, arg: string, theirs: () => string, unknown: string, user = 'alice') => {
    const base = ops[op][1]();
    const a = (await ask(op, { ...base, [arg]: theirs() }, user)).result!;
    const b = (await ask(op, { ...base, [arg]: unknown }, user)).result!;
    expect(a.code).not.toBe(0);
    expect({ code: a.code, desc: a.desc.replace(theirs(), '<id>') }).toEqual({
      code: b.code,
      desc: b.desc.replace(unknown, '<id>'),
    });
  };

  it("when alice sends or targets bob's draft, then 6017 as for an id that never existed", async () => {
    await same('sendMessage', 'id', () => f.bobsDraft, 'created_temp_id-never');
    await same('createTargetedGroupMessage', 'id', () => f.bobsDraft, 'created_temp_id-never');
  });

  it('when alice revokes, pages from or finds a message outside her audience, then it is as if it did not exist', async () => {
    await same('revokeMessage', 'msgID', () => f.foreign, '1700000000-neverexisted');
    await same('revokeMessage', 'msgID', () => f.targetedForBob, '1700000000-neverexisted');
    await same('getC2CHistoryMessageList', 'lastMsgID', () => f.foreign, '1700000000-neverexisted');
    await same('getGroupHistoryMessageList', 'lastMsgID', () => f.c2c, '1700000000-neverexisted'); // hers, but another conversation
    const found = await ask('findMessages', { messageIDList: [f.foreign, f.targetedForBob, 'nope', f.c2c] });
    expect(found.result).toMatchObject({ code: 0, data: [{ msgID: f.c2c }] });
  });

  it('when alice marks read a group she is not in, then the same 6017 as for a group that does not exist', async () => {
    await same('markGroupMessageAsRead', 'groupID', () => 'outside', 'nosuchgroup');
  });
});

describe('content that is accepted exactly as sent', () => {
  it.each([
    ['a space', 'ann lee'],
    ['SQL in printable ASCII', "' OR 1=1 --"],
  ])(
    'when a userID has %s (Tencent allows printable ASCII 0x20-0x7e), then a message reaches that user',
    async (_what, userID) => {
      const sent = await sendText(gw, 'alice', 'hello you', { receiver: userID });
      expect(sent).toMatchObject({ code: 0, data: { userID } });
      const history = await ask('getC2CHistoryMessageList', { userID: 'alice', count: 1 }, userID);
      expect(history.result).toMatchObject({ code: 0, data: [{ msgID: sent.data.msgID }] });
    },
  );

  it.each([
    ['emoji with modifiers and ZWJ', '👩🏽‍💻 👍🏿 🇨🇳'],
    ['NUL inside', 'before\u0000after'],
    ['RTL and zero-width marks', '\u202eevil\u202c \u200b\u200f'],
    ['SQL', "'); DROP TABLE messages; --"],
    ['markup', '<script>alert(1)</script><img src=x onerror=alert(1)>'],
    ['exactly 12 KB of 4-byte characters', '😀'.repeat(3072)],
  ])('when a text has %s, then it is stored and read back byte for byte', async (_what, text) => {
    const created = await ask('createTextMessage', { text });
    expect(created.result?.code).toBe(0);
    const sent = await gw.call('alice', SEND, { id: (created.result!.data as { id: string }).id, receiver: 'bob' });
    expectCode(sent, 0);
    const history = await ask('getC2CHistoryMessageList', { userID: 'alice', count: 1 }, 'bob');
    expect((history.result!.data as { msgID: string }[])[0]!.msgID).toBe(sent.data.msgID);
    const read = await gw.call(
      'bob',
      'query($ids: [String!]!) { findMessages(messageIDList: $ids) { data { textElem { text } } } }',
      { ids: [sent.data.msgID] },
    );
    expect(read.data[0].textElem.text).toBe(text);
  });

  it('when a custom message and a group name carry Unicode and markup, then both come back unchanged', async () => {
    const custom = await ask('createCustomMessage', { data: '{"a":"\u0000😀"}', desc: '<b>', extension: "' OR 1=1" });
    expect(custom.result?.data).toMatchObject({
      messageInfo: { customElem: { data: '{"a":"\u0000😀"}', desc: '<b>', extension: "' OR 1=1" } },
    });
    const created = await ask('createGroup', {
      groupType: 'Public',
      groupName: '<i>群</i> 😀\u202e',
      groupID: 'unicode-name',
    });
    expect(created.result?.code).toBe(0);
    const joined = await gw.call('alice', '{ getJoinedGroupList { data { groupID groupName } } }');
    expect(joined.data).toContainEqual({ groupID: 'unicode-name', groupName: '<i>群</i> 😀\u202e' });
  });
});

describe('wrong types and malformed requests: a GraphQL error naming the variable, nothing run', () => {
  it.each([
    ['getGroupHistoryMessageList', 'count', 'ten'],
    ['getGroupHistoryMessageList', 'count', 1.5],
    ['getGroupHistoryMessageList', 'count', 2 ** 31],
    ['getGroupHistoryMessageList', 'groupID', 42],
    ['getGroupHistoryMessageList', 'groupID', null],
    ['getC2CHistoryMessageList', 'userID', { $ne: null }],
    ['findMessages', 'messageIDList', [1, 2]],
    ['findMessages', 'messageIDList', [null]],
    ['createGroup', 'memberList', [{ userID: 'bob', role: 'admin' }]],
    ['createGroup', 'memberList', [{ user: 'bob' }]],
    ['muteGroupMember', 'seconds', '60'],
    ['createTextMessage', 'text', ['a', 'b']],
    ['createTextAtMessage', 'atUserList', 7],
    ['createCustomMessage', 'data', { nested: true }],
    ['sendMessage', 'priority', 'URGENT'],
    ['sendMessage', 'priority', 1],
    ['sendMessage', 'onlineUserOnly', 'yes'],
    ['sendMessage', 'id', null],
    ['revokeMessage', 'msgID', true],
    ['markC2CMessageAsRead', 'userID', []],
  ] as [Op, string, unknown][])('when %s gets %s = %j, then a GraphQL error names $%s', async (op, arg, value) => {
    const before = snapshot();
    const { body } = await ask(op, { ...ops[op][1](), [arg]: value });
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.message).toContain(`$${arg}`);
    expect(snapshot()).toBe(before);
  });

  it.each([
    ['a body that is not JSON', '{"query": "{ getLoginUser { data } }"'],
    ['no query', '{"variables": {}}'],
    ['a query that is not a string', '{"query": 5}'],
    ['variables that are not an object', '{"query": "{ getLoginUser { data } }", "variables": "x"}'],
    ['a syntax error', '{"query": "{ getLoginUser "}'],
    ['an unknown field', '{"query": "{ getPassword }"}'],
  ])('when the request has %s, then it is refused with errors and no data', async (_what, raw) => {
    const res = await gw.app.yoga.fetch('http://local/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${userSig('alice')}` },
      body: raw,
    });
    expect(res.status).toBeGreaterThanOrEqual(200);
    const body = await res.json();
    expect(body.errors?.length).toBeGreaterThan(0);
    expect(body.data ?? null).toBeNull();
  });

  it('when onRecvNewMessage gets a forged afterCursor, then the stream carries one error with imCode 6017 naming afterCursor', async () => {
    for (const afterCursor of ['forged', "' OR 1=1 --", 'A'.repeat(22), '\ud800']) {
      const res = await gw.app.yoga.fetch('http://local/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${userSig('alice')}`,
        },
        body: JSON.stringify({
          query: 'subscription($c: String) { onRecvNewMessage(afterCursor: $c) { msgID } }',
          variables: { c: afterCursor },
        }),
      });
      const events = [];
      for await (const frame of frames(res.body!)) if (frame.event === 'next') events.push(JSON.parse(frame.data));
      expect(events).toMatchObject([
        { errors: [{ message: expect.stringContaining('afterCursor'), extensions: { imCode: 6017 } }] },
      ]);
    }
    expect(gw.app.services.router.streamCount('alice')).toBe(0);
  });
});

describe('after all of the above', () => {
  it('when a normal flow runs, then the server answers as before and the fixture is intact', async () => {
    const before = snapshot();
    const created = await gw.call('alice', CREATE_TEXT, { text: 'still here' });
    expect(snapshot()).not.toBe(before); // the snapshots see every commit
    const targeted = await gw.call('alice', CREATE_TARGETED, { id: created.data.id, receiverList: ['bob'] });
    expectCode(await gw.call('alice', SEND, { id: targeted.data.id, groupID: f.team }), 0);
    const history = await ask('getGroupHistoryMessageList', { groupID: f.team, count: 10 }, 'bob');
    expect(history.result?.code).toBe(0);
    expect((await ask('getGroupMemberList', { groupID: f.team }, 'bob')).result?.code).toBe(0);
  });
});

// Every refusal of im-semantics §4–§6 returns its own code, a desc that names the field, and (for sends) the
// message with status 3 whose id stays usable.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config';
import { createTestGateway, testConfig, type TestGateway, expectCode } from './helpers/app';
import { CREATE_TARGETED, CREATE_TEXT, SEND, group, sendText } from './helpers/ops';

let gw: TestGateway;
beforeEach(() => {
  gw = createTestGateway();
});
afterEach(async () => {
  await gw.app.stop();
});

const CREATE_AT = `mutation($text: String!, $at: [String!]!) { createTextAtMessage(text: $text, atUserList: $at) { code desc data { id messageInfo { groupAtUserList } } } }`;
const CREATE_CUSTOM = `mutation($data: String!, $desc: String, $ext: String) { createCustomMessage(data: $data, desc: $desc, extension: $ext) { code desc data { id messageInfo { elemType customElem { data desc extension } } } } }`;

const draft = async (user = 'alice', text = 'hi') => (await gw.call(user, CREATE_TEXT, { text })).data.id as string;

describe('creating messages (§4)', () => {
  it.each([
    ['empty text', '', 6017, /text is empty/],
    ['text of 12,289 bytes', 'a'.repeat(12289), 80002, /text is 12289 bytes/],
    ['text of 4,097 three-byte characters', '界'.repeat(4097), 80002, /text is 12291 bytes/],
  ])('when createTextMessage gets %s, then %i', async (_what, text, code, desc) => {
    const r = await gw.call('alice', CREATE_TEXT, { text });
    expect(r).toMatchObject({ code, data: null });
    expect(r.desc).toMatch(desc);
  });

  it('when text is exactly 12 KB, then it is accepted', async () => {
    expectCode(await gw.call('alice', CREATE_TEXT, { text: 'a'.repeat(12288) }), 0);
  });

  it('when createTextAtMessage gets 31 users or a bad userID, then 6017 naming atUserList', async () => {
    const many = Array.from({ length: 31 }, (_, i) => `u${i}`);
    expect(await gw.call('alice', CREATE_AT, { text: 'x', at: many })).toMatchObject({
      code: 6017,
      desc: expect.stringMatching(/atUserList/),
    });
    expect(await gw.call('alice', CREATE_AT, { text: 'x', at: ['ok', ''] })).toMatchObject({
      code: 6017,
      desc: expect.stringMatching(/atUserList\[1\]/),
    });
    expect(
      (await gw.call('alice', CREATE_AT, { text: 'x', at: ['bob', '__kImSDK_MesssageAtALL__'] })).data.messageInfo
        .groupAtUserList,
    ).toEqual(['bob', '__kImSDK_MesssageAtALL__']);
  });

  it('when createCustomMessage is over 12 KB in total, then 80002; otherwise its elem comes back', async () => {
    expectCode(await gw.call('alice', CREATE_CUSTOM, { data: 'a'.repeat(12000), desc: 'b'.repeat(289) }), 80002);
    expect((await gw.call('alice', CREATE_CUSTOM, { data: '{"k":1}', desc: 'd', ext: 'e' })).data.messageInfo).toEqual({
      elemType: 'V2TIM_ELEM_TYPE_CUSTOM',
      customElem: { data: '{"k":1}', desc: 'd', extension: 'e' },
    });
  });
});

describe('createTargetedGroupMessage (§5), checks in order', () => {
  it.each([
    ['an unknown id', async () => 'created_temp_id-nope', ['bob'], 6017, /id does not exist/],
    ["another user's id", async () => draft('mallory'), ['bob'], 6017, /id does not exist/],
    ['an empty receiverList', async () => draft(), [], 6017, /receiverList is empty/],
    ['51 distinct receivers', async () => draft(), Array.from({ length: 51 }, (_, i) => `u${i}`), 6017, /51 distinct/],
    ['an invalid receiver userID', async () => draft(), ['bob', 'bad\tid'], 6017, /receiverList\[1\]/],
    [
      'a message with an @ list',
      async () => (await gw.call('alice', CREATE_AT, { text: 'x', at: ['bob'] })).data.id,
      ['bob'],
      6017,
      /@ list/,
    ],
  ])('when given %s, then %i', async (_what, id, receiverList, code, desc) => {
    const r = await gw.call('alice', CREATE_TARGETED, { id: await id(), receiverList });
    expect(r).toMatchObject({ code, data: null });
    expect(r.desc).toMatch(desc);
  });

  it('when the unknown id and an empty list come together, then the id is reported first', async () => {
    expect((await gw.call('alice', CREATE_TARGETED, { id: 'x', receiverList: [] })).desc).toMatch(/id does not exist/);
  });

  it('when 60 entries fold to 50 distinct receivers, then it is accepted', async () => {
    const list = [...Array.from({ length: 50 }, (_, i) => `u${i}`), ...Array.from({ length: 10 }, (_, i) => `u${i}`)];
    expect(
      (await gw.call('alice', CREATE_TARGETED, { id: await draft(), receiverList: list })).data.messageInfo
        .targetGroupMemberList,
    ).toHaveLength(50);
  });

  it('when the id has expired, then 6017', async () => {
    const id = await draft();
    gw.clock.now += 24 * 3600 + 1;
    expectCode(await gw.call('alice', CREATE_TARGETED, { id, receiverList: ['bob'] }), 6017);
    expectCode(await gw.call('alice', SEND, { id, receiver: 'bob' }), 6017);
  });

  it.each(['standard', 'Trial', 'free'])(
    'when IM_PLAN is %s, then targeting is 10059 naming the plans that include it',
    async (plan) => {
      const other = createTestGateway({ config: testConfig({ plan: loadConfig({ IM_PLAN: plan }).plan }) });
      try {
        const id = (await other.call('alice', CREATE_TEXT, { text: 'x' })).data.id;
        const r = await other.call('alice', CREATE_TARGETED, { id, receiverList: ['bob'] });
        expect(r).toMatchObject({ code: 10059, desc: expect.stringMatching(/Ultimate, Enterprise, Pro or Pro Plus/) });
      } finally {
        await other.app.stop();
      }
    },
  );

  it.each(['ultimate', 'Enterprise', 'PRO', 'Pro Plus', 'pro_plus', 'pro-plus'])(
    'when IM_PLAN is %s, then targeting works',
    async (plan) => {
      const other = createTestGateway({ config: testConfig({ plan: loadConfig({ IM_PLAN: plan }).plan }) });
      try {
        const id = (await other.call('alice', CREATE_TEXT, { text: 'x' })).data.id;
        expectCode(await other.call('alice', CREATE_TARGETED, { id, receiverList: ['bob'] }), 0);
      } finally {
        await other.app.stop();
      }
    },
  );

  it('when IM_PLAN is not a plan name, then the configuration is refused naming the accepted ones', () => {
    expect(() => loadConfig({ IM_PLAN: 'ultimte' })).toThrow(
      /IM_PLAN must be one of trial, free, standard, pro, pro_plus, ultimate, enterprise/,
    );
  });

  it('when targeted, then the same id comes back, targeted itself, and a second call replaces the list', async () => {
    const id = await draft();
    const first = await gw.call('alice', CREATE_TARGETED, { id, receiverList: ['bob', 'carol'] });
    expect(first).toMatchObject({
      code: 0,
      data: { id, messageInfo: { id, status: 'V2TIM_MSG_STATUS_SENDING', targetGroupMemberList: ['bob', 'carol'] } },
    });
    const second = await gw.call('alice', CREATE_TARGETED, { id, receiverList: ['dave'] });
    expect(second).toMatchObject({ code: 0, data: { id, messageInfo: { targetGroupMemberList: ['dave'] } } });
    expect(await gw.app.services.store.messages.draft(id, 'alice', gw.clock.now)).toMatchObject({ targets: ['dave'] });
  });

  it('when the id was already sent, then targeting it is 6017', async () => {
    await group(gw, 'alice', ['bob'], 'Work', 'sent-team');
    const id = await draft();
    expectCode(await gw.call('alice', SEND, { id, groupID: 'sent-team' }), 0);
    expect(await gw.call('alice', CREATE_TARGETED, { id, receiverList: ['bob'] })).toMatchObject({
      code: 6017,
      desc: expect.stringMatching(/id does not exist/),
    });
  });
});

describe('sendMessage refusals (§6)', () => {
  let work: string;
  beforeEach(async () => {
    work = await group(gw, 'alice', ['bob', 'carol'], 'Work', 'work');
  });

  const cases: [string, () => Promise<Record<string, unknown>>, number, RegExp][] = [
    ['neither receiver nor groupID', async () => ({ id: await draft() }), 6017, /receiver and groupID are both empty/],
    [
      'empty strings for both (the SDK\'s "not set")',
      async () => ({ id: await draft(), receiver: '', groupID: '' }),
      6017,
      /both empty/,
    ],
    [
      'a targeted message without groupID',
      async () => ({
        id: (await gw.call('alice', CREATE_TARGETED, { id: await draft(), receiverList: ['bob'] })).data.id,
        receiver: 'bob',
      }),
      6017,
      /groupID is empty/,
    ],
    ['an unknown group', async () => ({ id: await draft(), groupID: 'nope' }), 10010, /nope/],
    ['a malformed groupID', async () => ({ id: await draft(), groupID: 'has space' }), 10015, /groupID/],
    ['a malformed receiver', async () => ({ id: await draft(), receiver: 'x'.repeat(33) }), 7003, /receiver/],
    ['yourself as the C2C receiver', async () => ({ id: await draft(), receiver: 'alice' }), 6032, /yourself/],
    [
      'a group the sender is not in',
      async () => ({ id: await draft(), groupID: await group(gw, 'bob', [], 'Public') }),
      10007,
      /not a member/,
    ],
    [
      'a targeted receiver who is not a member',
      async () => ({
        id: (await gw.call('alice', CREATE_TARGETED, { id: await draft(), receiverList: ['bob', 'zed'] })).data.id,
        groupID: 'work',
      }),
      6032,
      /^Receiver "zed" is not a member of group "work"/,
    ],
    [
      'targeted receivers who are not members',
      async () => ({
        id: (await gw.call('alice', CREATE_TARGETED, { id: await draft(), receiverList: ['yan', 'bob', 'zed'] })).data
          .id,
        groupID: 'work',
      }),
      6032,
      /^Receivers "yan", "zed" are not members/,
    ],
    [
      'one receiver in a group who is not a member',
      async () => ({ id: await draft(), groupID: 'work', receiver: 'zed' }),
      6032,
      /Receiver "zed"/,
    ],
    [
      'a receiver outside the receiverList',
      async () => ({
        id: (await gw.call('alice', CREATE_TARGETED, { id: await draft(), receiverList: ['bob'] })).data.id,
        groupID: 'work',
        receiver: 'carol',
      }),
      6032,
      /receiverList/,
    ],
    [
      'a targeted message in a Community',
      async () => ({
        id: await draft(),
        groupID: await group(gw, 'alice', ['bob'], 'Community', '@TGS#_town'),
        receiver: 'bob',
      }),
      10007,
      /Community/,
    ],
    [
      'a targeted message in an AVChatRoom',
      async () => ({ id: await draft(), groupID: await group(gw, 'alice', [], 'AVChatRoom', 'live'), receiver: 'bob' }),
      10007,
      /AVChatRoom/,
    ],
    [
      'onlineUserOnly in an AVChatRoom',
      async () => ({
        id: await draft(),
        groupID: await group(gw, 'alice', [], 'AVChatRoom', 'live2'),
        onlineUserOnly: true,
      }),
      10007,
      /onlineUserOnly/,
    ],
    [
      'cloudCustomData over 12 KB',
      async () => ({ id: await draft(), receiver: 'bob', cloudCustomData: 'x'.repeat(12289) }),
      80002,
      /cloudCustomData/,
    ],
    [
      'text and cloudCustomData over 12 KB together',
      async () => ({ id: await draft('alice', 'a'.repeat(8000)), receiver: 'bob', cloudCustomData: 'x'.repeat(4289) }),
      80002,
      /12289 bytes of UTF-8 in total \(text 8000, cloudCustomData 4289\)/,
    ],
    [
      'custom data, cloudCustomData and localCustomData over 12 KB together',
      async () => ({
        id: (await gw.call('alice', CREATE_CUSTOM, { data: 'd'.repeat(6000), desc: 'e' })).data.id,
        groupID: 'work',
        cloudCustomData: 'c'.repeat(3000),
        localCustomData: 'l'.repeat(3288),
      }),
      80002,
      /customElem 6001, cloudCustomData 3000, localCustomData 3288/,
    ],
    ['an unknown id', async () => ({ id: 'created_temp_id-unknown', receiver: 'bob' }), 6017, /id does not exist/],
    ["another user's id", async () => ({ id: await draft('mallory'), receiver: 'bob' }), 6017, /id does not exist/],
  ];

  it.each(cases)('when sending with %s, then %i', async (_what, args, code, desc) => {
    const r = await gw.call('alice', SEND, await args());
    expectCode(r, code);
    expect(r.desc).toMatch(desc);
    if (!/id does not exist/.test(r.desc))
      expect(r.data).toMatchObject({ status: 'V2TIM_MSG_STATUS_SEND_FAIL', msgID: null });
  });

  it('when the message is exactly 12 KB in total, then it is sent', async () => {
    expectCode(
      await gw.call('alice', SEND, {
        id: await draft('alice', 'a'.repeat(8000)),
        receiver: 'bob',
        cloudCustomData: 'x'.repeat(4288),
      }),
      0,
    );
  });

  it('when the sender is muted, then 10017, and after the mute ends the same id sends', async () => {
    const pub = await group(gw, 'alice', ['bob'], 'Public', 'pub'); // Work groups have no mute
    await gw.call('alice', `mutation { muteGroupMember(groupID: "pub", userID: "bob", seconds: 60) { code } }`);
    const id = await draft('bob');
    expect(await gw.call('bob', SEND, { id, groupID: pub })).toMatchObject({
      code: 10017,
      data: { status: 'V2TIM_MSG_STATUS_SEND_FAIL', id },
    });
    gw.clock.now += 61;
    expect(await gw.call('bob', SEND, { id, groupID: pub })).toMatchObject({
      code: 0,
      data: { status: 'V2TIM_MSG_STATUS_SEND_SUCC', id },
    });
  });

  it('when a group gets more than 40 messages in a second, then 10023 and the id can be retried', async () => {
    // The limiter reads the wall clock: hold it still so a slow machine cannot spread the burst over two seconds.
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now());
    try {
      const results = [];
      for (let i = 0; i < 41; i++) results.push(await sendText(gw, 'alice', `m${i}`, { groupID: work }));
      expect(results.slice(0, 40).every((r) => r.code === 0)).toBe(true);
      expect(results[40]).toMatchObject({ code: 10023, data: { status: 'V2TIM_MSG_STATUS_SEND_FAIL' } });
      const other = await group(gw, 'alice', ['bob'], 'Work');
      expectCode(await sendText(gw, 'alice', 'another group is not limited', { groupID: other }), 0);
      clock.mockReturnValue(Date.now() + 1001);
      expect(await gw.call('alice', SEND, { id: results[40].data.id, groupID: work })).toMatchObject({
        code: 0,
        data: { status: 'V2TIM_MSG_STATUS_SEND_SUCC' },
      });
    } finally {
      clock.mockRestore();
    }
  });
});

describe('revokeMessage past its window', () => {
  const REVOKE = `mutation($m: String!) { revokeMessage(msgID: $m) { code desc } }`;

  it("when a one-to-one message is past 2 minutes, then 20016 (Tencent's C2C code); a group message is 10031", async () => {
    const c2c = await sendText(gw, 'alice', 'to bob', { receiver: 'bob' });
    const g = await group(gw, 'alice', ['bob'], 'Work');
    const inGroup = await sendText(gw, 'alice', 'to all', { groupID: g });
    gw.clock.now += 121;
    expect(await gw.call('alice', REVOKE, { m: c2c.data.msgID })).toMatchObject({
      code: 20016,
      desc: expect.stringContaining(c2c.data.msgID),
    });
    expect(await gw.call('alice', REVOKE, { m: inGroup.data.msgID })).toMatchObject({
      code: 10031,
      desc: expect.stringContaining(inGroup.data.msgID),
    });
  });
});

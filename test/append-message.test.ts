// appendMessage (V2TIMMessageManager.appendMessage): a created message's elements join another created message's
// body, which is sent, stored, delivered and edited as one message with every element in elemList, in order. Only
// plain elements can be appended, the appended id is used up, and bad input answers a code naming the field. The
// picture-with-caption case, which needs an upload, is in test/media.test.ts. On both stores.
import { describe, expect, it } from 'vitest';
import { expectCode } from './helpers/app';
import { backends, skipNotice } from './helpers/backends';
import { liveEach } from './helpers/live';
import { CREATE_TARGETED, CREATE_TEXT, group } from './helpers/ops';

const ELEMS = `elemType textElem { text } customElem { data desc extension } faceElem { index data }
  locationElem { desc longitude latitude } imageElem { imageList { type } }`;
const MESSAGE = `msgID id status ${ELEMS} elemList { ${ELEMS} } targetGroupMemberList groupAtUserList`;
const APPEND = `mutation($base: String!, $append: String!) { appendMessage(createMessageBaseId: $base, createMessageAppendId: $append) {
  code desc data { ${MESSAGE} } } }`;
const CREATE_FACE = `mutation($index: Int!, $data: String) { createFaceMessage(index: $index, data: $data) { code desc data { id } } }`;
const CREATE_LOCATION = `mutation($desc: String!) { createLocationMessage(desc: $desc, longitude: 121.5, latitude: 31.2) { code desc data { id } } }`;
const CREATE_CUSTOM = `mutation($data: String!) { createCustomMessage(data: $data, desc: "d") { code desc data { id } } }`;
const CREATE_AT = `mutation($text: String!, $atUserList: [String!]!) { createTextAtMessage(text: $text, atUserList: $atUserList) { code desc data { id } } }`;
const SEND = `mutation($id: String!, $groupID: String, $receiver: String) { sendMessage(id: $id, groupID: $groupID, receiver: $receiver) {
  code desc data { ${MESSAGE} } } }`;
const HISTORY = `query($groupID: String!) { getGroupHistoryMessageList(groupID: $groupID, count: 20) { code desc data { ${MESSAGE} } } }`;
const ON_MESSAGE = `subscription { onRecvNewMessage { msgID elemType elemList { ${ELEMS} } } }`;
const MODIFY = `mutation($msgID: String!, $text: String, $data: String) { modifyMessage(msgID: $msgID, text: $text, data: $data) {
  code desc data { ${MESSAGE} } } }`;
const REVOKE = `mutation($msgID: String!) { revokeMessage(msgID: $msgID) { code desc } }`;
const FORWARD = `mutation($msgID: String!) { createForwardMessage(msgID: $msgID) { code desc data { id messageInfo { elemList { ${ELEMS} } } } } }`;

/** What a test compares of an element: its type and the one field of that type that is set. */
const shown = (e: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(e).filter(([k, v]) => k === 'elemType' || v !== null));

skipNotice('appendMessage');
for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`appendMessage (${backend.name})`, () => {
    const { live, call } = liveEach(backend, (live) => group(live.gw, 'alice', ['bob', 'dave'], 'Work', 'team'));
    const create = async (user: string, query: string, variables: Record<string, unknown>) => {
      const r = await call(user, query, variables);
      expectCode(r, 0, 'create');
      return r.data.id as string;
    };
    const text = (user: string, t: string) => create(user, CREATE_TEXT, { text: t });
    const append = (user: string, base: string, appended: string) => call(user, APPEND, { base, append: appended });

    it('when alice appends a face, a location and custom data to a text and sends it, then the group reads every element in order, live and in history', async () => {
      const bobLive = await live.subscribe('bob', ON_MESSAGE);
      const base = await text('alice', 'meet here');
      for (const id of [
        await create('alice', CREATE_FACE, { index: 3, data: 'smile' }),
        await create('alice', CREATE_LOCATION, { desc: 'the cafe' }),
        await create('alice', CREATE_CUSTOM, { data: '{"rsvp":true}' }),
      ]) {
        const r = await append('alice', base, id);
        expectCode(r, 0, 'appendMessage');
        expect(r.data).toMatchObject({
          id: base,
          status: 'V2TIM_MSG_STATUS_SENDING',
          elemType: 'V2TIM_ELEM_TYPE_TEXT',
        });
      }
      const expected = [
        { elemType: 'V2TIM_ELEM_TYPE_TEXT', textElem: { text: 'meet here' } },
        { elemType: 'V2TIM_ELEM_TYPE_FACE', faceElem: { index: 3, data: 'smile' } },
        { elemType: 'V2TIM_ELEM_TYPE_LOCATION', locationElem: { desc: 'the cafe', longitude: 121.5, latitude: 31.2 } },
        { elemType: 'V2TIM_ELEM_TYPE_CUSTOM', customElem: { data: '{"rsvp":true}', desc: 'd', extension: '' } },
      ];
      const sent = await call('alice', SEND, { id: base, groupID: 'team' });
      expectCode(sent, 0, 'sendMessage');
      // The message itself shows its first element, as the SDK's does; elemList has all four.
      expect(sent.data).toMatchObject({ elemType: 'V2TIM_ELEM_TYPE_TEXT', textElem: { text: 'meet here' } });
      expect(sent.data.faceElem).toBeNull();
      expect(sent.data.elemList.map(shown)).toEqual(expected);

      const history = await call('bob', HISTORY, { groupID: 'team' });
      expect(history.data).toHaveLength(1);
      expect(history.data[0].elemList.map(shown)).toEqual(expected);
      await bobLive.waitFor(1);
      expect(bobLive.events[0].onRecvNewMessage.elemList.map(shown)).toEqual(expected);
    });

    it('when a sent message of several elements is edited, forwarded and revoked, then each acts on the right element and elemList follows', async () => {
      const base = await text('alice', 'draft text');
      expectCode(await append('alice', base, await create('alice', CREATE_CUSTOM, { data: 'v1' })), 0);
      const sent = (await call('alice', SEND, { id: base, groupID: 'team' })).data;

      const edited = await call('alice', MODIFY, { msgID: sent.msgID, text: 'final text', data: 'v2' });
      expectCode(edited, 0, 'modifyMessage');
      expect(edited.data.elemList.map(shown)).toEqual([
        { elemType: 'V2TIM_ELEM_TYPE_TEXT', textElem: { text: 'final text' } },
        { elemType: 'V2TIM_ELEM_TYPE_CUSTOM', customElem: { data: 'v2', desc: 'd', extension: '' } },
      ]);

      const forward = await call('bob', FORWARD, { msgID: sent.msgID });
      expectCode(forward, 0, 'createForwardMessage');
      expect(forward.data.messageInfo.elemList.map(shown)).toEqual(edited.data.elemList.map(shown));

      expectCode(await call('alice', REVOKE, { msgID: sent.msgID }), 0, 'revokeMessage');
      const after = (await call('bob', HISTORY, { groupID: 'team' })).data[0];
      expect(after).toMatchObject({ status: 'V2TIM_MSG_STATUS_LOCAL_REVOKED', textElem: null, elemList: [] });
    });

    it('when a targeted message gets an appended element, then it keeps its receiverList and only bob learns of it', async () => {
      const base = await text('alice', 'for bob');
      expectCode(await call('alice', CREATE_TARGETED, { id: base, receiverList: ['bob'] }), 0);
      const r = await append('alice', base, await create('alice', CREATE_FACE, { index: 1 }));
      expectCode(r, 0);
      expect(r.data.targetGroupMemberList).toEqual(['bob']);
      expectCode(await call('alice', SEND, { id: base, groupID: 'team' }), 0);
      expect((await call('bob', HISTORY, { groupID: 'team' })).data[0].elemList).toHaveLength(2);
      expect((await call('dave', HISTORY, { groupID: 'team' })).data).toEqual([]);
    });

    it('when the append is not allowed, then the code and desc name the field, and both messages stay as they were', async () => {
      const base = await text('alice', 'base');
      const other = await text('alice', 'appended');
      const cases: [string, Promise<any>, number, RegExp][] = [
        ['itself', append('alice', base, base), 6017, /createMessageAppendId is createMessageBaseId/],
        ['unknown base', append('alice', 'created_temp_id-nope', other), 6017, /createMessageBaseId does not exist/],
        [
          'unknown appended',
          append('alice', base, 'created_temp_id-nope'),
          6017,
          /createMessageAppendId does not exist/,
        ],
        // Someone else's draft looks exactly like one that does not exist.
        [
          'bob appends to hers',
          append('bob', base, await text('bob', 'x')),
          6017,
          /createMessageBaseId does not exist/,
        ],
        ['bob takes hers', append('bob', await text('bob', 'x'), other), 6017, /createMessageAppendId does not exist/],
        [
          'an @ message appended',
          append('alice', base, await create('alice', CREATE_AT, { text: '@bob', atUserList: ['bob'] })),
          6017,
          /createMessageAppendId has an @ list/,
        ],
        [
          'a merger appended',
          (async () => {
            const m = (await call('alice', SEND, { id: await text('alice', 'm'), groupID: 'team' })).data.msgID;
            const merger = await call(
              'alice',
              `mutation($ids: [String!]!) { createMergerMessage(msgIDList: $ids, title: "t", abstractList: [], compatibleText: "c") { code desc data { id } } }`,
              { ids: [m] },
            );
            expectCode(merger, 0, 'createMergerMessage');
            return append('alice', base, merger.data.id);
          })(),
          6017,
          /createMessageAppendId is a merger message; only text, custom, face and location/,
        ],
        [
          'too long together',
          append('alice', await text('alice', 'a'.repeat(7000)), await text('alice', 'b'.repeat(6000))),
          80002,
          /13000 bytes of UTF-8 in total/,
        ],
      ];
      for (const [what, pending, code, desc] of cases) {
        const r = await pending;
        expectCode(r, code, what);
        expect(r.desc, what).toMatch(desc);
      }
      const targeted = await text('alice', 'for bob');
      expectCode(await call('alice', CREATE_TARGETED, { id: targeted, receiverList: ['bob'] }), 0);
      const refused = await append('alice', base, targeted);
      expectCode(refused, 6017);
      expect(refused.desc).toMatch(/createMessageAppendId is a targeted message/);

      // Nothing changed: both still send, each with its one element.
      for (const [id, t] of [
        [base, 'base'],
        [other, 'appended'],
        [targeted, 'for bob'],
      ] as const) {
        const sent = await call('alice', SEND, { id, groupID: 'team' });
        expectCode(sent, 0, t);
        expect(sent.data.elemList.map(shown)).toEqual([{ elemType: 'V2TIM_ELEM_TYPE_TEXT', textElem: { text: t } }]);
      }
    });

    it('when a message reaches ten elements, then the eleventh is refused naming the limit', async () => {
      const base = await text('alice', 'many');
      for (let i = 1; i < 10; i++) expectCode(await append('alice', base, await text('alice', `#${i}`)), 0, `#${i}`);
      const r = await append('alice', base, await text('alice', '#10'));
      expectCode(r, 6017);
      expect(r.desc).toMatch(/createMessageBaseId would hold 11 elements; a message holds at most 10/);
    });

    it('when the appended id is used up or sent, then it answers 6017 and was not sent on its own', async () => {
      const base = await text('alice', 'base');
      const extra = await text('alice', 'extra');
      expectCode(await append('alice', base, extra), 0);
      const again = await call('alice', SEND, { id: extra, groupID: 'team' });
      expectCode(again, 6017, 'send the used-up id');
      expect(again.desc).toMatch(/id does not exist/);
      const sentBase = await call('alice', SEND, { id: base, groupID: 'team' });
      expectCode(sentBase, 0);
      // A sent base is no draft any more: nothing can be added to a sent message.
      const late = await append('alice', base, await text('alice', 'late'));
      expectCode(late, 6017);
      expect(late.desc).toMatch(/createMessageBaseId does not exist/);
      expect((await call('bob', HISTORY, { groupID: 'team' })).data).toHaveLength(1);
    });

    it('when one message is appended to two others at once, then exactly one gets it and the other answers 6017', async () => {
      const [a, b, extra] = await Promise.all([text('alice', 'a'), text('alice', 'b'), text('alice', 'shared')]);
      const results = await Promise.all([append('alice', a, extra), append('alice', b, extra)]);
      expect(results.map((r) => r.code).sort()).toEqual([0, 6017]);
      const winner = results.findIndex((r) => r.code === 0);
      const lengths = await Promise.all(
        [a, b].map(async (id) => (await call('alice', SEND, { id, groupID: 'team' })).data.elemList.length),
      );
      expect(lengths).toEqual(winner === 0 ? [2, 1] : [1, 2]);
    });

    it('when two messages are appended to one at once, then the base keeps both', async () => {
      const base = await text('alice', 'base');
      const [x, y] = await Promise.all([text('alice', 'x'), text('alice', 'y')]);
      const results = await Promise.all([append('alice', base, x), append('alice', base, y)]);
      results.forEach((r) => expectCode(r, 0));
      const sent = await call('alice', SEND, { id: base, groupID: 'team' });
      const texts = sent.data.elemList.map((e: any) => e.textElem.text);
      expect(texts[0]).toBe('base');
      expect(texts.slice(1).sort()).toEqual(['x', 'y']);
    });
  });
}

// Location, face, forward and merger messages through the GraphQL API, on both stores: their elements, their
// refusals, and the promise kept: a forward or a merger is made only from messages the caller sees (6017 otherwise,
// as for a message that does not exist), keeps nothing of the original's audience, and a targeted one reaches
// nobody beyond its receivers. (Media inside forwards and mergers, and reclaiming: test/media.test.ts.)
import { describe, expect, it } from 'vitest';
import { expectCode, settle } from './helpers/app';
import { backends, skipNotice } from './helpers/backends';
import { liveEach } from './helpers/live';
import { CREATE_TARGETED, group, sendText } from './helpers/ops';

const ELEMS = `elemType textElem { text } locationElem { desc longitude latitude } faceElem { index data }
  mergerElem { title abstractList compatibleText isLayersOverLimit messageList { sender timestamp elemType textElem { text } } }`;
const CREATED = `code desc data { id messageInfo { id status targetGroupMemberList groupAtUserList ${ELEMS} } }`;
const CREATE_LOCATION = `mutation($desc: String!, $longitude: Float!, $latitude: Float!) { createLocationMessage(desc: $desc, longitude: $longitude, latitude: $latitude) { ${CREATED} } }`;
const CREATE_FACE = `mutation($index: Int!, $data: String) { createFaceMessage(index: $index, data: $data) { ${CREATED} } }`;
const CREATE_FORWARD = `mutation($msgID: String!) { createForwardMessage(msgID: $msgID) { ${CREATED} } }`;
const CREATE_MERGER = `mutation($msgIDList: [String!]!, $title: String!, $abstractList: [String!]!, $compatibleText: String!) {
  createMergerMessage(msgIDList: $msgIDList, title: $title, abstractList: $abstractList, compatibleText: $compatibleText) { ${CREATED} } }`;
const DOWNLOAD = `query($msgID: String!) { downloadMergerMessage(msgID: $msgID) { code desc data { msgID sender isSelf timestamp targetGroupMemberList groupID ${ELEMS} } } }`;
const SEND = `mutation($id: String!, $groupID: String, $receiver: String) { sendMessage(id: $id, groupID: $groupID, receiver: $receiver) { code desc data { msgID sender targetGroupMemberList groupID userID ${ELEMS} } } }`;
const HISTORY = `query($groupID: String!) { getGroupHistoryMessageList(groupID: $groupID, count: 50) { code data { msgID ${ELEMS} } } }`;
const C2C = `query($userID: String!) { getC2CHistoryMessageList(userID: $userID, count: 50) { code data { msgID sender targetGroupMemberList ${ELEMS} } } }`;
const REVOKE = `mutation($msgID: String!) { revokeMessage(msgID: $msgID) { code desc } }`;
const ON_MESSAGE = `subscription { onRecvNewMessage { msgID sender elemType } }`;

skipNotice('forward');
for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`location, face, forward and merger messages (${backend.name})`, () => {
    const { live, call } = liveEach(backend, (live) =>
      group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'team'),
    );
    /** Creates (with `create` and its variables), optionally targets, and sends; returns the send's envelope. */
    async function post(
      user: string,
      create: string,
      variables: Record<string, unknown>,
      target: { groupID?: string; receiver?: string; receiverList?: string[] },
    ) {
      const made = await call(user, create, variables);
      expectCode(made, 0, 'create');
      let id = made.data.id;
      if (target.receiverList) {
        const t = await call(user, CREATE_TARGETED, { id, receiverList: target.receiverList });
        expectCode(t, 0, 'createTargetedGroupMessage');
        id = t.data.id;
      }
      return call(user, SEND, { id, groupID: target.groupID, receiver: target.receiver });
    }

    it('when alice sends a location and a face, then bob reads locationElem and faceElem with their elemTypes', async () => {
      const place = await post(
        'alice',
        CREATE_LOCATION,
        { desc: 'Café', longitude: 2.35, latitude: 48.85 },
        { groupID: 'team' },
      );
      expectCode(place, 0);
      expect(place.data).toMatchObject({
        elemType: 'V2TIM_ELEM_TYPE_LOCATION',
        locationElem: { desc: 'Café', longitude: 2.35, latitude: 48.85 },
        textElem: null,
        faceElem: null,
      });
      expectCode(await post('alice', CREATE_FACE, { index: 7, data: 'smile' }, { groupID: 'team' }), 0);
      const history = (await call('bob', HISTORY, { groupID: 'team' })).data;
      expect(history.map((m: any) => m.elemType)).toEqual(['V2TIM_ELEM_TYPE_FACE', 'V2TIM_ELEM_TYPE_LOCATION']);
      expect(history[0].faceElem).toEqual({ index: 7, data: 'smile' });
      expect(history[1].locationElem).toEqual({ desc: 'Café', longitude: 2.35, latitude: 48.85 });
    });

    it('when a location or a face is out of range or too long, then the code names the field', async () => {
      const bad = [
        [{ desc: 'x', longitude: 180.5, latitude: 0 }, 6017, /^longitude must be from -180 to 180/],
        [{ desc: 'x', longitude: -181, latitude: 0 }, 6017, /^longitude/],
        [{ desc: 'x', longitude: 0, latitude: 90.01 }, 6017, /^latitude must be from -90 to 90/],
        [{ desc: 'é'.repeat(6145), longitude: 0, latitude: 0 }, 80002, /^desc is 12290 bytes/],
      ] as const;
      for (const [variables, code, desc] of bad) {
        const r = await call('alice', CREATE_LOCATION, variables);
        expectCode(r, code, JSON.stringify(variables).slice(0, 60));
        expect(r.desc).toMatch(desc);
      }
      expectCode(await call('alice', CREATE_LOCATION, { desc: '', longitude: -180, latitude: 90 }), 0, 'edges');
      const face = await call('alice', CREATE_FACE, { index: -1 });
      expectCode(face, 6017);
      expect(face.desc).toMatch(/^index must be a whole number ≥ 0/);
      const long = await call('alice', CREATE_FACE, { index: 1, data: 'x'.repeat(12 * 1024 + 1) });
      expectCode(long, 80002);
      expect(long.desc).toMatch(/^data is/);
    });

    it('when a location, a face or a merger is targeted to bob, then dave sees none of them and bob sees all', async () => {
      const hello = (await sendText(live.gw, 'alice', 'hello', { groupID: 'team' })).data;
      const sent = [
        await post(
          'alice',
          CREATE_LOCATION,
          { desc: 'here', longitude: 1, latitude: 1 },
          { groupID: 'team', receiverList: ['bob'] },
        ),
        await post('alice', CREATE_FACE, { index: 1, data: 'wink' }, { groupID: 'team', receiverList: ['bob'] }),
        await post(
          'alice',
          CREATE_MERGER,
          {
            msgIDList: [hello.msgID],
            title: 'Chat',
            abstractList: ['alice: hello'],
            compatibleText: 'Update your app',
          },
          { groupID: 'team', receiverList: ['bob'] },
        ),
      ];
      for (const s of sent) expectCode(s, 0);
      const ids = sent.map((s) => s.data.msgID);
      const seen = async (u: string) => (await call(u, HISTORY, { groupID: 'team' })).data.map((m: any) => m.msgID);
      expect(await seen('bob')).toEqual([...ids].reverse().concat(hello.msgID));
      expect(await seen('dave')).toEqual([hello.msgID]);
      expectCode(await call('dave', DOWNLOAD, { msgID: ids[2] }), 6017, 'dave downloads the targeted merger');
      expectCode(await call('bob', DOWNLOAD, { msgID: ids[2] }), 0, 'bob downloads it');
    });

    it('when bob forwards a message targeted to him, then the forward has no receiverList and reaches only its own audience', async () => {
      const daveEvents = await live.subscribe('dave', ON_MESSAGE);
      const secret = (await sendText(live.gw, 'alice', 'for bob', { groupID: 'team', receiverList: ['bob', 'carol'] }))
        .data;
      const fwd = await call('bob', CREATE_FORWARD, { msgID: secret.msgID });
      expectCode(fwd, 0);
      expect(fwd.data.messageInfo).toMatchObject({
        status: 'V2TIM_MSG_STATUS_SENDING',
        targetGroupMemberList: null,
        textElem: { text: 'for bob' },
      });
      // Sent one to one, to erin (not in the group): she reads it, with nothing of the original's audience.
      const sent = await call('bob', SEND, { id: fwd.data.id, receiver: 'erin' });
      expectCode(sent, 0);
      expect(sent.data).toMatchObject({
        sender: 'bob',
        groupID: null,
        targetGroupMemberList: null,
        textElem: { text: 'for bob' },
      });
      expect((await call('erin', C2C, { userID: 'bob' })).data).toEqual([
        expect.objectContaining({ msgID: sent.data.msgID, sender: 'bob', targetGroupMemberList: null }),
      ]);
      // dave saw neither the original nor the forward: no history entry, no event.
      expect((await call('dave', C2C, { userID: 'bob' })).data).toEqual([]);
      expect((await call('dave', HISTORY, { groupID: 'team' })).data).toEqual([]);
      await settle();
      expect(daveEvents.events).toEqual([]);
      // A second forward, sent into the group, is an ordinary message of bob's: its audience is the group's.
      const again = await call('bob', CREATE_FORWARD, { msgID: secret.msgID });
      const broadcast = await call('bob', SEND, { id: again.data.id, groupID: 'team' });
      expectCode(broadcast, 0);
      expect(broadcast.data.targetGroupMemberList).toBeNull();
      expect((await call('dave', HISTORY, { groupID: 'team' })).data.map((m: any) => m.msgID)).toEqual([
        broadcast.data.msgID,
      ]);
    });

    it('when dave, not a receiver, forwards or merges a targeted message, then 6017 answers as for a message that does not exist', async () => {
      const secret = (await sendText(live.gw, 'alice', 'for bob', { groupID: 'team', receiverList: ['bob'] })).data;
      const hidden = await call('dave', CREATE_FORWARD, { msgID: secret.msgID });
      const none = await call('dave', CREATE_FORWARD, { msgID: `${secret.msgID}x` });
      expectCode(hidden, 6017);
      expectCode(none, 6017);
      expect(hidden.desc.replace(secret.msgID, 'ID')).toBe(none.desc.replace(`${secret.msgID}x`, 'ID'));
      const merged = await call('dave', CREATE_MERGER, {
        msgIDList: [secret.msgID],
        title: 't',
        abstractList: [],
        compatibleText: 'c',
      });
      expectCode(merged, 6017);
      expect(merged.desc).toMatch(/^msgIDList\[0\] ".*" was not found among your messages/);
    });

    it('when bob merges messages and sends the merger to erin, then erin downloads copies as bob saw them, without access to the originals', async () => {
      const hello = (await sendText(live.gw, 'alice', 'hello', { groupID: 'team' })).data;
      const secret = (await sendText(live.gw, 'alice', 'for bob', { groupID: 'team', receiverList: ['bob'] })).data;
      const merger = await post(
        'bob',
        CREATE_MERGER,
        {
          msgIDList: [hello.msgID, secret.msgID],
          title: 'Team chat',
          abstractList: ['alice: hello', 'alice: for bob'],
          compatibleText: 'Update your app',
        },
        { receiver: 'erin' },
      );
      expectCode(merger, 0);
      expect(merger.data).toMatchObject({
        elemType: 'V2TIM_ELEM_TYPE_MERGER',
        mergerElem: {
          title: 'Team chat',
          abstractList: ['alice: hello', 'alice: for bob'],
          compatibleText: 'Update your app',
          isLayersOverLimit: false,
          messageList: null,
        },
      });
      const got = await call('erin', DOWNLOAD, { msgID: merger.data.msgID });
      expectCode(got, 0);
      expect(got.data).toEqual([
        expect.objectContaining({
          msgID: null,
          sender: 'alice',
          groupID: null,
          targetGroupMemberList: null,
          isSelf: false,
          timestamp: hello.timestamp,
          textElem: { text: 'hello' },
        }),
        expect.objectContaining({
          msgID: null,
          sender: 'alice',
          groupID: null,
          targetGroupMemberList: null,
          textElem: { text: 'for bob' },
        }),
      ]);
      // The originals stay as they were: erin still cannot see them.
      expectCode(await call('erin', CREATE_FORWARD, { msgID: secret.msgID }), 6017, 'erin forwards the original');
      // A revoke of an original leaves the copy (it is erin's to keep, as in Tencent), a merger nests in a merger.
      expectCode(await call('alice', REVOKE, { msgID: hello.msgID }), 0);
      const nested = await post(
        'erin',
        CREATE_MERGER,
        { msgIDList: [merger.data.msgID], title: 'Fwd', abstractList: [], compatibleText: 'c' },
        { receiver: 'frank' },
      );
      expectCode(nested, 0);
      const outer = await call('frank', DOWNLOAD, { msgID: nested.data.msgID });
      expectCode(outer, 0);
      expect(outer.data).toHaveLength(1);
      expect(outer.data[0]).toMatchObject({
        sender: 'bob',
        elemType: 'V2TIM_ELEM_TYPE_MERGER',
        mergerElem: { title: 'Team chat' },
      });
      expect(outer.data[0].mergerElem.messageList.map((m: any) => m.textElem.text)).toEqual(['hello', 'for bob']);
      // Anyone outside the merger's audience: 6017, as for none; a message that is no merger: 6017 too.
      expectCode(await call('dave', DOWNLOAD, { msgID: merger.data.msgID }), 6017, 'dave downloads erin’s');
      const notMerger = await call('bob', DOWNLOAD, { msgID: secret.msgID });
      expectCode(notMerger, 6017);
      expect(notMerger.desc).toMatch(/is not a merger message/);
    });

    it('when a merger is sent onlineUserOnly, then erin gets it live and its merged messages are not kept', async () => {
      const hello = (await sendText(live.gw, 'alice', 'hello', { groupID: 'team' })).data;
      const made = await call('bob', CREATE_MERGER, {
        msgIDList: [hello.msgID],
        title: 'Team chat',
        abstractList: ['alice: hello'],
        compatibleText: 'c',
      });
      expectCode(made, 0, 'createMergerMessage');
      const merged = live.gw.app.services.store.messages.mergedMessages;
      expect([...(await merged([made.data.id])).keys()]).toEqual([made.data.id]);
      const erin = await live.subscribe('erin', ON_MESSAGE);
      const sent = await call(
        'bob',
        `mutation($id: String!) { sendMessage(id: $id, receiver: "erin", onlineUserOnly: true) { code desc data { msgID } } }`,
        { id: made.data.id },
      );
      expectCode(sent, 0, 'sendMessage onlineUserOnly');
      expect((await erin.waitFor(1))[0].onRecvNewMessage).toMatchObject({
        sender: 'bob',
        elemType: 'V2TIM_ELEM_TYPE_MERGER',
      });
      expect((await merged([made.data.id])).size).toBe(0);
      expectCode(
        await call('erin', DOWNLOAD, { msgID: sent.data.msgID }),
        6017,
        'erin downloads a merger never stored',
      );
    });

    it('when a merger breaks a limit, then 6017 or 80002 names the argument', async () => {
      const hello = (await sendText(live.gw, 'alice', 'hello', { groupID: 'team' })).data;
      const base = { msgIDList: [hello.msgID], title: 'Chat', abstractList: ['a'], compatibleText: 'c' };
      const cases: [Record<string, unknown>, number, RegExp][] = [
        [{ msgIDList: [] }, 6017, /^msgIDList is empty/],
        [
          { msgIDList: Array.from({ length: 301 }, (_, i) => `m${i}`) },
          6017,
          /^msgIDList has 301 messages; at most 300/,
        ],
        [{ title: '' }, 6017, /^title is empty/],
        [{ abstractList: ['1', '2', '3', '4', '5', '6'] }, 6017, /^abstractList has 6 entries; at most 5/],
        [{ abstractList: ['ok', 'x'.repeat(101)] }, 6017, /^abstractList\[1\] is 101 characters/],
        [{ compatibleText: '' }, 6017, /^compatibleText is empty/],
        [{ compatibleText: 'c'.repeat(12 * 1024) }, 80002, /^title, abstractList and compatibleText is \d+ bytes/],
      ];
      for (const [change, code, desc] of cases) {
        const r = await call('alice', CREATE_MERGER, { ...base, ...change });
        expectCode(r, code, Object.keys(change)[0]);
        expect(r.desc).toMatch(desc);
      }
      const revoked = (await sendText(live.gw, 'alice', 'oops', { groupID: 'team' })).data;
      expectCode(await call('alice', REVOKE, { msgID: revoked.msgID }), 0);
      const r = await call('alice', CREATE_FORWARD, { msgID: revoked.msgID });
      expectCode(r, 6017);
      expect(r.desc).toMatch(/was revoked/);
    });
  });
}

// getHistoryMessageList both ways: older pages newest first, newer pages oldest first, from a message (excluded) or a
// seq (included), with the same visibility as the other history reads. On both stores.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestGateway, expectCode, type TestGateway } from './helpers/app';
import { backends, skipNotice } from './helpers/backends';
import { group, sendText } from './helpers/ops';

const HISTORY = `query($o: V2TimMessageListGetOption!) { getHistoryMessageList(option: $o) { code desc data { msgID seq timestamp textElem { text } } } }`;
const OLDER = 1;
const NEWER = 2;

skipNotice('history');
for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`getHistoryMessageList (${backend.name})`, () => {
    let gw: TestGateway;
    let drop: () => Promise<void>;
    beforeEach(async () => {
      const opened = await backend.open();
      drop = opened.drop;
      gw = createTestGateway({ store: opened.store });
    });
    afterEach(async () => {
      await gw.app.stop();
      await drop();
    });
    const send = async (from: string, text: string, target: Record<string, unknown>) => {
      const r = await sendText(gw, from, text, target);
      expectCode(r, 0);
      return r.data as { msgID: string; seq: string };
    };
    const page = async (user: string, o: Record<string, unknown>) => {
      const r = await gw.call(user, HISTORY, { o });
      expectCode(r, 0);
      return r.data.map((m: any) => m.textElem.text) as string[];
    };

    it('when paging older and newer from a message, then older is newest first and newer oldest first, the anchor left out', async () => {
      const g = await group(gw, 'alice', ['bob']);
      const sent = [];
      for (const t of ['m1', 'm2', 'm3', 'm4', 'm5']) sent.push(await send('alice', t, { groupID: g }));
      expect(await page('bob', { getType: OLDER, groupID: g, count: 2 })).toEqual(['m5', 'm4']);
      expect(await page('bob', { getType: OLDER, groupID: g, count: 10, lastMsgID: sent[2]!.msgID })).toEqual([
        'm2',
        'm1',
      ]);
      expect(await page('bob', { getType: NEWER, groupID: g, count: 2, lastMsgID: sent[1]!.msgID })).toEqual([
        'm3',
        'm4',
      ]);
      expect(await page('bob', { getType: NEWER, groupID: g, count: 10 })).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      // The local types are the same on the gateway.
      expect(await page('bob', { getType: 4, groupID: g, count: 1, lastMsgID: sent[3]!.msgID })).toEqual(['m5']);
    });

    it('when jumping to a seq, then the page starts at that message; each viewer by their own seq, past targeted ones they do not see', async () => {
      const g = await group(gw, 'alice', ['bob', 'carol']);
      await send('alice', 'm1', { groupID: g });
      await send('alice', 'for carol', { groupID: g, receiverList: ['carol'] });
      const m2 = await send('alice', 'm2', { groupID: g });
      await send('alice', 'm3', { groupID: g });
      // bob never saw the targeted one: m2 is his seq 2; carol's seq 3.
      expect(await page('bob', { getType: NEWER, groupID: g, count: 10, lastMsgSeq: 2 })).toEqual(['m2', 'm3']);
      expect(await page('carol', { getType: NEWER, groupID: g, count: 10, lastMsgSeq: 2 })).toEqual([
        'for carol',
        'm2',
        'm3',
      ]);
      expect(await page('carol', { getType: OLDER, groupID: g, count: 10, lastMsgSeq: 3 })).toEqual([
        'm2',
        'for carol',
        'm1',
      ]);
      expect(m2.seq).toBe('3'); // alice, the sender, is in the targeted message's audience too
      expectCode(await gw.call('bob', HISTORY, { o: { getType: NEWER, groupID: g, count: 10, lastMsgSeq: 9 } }), 6017);
    });

    it('when the targeted message is anchored by someone outside its audience, then 6017 as for an unknown one', async () => {
      const g = await group(gw, 'alice', ['bob', 'carol']);
      const secret = await send('alice', 'for carol', { groupID: g, receiverList: ['carol'] });
      const r = await gw.call('bob', HISTORY, {
        o: { getType: NEWER, groupID: g, count: 10, lastMsgID: secret.msgID },
      });
      expectCode(r, 6017);
      expect(await page('bob', { getType: NEWER, groupID: g, count: 10 })).toEqual([]);
    });

    it('when a C2C history is paged newer, then only the pair sees it; lastMsgSeq is for groups only', async () => {
      const a = await send('alice', 'a1', { receiver: 'bob' });
      await send('bob', 'b1', { receiver: 'alice' });
      await send('alice', 'a2', { receiver: 'bob' });
      expect(await page('bob', { getType: NEWER, userID: 'alice', count: 10, lastMsgID: a.msgID })).toEqual([
        'b1',
        'a2',
      ]);
      expect(await page('carol', { getType: NEWER, userID: 'alice', count: 10 })).toEqual([]);
      expectCode(
        await gw.call('bob', HISTORY, { o: { getType: NEWER, userID: 'alice', count: 10, lastMsgSeq: 1 } }),
        6017,
      );
    });

    it('when a time range is given, then only messages inside it come back', async () => {
      const g = await group(gw, 'alice', ['bob']);
      gw.clock.now = 1_800_000_000;
      await send('alice', 't0', { groupID: g });
      gw.clock.now += 100;
      await send('alice', 't100', { groupID: g });
      gw.clock.now += 100;
      await send('alice', 't200', { groupID: g });
      const base = 1_800_000_000;
      expect(
        await page('bob', { getType: NEWER, groupID: g, count: 10, getTimeBegin: base + 50, getTimePeriod: 100 }),
      ).toEqual(['t100']);
      expect(
        await page('bob', { getType: OLDER, groupID: g, count: 10, getTimeBegin: base + 150, getTimePeriod: 1000 }),
      ).toEqual(['t100', 't0']);
    });

    it('when the option is wrong, then the SDK codes: 6017, 10010, 10007, 7003', async () => {
      const g = await group(gw, 'alice', ['bob']);
      const o = { getType: OLDER, groupID: g, count: 10 };
      expectCode(await gw.call('bob', HISTORY, { o: { ...o, getType: 0 } }), 6017);
      expectCode(await gw.call('bob', HISTORY, { o: { ...o, userID: 'alice' } }), 6017);
      expectCode(await gw.call('bob', HISTORY, { o: { getType: OLDER, count: 10 } }), 6017);
      expectCode(await gw.call('bob', HISTORY, { o: { ...o, count: 0 } }), 6017);
      expectCode(await gw.call('bob', HISTORY, { o: { ...o, lastMsgID: 'nope' } }), 6017);
      expectCode(await gw.call('bob', HISTORY, { o: { ...o, lastMsgSeq: -1 } }), 6017);
      expectCode(await gw.call('bob', HISTORY, { o: { ...o, groupID: 'no-such-group' } }), 10010);
      expectCode(await gw.call('carol', HISTORY, { o }), 10007);
      expectCode(await gw.call('bob', HISTORY, { o: { getType: OLDER, userID: '', count: 10 } }), 6017);
      expectCode(await gw.call('bob', HISTORY, { o: { getType: OLDER, userID: 'x y z'.repeat(20), count: 10 } }), 7003);
    });
  });
}

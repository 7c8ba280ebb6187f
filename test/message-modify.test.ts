// modifyMessage and onRecvMessageModified (issue 16): the sender edits in place; the message's audience, and only
// it, learns of the edit live and reads the latest version in history and findMessages; racing edits of one
// version answer 8006 for all but one. On both stores.
import { describe, expect, it } from 'vitest';
import { expectCode, settle } from './helpers/app';
import { backends, skipNotice } from './helpers/backends';
import { liveEach } from './helpers/live';
import { FIND, GROUP_HISTORY, group, sendText } from './helpers/ops';

const MODIFY = `mutation($msgID: String!, $text: String, $data: String, $desc: String, $extension: String, $cloudCustomData: String, $version: Int) {
  modifyMessage(msgID: $msgID, text: $text, data: $data, desc: $desc, extension: $extension, cloudCustomData: $cloudCustomData, version: $version) {
    code desc data { msgID version seq textElem { text } customElem { data desc extension } cloudCustomData } } }`;
const ON_MODIFIED = `subscription { onRecvMessageModified { msgID version seq textElem { text } cloudCustomData } }`;
const REVOKE = `mutation($msgID: String!) { revokeMessage(msgID: $msgID) { code desc } }`;
const CREATE_CUSTOM = `mutation($data: String!) { createCustomMessage(data: $data) { code data { id } } }`;
const SEND = `mutation($id: String!, $groupID: String) { sendMessage(id: $id, groupID: $groupID) { code desc data { msgID } } }`;

skipNotice('modifyMessage');
for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`modifyMessage (${backend.name})`, () => {
    const { live, call } = liveEach(backend, (live) => group(live.gw, 'alice', ['bob', 'dave'], 'Work', 'team'));

    it('when alice edits a message targeted to bob, then only bob (and alice) get the edit live and read it; dave gets only the next broadcast edit', async () => {
      const subs = Object.fromEntries(
        await Promise.all(
          ['alice', 'bob', 'dave'].map(async (u) => [u, await live.subscribe(u, ON_MODIFIED)] as const),
        ),
      );
      const secret = (await sendText(live.gw, 'alice', 'for bob: 4pm', { groupID: 'team', receiverList: ['bob'] }))
        .data;
      const edited = await call('alice', MODIFY, { msgID: secret.msgID, text: 'for bob: 5pm', version: 0 });
      expectCode(edited, 0);
      expect(edited.data).toMatchObject({ msgID: secret.msgID, version: 1, textElem: { text: 'for bob: 5pm' } });
      expect(edited.data.seq).toBe(secret.seq); // the same message, not a new one

      const open = (await sendText(live.gw, 'alice', 'standup at 10', { groupID: 'team' })).data;
      expectCode(await call('alice', MODIFY, { msgID: open.msgID, text: 'standup at 11' }), 0);

      await subs.bob!.waitFor(2);
      await subs.alice!.waitFor(2);
      await subs.dave!.waitFor(1);
      await settle();
      const texts = (u: string) => subs[u]!.events.map((e) => e.onRecvMessageModified.textElem.text);
      expect(texts('bob')).toEqual(['for bob: 5pm', 'standup at 11']);
      expect(texts('alice')).toEqual(['for bob: 5pm', 'standup at 11']);
      expect(texts('dave')).toEqual(['standup at 11']); // the targeted edit never reached him, not even first

      const history = async (u: string) =>
        (await call(u, GROUP_HISTORY, { groupID: 'team', count: 10 })).data.map((m: any) => m.textElem.text);
      expect(await history('bob')).toEqual(['standup at 11', 'for bob: 5pm']);
      expect(await history('dave')).toEqual(['standup at 11']);
      expect((await call('bob', FIND, { ids: [secret.msgID] })).data).toEqual([
        { msgID: secret.msgID, textElem: { text: 'for bob: 5pm' } },
      ]);
      expect((await call('dave', FIND, { ids: [secret.msgID] })).data).toEqual([]);
    });

    it('when two edits of the same version race, then one answers 0 and the other 8006, and the winner is what everyone reads', async () => {
      const m = (await sendText(live.gw, 'alice', 'v0', { groupID: 'team' })).data;
      const [a, b] = await Promise.all([
        call('alice', MODIFY, { msgID: m.msgID, text: 'edit A', version: 0 }),
        call('alice', MODIFY, { msgID: m.msgID, text: 'edit B', version: 0 }),
      ]);
      expect([a.code, b.code].sort()).toEqual([0, 8006]);
      const winner = a.code === 0 ? 'edit A' : 'edit B';
      expect((await call('bob', FIND, { ids: [m.msgID] })).data[0].textElem.text).toBe(winner);
      // Editing the version read since goes through.
      expectCode(await call('alice', MODIFY, { msgID: m.msgID, text: 'edit C', version: 1 }), 0);
    });

    it('when a custom message is edited, then its data and cloudCustomData change and its desc stays', async () => {
      const id = (await call('alice', CREATE_CUSTOM, { data: '{"v":1}' })).data.id;
      const sent = await call('alice', SEND, { id, groupID: 'team' });
      const r = await call('alice', MODIFY, { msgID: sent.data.msgID, data: '{"v":2}', cloudCustomData: 'x' });
      expectCode(r, 0);
      expect(r.data).toMatchObject({ customElem: { data: '{"v":2}', desc: '' }, cloudCustomData: 'x', version: 1 });
    });

    it('when the edit is not allowed, then the right code names why, and nothing changes', async () => {
      const m = (await sendText(live.gw, 'alice', 'original', { groupID: 'team' })).data;
      const secret = (await sendText(live.gw, 'alice', 'bob only', { groupID: 'team', receiverList: ['bob'] })).data;
      const cases: [string, string, Record<string, unknown>, number, RegExp][] = [
        ['bob edits alice’s message', 'bob', { msgID: m.msgID, text: 'x' }, 10007, /sender/],
        ['dave edits one he cannot see', 'dave', { msgID: secret.msgID, text: 'x' }, 6017, /not found/],
        ['an unknown msgID', 'alice', { msgID: 'nope', text: 'x' }, 6017, /not found/],
        ['custom fields on a text message', 'alice', { msgID: m.msgID, data: 'x' }, 6017, /data/],
        ['an empty text', 'alice', { msgID: m.msgID, text: '' }, 6017, /text/],
        ['a negative version', 'alice', { msgID: m.msgID, text: 'x', version: -1 }, 6017, /version/],
        ['a stale version', 'alice', { msgID: m.msgID, text: 'x', version: 5 }, 8006, /version 5/],
        ['a text over 12 KB', 'alice', { msgID: m.msgID, text: 'x'.repeat(12 * 1024 + 1) }, 80002, /bytes/],
      ];
      for (const [what, user, args, code, desc] of cases) {
        const r = await call(user, MODIFY, args);
        expectCode(r, code, what);
        expect(r.desc, what).toMatch(desc);
      }
      expectCode(await call('alice', REVOKE, { msgID: m.msgID }), 0);
      expectCode(await call('alice', MODIFY, { msgID: m.msgID, text: 'after revoke' }), 10007);
      expect((await call('bob', FIND, { ids: [secret.msgID] })).data[0].textElem.text).toBe('bob only');
    });
  });
}

// The store contract (src/db/store.ts), run against every store: SQLite always, PostgreSQL when DATABASE_URL is
// postgres://…. The same assertions on both are the proof that the code above src/db cannot tell them apart:
// per-viewer seq, visibility windows, audience rows, unread and lastMessage, drafts, idempotent send, revoke.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DraftRow, NewMessage, SendOutcome, Store, ViewedMessage } from '../src/db/store';
import type { BlobRef, MsgBody } from '../src/db/element';
import { PG_URL } from './helpers/pg';
import { backends, readAfter, skipNotice } from './helpers/backends';
import { textMessage, textOf } from './helpers/new-message';

const NOW = 1_800_000_000;

skipNotice('store contract');

interface Target {
  groupId?: string;
  receiver?: string;
  targets?: string[];
}

let drafts = 0;
const draftRow = (owner: string, text: string, expiresAt = NOW + 3600): DraftRow => ({
  id: `draft-${++drafts}`,
  owner,
  createdAt: NOW,
  expiresAt,
  elemType: 1,
  body: [{ kind: 'text', text: text }],
  atUsers: null,
  targets: null,
});

function newMessage(draft: DraftRow, sender: string, to: Target, options: Partial<NewMessage> = {}): NewMessage {
  const targets = to.targets ?? null;
  return textMessage({
    msgId: `msg-${draft.id}`,
    createId: draft.id,
    sender,
    receiver: to.groupId ? null : to.receiver!,
    groupId: to.groupId ?? null,
    audience: targets ? [...new Set([sender, ...targets])] : null,
    targets,
    text: textOf(draft)!,
    excludedUnread: targets !== null,
    random: 7,
    timestamp: NOW,
    ...options,
  });
}

for (const backend of backends) {
  (backend.enabled ? describe : describe.skip)(`${backend.name} store`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    beforeEach(async () => {
      ({ store, drop } = await backend.open());
    });
    afterEach(async () => {
      await store.close();
      await drop();
    });

    async function send(
      sender: string,
      text: string,
      to: Target,
      options: Partial<NewMessage> = {},
    ): Promise<ViewedMessage> {
      const outcome = await trySend(sender, text, to, options);
      if (!outcome.ok) throw new Error(`send: ${outcome.reason}`);
      return outcome.message;
    }
    async function trySend(
      sender: string,
      text: string,
      to: Target,
      options: Partial<NewMessage> = {},
    ): Promise<SendOutcome> {
      const draft = draftRow(sender, text);
      await store.messages.createDraft(draft);
      return store.messages.send(newMessage(draft, sender, to, options), NOW);
    }
    async function group(id: string, owner: string, members: string[], type = 'Work') {
      expect(
        await store.groups.create(
          { groupId: id, groupType: type, groupName: id, owner, createdAt: NOW },
          members.map((userID) => ({ userID, role: 200 })),
          NOW,
        ),
      ).toBe(true);
    }
    const texts = (list: ViewedMessage[]) => list.map((m) => textOf(m.row));
    const seqs = (list: ViewedMessage[]) => list.map((m) => m.seq);
    const history = (viewer: string, groupId: string) =>
      store.messages.groupHistory(viewer, groupId, Number.MAX_SAFE_INTEGER, 100);

    it('when a targeted message sits between broadcasts, then each viewer sees gap-free seqs and outsiders never see it', async () => {
      await group('g', 'alice', ['bob', 'carol', 'dave']);
      await send('alice', 'one', { groupId: 'g' });
      const targeted = await send('alice', 'two', { groupId: 'g', targets: ['bob', 'carol'] });
      expect(targeted.seq).toBe(2);
      await send('bob', 'three', { groupId: 'g' });

      for (const u of ['alice', 'bob', 'carol']) {
        expect(texts(await history(u, 'g'))).toEqual(['three', 'two', 'one']);
        expect(seqs(await history(u, 'g'))).toEqual([3, 2, 1]);
      }
      expect(texts(await history('dave', 'g'))).toEqual(['three', 'one']);
      expect(seqs(await history('dave', 'g'))).toEqual([2, 1]);
      expect(await store.messages.visible('dave', targeted.row.msgId)).toBeUndefined();
      expect((await store.messages.seenBy(['dave'], targeted.row.msgId)).has('dave')).toBe(false);
      expect((await store.messages.visible('carol', targeted.row.msgId))?.seq).toBe(2);
      expect(texts(await readAfter(store, 'dave', 0, 100))).toEqual(['one', 'three']);
      expect(texts(await readAfter(store, 'carol', 0, 100))).toEqual(['one', 'two', 'three']);

      const live = await store.messages.viewsFor(['alice', 'carol', 'dave', 'erin'], targeted.row);
      expect([...live.keys()].sort()).toEqual(['alice', 'carol']);
      expect(live.get('carol')).toMatchObject({ seq: 2, isRead: false });
      expect(live.get('alice')).toMatchObject({ seq: 2, isRead: true });
      const broadcast = (await history('dave', 'g'))[0]!.row;
      const all = await store.messages.viewsFor(['alice', 'dave', 'erin'], broadcast);
      expect([...all.entries()].map(([u, v]) => [u, v.seq]).sort()).toEqual([
        ['alice', 3],
        ['dave', 2],
      ]);
    });

    it('when a live event asks who of many may see a message, then seenBy answers for each what visible answers', async () => {
      await group('g', 'alice', ['bob', 'carol', 'dave']);
      const broadcast = await send('alice', 'one', { groupId: 'g' });
      const targeted = await send('alice', 'two', { groupId: 'g', targets: ['bob'] });
      const c2c = await send('carol', 'psst', { receiver: 'dave' });
      await store.messages.hide('bob', 'group_g', [broadcast.row.msgId], true);
      const viewers = ['alice', 'bob', 'carol', 'dave', 'erin', 'bob'];
      for (const m of [broadcast, targeted, c2c]) {
        const seen = await store.messages.seenBy(viewers, m.row.msgId);
        for (const v of viewers)
          expect(seen.get(v), `${v} of ${textOf(m.row)}`).toEqual(await store.messages.visible(v, m.row.msgId));
      }
      expect([...(await store.messages.seenBy(viewers, targeted.row.msgId)).keys()].sort()).toEqual(['alice', 'bob']);
      expect([...(await store.messages.seenBy(viewers, broadcast.row.msgId)).keys()].sort()).toEqual([
        'alice',
        'carol',
        'dave',
      ]);
      expect((await store.messages.seenBy(viewers, 'no-such-id')).size).toBe(0);
    });

    it('when a member joins later, then they see only what came after; a Meeting member sees everything', async () => {
      await group('work', 'alice', ['bob']);
      await group('meet', 'alice', ['bob'], 'Meeting');
      await send('alice', 'before', { groupId: 'work' });
      await send('alice', 'before', { groupId: 'meet' });
      expect(await store.groups.addMembers('work', ['erin'], 200, NOW, 200)).toBe('ok');
      expect(await store.groups.addMembers('meet', ['erin'], 200, NOW, 200)).toBe('ok');
      await send('alice', 'after', { groupId: 'work' });
      expect(texts(await history('erin', 'work'))).toEqual(['after']);
      expect(seqs(await history('erin', 'work'))).toEqual([2]);
      expect(texts(await history('erin', 'meet'))).toEqual(['before']);
      expect((await store.conversations.get('erin', 'group_work'))?.unreadCount).toBe(1);
      expect((await store.conversations.get('erin', 'group_meet'))?.unreadCount).toBe(0); // history, read at the join
    });

    it('when the same draft is sent twice, then the second is draft-missing, the retry finds the first, and no seq is skipped', async () => {
      await group('g', 'alice', ['bob']);
      const draft = draftRow('alice', 'once');
      await store.messages.createDraft(draft);
      const first = await store.messages.send(newMessage(draft, 'alice', { groupId: 'g' }), NOW);
      const second = await store.messages.send(
        { ...newMessage(draft, 'alice', { groupId: 'g' }), msgId: 'other' },
        NOW,
      );
      expect(first.ok).toBe(true);
      expect(second).toEqual({ ok: false, reason: 'draft-missing' });
      expect((await store.messages.sentFromDraft(draft.id, 'alice'))?.row.msgId).toBe(`msg-${draft.id}`);
      expect(await store.messages.sentFromDraft(draft.id, 'bob')).toBeUndefined();
      const next = await send('alice', 'next', { groupId: 'g' });
      expect(next.seq).toBe(2);
      expect(seqs(await history('bob', 'g'))).toEqual([2, 1]);
    });

    it('when a send is refused, then nothing is stored, the draft stays, and no seq is used', async () => {
      await group('g', 'alice', ['bob']);
      expect(await trySend('erin', 'x', { groupId: 'g' })).toEqual({ ok: false, reason: 'not-member' });
      expect(await trySend('alice', 'x', { groupId: 'nope' })).toEqual({ ok: false, reason: 'group-missing' });
      expect(await trySend('alice', 'x', { groupId: 'g', targets: ['erin'] })).toEqual({
        ok: false,
        reason: 'receiver-not-member',
      });
      expect(await store.groups.mute('g', 'bob', NOW + 60)).toBe(true);
      const draft = draftRow('bob', 'muted');
      await store.messages.createDraft(draft);
      expect(await store.messages.send(newMessage(draft, 'bob', { groupId: 'g' }), NOW)).toEqual({
        ok: false,
        reason: 'muted',
      });
      expect(await store.messages.draft(draft.id, 'bob', NOW)).toMatchObject({
        id: draft.id,
        body: [{ kind: 'text', text: 'muted' }],
      });
      expect(await store.messages.lastOrder()).toBe(0);
      expect((await send('alice', 'first', { groupId: 'g' })).seq).toBe(1);
    });

    it('when alice and bob write to each other, then the pair seq counts for both and bob has the unread ones', async () => {
      const a1 = await send('alice', 'hi bob', { receiver: 'bob' });
      const b1 = await send('bob', 'hi alice', { receiver: 'alice' });
      const a2 = await send('alice', 'how are you', { receiver: 'bob' });
      expect([a1.seq, b1.seq, a2.seq]).toEqual([1, 2, 3]);
      expect(a1.row.pairKey).toBe('alice\u0000bob');
      const bobs = await store.messages.c2cHistory('bob', 'alice', Number.MAX_SAFE_INTEGER, 10);
      expect(texts(bobs)).toEqual(['how are you', 'hi alice', 'hi bob']);
      expect(bobs.map((m) => m.isRead)).toEqual([false, true, true]); // bob's own send read up to it
      expect(await store.messages.c2cHistory('carol', 'alice', Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      const conv = await store.conversations.get('bob', 'c2c_alice');
      expect(conv).toMatchObject({ conversationID: 'c2c_alice', userID: 'alice', groupID: null, unreadCount: 1 });
      expect(textOf(conv?.lastMessage?.row)).toBe('how are you');
      expect(await store.conversations.totalUnread('bob')).toBe(1);
      expect(await store.conversations.markRead('bob', 'c2c_alice')).toBe(true);
      expect(await store.conversations.totalUnread('bob')).toBe(0);
      expect(await store.conversations.markRead('bob', 'c2c_carol')).toBe(false);
    });

    it('when messages are excluded or revoked, then unread and lastMessage leave them out as the flags say', async () => {
      await group('g', 'alice', ['bob', 'carol']);
      await send('alice', 'counted', { groupId: 'g' });
      await send('alice', 'not counted', { groupId: 'g' }, { excludedUnread: true });
      await send('alice', 'for bob, counted', { groupId: 'g', targets: ['bob'] }, { excludedUnread: false });
      await send('alice', 'for bob, silent', { groupId: 'g', targets: ['bob'] });
      const revoked = await send('alice', 'revoked', { groupId: 'g' });
      await send('alice', 'not last', { groupId: 'g' }, { excludedLast: true });
      await store.messages.revoke(revoked.row.orderNo, 'alice', NOW + 1);

      // bob: counted, for bob counted, not last (excluded from lastMessage only); carol: counted, not last.
      expect((await store.conversations.get('bob', 'group_g'))?.unreadCount).toBe(3);
      expect((await store.conversations.get('carol', 'group_g'))?.unreadCount).toBe(2);
      const last = (await store.conversations.get('carol', 'group_g'))?.lastMessage;
      expect(last?.row).toMatchObject({
        body: [{ kind: 'text', text: 'revoked' }],
        revokedAt: NOW + 1,
        revokedBy: 'alice',
      });
      expect(textOf((await store.conversations.get('bob', 'group_g'))?.lastMessage?.row)).toBe('revoked');
      expect(await store.conversations.totalUnread('bob')).toBe(3);
      const list = await store.conversations.list('bob');
      expect(list.map((c) => [c.conversationID, c.groupName, c.unreadCount])).toEqual([['group_g', 'g', 3]]);
      expect(await store.conversations.markRead('bob', 'group_g')).toBe(true);
      expect(await store.conversations.totalUnread('bob')).toBe(0);
    });

    it("when a live event reads many viewers' conversations and totals at once, then each gets what its own get and totalUnread answer", async () => {
      await group('g', 'alice', ['bob', 'carol', 'dave']);
      await send('alice', 'to all', { groupId: 'g' });
      await send('alice', 'for bob', { groupId: 'g', targets: ['bob'] }, { excludedUnread: false });
      await send('alice', 'hi bob', { receiver: 'bob' });
      await send('carol', 'hi alice', { receiver: 'alice' });
      expect(await store.conversations.markRead('carol', 'group_g')).toBe(true);
      const viewers = ['alice', 'bob', 'carol', 'dave', 'erin']; // erin has no conversation at all
      const pairs = [
        ...viewers.map((viewer) => ({ viewer, conversationID: 'group_g' })),
        { viewer: 'bob', conversationID: 'c2c_alice' }, // a second conversation of one viewer is another statement
        { viewer: 'alice', conversationID: 'c2c_carol' },
      ];
      const many = await store.conversations.getMany(pairs.slice(0, 5));
      for (const viewer of viewers) expect(many.get(viewer)).toEqual(await store.conversations.get(viewer, 'group_g'));
      expect([...many.keys()].sort()).toEqual(['alice', 'bob', 'carol', 'dave']);
      // bob sees the targeted message as his lastMessage with his own seq; dave sees the broadcast with his.
      expect(textOf(many.get('bob')?.lastMessage?.row)).toBe('for bob');
      expect(textOf(many.get('dave')?.lastMessage?.row)).toBe('to all');
      expect([many.get('bob')?.lastMessage?.seq, many.get('dave')?.lastMessage?.seq]).toEqual([2, 1]);
      const mixed = await store.conversations.getMany(pairs.slice(5));
      expect(mixed.get('bob')).toEqual(await store.conversations.get('bob', 'c2c_alice'));
      expect(mixed.get('alice')).toEqual(await store.conversations.get('alice', 'c2c_carol'));
      const totals = await store.conversations.totalUnreadMany(viewers);
      for (const viewer of viewers) expect(totals.get(viewer)).toBe(await store.conversations.totalUnread(viewer));
      expect(Object.fromEntries(totals)).toEqual({ alice: 1, bob: 3, carol: 0, dave: 1, erin: 0 });
    });

    it('when a resume reads after a cursor, then it gets every source oldest first, within the limit, within its windows', async () => {
      await group('g', 'alice', ['bob']);
      await group('h', 'carol', ['bob']);
      await send('alice', 'g1', { groupId: 'g' });
      await send('carol', 'c2c', { receiver: 'bob' });
      await send('carol', 'h1', { groupId: 'h', targets: ['bob'] });
      await send('bob', 'c2c back', { receiver: 'carol' });
      await send('carol', 'h2', { groupId: 'h' });
      const all = await readAfter(store, 'bob', 0, 100);
      expect(texts(all)).toEqual(['g1', 'c2c', 'h1', 'c2c back', 'h2']);
      expect(all.map((m) => m.row.orderNo)).toEqual([...all.map((m) => m.row.orderNo)].sort((a, b) => a - b));
      expect(texts(await readAfter(store, 'bob', all[1]!.row.orderNo, 2))).toEqual(['h1', 'c2c back']);
      expect(await store.groups.removeMembers('h', ['bob', 'erin'])).toEqual(['bob']);
      expect(texts(await readAfter(store, 'bob', 0, 100))).toEqual(['g1', 'c2c', 'c2c back']);
      expect(await store.conversations.get('bob', 'group_h')).toBeUndefined();
    });

    it('when members are added, listed, removed and the group dismissed, then each outcome is reported as the contract says', async () => {
      await group('g', 'alice', ['bob']);
      expect(await store.groups.addMembers('nope', ['erin'], 200, NOW, 10)).toBe('missing');
      expect(await store.groups.addMembers('g', ['bob'], 200, NOW, 10)).toBe('already');
      expect(await store.groups.addMembers('g', ['carol', 'dave'], 200, NOW, 3)).toBe('full');
      expect(await store.groups.addMembers('g', ['bob', 'carol'], 300, NOW + 1, 3)).toBe('ok');
      expect((await store.groups.members('g', 0, 10)).map((m) => [m.userId, m.role])).toEqual([
        ['alice', 400],
        ['carol', 300],
        ['bob', 200],
      ]);
      expect((await store.groups.members('g', 1, 1)).map((m) => m.userId)).toEqual(['carol']);
      expect(await store.groups.membersAmong('g', ['erin', 'carol', 'alice'])).toEqual(['carol', 'alice']);
      const joined = await store.groups.joined('carol');
      expect(joined).toEqual([
        {
          group: {
            groupId: 'g',
            groupType: 'Work',
            groupName: 'g',
            owner: 'alice',
            createdAt: NOW,
            publicCount: 0,
            // The join options: null, the group type's default (src/resolvers/group-type.ts).
            addOpt: null,
            approveOpt: null,
          },
          role: 300,
          memberCount: 3,
        },
      ]);
      expect(await store.groups.joinedIDs('carol')).toEqual(['g']);
      expect(
        await store.groups.create(
          { groupId: 'g', groupType: 'Work', groupName: 'again', owner: 'erin', createdAt: NOW },
          [],
          NOW,
        ),
      ).toBe(false);
      expect((await store.groups.dismiss('g')).members.sort()).toEqual(['alice', 'bob', 'carol']);
      expect(await store.groups.get('g')).toBeUndefined();
      expect(await store.groups.member('g', 'bob')).toBeUndefined();
      expect(await store.conversations.list('bob')).toEqual([]);
    });

    it('when drafts expire or belong to someone else, then they are not found, and reclaim deletes the expired ones', async () => {
      const live = draftRow('alice', 'live');
      const old = draftRow('alice', 'old', NOW - 1);
      await store.messages.createDraft(live);
      await store.messages.createDraft(old);
      expect(await store.messages.draft(live.id, 'alice', NOW)).toEqual(live);
      expect(await store.messages.draft(live.id, 'bob', NOW)).toBeUndefined();
      expect(await store.messages.draft(old.id, 'alice', NOW)).toBeUndefined();
      expect((await store.messages.reclaimDrafts(NOW)).drafts).toBe(1);
      expect((await store.messages.reclaimDrafts(NOW)).drafts).toBe(0);
    });

    it("when a draft is targeted, then it is changed in place; someone else's, expired or sent drafts are not", async () => {
      await group('g', 'alice', ['bob', 'carol']);
      const mine = draftRow('alice', 'to some');
      const old = draftRow('alice', 'old', NOW - 1);
      await store.messages.createDraft(mine);
      await store.messages.createDraft(old);
      expect(await store.messages.targetDraft(mine.id, 'alice', NOW, ['bob', 'carol'])).toBe(true);
      expect(await store.messages.draft(mine.id, 'alice', NOW)).toEqual({ ...mine, targets: ['bob', 'carol'] });
      expect(await store.messages.targetDraft(mine.id, 'alice', NOW, ['carol'])).toBe(true); // replaces the list
      expect((await store.messages.draft(mine.id, 'alice', NOW))?.targets).toEqual(['carol']);
      expect(await store.messages.targetDraft(mine.id, 'bob', NOW, ['bob'])).toBe(false);
      expect(await store.messages.targetDraft(old.id, 'alice', NOW, ['bob'])).toBe(false);
      expect((await store.messages.draft(mine.id, 'alice', NOW))?.targets).toEqual(['carol']);

      // A send that read the draft with another list (or none) does not consume it, and stores nothing.
      const stale = await store.messages.send(newMessage(mine, 'alice', { groupId: 'g' }, { draftTargets: null }), NOW);
      expect(stale).toEqual({ ok: false, reason: 'draft-missing' });
      const staleList = await store.messages.send(
        newMessage(mine, 'alice', { groupId: 'g', targets: ['bob'] }, { draftTargets: ['bob', 'carol'] }),
        NOW,
      );
      expect(staleList).toEqual({ ok: false, reason: 'draft-missing' });
      expect(await history('bob', 'g')).toEqual([]);
      const sent = await store.messages.send(
        newMessage(mine, 'alice', { groupId: 'g', targets: ['carol'] }, { draftTargets: ['carol'] }),
        NOW,
      );
      expect(sent.ok).toBe(true);
      expect(await store.messages.targetDraft(mine.id, 'alice', NOW, ['bob'])).toBe(false); // sent: gone
      expect(texts(await history('carol', 'g'))).toEqual(['to some']);
      expect(await history('bob', 'g')).toEqual([]);
    });

    it("when a send is checked before its transaction, then the draft comes with the group, the sender's membership and profile", async () => {
      await group('g1', 'alice', ['bob']);
      await store.users.setProfile('bob', { nickName: 'Bob', faceUrl: 'https://x/b.png' }, NOW, 20);
      const mine = draftRow('bob', 'hi');
      await store.messages.createDraft(mine);
      const checked = await store.messages.draftToSend(mine.id, 'bob', NOW, 'g1');
      expect(checked?.draft).toEqual(mine);
      expect(checked?.group).toMatchObject({ groupId: 'g1', owner: 'alice' });
      expect(checked?.member).toMatchObject({ groupId: 'g1', userId: 'bob' });
      expect(checked?.sender).toEqual({ nickName: 'Bob', faceUrl: 'https://x/b.png' });
      // Not a member, no such group, no group asked: the draft alone; someone else's draft: nothing.
      const carols = draftRow('carol', 'hi');
      await store.messages.createDraft(carols);
      expect(await store.messages.draftToSend(carols.id, 'carol', NOW, 'g1')).toMatchObject({
        draft: carols,
        member: undefined,
      });
      expect(await store.messages.draftToSend(mine.id, 'bob', NOW, 'nope')).toMatchObject({
        draft: mine,
        group: undefined,
        member: undefined,
      });
      expect(await store.messages.draftToSend(mine.id, 'bob', NOW, null)).toEqual({
        draft: mine,
        group: undefined,
        member: undefined,
        sender: { nickName: 'Bob', faceUrl: 'https://x/b.png' },
      });
      // A sender without a profile row: no nickName, no faceUrl.
      expect((await store.messages.draftToSend(carols.id, 'carol', NOW, null))?.sender).toEqual({
        nickName: null,
        faceUrl: null,
      });
      expect(await store.messages.draftToSend(mine.id, 'carol', NOW, 'g1')).toBeUndefined();
    });

    it('when text carries U+0000 and private-use characters, then drafts, messages and group names come back byte for byte', async () => {
      const odd = 'a\u0000b\uE000c\uE0000\u0000\uE000e';
      expect(
        await store.groups.create(
          { groupId: 'g', groupType: 'Work', groupName: odd, owner: 'alice', createdAt: NOW },
          [],
          NOW,
        ),
      ).toBe(true);
      // A body of two elements, each with the odd characters in its strings.
      const body: MsgBody = [
        { kind: 'text', text: odd },
        { kind: 'custom', data: odd, desc: '\u0000', extension: '\uE000' },
      ];
      const draft = { ...draftRow('alice', odd), body };
      await store.messages.createDraft(draft);
      expect(await store.messages.draft(draft.id, 'alice', NOW)).toEqual(draft);
      const sent = await store.messages.send(
        newMessage(draft, 'alice', { groupId: 'g' }, { body, cloudCustomData: odd, localCustomData: '\u0000' }),
        NOW,
      );
      expect(sent.ok && sent.message.row).toMatchObject({ body, cloudCustomData: odd, localCustomData: '\u0000' });
      expect((await history('alice', 'g'))[0]?.row).toMatchObject({ body, cloudCustomData: odd });
      expect((await store.groups.get('g'))?.groupName).toBe(odd);
      expect((await store.groups.joined('alice'))[0]?.group.groupName).toBe(odd);
      expect((await store.conversations.get('alice', 'group_g'))?.groupName).toBe(odd);
    });

    it('when a message is sent online-only, then it is checked and consumes its draft but is never stored', async () => {
      await group('g', 'alice', ['bob']);
      const draft = draftRow('alice', 'now or never');
      await store.messages.createDraft(draft);
      const outcome = await store.messages.sendOnline(newMessage(draft, 'alice', { groupId: 'g' }), NOW);
      expect(outcome).toMatchObject({
        ok: true,
        message: {
          seq: 0,
          row: { orderNo: 0, seqBase: 0, body: [{ kind: 'text', text: 'now or never' }], targeted: 0, pairKey: null },
        },
      });
      expect(await store.messages.draft(draft.id, 'alice', NOW)).toBeUndefined();
      expect(await store.messages.lastOrder()).toBe(0);
      expect(await history('bob', 'g')).toEqual([]);
      const row = (outcome as { message: ViewedMessage }).message.row;
      expect([...(await store.messages.viewsFor(['bob', 'erin'], row)).keys()]).toEqual(['bob']);
      expect((await store.messages.viewsFor(['bob'], row)).get('bob')).toEqual({ row, seq: 0, isRead: false });
    });

    it('when a draft of a text then a picture is sent online-only or expires, then what it holds goes, keeping blobs a stored message holds', async () => {
      await group('g', 'alice', ['bob']);
      const ref = (blobId: string): BlobRef => ({
        blobId,
        uploader: 'alice',
        kind: 'image',
        contentType: 'image/png',
        fileName: null,
      });
      // The body's first element is text (elemType 1): what it holds is its rows, not its first element's type.
      const pictureDraft = (name: string, expiresAt?: number): DraftRow => ({
        ...draftRow('alice', name, expiresAt),
        body: [
          { kind: 'text', text: name },
          {
            kind: 'image',
            imageList: [`${name}-own`, 'shared'].map((uuid, type) => ({
              uuid,
              type,
              size: 9,
              width: 3,
              height: 3,
              contentType: 'image/png',
            })),
          },
        ],
      });
      const holding = async (draft: DraftRow) => {
        await store.messages.createDraft(draft, { refs: [ref(`${textOf(draft)}-own`), ref('shared')] });
        expect((await store.messages.refsOf([draft.id])).length).toBe(2);
        return draft;
      };
      const message = (draft: DraftRow) => newMessage(draft, 'alice', { groupId: 'g' }, { body: draft.body });
      const kept = await holding(pictureDraft('kept'));
      expect((await store.messages.send(message(kept), NOW)).ok).toBe(true);

      const online = await holding(pictureDraft('online'));
      expect(await store.messages.sendOnline(message(online), NOW)).toMatchObject({ ok: true, blobs: ['online-own'] });
      expect(await store.messages.refsOf([online.id])).toEqual([]);

      const expired = await holding(pictureDraft('expired', NOW - 1));
      expect(await store.messages.reclaimDrafts(NOW)).toEqual({ drafts: 1, blobs: ['expired-own'] });
      expect(await store.messages.refsOf([expired.id])).toEqual([]);
      expect((await store.messages.refsOf([kept.id])).map((r) => r.blobId).sort()).toEqual(['kept-own', 'shared']);
    });
  });
}

// The same script on both stores, every answer compared: any difference in semantics shows up here.
(PG_URL ? describe : describe.skip)('SQLite and PostgreSQL together', () => {
  it('when the same sequence of operations runs on both, then every read answers the same', async () => {
    const answers: unknown[][] = [];
    for (const backend of backends) {
      drafts = 0;
      const { store, drop } = await backend.open();
      const out: unknown[] = [];
      answers.push(out);
      try {
        const send = async (sender: string, text: string, to: Target, options: Partial<NewMessage> = {}) => {
          const draft = draftRow(sender, text);
          await store.messages.createDraft(draft);
          out.push(await store.messages.send(newMessage(draft, sender, to, options), NOW));
        };
        await store.groups.create(
          { groupId: 'g', groupType: 'Public', groupName: 'G', owner: 'alice', createdAt: NOW },
          ['bob', 'carol', 'dave'].map((userID) => ({ userID, role: 200 })),
          NOW,
        );
        await store.groups.create(
          { groupId: 'm', groupType: 'Meeting', groupName: 'M', owner: 'bob', createdAt: NOW },
          [{ userID: 'carol', role: 300 }],
          NOW,
        );
        for (let i = 0; i < 12; i++) {
          const from = ['alice', 'bob', 'carol'][i % 3]!;
          await send(
            from,
            `g${i}`,
            i % 4 === 1 ? { groupId: 'g', targets: ['dave', from === 'bob' ? 'carol' : 'bob'] } : { groupId: 'g' },
            { excludedLast: i % 5 === 4 },
          );
          if (i % 3 === 0) await send('carol', `m${i}`, { groupId: 'm' });
          if (i % 2 === 0) await send(from, `c${i}`, { receiver: from === 'dave' ? 'alice' : 'dave' });
          if (i === 6)
            out.push(
              await store.groups.addMembers('g', ['erin'], 200, NOW + i, 100),
              await store.groups.addMembers('m', ['dave'], 200, NOW + i, 100),
            );
          if (i === 8) out.push(await store.groups.removeMembers('g', ['carol']));
          if (i === 9) await store.messages.revoke(3, 'alice', NOW + i);
          if (i === 10) out.push(await store.conversations.markRead('dave', 'group_g'));
        }
        for (const u of ['alice', 'bob', 'carol', 'dave', 'erin']) {
          out.push(u, await store.conversations.list(u), await store.conversations.totalUnread(u));
          out.push(await readAfter(store, u, 0, 1000), await readAfter(store, u, 5, 3));
          out.push(
            await store.messages.groupHistory(u, 'g', 20, 5),
            await store.messages.groupHistory(u, 'm', Number.MAX_SAFE_INTEGER, 100),
          );
          out.push(await store.messages.c2cHistory(u, 'dave', Number.MAX_SAFE_INTEGER, 100));
          out.push(await store.groups.joined(u));
        }
        out.push(await store.groups.members('g', 0, 100), await store.messages.lastOrder());
      } finally {
        await store.close();
        await drop();
      }
    }
    expect(answers[1]).toEqual(answers[0]);
  });
});

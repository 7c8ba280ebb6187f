// Unread counts and lastMessage are state kept by the writes (src/db/conversations.ts). This property test runs random
// sequences of joins, leaves, sends (C2C, broadcast, targeted, excluded or not), revokes and reads against each store
// and compares, for every user and conversation, the counters with a recount over the messages that user may see:
// the history read paths, which do not use the counters (unread = not read, not one's own, not excluded, not
// revoked; lastMessage = the newest not excluded from it; Meeting groups count nothing). Deletes for oneself,
// cleared histories and deleted conversations are in the mix: the history leaves them out, the counters must too.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conversationIdOf, type NewMessage, type Store, type ViewedMessage } from '../src/db/store';
import { backends, skipNotice } from './helpers/backends';
import { textMessage } from './helpers/new-message';

skipNotice('counters property');

const NOW = 1_800_000_000;
const USERS = ['ann', 'bob', 'cat', 'dan'] as const;
const GROUPS = [
  { id: 'work', type: 'Work' },
  { id: 'meet', type: 'Meeting' },
  { id: 'pub', type: 'Public' },
] as const;
const ALL = Number.MAX_SAFE_INTEGER;

const user = fc.constantFrom(...USERS);
const group = fc.constantFrom(...GROUPS.map((g) => g.id));
const action = fc.oneof(
  fc.record({ t: fc.constant('join' as const), g: group, u: user }),
  fc.record({ t: fc.constant('leave' as const), g: group, u: user }),
  fc.record({
    t: fc.constant('c2c' as const),
    u: user,
    to: user,
    excludedUnread: fc.boolean(),
    excludedLast: fc.boolean(),
  }),
  fc.record({
    t: fc.constant('group' as const),
    u: user,
    g: group,
    excludedUnread: fc.boolean(),
    excludedLast: fc.boolean(),
  }),
  fc.record({
    t: fc.constant('targeted' as const),
    u: user,
    g: group,
    to: fc.subarray([...USERS], { minLength: 1 }),
    countsUnread: fc.boolean(),
    excludedLast: fc.boolean(),
  }),
  fc.record({ t: fc.constant('revoke' as const), nth: fc.nat() }),
  // deleteMessages for oneself (of a message the user may see), clearing a history, deleting a conversation.
  fc.record({ t: fc.constant('delete' as const), u: user, nth: fc.nat(), more: fc.nat() }),
  fc.record({
    t: fc.constantFrom('clear' as const, 'remove' as const),
    u: user,
    c: fc.constantFrom(...GROUPS.map((g) => `group_${g.id}`), ...USERS.map((p) => `c2c_${p}`)),
  }),
  fc.record({
    t: fc.constant('read' as const),
    u: user,
    c: fc.constantFrom(...GROUPS.map((g) => `group_${g.id}`), ...USERS.map((p) => `c2c_${p}`)),
  }),
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

/** The recount: from history (which reads no counter), what the conversation's unread count and lastMessage are. */
async function recount(store: Store, viewer: string, conversationID: string, meeting: boolean) {
  const list: ViewedMessage[] = conversationID.startsWith('group_')
    ? await store.messages.groupHistory(viewer, conversationID.slice(6), ALL, 1000)
    : await store.messages.c2cHistory(viewer, conversationID.slice(4), ALL, 1000);
  const unread = meeting
    ? 0
    : list.filter((m) => !m.isRead && m.row.sender !== viewer && !m.row.excludedUnread && m.row.revokedAt === null)
        .length;
  const last = list.find((m) => !m.row.excludedLast);
  return { unread, last: last ? `${last.row.msgId}@${last.seq}` : null };
}

for (const backend of backends) {
  (backend.enabled ? describe : describe.skip)(`${backend.name} counters`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    beforeEach(async () => {
      ({ store, drop } = await backend.open());
    });
    afterEach(async () => {
      await store.close();
      await drop();
    });

    it('when random sends, revokes, reads, joins, leaves, deletes and clears run, then every unread count and lastMessage equals a recount', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 30 }), async (actions) => {
          run++;
          const p = `r${run}-`; // each run in its own groups and pairs of the same store
          let n = 0;
          const sent: number[] = [];
          const sentIds: string[] = [];
          for (const g of GROUPS) {
            await store.groups.create(
              { groupId: p + g.id, groupType: g.type, groupName: g.id, owner: p + 'ann', createdAt: NOW },
              [{ userID: p + 'bob', role: 200 }],
              NOW,
            );
          }
          const send = async (
            sender: string,
            to: { receiver?: string; groupId?: string; targets?: string[] },
            o: Partial<NewMessage>,
          ) => {
            const id = `${p}d${++n}`;
            await store.messages.createDraft({
              id,
              owner: sender,
              createdAt: NOW,
              expiresAt: NOW + 3600,
              elemType: 1,
              body: [{ kind: 'text', text: id }],
              atUsers: null,
              targets: null,
            });
            const targets = to.targets ?? null;
            const outcome = await store.messages.send(
              textMessage({
                msgId: `${id}-m`,
                createId: id,
                sender,
                receiver: to.receiver ?? null,
                groupId: to.groupId ?? null,
                audience: targets ? [...new Set([sender, ...targets])] : null,
                targets,
                text: id,
                timestamp: NOW,
                ...o,
              }),
              NOW,
            );
            if (outcome.ok) {
              sent.push(outcome.message.row.orderNo);
              sentIds.push(outcome.message.row.msgId);
            }
          };
          // Every counter against its recount: after each delete or clear (whose effect a later read or send would hide)
          // and at the end.
          const verify = async () => {
            for (const u of USERS) {
              const viewer = p + u;
              const states = await store.conversations.list(viewer);
              let total = 0;
              for (const c of states) {
                const expected = await recount(store, viewer, c.conversationID, c.conversationID === `group_${p}meet`);
                const got = {
                  unread: c.unreadCount,
                  last: c.lastMessage ? `${c.lastMessage.row.msgId}@${c.lastMessage.seq}` : null,
                };
                expect(got, `${viewer} ${c.conversationID} after ${JSON.stringify(actions)} (step ${step})`).toEqual(
                  expected,
                );
                total += expected.unread;
              }
              expect(await store.conversations.totalUnread(viewer), `${viewer}'s total`).toBe(total);
            }
          };
          let step = 0;
          for (const a of actions as Action[]) {
            step++;
            if (step > 1 && ['delete', 'clear', 'remove'].includes(actions[step - 2]!.t)) await verify();
            switch (a.t) {
              case 'join':
                await store.groups.addMembers(p + a.g, [p + a.u], 200, NOW, 100);
                break;
              case 'leave':
                await store.groups.removeMembers(p + a.g, [p + a.u]);
                break;
              case 'c2c':
                if (a.u !== a.to)
                  await send(
                    p + a.u,
                    { receiver: p + a.to },
                    { excludedUnread: a.excludedUnread, excludedLast: a.excludedLast },
                  );
                break;
              case 'group':
                await send(
                  p + a.u,
                  { groupId: p + a.g },
                  { excludedUnread: a.excludedUnread, excludedLast: a.excludedLast },
                );
                break;
              case 'targeted':
                await send(
                  p + a.u,
                  { groupId: p + a.g, targets: a.to.map((u) => p + u) },
                  { excludedUnread: !a.countsUnread, excludedLast: a.excludedLast },
                );
                break;
              case 'revoke':
                if (sent.length > 0) await store.messages.revoke(sent[a.nth % sent.length]!, p + 'ann', NOW);
                break;
              case 'read':
                await store.conversations.markRead(p + a.u, a.c.replace('_', `_${p}`));
                break;
              case 'delete': {
                if (sentIds.length === 0) break;
                // One message, or two of the same conversation (what deleteMessages accepts).
                const [first, ...rest] = await store.messages.find(p + a.u, [
                  sentIds[a.nth % sentIds.length]!,
                  sentIds[(a.nth + a.more) % sentIds.length]!,
                ]);
                if (!first) break;
                const conversation = conversationIdOf(p + a.u, first.row);
                const ids = [first, ...rest.filter((m) => conversationIdOf(p + a.u, m.row) === conversation)];
                await store.messages.hide(
                  p + a.u,
                  conversation,
                  ids.map((m) => m.row.msgId),
                  conversation !== `group_${p}meet`,
                );
                break;
              }
              case 'clear':
                await store.conversations.clearHistory(p + a.u, a.c.replace('_', `_${p}`));
                break;
              case 'remove':
                await store.conversations.remove(p + a.u, a.c.replace('_', `_${p}`));
                break;
            }
          }
          await verify();
        }),
        { numRuns: backend.name === 'SQLite' ? 150 : 25 },
      );
    }, 120_000);
  });
}

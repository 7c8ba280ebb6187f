// Unread counts and lastMessage are state kept by the writes (src/db/conversations.ts). This property test runs random
// sequences of joins, leaves, sends (C2C, broadcast, targeted, excluded or not), revokes and reads against each store
// and compares, for every user and conversation, the counters with a recount over the messages that user may see:
// the history read paths, which do not use the counters (unread = not read, not one's own, not excluded, not
// revoked; lastMessage = the newest not excluded from it; Meeting groups count nothing).
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewMessage, Store, ViewedMessage } from '../src/db/store';
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

    it('when random sends, revokes, reads, joins and leaves run, then every unread count and lastMessage equals a recount', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 30 }), async (actions) => {
          run++;
          const p = `r${run}-`; // each run in its own groups and pairs of the same store
          let n = 0;
          const sent: number[] = [];
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
              text: id,
              customData: null,
              customDesc: null,
              customExt: null,
              atUsers: null,
              elem: null,
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
            if (outcome.ok) sent.push(outcome.message.row.orderNo);
          };
          for (const a of actions as Action[]) {
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
            }
          }
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
              expect(got, `${viewer} ${c.conversationID} after ${JSON.stringify(actions)}`).toEqual(expected);
              total += expected.unread;
            }
            expect(await store.conversations.totalUnread(viewer), `${viewer}'s total`).toBe(total);
          }
        }),
        { numRuns: backend.name === 'SQLite' ? 150 : 25 },
      );
    }, 120_000);
  });
}

// createTargetedGroupMessage targets in place (im-semantics §5): the same id comes back, and from then on that id
// reaches the sender and its receivers only, through every argument combination of sendMessage, live and in
// history, and even when the targeting lands while a send of the same id is on its way.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/db';
import type { Store } from '../src/db/store';
import { PG_URL, freshSchema } from './helpers/pg';
import { settle } from './helpers/app';
import { startLive, type LiveGateway } from './helpers/live';
import {
  CONVERSATIONS,
  CREATE_TARGETED,
  CREATE_TEXT,
  GROUP_HISTORY,
  C2C_HISTORY,
  ON_MESSAGE,
  SEND,
  group,
} from './helpers/ops';

let live: LiveGateway;
afterEach(async () => {
  await live?.stop();
});

const call = (user: string, query: string, variables?: Record<string, unknown>) => live.gw.call(user, query, variables);

/** A text draft of alice's, targeted to `receivers`; the id createTargetedGroupMessage returned. */
async function targeted(text: string, receivers: string[]): Promise<string> {
  const id = (await call('alice', CREATE_TEXT, { text })).data.id;
  const r = await call('alice', CREATE_TARGETED, { id, receiverList: receivers });
  expect(r).toMatchObject({ code: 0, data: { id } });
  return r.data.id;
}

/** Every text `user` can read anywhere: group histories, C2C history with alice, lastMessage of conversations. */
async function everythingSeenBy(user: string, groups: string[]): Promise<string[]> {
  const seen: string[] = [];
  for (const groupID of groups) {
    const h = await call(user, GROUP_HISTORY, { groupID, count: 100 });
    seen.push(...(h.data ?? []).map((m: any) => m.textElem?.text));
  }
  seen.push(
    ...((await call(user, C2C_HISTORY, { userID: 'alice', count: 100 })).data ?? []).map((m: any) => m.textElem?.text),
  );
  seen.push(...(await call(user, CONVERSATIONS)).data.conversationList.map((c: any) => c.lastMessage?.textElem?.text));
  return seen.filter((t) => t !== undefined);
}

describe('every sendMessage argument combination of a targeted id', () => {
  beforeEach(async () => {
    live = await startLive();
    await group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'team');
    await group(live.gw, 'alice', ['bob', 'dave'], 'Work', 'other'); // carol is not in this one
  });

  // [what, expected code, send arguments, who gets it]; the id is always targeted to [bob, carol] in "team".
  const cases: [string, number, Record<string, unknown>, string[]][] = [
    ['groupID only', 0, { groupID: 'team' }, ['bob', 'carol']],
    ['groupID only, online users only', 0, { groupID: 'team', onlineUserOnly: true }, ['bob', 'carol']],
    ['groupID and a listed receiver', 0, { groupID: 'team', receiver: 'bob' }, ['bob']],
    ['groupID and an unlisted member as receiver', 6032, { groupID: 'team', receiver: 'dave' }, []],
    ['a listed receiver only (a C2C send)', 6017, { receiver: 'bob' }, []],
    ['an unlisted receiver only (a C2C send)', 6017, { receiver: 'dave' }, []],
    ['neither receiver nor groupID', 6017, {}, []],
    ['empty strings for both', 6017, { receiver: '', groupID: '' }, []],
    ['another group, where a receiver is not a member', 6032, { groupID: 'other' }, []],
    ['another group and a listed receiver who is a member there', 0, { groupID: 'other', receiver: 'bob' }, ['bob']],
    ['another group and an unlisted receiver', 6032, { groupID: 'other', receiver: 'dave' }, []],
  ];

  it.each(cases)(
    'when sent with %s, then %i and only its receivers get it, live and in history',
    async (what, code, args, reached) => {
      const subs = Object.fromEntries(
        await Promise.all(['bob', 'carol', 'dave'].map(async (u) => [u, await live.subscribe(u, ON_MESSAGE)] as const)),
      );
      const text = `targeted: ${what}`;
      const id = await targeted(text, ['bob', 'carol']);
      const sent = await call('alice', SEND, { id, ...args });
      expect(sent.code, sent.desc).toBe(code);
      if (code === 0) expect(sent.data.targetGroupMemberList).toEqual(reached);

      // Once sent, a retry with other arguments sends it nowhere else (6017); with the same ones, it is the same message.
      if (code === 0) {
        for (const retry of [
          { groupID: 'team' },
          { groupID: 'team', receiver: 'dave' },
          { receiver: 'dave' },
          { groupID: 'other' },
        ]) {
          const again = await call('alice', SEND, { id, ...retry });
          expect(again.code === 6017 || again.data.msgID === sent.data.msgID, JSON.stringify(retry)).toBe(true);
        }
        // (online-only messages are never stored, so there is nothing to answer a retry with: 6017)
        if (args.onlineUserOnly !== true)
          expect((await call('alice', SEND, { id, ...args })).data.msgID).toBe(sent.data.msgID);
      }
      for (const u of reached) await subs[u]!.waitFor(1);
      await settle();
      for (const u of ['bob', 'carol', 'dave']) {
        const got = subs[u]!.events.map((e: any) => e.onRecvNewMessage.textElem.text);
        expect(got, `${u} live`).toEqual(reached.includes(u) ? [text] : []);
        if (!reached.includes(u))
          expect(await everythingSeenBy(u, ['team', 'other']), `${u} history`).not.toContain(text);
      }
      if (code === 0 && args.onlineUserOnly !== true) {
        for (const u of reached) expect(await everythingSeenBy(u, [String(args.groupID)])).toContain(text);
      }
    },
  );

  it('when the list is replaced before sending, then only the new receivers get it', async () => {
    const id = await targeted('replaced', ['bob', 'carol']);
    expect((await call('alice', CREATE_TARGETED, { id, receiverList: ['carol'] })).code).toBe(0);
    expect(await call('alice', SEND, { id, groupID: 'team' })).toMatchObject({
      code: 0,
      data: { targetGroupMemberList: ['carol'] },
    });
    expect(await everythingSeenBy('carol', ['team'])).toContain('replaced');
    for (const u of ['bob', 'dave']) expect(await everythingSeenBy(u, ['team'])).not.toContain('replaced');
  });
});

// SQLite always, PostgreSQL too when DATABASE_URL is postgres://… (the guard is in each store's send).
const stores: [string, boolean, () => Promise<{ store: Store; drop(): Promise<void> }>][] = [
  ['SQLite', true, async () => ({ store: openStore(':memory:'), drop: async () => {} })],
  [
    'PostgreSQL',
    PG_URL !== undefined,
    async () => {
      const schema = await freshSchema();
      return { store: openStore(schema.url), drop: schema.drop };
    },
  ],
];

describe('targeting while a send of the same id is on its way', () => {
  it.each(stores.filter(([, enabled]) => enabled).map(([name, , open]) => [name, open] as const))(
    'when the id is targeted after the send read it untargeted (%s), then the send goes to the receivers only',
    async (_name, open) => {
      const { store, drop } = await open();
      let beforeSend: (() => Promise<void>) | undefined;
      const send = store.messages.send.bind(store.messages);
      // Holds the first send between its read of the draft and its transaction, and targets the id right there.
      store.messages.send = async (msg, now) => {
        const hook = beforeSend;
        beforeSend = undefined;
        await hook?.();
        return send(msg, now);
      };
      try {
        live = await startLive({ store });
        await group(live.gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'team');
        const id = (await call('alice', CREATE_TEXT, { text: 'raced' })).data.id;
        beforeSend = async () => {
          expect((await call('alice', CREATE_TARGETED, { id, receiverList: ['bob'] })).code).toBe(0);
        };
        const sent = await call('alice', SEND, { id, groupID: 'team' });
        expect(beforeSend).toBeUndefined(); // the hook ran
        expect(sent).toMatchObject({ code: 0, data: { targetGroupMemberList: ['bob'] } });
        expect(await everythingSeenBy('bob', ['team'])).toContain('raced');
        for (const u of ['carol', 'dave']) expect(await everythingSeenBy(u, ['team'])).not.toContain('raced');
      } finally {
        await live.stop();
        live = undefined as unknown as LiveGateway; // stopped here: afterEach has nothing left to stop
        await drop();
      }
    },
  );
});

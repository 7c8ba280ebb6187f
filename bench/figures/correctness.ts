// Figure 6, correctness under load: every delivery in figures 2–4 was checked against its message's audience, and
// this figure adds a load of its own with what happens after a send in the mix (issue 16): targeted messages are
// sent, edited (modifyMessage) and reacted to (addMessageReaction, by one of their receivers), several at a time,
// to a group whose members are all online and subscribed to onRecvNewMessage, onRecvMessageModified and
// onRecvMessageReactionsChanged, beside online users of another group. Every event is checked against its
// message's audience like a delivery: an edit or a reaction event reaching a non-receiver counts as a violation.
// Deliveries to users outside the audience must be 0 — for the gateway above all, and for the baselines as a
// check of the rig.
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { GATEWAY_SUBSCRIPTION } from '../clients';
import { countsSince, DeliveryLedger, type Counts } from '../deliveries';
import { fmt, start, untilSubscribed, users, type BenchEnv, type FigureResult } from '../figure';
import { postJson } from '../http';
import { userSig } from '../keys';
import { LoadClient } from '../load-client';
import { SENDER, type ServerKind } from '../server-under-test';
import { sleep } from '../stats';

const ON_MODIFIED = 'subscription { onRecvMessageModified { msgID textElem { text } } }';
const ON_REACTIONS = 'subscription { onRecvMessageReactionsChanged { messageID reactionList { reactionID } } }';
const SEND = `mutation($id: String!, $groupID: String) { sendMessage(id: $id, groupID: $groupID) { code desc data { msgID } } }`;
const MODIFY = `mutation($msgID: String!, $text: String) { modifyMessage(msgID: $msgID, text: $text) { code desc } }`;
const REACT = `mutation($msgID: String!, $reactionID: String!) { addMessageReaction(msgID: $msgID, reactionID: $reactionID) { code desc } }`;

type EventKind = 'message' | 'edit' | 'reaction';
/** Tags: m<n> a message's text, e<n>.<k> the text of its k-th edit, r<n> the reactionID of its one reaction. */
const kindOf = (tag: string): EventKind => (tag[0] === 'e' ? 'edit' : tag[0] === 'r' ? 'reaction' : 'message');

const zero = (): Counts => ({ nonReceivers: 0, duplicates: 0, unknown: 0, deliveries: 0 });
const add = (a: Counts, b: Counts): Counts => ({
  nonReceivers: a.nonReceivers + b.nonReceivers,
  duplicates: a.duplicates + b.duplicates,
  unknown: a.unknown + b.unknown,
  deliveries: a.deliveries + b.deliveries,
});

interface Sent {
  n: number;
  msgID: string;
  receivers: string[];
  edits: number;
  reacted: boolean;
  busy: boolean;
}

export interface EditsLoad {
  byKind: Record<EventKind, Counts>;
  ops: Record<EventKind, number>;
  seconds: number;
}

/** Figure 6's own load: targeted sends, edits and reactions on one gateway; every event checked. */
export async function editsAndReactions(env: BenchEnv): Promise<EditsLoad> {
  const { members: size, outsiders, ops, inFlight } = env.profile.edits;
  const server = await start(env, 'gateway');
  const ledgers: Record<EventKind, DeliveryLedger> = {
    message: new DeliveryLedger(),
    edit: new DeliveryLedger(),
    reaction: new DeliveryLedger(),
  };
  const load = new LoadClient((user, tag, at) => ledgers[kindOf(tag)].deliver(user, tag, at));
  const members = users('c', size);
  const others = users('o', outsiders);
  const auth = (user: string) => ({ authorization: `Bearer ${userSig(user)}` });
  const call = async (user: string, query: string, variables: Record<string, unknown>, what: string) => {
    const answer = await postJson(server.port, '/graphql', { query, variables }, auth(user));
    const body = JSON.parse(answer.body) as { data?: Record<string, { code: number; desc: string; data?: any }> };
    const result = body.data ? Object.values(body.data)[0] : undefined;
    if (answer.status !== 200 || result?.code !== 0)
      throw new Error(`${what}: ${answer.status} ${answer.body.slice(0, 300)}`);
    return result;
  };
  try {
    await server.call('group', { groupId: 'edits', groupType: 'Meeting', owner: SENDER, members });
    await server.call('group', { groupId: 'others', groupType: 'Meeting', owner: SENDER, members: others });
    const spec = (userId: string) => ({
      userId,
      connectionParams: { userSig: userSig(userId) },
      query: GATEWAY_SUBSCRIPTION,
      more: [ON_MODIFIED, ON_REACTIONS],
    });
    env.log(`  gateway: opening ${members.length + others.length} sockets, 3 subscriptions each`);
    await load.open(server.port, [...members, ...others].map(spec));
    await untilSubscribed(server, 3 * (members.length + others.length));

    // Half the operations are sends (created up front, untimed); the rest edits and reactions of sent ones.
    const sends = Math.ceil(ops / 2);
    const targets = Array.from({ length: sends }, () => {
      const k = 2 + randomInt(2);
      const picked = new Set<string>();
      while (picked.size < k) picked.add(members[randomInt(members.length)]!);
      return [...picked];
    });
    const drafts = await server.call<string[]>('drafts', {
      sender: SENDER,
      texts: targets.map((_, n) => `m${n}`),
      targets,
    });
    const sent: Sent[] = [];
    const count: Record<EventKind, number> = { message: 0, edit: 0, reaction: 0 };
    let nextSend = 0;
    let done = 0;

    const expect = (kind: EventKind, tag: string, receivers: string[]) =>
      ledgers[kind].expect(tag, new Set([SENDER, ...receivers]), receivers.length);
    const send = async () => {
      const n = nextSend++;
      const entry = expect('message', `m${n}`, targets[n]!);
      entry.startAt = performance.now();
      const result = await call(SENDER, SEND, { id: drafts[n], groupID: 'edits' }, `sendMessage m${n}`);
      await ledgers.message.complete([entry], 30_000, `m${n}`);
      sent.push({ n, msgID: result!.data.msgID, receivers: targets[n]!, edits: 0, reacted: false, busy: false });
      count.message++;
    };
    /** One message at a time per edit or reaction: the event of an edit shows the latest version. */
    const pick = (eligible: (s: Sent) => boolean): Sent | undefined => {
      const list = sent.filter((s) => !s.busy && eligible(s));
      return list.length ? list[randomInt(list.length)] : undefined;
    };
    const edit = async (m: Sent) => {
      const tag = `e${m.n}.${++m.edits}`;
      const entry = expect('edit', tag, m.receivers);
      await call(SENDER, MODIFY, { msgID: m.msgID, text: tag }, `modifyMessage ${tag}`);
      await ledgers.edit.complete([entry], 30_000, tag);
      count.edit++;
    };
    const react = async (m: Sent) => {
      const tag = `r${m.n}`;
      m.reacted = true;
      const entry = expect('reaction', tag, m.receivers);
      const reactor = m.receivers[randomInt(m.receivers.length)]!;
      await call(reactor, REACT, { msgID: m.msgID, reactionID: tag }, `addMessageReaction ${tag}`);
      await ledgers.reaction.complete([entry], 30_000, tag);
      count.reaction++;
    };
    /** One operation: a send (1 in 2), a reaction (1 in 4) or an edit; false when every sent message was busy. */
    const step = async (): Promise<boolean> => {
      const roll = randomInt(4);
      if (roll < 2 && nextSend < sends) return send().then(() => true);
      const unreacted = roll === 2 ? pick((s) => !s.reacted) : undefined;
      if (unreacted) return runOn(unreacted, react).then(() => true);
      const any = pick(() => true);
      if (any) return runOn(any, edit).then(() => true);
      if (nextSend < sends) return send().then(() => true);
      await sleep(5);
      return false;
    };
    const runOn = async (m: Sent, f: (m: Sent) => Promise<void>) => {
      m.busy = true;
      try {
        await f(m);
      } finally {
        m.busy = false;
      }
    };

    const t0 = performance.now();
    const deadline = Date.now() + 10 * 60_000;
    const worker = async () => {
      while (done < ops) {
        if (Date.now() > deadline) throw new Error(`figure 6: ${done} of ${ops} operations after 10 minutes`);
        done++;
        if (!(await step())) done--;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    const seconds = (performance.now() - t0) / 1000;
    await sleep(300); // late events (a leak would arrive after completion) are counted too
    if (load.problems.length) throw new Error(`figure 6: ${load.problems.slice(0, 5).join('; ')}`);
    const byKind = {
      message: countsSince(zero(), ledgers.message.snapshot()),
      edit: countsSince(zero(), ledgers.edit.snapshot()),
      reaction: countsSince(zero(), ledgers.reaction.snapshot()),
    };
    env.log(
      `  gateway: ${count.message} sends, ${count.edit} edits, ${count.reaction} reactions in ${fmt(seconds, 1)} s; ` +
        `to non-receivers: ${byKind.message.nonReceivers} / ${byKind.edit.nonReceivers} / ${byKind.reaction.nonReceivers}`,
    );
    return { byKind, ops: count, seconds };
  } finally {
    await load.close();
    await server.stop();
  }
}

export function correctness(figures: readonly FigureResult[], own?: EditsLoad): FigureResult {
  const totals = new Map<ServerKind, Counts>();
  const sum = (kind: ServerKind, c: Counts) => totals.set(kind, add(totals.get(kind) ?? zero(), c));
  for (const f of figures)
    for (const [kind, c] of Object.entries(f.correctness) as [ServerKind, Counts][]) sum(kind, c);
  if (own) for (const c of Object.values(own.byKind)) sum('gateway', c);
  const gw = totals.get('gateway')?.nonReceivers ?? 0;
  const others = [...totals].filter(([k]) => k !== 'gateway').reduce((n, [, c]) => n + c.nonReceivers, 0);
  const after = own ? own.byKind.edit.nonReceivers + own.byKind.reaction.nonReceivers : NaN;
  const ownDetail = own
    ? `. Own load (${fmt(own.ops.message)} targeted sends, ${fmt(own.ops.edit)} edits, ${fmt(own.ops.reaction)} reactions, ` +
      `${fmt(own.seconds, 1)} s): ` +
      (['message', 'edit', 'reaction'] as const)
        .map(
          (k) =>
            `${k === 'message' ? 'onRecvNewMessage' : k === 'edit' ? 'onRecvMessageModified' : 'onRecvMessageReactionsChanged'} ` +
            `${fmt(own.byKind[k].deliveries)} checked, ${own.byKind[k].nonReceivers} to non-receivers, ` +
            `${own.byKind[k].duplicates} duplicates, ${own.byKind[k].unknown} unknown`,
        )
        .join('; ') +
      '.'
    : '';
  return {
    figure: 6,
    title: 'Correctness under load (deliveries to non-receivers, all runs)',
    ratios: [
      { label: 'gateway', value: gw, goal: '= 0', met: gw === 0 },
      ...(own
        ? [
            {
              label: 'gateway, edit and reaction events of targeted messages',
              value: after,
              goal: '= 0',
              met: after === 0,
            },
          ]
        : []),
      { label: 'baselines (rig check)', value: others, goal: '= 0', met: others === 0 },
    ],
    detail:
      ([...totals]
        .map(
          ([k, c]) =>
            `${k}: ${fmt(c.deliveries)} deliveries checked, ${c.nonReceivers} to non-receivers, ${c.duplicates} duplicates, ${c.unknown} unknown`,
        )
        .join('; ') || 'no deliveries in this run') + ownDetail,
    correctness: Object.fromEntries(totals),
    rounds: own ? [own] : [],
  };
}

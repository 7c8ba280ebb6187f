// Figure 2, targeted fan-out scaling: a message to 2 receivers should cost the same in a group of 5,000 online
// members as in a group of 10. Both groups live in the same server with all their members online; batches to the
// small and the big group alternate, each message is sent once the previous one reached both receivers.
import { performance } from 'node:perf_hooks';
import { fanoutClient, type Outgoing } from '../clients';
import { countsSince, DeliveryLedger } from '../deliveries';
import { atMost, fmt, profiled, start, untilSubscribed, users, type BenchEnv, type FigureResult } from '../figure';
import { LoadClient } from '../load-client';
import { cpuSeconds, type ServerHandle } from '../servers';
import { SENDER, type ServerKind } from '../server-under-test';
import { median, sleep } from '../stats';

interface Batch {
  group: 'small' | 'big';
  cpuMsPerMessage: number;
  completionMs: number;
  routerVisitsPerMessage?: number;
}

/** Two distinct members, picked at random. */
function pair(members: readonly string[]): string[] {
  const a = Math.floor(Math.random() * members.length);
  let b = Math.floor(Math.random() * (members.length - 1));
  if (b >= a) b++;
  return [members[a]!, members[b]!];
}

async function measure(env: BenchEnv, kind: ServerKind, starting: Promise<ServerHandle>) {
  const { bigGroup, smallGroup, messagesPerRound } = env.profile.targeted;
  const server = await starting;
  const client = fanoutClient(server);
  const ledger = new DeliveryLedger();
  const load = new LoadClient(ledger.deliver);
  const groups = { small: users('s', smallGroup), big: users('b', bigGroup) };
  try {
    await client.setupGroup('small', groups.small);
    await client.setupGroup('big', groups.big);
    env.log(`  ${kind}: opening ${bigGroup + smallGroup} subscriptions`);
    await load.open(server.port, [
      ...groups.small.map((u) => client.subscriber(u, 'small')),
      ...groups.big.map((u) => client.subscriber(u, 'big')),
    ]);
    await untilSubscribed(server, bigGroup + smallGroup);
    const before = ledger.snapshot();

    let serial = 0;
    const batch = async (group: 'small' | 'big', count: number, label?: string): Promise<Batch> => {
      const outgoing: Outgoing[] = Array.from({ length: count }, () => ({
        tag: `t${serial++}`,
        groupId: group,
        receivers: pair(groups[group]),
      }));
      const prepared = await client.prepare(outgoing);
      const entries = outgoing.map((m) => ledger.expect(m.tag, new Set([SENDER, ...m.receivers!]), 2));
      const router0 = kind === 'gateway' ? await server.call<{ usersVisited: number }>('routerStats') : undefined;
      const u0 = await server.usage();
      const times: number[] = [];
      const sends = async () => {
        for (let i = 0; i < count; i++) {
          const t = (entries[i]!.startAt = performance.now());
          await client.send(prepared[i]!);
          await ledger.complete([entries[i]!], 30_000, kind);
          times.push(entries[i]!.lastAt - t);
        }
        await sleep(50); // work that goes on after both receivers have it (other subscribers' filters) is counted too
      };
      await (label ? profiled(env, server, label, sends) : sends());
      const u1 = await server.usage();
      const router1 = kind === 'gateway' ? await server.call<{ usersVisited: number }>('routerStats') : undefined;
      return {
        group,
        cpuMsPerMessage: (cpuSeconds(u0, u1) * 1000) / count,
        completionMs: median(times),
        routerVisitsPerMessage: router0 && router1 ? (router1.usersVisited - router0.usersVisited) / count : undefined,
      };
    };

    await batch('small', 5);
    await batch('big', 5);
    const rounds: { small: Batch; big: Batch }[] = [];
    for (let r = 0; r < env.profile.targeted.rounds; r++) {
      const small = await batch('small', messagesPerRound, `fig2-small-r${r + 1}`);
      const big = await batch('big', messagesPerRound, `fig2-big-r${r + 1}`);
      rounds.push({ small, big });
      env.log(
        `  ${kind} round ${r + 1}: cpu ${fmt(small.cpuMsPerMessage, 3)} → ${fmt(big.cpuMsPerMessage, 3)} ms/msg, completion ${fmt(small.completionMs, 2)} → ${fmt(big.completionMs, 2)} ms`,
      );
    }
    await sleep(200);
    if (load.problems.length) throw new Error(`${kind}: ${load.problems.slice(0, 5).join('; ')}`);
    return { rounds, counts: countsSince(before, ledger.snapshot()) };
  } finally {
    await load.close();
    await server.stop();
  }
}

export async function targetedScaling(env: BenchEnv): Promise<FigureResult> {
  const { bigGroup, smallGroup } = env.profile.targeted;
  // Both processes start at once (start-up is slow, idle servers cost nothing); they are measured one after the other.
  const naiveStarting = start(env, 'naive-yoga');
  naiveStarting.catch(() => {});
  let gw;
  try {
    gw = await measure(env, 'gateway', start(env, 'gateway'));
  } catch (e) {
    await (await naiveStarting.catch(() => undefined))?.stop();
    throw e;
  }
  const naive = await measure(env, 'naive-yoga', naiveStarting);
  const ratios = (rs: typeof gw.rounds) => ({
    cpu: median(rs.map((r) => r.big.cpuMsPerMessage / r.small.cpuMsPerMessage)),
    time: median(rs.map((r) => r.big.completionMs / r.small.completionMs)),
  });
  const g = ratios(gw.rounds);
  const n = ratios(naive.rounds);
  const med = (rs: typeof gw.rounds, group: 'small' | 'big', k: 'cpuMsPerMessage' | 'completionMs') =>
    median(rs.map((r) => r[group][k]));
  const visits = gw.rounds.map(
    (r) => `${fmt(r.small.routerVisitsPerMessage ?? NaN, 1)}/${fmt(r.big.routerVisitsPerMessage ?? NaN, 1)}`,
  )[0];
  return {
    figure: 2,
    title: `Targeted fan-out scaling (2 receivers, group of ${fmt(bigGroup)} ÷ group of ${fmt(smallGroup)})`,
    ratios: [
      { label: 'gateway CPU per message', value: g.cpu, ...atMost(1.2)(g.cpu) },
      { label: 'gateway completion time', value: g.time, ...atMost(1.2)(g.time) },
      { label: 'naive-yoga CPU per message (for contrast)', value: n.cpu, goal: '—', met: true },
      { label: 'naive-yoga completion time (for contrast)', value: n.time, goal: '—', met: true },
    ],
    detail:
      `gateway: ${fmt(med(gw.rounds, 'small', 'cpuMsPerMessage'), 3)} → ${fmt(med(gw.rounds, 'big', 'cpuMsPerMessage'), 3)} ms CPU/msg, ` +
      `${fmt(med(gw.rounds, 'small', 'completionMs'), 2)} → ${fmt(med(gw.rounds, 'big', 'completionMs'), 2)} ms to both receivers, router visited ${visits} users/msg; ` +
      `naive-yoga: ${fmt(med(naive.rounds, 'small', 'cpuMsPerMessage'), 3)} → ${fmt(med(naive.rounds, 'big', 'cpuMsPerMessage'), 3)} ms CPU/msg, ` +
      `${fmt(med(naive.rounds, 'small', 'completionMs'), 2)} → ${fmt(med(naive.rounds, 'big', 'completionMs'), 2)} ms`,
    correctness: { gateway: gw.counts, 'naive-yoga': naive.counts },
    rounds: [{ gateway: gw.rounds, 'naive-yoga': naive.rounds }],
  };
}

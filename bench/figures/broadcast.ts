// Figure 3, broadcast fan-out: deliveries per second to every member of a 1,000-member group, a few sends in flight,
// from the first send to the last delivery. Rounds alternate gateway, raw-ws, naive-yoga on rooms opened once.
import { performance } from 'node:perf_hooks';
import type { Outgoing } from '../clients';
import { countsSince } from '../deliveries';
import { atLeast, fmt, profiled, type BenchEnv, type FigureResult } from '../figure';
import type { Room } from '../room';
import { cpuSeconds } from '../servers';
import { median } from '../stats';

export interface BroadcastRound {
  kind: string;
  deliveriesPerSecond: number;
  deliveriesPerCpuSecond: number;
  serverBusy: number;
  serverKernelShare: number;
  clientBusy: number;
}

let serial = 0;

/** Sends `count` broadcasts with `inFlight` requests outstanding and waits for every delivery. */
type Wrap = <T>(fn: () => Promise<T>) => Promise<T>;

export async function broadcastRound(
  room: Room,
  count: number,
  inFlight: number,
  wrap: Wrap = (fn) => fn(),
): Promise<BroadcastRound> {
  const outgoing: Outgoing[] = Array.from({ length: count }, () => ({
    tag: `b${serial++}`,
    groupId: 'room',
    receivers: null,
  }));
  const prepared = await room.client.prepare(outgoing);
  const entries = outgoing.map((m) => room.ledger.expect(m.tag, room.audience, room.members.length));
  const server = room.client.server;
  const u0 = await server.usage();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      entries[i]!.startAt = performance.now();
      await room.client.send(prepared[i]!);
    }
  };
  await wrap(async () => {
    await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
    await room.ledger.complete(entries, 120_000, room.kind);
  });
  const t1 = Math.max(...entries.map((e) => e.lastAt));
  const c1 = process.cpuUsage(c0);
  const u1 = await server.usage();
  const cpu = cpuSeconds(u0, u1);
  const deliveries = count * room.members.length;
  const seconds = (t1 - t0) / 1000;
  // The load client's own CPU: near 100 % means the rig, not the server, set the pace (raw-ws often does).
  const clientBusy = (c1.user + c1.system) / 1e6 / ((performance.now() - t0) / 1000);
  const serverKernelShare = (u1.cpu.system - u0.cpu.system) / 1e6 / cpu;
  return {
    kind: room.kind,
    deliveriesPerSecond: deliveries / seconds,
    deliveriesPerCpuSecond: deliveries / cpu,
    serverBusy: cpu / seconds,
    serverKernelShare,
    clientBusy,
  };
}

export async function broadcastFanout(
  env: BenchEnv,
  rooms: { gateway: Room; raw: Room; naive: Room },
): Promise<FigureResult> {
  const { messagesPerRound, inFlight, subscribers } = env.profile.broadcast;
  const order = [rooms.gateway, rooms.raw, rooms.naive];
  const before = order.map((r) => r.ledger.snapshot());
  for (const room of order) await broadcastRound(room, Math.max(2, Math.ceil(messagesPerRound / 10)), inFlight); // warm-up
  const rounds: Record<string, BroadcastRound>[] = [];
  for (let r = 0; r < env.profile.broadcast.rounds; r++) {
    const round: Record<string, BroadcastRound> = {};
    for (const room of order) {
      round[room.kind] = await broadcastRound(room, messagesPerRound, inFlight, (fn) =>
        profiled(env, room.client.server, `fig3-r${r + 1}`, fn),
      );
    }
    rounds.push(round);
    env.log(
      `  round ${r + 1}: ${order.map((room) => `${room.kind} ${fmt(round[room.kind]!.deliveriesPerSecond)}/s`).join(', ')}`,
    );
  }
  const vsRaw = median(rounds.map((r) => r.gateway!.deliveriesPerSecond / r['raw-ws']!.deliveriesPerSecond));
  const vsNaive = median(rounds.map((r) => r.gateway!.deliveriesPerSecond / r['naive-yoga']!.deliveriesPerSecond));
  const cpuVsRaw = median(rounds.map((r) => r.gateway!.deliveriesPerCpuSecond / r['raw-ws']!.deliveriesPerCpuSecond));
  const med = (kind: string, k: keyof Omit<BroadcastRound, 'kind'>) => median(rounds.map((r) => r[kind]![k]));
  const describe = (kind: string) =>
    `${kind} ${fmt(med(kind, 'deliveriesPerSecond'))}/s (${fmt(med(kind, 'deliveriesPerCpuSecond'))} per server CPU-s, ` +
    `server ${fmt(med(kind, 'serverBusy') * 100)}% busy of which ${fmt(med(kind, 'serverKernelShare') * 100)}% in the kernel, load client ${fmt(med(kind, 'clientBusy') * 100)}% busy)`;
  return {
    figure: 3,
    title: `Broadcast fan-out (deliveries/s to ${fmt(subscribers)} subscribers)`,
    ratios: [
      { label: 'gateway ÷ raw-ws', value: vsRaw, ...atLeast(0.5)(vsRaw) },
      { label: 'gateway ÷ naive-yoga', value: vsNaive, ...atLeast(3)(vsNaive) },
      { label: 'gateway ÷ raw-ws, per server CPU-second', value: cpuVsRaw, goal: '—', met: true },
    ],
    detail: [describe('gateway'), describe('raw-ws'), describe('naive-yoga')].join('; '),
    correctness: Object.fromEntries(
      order.map((room, i) => [room.kind, countsSince(before[i]!, room.ledger.snapshot())]),
    ) as FigureResult['correctness'],
    rounds,
  };
}

// Figure 4, latency: broadcasts to a 1,000-member group at a fixed rate (100/s), open loop: message i is due at
// t0 + i/rate and is sent then even if earlier ones are slow, and its latency runs from that due time to the last
// member's delivery (no coordinated omission). hdr histograms in microseconds. A second, low rate shows the
// latency of a server that is not saturated, since 100 msgs/s × 1,000 members can exceed one core's capacity.
import { performance } from 'node:perf_hooks';
import type { Outgoing } from '../clients';
import { countsSince } from '../deliveries';
import { atMost, fmt, profiled, type BenchEnv, type FigureResult } from '../figure';
import type { Room } from '../room';
import { latencyHistogram, median, sleep } from '../stats';

export interface LatencyRun {
  p50: number;
  p99: number;
  max: number;
  sendErrors: number;
}

let serial = 0;

type Wrap = <T>(fn: () => Promise<T>) => Promise<T>;

export async function latencyRun(
  room: Room,
  rate: number,
  seconds: number,
  wrap: Wrap = (fn) => fn(),
): Promise<LatencyRun> {
  const count = Math.max(1, Math.round(rate * seconds));
  const outgoing: Outgoing[] = Array.from({ length: count }, () => ({
    tag: `l${serial++}`,
    groupId: 'room',
    receivers: null,
  }));
  const prepared = await room.client.prepare(outgoing);
  const entries = outgoing.map((m) => room.ledger.expect(m.tag, room.audience, room.members.length));
  const interval = 1000 / rate;
  let sendErrors = 0;
  let firstError: unknown;
  await wrap(async () => {
    const t0 = performance.now() + 20;
    for (let i = 0; i < count;) {
      const now = performance.now();
      while (i < count && t0 + i * interval <= now) {
        entries[i]!.startAt = t0 + i * interval;
        const entry = entries[i]!;
        room.client.send(prepared[i]!).catch((e: unknown) => {
          // A message that was never sent will never arrive: release its waiters, fail the run below.
          sendErrors++;
          firstError ??= e;
          entry.expected = entry.got;
          room.ledger.settle(entry);
        });
        i++;
      }
      if (i < count) await sleep(Math.max(0, t0 + i * interval - performance.now()));
    }
    await room.ledger.complete(entries, 300_000, room.kind);
  });
  if (firstError) throw new Error(`${room.kind}: ${sendErrors} of ${count} sends failed, first: ${String(firstError)}`);
  const h = latencyHistogram();
  for (const e of entries) h.recordValue(Math.max(1, Math.round((e.lastAt - e.startAt) * 1000)));
  const result = {
    p50: h.getValueAtPercentile(50) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    max: h.maxValue / 1000,
    sendErrors,
  };
  h.destroy();
  return result;
}

export async function latency(
  env: BenchEnv,
  rooms: { gateway: Room; raw: Room; naive: Room },
  gatewayCapacity?: number,
): Promise<FigureResult> {
  const { ratePerSecond, seconds, lowRatePerSecond, lowSeconds, subscribers } = {
    ...env.profile.latency,
    subscribers: rooms.gateway.members.length,
  };
  const order = [rooms.gateway, rooms.raw, rooms.naive];
  const before = order.map((r) => r.ledger.snapshot());
  const rounds: Record<string, { high: LatencyRun; low: LatencyRun }>[] = [];
  for (let r = 0; r < env.profile.latency.rounds; r++) {
    const round: Record<string, { high: LatencyRun; low: LatencyRun }> = {};
    for (const room of order) {
      const high = await latencyRun(room, ratePerSecond, seconds, (fn) =>
        profiled(env, room.client.server, `fig4-r${r + 1}`, fn),
      );
      round[room.kind] = { high, low: await latencyRun(room, lowRatePerSecond, lowSeconds) };
    }
    rounds.push(round);
    env.log(
      `  round ${r + 1}: ${order.map((room) => `${room.kind} p99 ${fmt(round[room.kind]!.high.p99, 1)} ms at ${ratePerSecond}/s, ${fmt(round[room.kind]!.low.p99, 1)} ms at ${lowRatePerSecond}/s`).join('; ')}`,
    );
  }
  const med = (kind: string, rate: 'high' | 'low', k: keyof LatencyRun) => median(rounds.map((r) => r[kind]![rate][k]));
  const p99 = med('gateway', 'high', 'p99');
  const lowP99 = med('gateway', 'low', 'p99');
  const vsRaw = median(rounds.map((r) => r.gateway!.high.p99 / r['raw-ws']!.high.p99));
  const errors = rounds.reduce(
    (n, r) => n + Object.values(r).reduce((m, x) => m + x.high.sendErrors + x.low.sendErrors, 0),
    0,
  );
  const line = (kind: string, rate: 'high' | 'low') =>
    `p50 ${fmt(med(kind, rate, 'p50'), 1)} / p99 ${fmt(med(kind, rate, 'p99'), 1)} / max ${fmt(med(kind, rate, 'max'), 1)} ms`;
  const capacity = gatewayCapacity
    ? `; the gateway delivered ${fmt(gatewayCapacity)}/s at saturation (figure 3) = ${fmt(gatewayCapacity / subscribers, 1)} msgs/s to ${fmt(subscribers)} members, against ${ratePerSecond} asked`
    : '';
  return {
    figure: 4,
    title: `Latency, due time → last receiver (${fmt(subscribers)} members, ${ratePerSecond} msgs/s, open loop)`,
    ratios: [
      { label: 'gateway p99 (ms)', value: p99, ...atMost(20)(p99) },
      { label: 'gateway p99 ÷ raw-ws p99', value: vsRaw, goal: '—', met: true },
      { label: `gateway p99 at ${lowRatePerSecond} msgs/s (ms)`, value: lowP99, goal: '—', met: true },
    ],
    detail:
      order
        .map(
          (room) =>
            `${room.kind} ${line(room.kind, 'high')} at ${ratePerSecond}/s, ${line(room.kind, 'low')} at ${lowRatePerSecond}/s`,
        )
        .join('; ') +
      capacity +
      (errors ? `; ${errors} sends failed` : ''),
    correctness: Object.fromEntries(
      order.map((room, i) => [room.kind, countsSince(before[i]!, room.ledger.snapshot())]),
    ) as FigureResult['correctness'],
    rounds,
  };
}

// Figure 5, idle connections: bytes of RSS and of JS heap per idle authenticated subscription, gateway ÷ raw-ws.
// Sockets are added in levels; at each level the server collects garbage fully and reports its memory, and the
// per-socket cost is the least-squares slope over the levels (one-time costs such as warm caches drop out).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { forkTs, ipc, ready, type ServerHandle } from '../servers';
import { fanoutClient } from '../clients';
import { atMost, fmt, start, untilSubscribed, users, type BenchEnv, type FigureResult } from '../figure';
import { fdLimit } from '../machine';
import type { ServerKind } from '../server-under-test';
import { median, slope } from '../stats';

/** Sockets one holder process takes; several holders share the load core. */
const PER_HOLDER = 9000;
/** Sockets needed before RSS per socket means something (see the ratios below). */
const RSS_SOCKETS = 10_000;
/** Open files a server needs besides its sockets (listener, database, pipes, tsx's esbuild). */
const SERVER_FDS = 200;

interface Level {
  sockets: number;
  rss: number;
  heapUsed: number;
  external: number;
}
interface Round {
  kind: ServerKind;
  levels: Level[];
  rssPerSocket: number;
  heapPerSocket: number;
}

/** The most sockets this machine lets one server hold: the open-file limit caps it below the profile's target. */
export function idleTarget(wanted: number): number {
  return Math.max(2, Math.min(wanted, fdLimit() - SERVER_FDS));
}

async function measure(env: BenchEnv, kind: ServerKind, total: number): Promise<Round> {
  const server: ServerHandle = await start(env, kind);
  const client = fanoutClient(server);
  const members = users('i', total);
  const holders: { call: ReturnType<typeof ipc>; exit: Promise<void> }[] = [];
  try {
    // Each user in a group of at most 1,000, as members of real groups are: the router indexes them when online.
    for (let g = 0; g * 1000 < total; g++) await client.setupGroup(`idle${g}`, members.slice(g * 1000, (g + 1) * 1000));
    // The first level is well past the start: the first few thousand sockets also grow one-time things (V8's young
    // generation, allocator arenas) that would otherwise show up as a per-socket cost when there are few sockets.
    const base = Math.max(1, Math.floor(total / (env.profile.idle.levels + 1)));
    const marks = [
      base,
      ...Array.from({ length: env.profile.idle.levels }, (_, k) =>
        Math.round((total * (k + 1)) / env.profile.idle.levels),
      ),
    ];
    const levels: Level[] = [];
    let open = 0;
    for (const mark of marks) {
      while (open < mark) {
        const h = Math.floor(open / PER_HOLDER);
        if (!holders[h]) {
          const child = forkTs('bench/socket-holder.ts', [], { core: env.loadCore });
          await ready(child, 'socket holder');
          holders[h] = { call: ipc(child), exit: new Promise((r) => child.once('exit', () => r())) };
        }
        const upto = Math.min(mark, (h + 1) * PER_HOLDER);
        const specs = members
          .slice(open, upto)
          .map((u, k) => client.subscriber(u, `idle${Math.floor((open + k) / 1000)}`));
        await holders[h]!.call('open', { port: server.port, specs });
        open = upto;
      }
      await untilSubscribed(server, mark);
      if (env.heapSnapshotDir && kind === 'gateway' && (mark === marks[0] || mark === marks[marks.length - 1])) {
        mkdirSync(env.heapSnapshotDir, { recursive: true });
        await server.call('heapSnapshot', { file: join(env.heapSnapshotDir, `${kind}-${mark}.heapsnapshot`) });
      }
      const { mem } = await server.usage(true);
      levels.push({ sockets: mark, rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external });
    }
    const per = (k: 'rss' | 'heapUsed') => slope(levels.map((l) => ({ x: l.sockets, y: l[k] })));
    return { kind, levels, rssPerSocket: per('rss'), heapPerSocket: per('heapUsed') };
  } finally {
    await Promise.all(
      holders.map(async (h) => {
        await h.call('close').catch(() => {});
        await h.exit;
      }),
    );
    await server.stop();
  }
}

export async function idleMemory(env: BenchEnv): Promise<FigureResult> {
  const total = idleTarget(env.profile.idle.sockets);
  // naive-yoga (yoga + graphql-ws from the docs) for contrast: what the chosen stack costs per idle subscription
  // before any of the gateway's own state.
  const rounds: { gateway: Round; raw: Round; naive: Round }[] = [];
  for (let r = 0; r < env.profile.idle.rounds; r++) {
    const gateway = await measure(env, 'gateway', total);
    const raw = await measure(env, 'raw-ws', total);
    const naive = await measure(env, 'naive-yoga', total);
    rounds.push({ gateway, raw, naive });
    env.log(
      `  round ${r + 1}: gateway ${fmt(gateway.rssPerSocket)} B RSS / ${fmt(gateway.heapPerSocket)} B heap per socket, raw-ws ${fmt(raw.rssPerSocket)} / ${fmt(raw.heapPerSocket)}, naive-yoga ${fmt(naive.rssPerSocket)} / ${fmt(naive.heapPerSocket)}`,
    );
  }
  const rss = median(rounds.map((r) => r.gateway.rssPerSocket / r.raw.rssPerSocket));
  const heap = median(rounds.map((r) => r.gateway.heapPerSocket / r.raw.heapPerSocket));
  const naiveHeap = median(rounds.map((r) => r.naive.heapPerSocket / r.raw.heapPerSocket));
  const med = (k: 'gateway' | 'raw' | 'naive', f: 'rssPerSocket' | 'heapPerSocket') =>
    fmt(median(rounds.map((r) => r[k][f])));
  const capped =
    total < env.profile.idle.sockets
      ? ` (capped from ${fmt(env.profile.idle.sockets)} by the open-file limit ${fmt(fdLimit())})`
      : '';
  return {
    figure: 5,
    title: `Idle connections (bytes per idle authenticated subscription, up to ${fmt(total)} sockets${capped})`,
    ratios: [
      // Below ~10,000 sockets raw-ws's RSS slope is mostly one-time growth (heap reservation, allocator arenas), so
      // the RSS ratio of a quick run reads too low: it is shown, not judged. The heap ratio holds at any size.
      total >= RSS_SOCKETS
        ? { label: 'gateway ÷ raw-ws, RSS', value: rss, ...atMost(2)(rss) }
        : {
            label: `gateway ÷ raw-ws, RSS (indicative only below ${fmt(RSS_SOCKETS)} sockets)`,
            value: rss,
            goal: '—',
            met: true,
          },
      { label: 'gateway ÷ raw-ws, JS heap', value: heap, ...atMost(2)(heap) },
      { label: 'naive-yoga ÷ raw-ws, JS heap (for contrast)', value: naiveHeap, goal: '—', met: true },
    ],
    detail:
      `gateway ${med('gateway', 'rssPerSocket')} B RSS, ${med('gateway', 'heapPerSocket')} B heap per socket; ` +
      `raw-ws ${med('raw', 'rssPerSocket')} B RSS, ${med('raw', 'heapPerSocket')} B heap per socket; ` +
      `naive-yoga ${med('naive', 'rssPerSocket')} B RSS, ${med('naive', 'heapPerSocket')} B heap per socket`,
    correctness: {},
    rounds,
  };
}

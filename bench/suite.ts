// Runs the figures in order, each against its baselines in the same run, and gathers one report. The CLI
// (bench/run.ts) and the CI smoke test (test/bench-smoke.test.ts) both call runBench.
import { loadavg } from 'node:os';
import { describeMachine, pinSelf, type Machine } from './machine';
import type { BenchEnv, FigureResult } from './figure';
import type { BenchProfile } from './profile';
import type { ServerKind } from './server-under-test';
import { closeHttp } from './http';
import { closeRoom, openRoom } from './room';
import { sendPath } from './figures/send-path';
import { targetedScaling } from './figures/targeted-scaling';
import { broadcastFanout } from './figures/broadcast';
import { latency } from './figures/latency';
import { idleMemory } from './figures/idle-memory';
import { correctness, editsAndReactions } from './figures/correctness';
import { growth } from './figures/growth';
import { scaleOut, scaleOutUrls } from './figures/scale-out';
import { media } from './figures/media';

export interface BenchOptions {
  profile: BenchProfile;
  /**
   * Figures to run (1–5, 7–9; 6 always totals the others' checks, and runs its own load of edits and reactions when
   * selected); default all (8 only with DATABASE_URL and REDIS_URL set).
   */
  only?: number[];
  cpuProfDir?: string;
  cpuProfKinds?: ServerKind[];
  heapSnapshotDir?: string;
  log?: (line: string) => void;
}

export interface BenchReport {
  profile: BenchProfile['name'];
  machine: Machine;
  pinned: boolean;
  startedAt: string;
  seconds: number;
  /** 1-minute load average when the run started and ended: how much else the machine was doing. */
  load: [number, number];
  figures: FigureResult[];
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const { profile } = options;
  const log = options.log ?? (() => {});
  const machine = describeMachine();
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;
  // The load (this process, socket holders) on core 0, the servers under test on core 1.
  const pinned = profile.pin && machine.cores >= 2 && machine.taskset && pinSelf(0);
  const env: BenchEnv = {
    profile,
    serverCore: pinned ? 1 : undefined,
    loadCore: pinned ? 0 : undefined,
    cpuProfDir: options.cpuProfDir,
    cpuProfKinds: options.cpuProfKinds,
    heapSnapshotDir: options.heapSnapshotDir,
    log,
  };
  const want = (n: number) => !options.only || options.only.includes(n);
  const figures: FigureResult[] = [];
  const run = async (n: number, name: string, f: () => Promise<FigureResult>) => {
    if (!want(n)) return;
    log(`figure ${n}: ${name}`);
    figures.push(await f());
  };

  try {
    await run(1, 'send path', () => sendPath(env));
    await run(2, 'targeted fan-out scaling', () => targetedScaling(env));
    if (want(3) || want(4)) {
      const b = profile.broadcast;
      log(`opening rooms: ${b.subscribers} subscribers (+${b.nonMembers} outsiders) on gateway, raw-ws, naive-yoga`);
      const opening = (['gateway', 'raw-ws', 'naive-yoga'] as const).map((kind) =>
        openRoom(env, kind, b.subscribers, b.nonMembers),
      );
      const settled = await Promise.allSettled(opening);
      const opened = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      try {
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) throw failed.reason;
        const rooms = { gateway: opened[0]!, raw: opened[1]!, naive: opened[2]! };
        let capacity: number | undefined;
        await run(3, 'broadcast fan-out', async () => {
          const f = await broadcastFanout(env, rooms);
          capacity = (f.rounds as Record<string, { deliveriesPerSecond: number }>[])
            .map((r) => r.gateway!.deliveriesPerSecond)
            .sort((a, b) => a - b)[f.rounds.length >> 1];
          return f;
        });
        await run(4, 'latency', () => latency(env, rooms, capacity));
      } finally {
        for (const room of opened) await closeRoom(room);
      }
    }
    await run(5, 'idle connections', () => idleMemory(env));
    await run(7, 'growth', () => growth(env));
    if (scaleOutUrls()) await run(8, 'scale-out (PostgreSQL + Redis)', () => scaleOut(env));
    else if (want(8)) log('figure 8 skipped: set DATABASE_URL=postgres://… and REDIS_URL=redis://… to run it');
    await run(9, 'media', () => media(env));
    if (want(6)) log('figure 6: correctness, with edits and reactions of targeted messages');
    const own = want(6) ? await editsAndReactions(env) : undefined;
    figures.push(correctness(figures, own));
  } finally {
    closeHttp();
  }
  return {
    profile: profile.name,
    machine,
    pinned,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    load: [loadAtStart, loadavg()[0]!],
    figures,
  };
}

// What every figure returns and what every figure gets: the profile, a way to start servers, a log line.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Counts } from './deliveries';
import type { BenchProfile } from './profile';
import { startServer, type ServerHandle } from './servers';
import type { ServerKind } from './server-under-test';
import { sleep } from './stats';

export interface Ratio {
  /** What is divided by what, e.g. "gateway ÷ echo-yoga". */
  label: string;
  value: number;
  goal: string;
  met: boolean;
}

export interface FigureResult {
  figure: number;
  title: string;
  /** The headline ratio first; secondary ones (naive-yoga's, heap next to RSS) after it. */
  ratios: Ratio[];
  /** The medians behind the ratios, in words. */
  detail: string;
  /** Deliveries to users outside a message's audience, by server kind (feeds figure 6). */
  correctness: Partial<Record<ServerKind, Counts>>;
  rounds: unknown[];
}

export interface BenchEnv {
  profile: BenchProfile;
  /** Core for servers under test; undefined = not pinned. The load runs on loadCore. */
  serverCore?: number;
  loadCore?: number;
  /** Write CPU profiles of the gateway's measured windows here (one file per window, named after it). */
  cpuProfDir?: string;
  /** Take gateway heap snapshots at the first and last idle level of figure 5 here. */
  heapSnapshotDir?: string;
  /** Which servers to profile; default the gateway only. */
  cpuProfKinds?: ServerKind[];
  log(line: string): void;
}

export function start(env: BenchEnv, kind: ServerKind): Promise<ServerHandle> {
  return startServer(kind, { core: env.serverCore });
}

/** Runs `fn`, CPU-profiling the gateway meanwhile when the run was asked to (--cpu-prof): measured windows only. */
export async function profiled<T>(
  env: BenchEnv,
  server: ServerHandle,
  label: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (!env.cpuProfDir || !(env.cpuProfKinds ?? ['gateway']).includes(server.kind)) return fn();
  mkdirSync(env.cpuProfDir, { recursive: true });
  await server.call('profile', { action: 'start' });
  try {
    return await fn();
  } finally {
    await server.call('profile', { action: 'stop', file: join(env.cpuProfDir, `${server.kind}-${label}.cpuprofile`) });
  }
}

export const atMost =
  (goal: number) =>
  (v: number): Pick<Ratio, 'goal' | 'met'> => ({ goal: `≤ ${goal}`, met: v <= goal });
export const atLeast =
  (goal: number) =>
  (v: number): Pick<Ratio, 'goal' | 'met'> => ({ goal: `≥ ${goal}`, met: v >= goal });

/** Waits until the server reports `n` open subscriptions (graphql-ws does not acknowledge a subscribe). */
export async function untilSubscribed(server: ServerHandle, n: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { subscriptions } = await server.usage();
    if (subscriptions >= n) break;
    if (Date.now() > deadline)
      throw new Error(`${server.kind}: ${subscriptions} of ${n} subscriptions open after ${timeoutMs} ms`);
    await sleep(50);
  }
  await sleep(50);
}

/** Users named prefix0, prefix1, … */
export const users = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';

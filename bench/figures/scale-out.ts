// Figure 8, scale-out (runs when DATABASE_URL=postgres://… and REDIS_URL are set): cluster sends/s through one and
// through two gateway processes sharing one PostgreSQL schema and one Redis prefix, closed loop (autocannon, a fixed
// number of connections in all, split evenly between the processes) to a few hundred different groups; the same
// load against one SQLite gateway; and, at a low open-loop rate, delivery latency from the sending process to a
// subscriber on the other process against one on the sending process itself, both timed on the same messages.
// Rounds interleave (1 process, 2 processes, SQLite, latency) and the figure reports medians of per-round ratios.
// Beside each rate: the gateways' CPU per send, the load generator's CPU (autocannon runs in this process) and how
// busy the whole machine was (from /proc/stat), so a rig or machine limit is told from a server limit.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import pg from 'pg';
import Redis from 'ioredis';
import { GATEWAY_SEND, GATEWAY_SUBSCRIPTION } from '../clients';
import { atLeast, atMost, fmt, profiled, untilSubscribed, users, type BenchEnv, type FigureResult } from '../figure';
import { postJson } from '../http';
import { userSig } from '../keys';
import { LoadClient } from '../load-client';
import { cpuSeconds, startServer, type ServerHandle, type Usage } from '../servers';
import { SENDER } from '../server-under-test';
import { latencyHistogram, median, sleep } from '../stats';

export const scaleOutUrls = () => {
  const db = process.env.DATABASE_URL;
  const redis = process.env.REDIS_URL;
  return db && /^postgres(ql)?:\/\//.test(db) && redis && /^rediss?:\/\//.test(redis) ? { db, redis } : undefined;
};

interface Rate {
  sendsPerSecond: number;
  /** Gateway CPU (all processes of the run) per send, ms. */
  gatewayCpuMs: number;
  /** The load generator's CPU as a share of one core. */
  loadCpu: number;
  /** Busy cores of the whole machine (PostgreSQL, Redis and other jobs included). */
  machineBusy: number;
  failed: number;
  exhausted: boolean;
}

interface Latency {
  p50: number;
  p99: number;
}
interface Round {
  one: Rate;
  two: Rate;
  sqlite: Rate;
  same: Latency;
  cross: Latency;
}

/** Busy and total jiffies of all cores so far. */
function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - cpu[3]! - (cpu[4] ?? 0), total };
}

/** Closed-loop sends through `servers` at once (connections split between them), each to the next of `groups`. */
async function closedLoop(
  servers: ServerHandle[],
  ids: string[],
  groups: string[],
  seconds: number,
  connections: number,
): Promise<Rate> {
  let next = 0;
  let exhausted = false;
  let bad = 0;
  const auth = `Bearer ${userSig(SENDER)}`;
  const u0 = await Promise.all(servers.map((s) => s.usage()));
  const l0 = process.cpuUsage();
  const m0 = machineTicks();
  const t0 = performance.now();
  const results = await Promise.all(
    servers.map((server) =>
      autocannon({
        url: `http://127.0.0.1:${server.port}/graphql`,
        method: 'POST',
        connections: Math.max(1, Math.round(connections / servers.length)),
        duration: seconds,
        headers: { 'content-type': 'application/json', authorization: auth },
        requests: [
          {
            setupRequest: (req) => {
              const k = next++;
              if (k >= ids.length) exhausted = true;
              return {
                ...req,
                body: JSON.stringify({
                  query: GATEWAY_SEND,
                  variables: { id: ids[Math.min(k, ids.length - 1)], groupID: groups[k % groups.length] },
                }),
              };
            },
            onResponse: (status, text) => {
              if (status !== 200 || !text.includes('"code":0')) bad++;
            },
          },
        ],
      }),
    ),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const l1 = process.cpuUsage(l0);
  const m1 = machineTicks();
  const u1: Usage[] = await Promise.all(servers.map((s) => s.usage()));
  const requests = results.reduce((n, r) => n + r['2xx'], 0);
  const ok = requests - bad;
  const gatewayCpu = servers.reduce((n, _, i) => n + cpuSeconds(u0[i]!, u1[i]!), 0);
  const cores = m1.total - m0.total > 0 ? (m1.busy - m0.busy) / (m1.total - m0.total) : Number.NaN;
  return {
    sendsPerSecond: ok / results[0]!.duration,
    gatewayCpuMs: (gatewayCpu * 1000) / Math.max(1, ok),
    loadCpu: (l1.user + l1.system) / 1e6 / elapsed,
    machineBusy: cores * (readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? 1),
    failed: bad + results.reduce((n, r) => n + r.errors + r.non2xx, 0),
    exhausted,
  };
}

/** Open loop at `rate` through `via`; latency from each message's due time to its delivery on each watcher. */
async function latencyRun(
  via: ServerHandle,
  watchers: { same: string; cross: string },
  ids: string[],
  tags: string[],
  load: { got: Map<string, Map<string, number>> },
  rate: number,
): Promise<{ same: Latency; cross: Latency }> {
  const due = new Map<string, number>();
  const t0 = performance.now() + 20;
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < ids.length; i++) {
    const at = t0 + (i * 1000) / rate;
    const wait = at - performance.now();
    if (wait > 0) await sleep(wait);
    due.set(tags[i]!, at);
    sends.push(
      postJson(
        via.port,
        '/graphql',
        { query: GATEWAY_SEND, variables: { id: ids[i], groupID: 'watched' } },
        { authorization: `Bearer ${userSig(SENDER)}` },
      ).then((a) => {
        if (!a.body.includes('"code":0')) throw new Error(`send failed: ${a.body.slice(0, 200)}`);
      }),
    );
  }
  await Promise.all(sends);
  const deadline = Date.now() + 30_000;
  const arrived = () => tags.every((t) => load.got.get(watchers.same)?.has(t) && load.got.get(watchers.cross)?.has(t));
  while (!arrived()) {
    if (Date.now() > deadline) throw new Error('figure 8: latency messages did not all arrive within 30 s');
    await sleep(20);
  }
  const of = (user: string): Latency => {
    const h = latencyHistogram();
    for (const t of tags) h.recordValue(Math.max(1, Math.round((load.got.get(user)!.get(t)! - due.get(t)!) * 1000)));
    const out = { p50: h.getValueAtPercentile(50) / 1000, p99: h.getValueAtPercentile(99) / 1000 };
    h.destroy();
    return out;
  };
  return { same: of(watchers.same), cross: of(watchers.cross) };
}

export async function scaleOut(env: BenchEnv): Promise<FigureResult> {
  const urls = scaleOutUrls()!;
  const { rounds, seconds, connections, groups: groupCount, lowRate, lowSeconds } = env.profile.scaleOut;
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const prefix = `bench-${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: urls.db });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dbUrl = new URL(urls.db);
  dbUrl.searchParams.set('options', `-c search_path=${schema}`);
  const pgEnv = { BENCH_DATABASE_URL: dbUrl.toString(), BENCH_REDIS_URL: urls.redis, BENCH_REDIS_PREFIX: prefix };
  // Not pinned: two gateway processes on one core could never beat one. The harness (the load) stays on its core.
  const servers: ServerHandle[] = [];
  const load = new LoadClient((user, tag, at) => {
    const m = got.get(user) ?? new Map<string, number>();
    got.set(user, m);
    if (!m.has(tag)) m.set(tag, at);
  });
  const got = new Map<string, Map<string, number>>();
  try {
    // One at a time: each migrates the schema on start (the second finds it done).
    servers.push(await startServer('gateway', { env: pgEnv }));
    servers.push(await startServer('gateway', { env: pgEnv }));
    servers.push(await startServer('gateway'));
    const [p1, p2, lite] = servers as [ServerHandle, ServerHandle, ServerHandle];
    const groups = Array.from({ length: groupCount }, (_, i) => `so${i}`);
    for (const server of [p1, lite]) {
      for (const g of groups)
        await server.call('group', { groupId: g, groupType: 'Work', owner: SENDER, members: users(`${g}-m`, 4) });
    }
    await p1.call('group', {
      groupId: 'watched',
      groupType: 'Work',
      owner: SENDER,
      members: ['watch-same', 'watch-cross'],
    });
    await load.open(p1.port, [
      { userId: 'watch-same', connectionParams: { userSig: userSig('watch-same') }, query: GATEWAY_SUBSCRIPTION },
    ]);
    await load.open(p2.port, [
      { userId: 'watch-cross', connectionParams: { userSig: userSig('watch-cross') }, query: GATEWAY_SUBSCRIPTION },
    ]);
    await Promise.all([untilSubscribed(p1, 1), untilSubscribed(p2, 1)]);

    const drafts = (server: ServerHandle, n: number, tag = 'so') =>
      server.call<string[]>('drafts', { sender: SENDER, texts: Array.from({ length: n }, (_, k) => `${tag}${k}`) });
    // Warm-up sizes the draft supply: a reused id would take the cheaper idempotent-retry path.
    const warm = Math.max(
      (await closedLoop([p1, p2], await drafts(p1, 3000), groups, Math.min(1, seconds), connections)).sendsPerSecond,
      (await closedLoop([lite], await drafts(lite, 3000), groups, Math.min(1, seconds), connections)).sendsPerSecond,
    );
    let supply = Math.max(1000, Math.ceil(warm * seconds * 2));
    const measured = async (servers: ServerHandle[], store: ServerHandle, label: string): Promise<Rate> => {
      for (let attempt = 0; ; attempt++) {
        const ids = await drafts(store, supply);
        const r = await profiled(env, servers[0]!, label, () => closedLoop(servers, ids, groups, seconds, connections));
        if (!r.exhausted || attempt === 2) return r;
        supply *= 2;
      }
    };
    const out: Round[] = [];
    let serial = 0;
    for (let r = 0; r < rounds; r++) {
      const one = await measured([p1], p1, `fig8-pg-one-r${r + 1}`);
      const two = await measured([p1, p2], p1, `fig8-pg-two-r${r + 1}`);
      const sqlite = await measured([lite], lite, `fig8-sqlite-r${r + 1}`);
      const n = Math.max(2, Math.round(lowRate * lowSeconds));
      const tags = Array.from({ length: n }, () => `w${serial++}`);
      const ids = await p1.call<string[]>('drafts', { sender: SENDER, texts: tags });
      const lat = await latencyRun(p1, { same: 'watch-same', cross: 'watch-cross' }, ids, tags, { got }, lowRate);
      out.push({ one, two, sqlite, ...lat });
      env.log(
        `  round ${r + 1}: PG 1 process ${fmt(one.sendsPerSecond)}/s (${fmt(one.gatewayCpuMs, 2)} ms CPU each, load ${fmt(one.loadCpu * 100)} %, machine ${fmt(one.machineBusy, 2)} cores busy), ` +
          `2 processes ${fmt(two.sendsPerSecond)}/s (${fmt(two.gatewayCpuMs, 2)} ms, load ${fmt(two.loadCpu * 100)} %, machine ${fmt(two.machineBusy, 2)}), ` +
          `SQLite ${fmt(sqlite.sendsPerSecond)}/s (${fmt(sqlite.gatewayCpuMs, 2)} ms, machine ${fmt(sqlite.machineBusy, 2)}); ` +
          `at ${lowRate}/s same-process p50/p99 ${fmt(lat.same.p50, 1)}/${fmt(lat.same.p99, 1)} ms, cross-process ${fmt(lat.cross.p50, 1)}/${fmt(lat.cross.p99, 1)} ms`,
      );
    }
    const med = (f: (r: Round) => number) => median(out.map(f));
    const scale = med((r) => r.two.sendsPerSecond / r.one.sendsPerSecond);
    const perCpu = med((r) => r.one.gatewayCpuMs / r.two.gatewayCpuMs);
    const vsSqlite = med((r) => r.one.sendsPerSecond / r.sqlite.sendsPerSecond);
    const vsSqliteCpu = med((r) => r.sqlite.gatewayCpuMs / r.one.gatewayCpuMs);
    const cross = med((r) => r.cross.p99 / r.same.p99);
    const rate = (k: 'one' | 'two' | 'sqlite') =>
      `${fmt(med((r) => r[k].sendsPerSecond))} sends/s at ${fmt(
        med((r) => r[k].gatewayCpuMs),
        2,
      )} ms gateway CPU each ` +
      `(load generator ${fmt(med((r) => r[k].loadCpu * 100))} % of a core, machine ${fmt(
        med((r) => r[k].machineBusy),
        2,
      )} of 2 cores busy)`;
    const failed = out.reduce((n, r) => n + r.one.failed + r.two.failed + r.sqlite.failed, 0);
    return {
      figure: 8,
      title: `Scale-out (PostgreSQL + Redis, closed loop to ${groupCount} groups, ${connections} connections)`,
      ratios: [
        { label: '2 processes ÷ 1 process, sends/s', value: scale, ...atLeast(1.7)(scale) },
        { label: '2 ÷ 1, sends per gateway CPU-second', value: perCpu, goal: '—', met: true },
        { label: 'PostgreSQL ÷ SQLite, one process, sends/s', value: vsSqlite, ...atLeast(0.5)(vsSqlite) },
        { label: 'PostgreSQL ÷ SQLite, sends per gateway CPU-second', value: vsSqliteCpu, goal: '—', met: true },
        { label: `cross-process p99 ÷ same-process p99 at ${lowRate} msgs/s`, value: cross, ...atMost(2)(cross) },
      ],
      detail:
        `PostgreSQL 1 process ${rate('one')}; 2 processes ${rate('two')}; SQLite 1 process ${rate('sqlite')}; ` +
        `at ${lowRate} msgs/s same-process p50 ${fmt(
          med((r) => r.same.p50),
          1,
        )} / p99 ${fmt(
          med((r) => r.same.p99),
          1,
        )} ms, ` +
        `cross-process p50 ${fmt(
          med((r) => r.cross.p50),
          1,
        )} / p99 ${fmt(
          med((r) => r.cross.p99),
          1,
        )} ms` +
        (failed ? `; ${failed} failed requests` : ''),
      correctness: {},
      rounds: out,
    };
  } finally {
    await load.close();
    await Promise.all(servers.map((s) => s.stop()));
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await admin.end();
    const redis = new Redis(urls.redis);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  }
}

// What a cluster-wide order lock held to the commit costs (src/db/pg/order.ts): stored sends through the PostgreSQL
// store alone (no HTTP, no GraphQL, no Redis), `--writers` pools (as many processes) with `--inFlight` sends each, to
// 200 groups, for `--seconds` per round; rounds alternate between im_send as migrated (in-flight marks, no lock
// through the commit) and a copy of it in the same schema that also takes the old order lock right before it
// allocates (held to the commit: the serialisation every send had before, minus its client round trips).
// `DATABASE_URL=postgres://… npx tsx bench/send-statement.ts [--rounds=4] [--seconds=4] [--writers=2] [--inFlight=8]`
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgres } from '../src/db/pg/open';
import type { DraftRow, NewMessage, Store } from '../src/db/store';
import { REPO } from './servers';
import { median } from './stats';

const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const rounds = arg('rounds', 4);
const seconds = arg('seconds', 4);
const writers = arg('writers', 2);
const inFlight = arg('inFlight', 8);
const url = process.env.DATABASE_URL;
if (!url || !/^postgres(ql)?:\/\//.test(url)) throw new Error('set DATABASE_URL=postgres://…');

const schema = `bench_${randomBytes(5).toString('hex')}`;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
const stores: Store[] = Array.from({ length: writers }, () => openPostgres(url, { schema, poolSize: inFlight }));
const NOW = Math.floor(Date.now() / 1000);
let serial = 0;
try {
  await stores[0]!.ping();
  await Promise.all(stores.map((s) => s.ping()));
  const groups = Array.from({ length: 200 }, (_, i) => `g${i}`);
  for (const g of groups) await stores[0]!.groups.create({ groupId: g, groupType: 'Work', groupName: g, owner: 'sender', createdAt: NOW }, [1, 2, 3, 4].map((k) => ({ userID: `${g}-m${k}`, role: 200 })), NOW);
  const migration = readFileSync(join(REPO, 'drizzle-pg/0002_send_function.sql'), 'utf8');
  const imSend = migration.slice(0, migration.indexOf('--> statement-breakpoint')).replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION');
  const withoutLock = imSend;
  const withLock = imSend.replace('PERFORM pg_advisory_lock_shared(v_gate);', 'PERFORM pg_advisory_xact_lock(18765, v_key);\n  PERFORM pg_advisory_lock_shared(v_gate);');
  if (withoutLock === withLock) throw new Error('the allocation was not found in the migration');

  const send = async (store: Store) => {
    const id = `d${serial++}`;
    const draft: DraftRow = { id, owner: 'sender', createdAt: NOW, expiresAt: NOW + 3600, elemType: 1, text: id, customData: null, customDesc: null, customExt: null, atUsers: null, targets: null };
    await store.messages.createDraft(draft);
    const msg: NewMessage = { msgId: `m-${id}`, createId: id, sender: 'sender', receiver: null, groupId: groups[serial % groups.length]!, audience: null, targets: null,
      elemType: 1, text: id, customData: null, customDesc: null, customExt: null, atUsers: null, priority: 2, excludedUnread: false, excludedLast: false,
      needReadReceipt: false, cloudCustomData: null, localCustomData: null, random: 1, timestamp: NOW };
    const t = performance.now();
    const outcome = await store.messages.send(msg, NOW);
    if (!outcome.ok) throw new Error(outcome.reason);
    return performance.now() - t;
  };
  const round = async (): Promise<{ perSecond: number; ms: number }> => {
    const deadline = performance.now() + seconds * 1000;
    let sent = 0;
    const times: number[] = [];
    await Promise.all(stores.flatMap((store) => Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) { times.push(await send(store)); sent++; }
    })));
    return { perSecond: sent / seconds, ms: median(times) };
  };
  const result: Record<'lock' | 'none', { perSecond: number; ms: number }[]> = { lock: [], none: [] };
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of [['lock', withLock], ['none', withoutLock]] as const) {
      await admin.query(`SET search_path = ${schema}`);
      await admin.query(fn);
      const x = await round();
      result[name].push(x);
      console.log(`round ${r + 1} ${name === 'lock' ? 'old order lock to the commit' : 'in-flight marks (as migrated)'}: ${x.perSecond.toFixed(0)} sends/s, median send ${x.ms.toFixed(2)} ms (drafts written in the same loop)`);
    }
  }
  const m = (k: 'lock' | 'none') => median(result[k].map((x) => x.perSecond));
  console.log(`median: old order lock ${m('lock').toFixed(0)}/s, in-flight marks ${m('none').toFixed(0)}/s, marks ÷ lock ${median(result.none.map((x, i) => x.perSecond / result.lock[i]!.perSecond)).toFixed(2)}; ${writers} writers × ${inFlight} in flight`);
} finally {
  await Promise.all(stores.map((s) => s.close()));
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}

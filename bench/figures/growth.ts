// Figure 7, growth: what a user's calls cost as the stored history grows from `small` to `large` messages (500 groups
// of 40, a tenth of the messages targeted, a tenth C2C), on SQLite and, when DATABASE_URL is postgres://…, on
// PostgreSQL. The data is seeded fast with set-based inserts straight into the tables (counters computed the way
// the writes keep them); every call is measured through the public API, over HTTP and graphql-ws, against a
// gateway in this process. Also: a concurrent request's p99 while another subscriber replays `replay` messages,
// against the same request on the idle gateway.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { openDatabase } from '../../src/db/open';
import { openPostgres } from '../../src/db/pg/open';
import type { Store } from '../../src/db/store';
import { groupRules } from '../../src/resolvers/group-type';
import { atMost, fmt, type BenchEnv, type FigureResult, type Ratio } from '../figure';
import { BENCH_KEY, BENCH_SDKAPPID, userSig } from '../keys';
import { median } from '../stats';

const GROUPS = 500;
const MEMBERS = 40;
const USERS = 2000;
/** Groups the two measured users are in (plus 10 C2C peers each: 110 conversations). */
const THEIR_GROUPS = 100;

type Kind = 'sqlite' | 'postgres';

/** Seeds `n` messages (see the header) with one statement per table; `sep` is the stored pair-key separator. */
function seedStatements(n: number, series: (from: number, to: number) => string, sep: string): string[] {
  const member = (g: string, k: string) => `'u' || ((${g} * ${MEMBERS} + ${k}) % ${USERS})`;
  const g = `(i % ${GROUPS})`;
  const c2cSender = `'u' || ((i / 10) % 20)`;
  const c2cReceiver = `CASE WHEN (i / 10) % 2 = 1 THEN 'reader' ELSE 'never' END`;
  const third = `CASE WHEN ${g} < ${THEIR_GROUPS} THEN 'never' ELSE ${member(g, '2')} END`;
  return [
    `INSERT INTO users (user_id, created_at) SELECT 'u' || i, 0 FROM ${series(0, USERS - 1)}`,
    `INSERT INTO users (user_id, created_at) VALUES ('reader', 0), ('never', 0)`,
    `INSERT INTO groups (group_id, group_type, group_name, owner, created_at) SELECT 'g' || i, 'Public', 'group ' || i, ${member('i', '0')}, 0 FROM ${series(0, GROUPS - 1)}`,
    `INSERT INTO group_members (group_id, user_id, role, join_time, join_order) SELECT 'g' || (i / ${MEMBERS}), 'u' || (i % ${USERS}), 200, 0, 0 FROM ${series(0, GROUPS * MEMBERS - 1)}`,
    `INSERT INTO group_members (group_id, user_id, role, join_time, join_order) SELECT 'g' || (i / 2), CASE WHEN i % 2 = 0 THEN 'reader' ELSE 'never' END, 200, 0, 0 FROM ${series(0, THEIR_GROUPS * 2 - 1)}`,
    `INSERT INTO messages (order_no, msg_id, create_id, sender, receiver, pair_key, group_id, targeted, targets, seq_base, elem_type, body,
        priority, excluded_unread, excluded_last, need_read_receipt, random, timestamp)
      SELECT i, 'msg-' || i, 'create-' || i,
        CASE WHEN i % 10 = 0 THEN ${c2cSender} WHEN i % 10 = 1 THEN ${member(g, '0')} ELSE ${member(g, `(i % ${MEMBERS})`)} END,
        CASE WHEN i % 10 = 0 THEN ${c2cReceiver} END,
        CASE WHEN i % 10 = 0 THEN ${c2cReceiver} || ${sep} || ${c2cSender} END,
        CASE WHEN i % 10 = 0 THEN NULL ELSE 'g' || ${g} END,
        CASE WHEN i % 10 = 1 THEN 1 ELSE 0 END,
        CASE WHEN i % 10 = 1 THEN '["' || ${member(g, '1')} || '","' || ${third} || '"]' END,
        i, 1, '[{"kind":"text","text":"message number ' || i || '"}]', 2, CASE WHEN i % 10 = 1 THEN 1 ELSE 0 END, 0, 0, i, 1800000000 + i / 100
      FROM ${series(1, n)}`,
    ...['0', '1'].map(
      (k) => `INSERT INTO message_audience (order_no, user_id, group_id, rank)
      SELECT order_no, 'u' || (((order_no % ${GROUPS}) * ${MEMBERS} + ${k}) % ${USERS}), group_id, order_no FROM messages WHERE targeted = 1`,
    ),
    `INSERT INTO message_audience (order_no, user_id, group_id, rank) SELECT order_no, CASE WHEN order_no % ${GROUPS} < ${THEIR_GROUPS} THEN 'never'
      ELSE 'u' || (((order_no % ${GROUPS}) * ${MEMBERS} + 2) % ${USERS}) END, group_id, order_no FROM messages WHERE targeted = 1`,
    `UPDATE groups SET
      public_count = (SELECT count(*) FROM messages m WHERE m.group_id = groups.group_id AND m.targeted = 0),
      unread_total = (SELECT count(*) FROM messages m WHERE m.group_id = groups.group_id AND m.targeted = 0),
      head_order = coalesce((SELECT max(m.order_no) FROM messages m WHERE m.group_id = groups.group_id), 0),
      last_order = coalesce((SELECT max(m.order_no) FROM messages m WHERE m.group_id = groups.group_id AND m.targeted = 0), 0)`,
    `INSERT INTO conversations (user_id, conversation_id, peer_id, group_id, read_order, read_count, unread_count, head_order, last_order)
      SELECT gm.user_id, 'group_' || gm.group_id, NULL, gm.group_id, 0, 0, 0,
        coalesce((SELECT max(a.order_no) FROM message_audience a WHERE a.user_id = gm.user_id AND a.group_id = gm.group_id), 0),
        coalesce((SELECT max(a.order_no) FROM message_audience a WHERE a.user_id = gm.user_id AND a.group_id = gm.group_id), 0)
      FROM group_members gm`,
    `INSERT INTO conversations (user_id, conversation_id, peer_id, group_id, read_order, read_count, unread_count, head_order, last_order)
      SELECT receiver, 'c2c_' || sender, sender, NULL, 0, 0, count(*), max(order_no), max(order_no) FROM messages WHERE pair_key IS NOT NULL GROUP BY receiver, sender`,
    `INSERT INTO conversations (user_id, conversation_id, peer_id, group_id, read_order, read_count, unread_count, head_order, last_order)
      SELECT sender, 'c2c_' || receiver, receiver, NULL, max(order_no), 0, 0, max(order_no), max(order_no) FROM messages WHERE pair_key IS NOT NULL GROUP BY receiver, sender`,
  ];
}

interface Opened {
  store: Store;
  seed(n: number): Promise<void>;
  drop(): Promise<void>;
}

async function openSqlite(): Promise<Opened> {
  const dir = mkdtempSync(join(tmpdir(), 'im-growth-'));
  const path = join(dir, 'im.db');
  const store = openDatabase(path, groupRules);
  return {
    store,
    async seed(n) {
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      const series = (from: number, to: number) =>
        `(WITH RECURSIVE s(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM s WHERE i < ${to}) SELECT i FROM s)`;
      db.transaction(() => {
        for (const s of seedStatements(n, series, 'char(0)')) db.exec(s);
      })();
      db.exec('ANALYZE');
      db.close();
    },
    async drop() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPg(url: string): Promise<Opened> {
  const schema = `growth_${process.pid}_${Date.now().toString(36)}`;
  const store = openPostgres(url, { schema, rules: groupRules });
  await store.ping();
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  return {
    store,
    async seed(n) {
      const series = (from: number, to: number) => `generate_series(${from}, ${to}) AS s(i)`;
      await client.query('BEGIN');
      for (const s of seedStatements(n, series, `chr(57344) || '0'`)) await client.query(s);
      await client.query(`SELECT setval(pg_get_serial_sequence('messages', 'order_no'), ${n})`);
      await client.query('COMMIT');
      await client.query('ANALYZE');
    },
    async drop() {
      await store.close();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

const Q = {
  history: `query($g: String!, $last: String) { getGroupHistoryMessageList(groupID: $g, count: 20, lastMsgID: $last) { code data { msgID seq } } }`,
  conversations: `query { getConversationList(count: 100) { code data { conversationList { conversationID unreadCount lastMessage { msgID } } } } }`,
  unread: `query { getTotalUnreadMessageCount { code data } }`,
  find: `query($ids: [String!]!) { findMessages(messageIDList: $ids) { code data { msgID } } }`,
  create: `mutation($t: String!) { createTextMessage(text: $t) { code data { id } } }`,
  send: `mutation($id: String!, $to: String) { sendMessage(id: $id, receiver: $to) { code desc data { msgID } } }`,
  readGroup: `mutation($g: String!) { markGroupMessageAsRead(groupID: $g) { code } }`,
  readC2C: `mutation($u: String!) { markC2CMessageAsRead(userID: $u) { code } }`,
  resume: `subscription($c: String) { onRecvNewMessage(afterCursor: $c) { msgID } }`,
};

async function call(port: number, user: string, query: string, variables: Record<string, unknown> = {}) {
  const request = () =>
    fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${userSig(user)}` },
      body: JSON.stringify({ query, variables }),
    });
  // A kept-alive connection the server closed as it was reused (idle timeout) fails once; the retry opens a new one.
  const res = await request().catch(() => request());
  const body = (await res.json()) as {
    data?: Record<string, { code: number; desc?: string; data: any }>;
    errors?: unknown;
  };
  const r = body.data && Object.values(body.data)[0];
  if (!r || r.code !== 0) throw new Error(`${query.slice(0, 40)}: ${JSON.stringify(body)}`);
  return r.data;
}

/** Receives `count` replayed messages after `cursor` over a fresh graphql-ws connection. */
function replay(port: number, user: string, cursor: string, count: number): Promise<void> {
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { userSig: userSig(user) },
    retryAttempts: 0,
  });
  return new Promise<void>((resolve, reject) => {
    let got = 0;
    const timer = setTimeout(
      () => {
        void client.dispose();
        reject(new Error(`replay: ${got} of ${count} messages in time`));
      },
      process.env.GROWTH_DEBUG ? 5000 : 600_000,
    );
    timer.unref();
    const stop = client.subscribe(
      { query: Q.resume, variables: { c: cursor } },
      {
        next: () => {
          if (++got === count) {
            clearTimeout(timer);
            stop();
            void client.dispose();
            resolve();
          }
        },
        error: (e) => {
          clearTimeout(timer);
          void client.dispose();
          reject(e instanceof Error ? e : new Error(JSON.stringify(e)));
        },
        complete: () => {},
      },
    );
  });
}

async function timed(samples: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

const p99 = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.99))]!;

type Calls = Record<string, number>;

async function measure(env: BenchEnv, kind: Kind, n: number, samples: number, replayCount: number | undefined) {
  const opened = kind === 'sqlite' ? await openSqlite() : await openPg(process.env.DATABASE_URL!);
  const t0 = performance.now();
  await opened.seed(n);
  env.log(`  ${kind} ${fmt(n)} messages seeded in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  const config = {
    ...loadConfig({
      IM_SDKAPPID: String(BENCH_SDKAPPID),
      IM_SECRET_KEY: BENCH_KEY,
      DATABASE_URL: ':memory:',
      LOG_LEVEL: 'silent',
    }),
    groupSendRate: 1_000_000,
  };
  const app: App = createApp({ config, store: opened.store, logger: createLogger('silent') });
  const port = await app.start(0, '127.0.0.1');
  try {
    const cursors = app.services.cursors;
    // The reader has read everything; the never-reader nothing.
    for (let g = 0; g < THEIR_GROUPS; g++) await call(port, 'reader', Q.readGroup, { g: `g${g}` });
    for (let p = 0; p < 20; p++) await call(port, 'reader', Q.readC2C, { u: `u${p}` }).catch(() => {});
    const deep = Math.floor(n * 0.1) - (Math.floor(n * 0.1) % GROUPS) + 2; // a broadcast of g2 at a tenth of the history
    const ids = Array.from({ length: 20 }, (_, k) => `msg-${n - 498 - 500 * k}`); // g2's latest broadcasts
    let sent = 0;
    const calls: Calls = {
      'history, first page': await timed(samples, () => call(port, 'never', Q.history, { g: 'g2' })),
      'history, deep page': await timed(samples, () =>
        call(port, 'never', Q.history, { g: 'g2', last: `msg-${deep}` }),
      ),
      'conversation list (110)': await timed(samples, () => call(port, 'never', Q.conversations)),
      'unread count, reader': await timed(samples, () => call(port, 'reader', Q.unread)),
      'unread count, never-reader': await timed(samples, () => call(port, 'never', Q.unread)),
      'findMessages, 20 ids': await timed(samples, () => call(port, 'never', Q.find, { ids })),
      'send (C2C)': await timed(samples, async () => {
        const { id } = await call(port, 'u7', Q.create, { t: `growth ${++sent}` });
        return call(port, 'u7', Q.send, { id, to: 'never' });
      }),
      // About 200 messages the never-reader may see lie in the last 1,000 of the order.
      'resume, 200 messages': await timed(Math.max(3, samples >> 2), () =>
        replay(port, 'never', cursors.encode(Math.max(0, n - 1000)), 200),
      ),
    };
    let concurrent: { idle: number; replaying: number; replayed: number } | undefined;
    if (replayCount !== undefined) {
      const request = () => call(port, 'reader', Q.history, { g: 'g3' });
      const idle: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        await request();
        idle.push(performance.now() - t);
      }
      // The never-reader sees about a quarter of the order: start far enough back for `replayCount` messages.
      const from = Math.max(0, n - Math.round(replayCount * 4.5));
      let visible = 0;
      for (let after = from, i = 0; i < 100_000; i++) {
        const page = await opened.store.messages.after('never', after, 1000);
        visible += page.messages.length;
        if (page.done) break;
        after = page.through;
      }
      let done = false;
      const replaying = replay(port, 'never', cursors.encode(from), visible).then(() => {
        done = true;
      });
      const during: number[] = [];
      while (!done && during.length < 100_000) {
        const t = performance.now();
        await request();
        during.push(performance.now() - t);
      }
      await replaying;
      concurrent = { idle: p99(idle), replaying: p99(during), replayed: visible };
      env.log(
        `  ${kind}: concurrent request p99 ${fmt(concurrent.replaying, 1)} ms during a ${fmt(visible)}-message replay (${during.length} requests), ${fmt(concurrent.idle, 1)} ms idle`,
      );
    }
    env.log(
      `  ${kind} ${fmt(n)}: ${Object.entries(calls)
        .map(([k, v]) => `${k} ${fmt(v, 2)} ms`)
        .join(', ')}`,
    );
    return { calls, concurrent };
  } finally {
    await app.stop();
    await opened.drop().catch(() => {});
  }
}

export async function growth(env: BenchEnv): Promise<FigureResult> {
  const { small, large, samples, replay: replayCount } = env.profile.growth;
  const kinds: Kind[] = ['sqlite', ...(process.env.DATABASE_URL?.startsWith('postgres') ? ['postgres' as const] : [])];
  const ratios: Ratio[] = [];
  const rounds: unknown[] = [];
  const details: string[] = [];
  const bigCalls: Partial<Record<Kind, Calls>> = {};
  for (const kind of kinds) {
    const a = await measure(env, kind, small, samples, undefined);
    const b = await measure(env, kind, large, samples, replayCount);
    bigCalls[kind] = b.calls;
    rounds.push({ kind, small: a, large: b });
    for (const name of Object.keys(a.calls)) {
      const value = b.calls[name]! / a.calls[name]!;
      ratios.push({ label: `${kind}: ${name}, ${fmt(large)} ÷ ${fmt(small)}`, value, ...atMost(1.3)(value) });
    }
    if (b.concurrent) {
      const value = b.concurrent.replaying / b.concurrent.idle;
      ratios.push({
        label: `${kind}: concurrent request p99 during a ${fmt(b.concurrent.replayed)}-message replay ÷ idle`,
        value,
        ...atMost(2)(value),
      });
    }
    details.push(
      `${kind} at ${fmt(large)}: ${Object.entries(b.calls)
        .map(([k, v]) => `${k} ${fmt(v, 2)} ms`)
        .join(', ')}`,
    );
  }
  if (bigCalls.postgres && bigCalls.sqlite) {
    for (const name of Object.keys(bigCalls.sqlite)) {
      const value = bigCalls.postgres[name]! / bigCalls.sqlite[name]!;
      ratios.push({ label: `PostgreSQL ÷ SQLite: ${name}, at ${fmt(large)}`, value, ...atMost(3)(value) });
    }
  }
  return {
    figure: 7,
    title: `Growth (${fmt(small)} → ${fmt(large)} stored messages)`,
    ratios,
    detail: details.join('; '),
    correctness: {},
    rounds,
  };
}

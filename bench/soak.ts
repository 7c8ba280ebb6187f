// Soak: a gateway process under steady, mixed load for a bounded time (SOAK_SECONDS, default 180), on loopback.
// Senders keep group, targeted and one-to-one messages flowing; graphql-ws subscribers keep receiving and are
// churned (closed, then resumed from their last cursor); drafts are created and left unsent. It fails (exit 1) when:
//   - the gateway's heap after GC grows by more than SOAK_HEAP_MB (default 24 MiB) from the end of the warm-up to
//     the end, or its RSS by more than SOAK_RSS_MB (default 96 MiB);
//   - an unsent draft outlives IM_DRAFT_TTL_SECONDS + IM_DRAFT_RECLAIM_SECONDS (+ slack), or its id still sends;
//   - media outlives what holds it: files uploaded into groups that are then dismissed, and media drafts left
//     unsent, must leave no bytes in the media directory once dismissed or expired and reclaimed;
//   - a send is refused, or a subscriber stops receiving;
//   - a paused socket pins more than 512 KiB of unsent output in the gateway, or a paused subscriber that reads again
//     finds anything but the resumable RESUBSCRIBE error at the end of what it missed.
// Besides the readers, SOAK_PAUSED (default 50) sockets hold 20 live subscriptions each and stop reading (the
// gateway cuts them off, its keep-alive ends them, they come back paused), and one socket pipelines history
// queries and never reads (the gateway stops reading it).
// Usage: `npm run soak` (SOAK_SECONDS=30 for a quick look). The gateway runs in a child process so that the numbers
// are its own; the load runs here.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import TLSSigAPIv2 from 'tls-sig-api-v2';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

const SDKAPPID = 1400999999;
const KEY = 'soak-secret-key-0123456789abcdef0123456789abcdef0123456789abcdef';
const DRAFT_TTL = 5;
const RECLAIM_EVERY = 2;
/** What the gateway may queue for one socket that does not read (SECURITY.md §5). */
const PAUSED_SOCKET_BOUND = 512 * 1024;

// ---- the gateway side: `soak.ts --gateway <db>` ----

if (process.argv[2] === '--gateway') {
  const { createApp } = await import('../src/app');
  const { loadConfig } = await import('../src/config');
  const { createLogger } = await import('../src/log');
  const config = loadConfig({
    IM_SDKAPPID: String(SDKAPPID),
    IM_SECRET_KEY: KEY,
    DATABASE_URL: process.argv[3],
    LOG_LEVEL: 'silent',
    IM_DRAFT_TTL_SECONDS: String(DRAFT_TTL),
    IM_DRAFT_RECLAIM_SECONDS: String(RECLAIM_EVERY),
    // The soak's senders go past Tencent's 40 messages/s per group on purpose (the paused subscribers must fall
    // behind); the rate limit has its own tests.
    IM_GROUP_SEND_RATE: '1000000',
  });
  const app = createApp({ config, logger: createLogger('silent') });
  const port = await app.start(0, '127.0.0.1');
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'memory') {
      for (let i = 0; i < 3; i++) gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      const maxBuffered = Math.max(0, ...[...app.ws.wss.clients].map((s) => s.bufferedAmount));
      process.send!({ rss, heapUsed, streams: app.services.router.streamCount(), maxBuffered });
    } else if (m.cmd === 'stop') {
      void app.stop().then(() => process.exit(0));
    }
  });
  process.send!({ port });
} else {
  await soak();
}

// ---- the load side ----

interface Memory {
  rss: number;
  heapUsed: number;
  streams: number;
  maxBuffered: number;
}

async function soak(): Promise<void> {
  const seconds = Number(process.env.SOAK_SECONDS ?? 180);
  const heapBound = Number(process.env.SOAK_HEAP_MB ?? 24) * 2 ** 20;
  const rssBound = Number(process.env.SOAK_RSS_MB ?? 96) * 2 ** 20;
  if (!(seconds >= 10)) throw new Error('SOAK_SECONDS must be at least 10');
  const warmup = Math.max(5, Math.round(seconds * 0.15));

  const dir = mkdtempSync(join(tmpdir(), 'im-soak-'));
  const dbFile = join(dir, 'soak.db');
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['--gateway', dbFile], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
  });
  const replies: ((m: unknown) => void)[] = [];
  child.on('message', (m) => replies.shift()?.(m));
  const ask = <T>(cmd?: string) =>
    new Promise<T>((resolve) => {
      replies.push(resolve as (m: unknown) => void);
      if (cmd) child.send({ cmd });
    });
  const { port } = await ask<{ port: number }>();
  const url = `http://127.0.0.1:${port}/graphql`;
  const memory = () => ask<Memory>('memory');

  const api = new TLSSigAPIv2.Api(SDKAPPID, KEY);
  const sigs = new Map<string, string>();
  const sig = (u: string) => sigs.get(u) ?? sigs.set(u, api.genUserSig(u, 24 * 3600)).get(u)!;
  const call = async (user: string, query: string, variables: Record<string, unknown> = {}): Promise<any> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sig(user)}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown };
    if (!body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    return Object.values(body.data)[0];
  };

  const USERS = Array.from({ length: 40 }, (_, i) => `soak${i}`);
  const PAUSED = Array.from({ length: Number(process.env.SOAK_PAUSED ?? 50) }, (_, i) => `paused${i}`);
  const GROUPS = Array.from({ length: 4 }, (_, g) => ({
    id: `soak-g${g}`,
    members: USERS.filter((_, i) => i % 4 === g || i < 4),
  }));
  GROUPS.push({ id: 'soak-paused', members: [...USERS.slice(0, 4), ...PAUSED] });
  for (const g of GROUPS) {
    const r = await call(
      g.members[0]!,
      'mutation($id: String!, $m: [V2TimGroupMemberInput!]) { createGroup(groupType: "Public", groupName: "soak", groupID: $id, memberList: $m) { code desc } }',
      { id: g.id, m: g.members.slice(1).map((userID) => ({ userID })) },
    );
    if (r.code !== 0) throw new Error(`createGroup: ${r.code} ${r.desc}`);
  }

  // Subscribers: one socket per user, each remembering its last cursor; a few are replaced every second.
  const received = new Map<string, number>(USERS.map((u) => [u, 0]));
  const cursors = new Map<string, string>();
  const clients = new Map<string, { client: Client; dispose: () => void }>();
  const subscribe = (user: string) => {
    const client = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { userSig: sig(user) },
      retryAttempts: 0,
    });
    const dispose = client.subscribe<{ onRecvNewMessage: { cursor: string | null } }>(
      {
        query: 'subscription($c: String) { onRecvNewMessage(afterCursor: $c) { msgID cursor } }',
        variables: { c: cursors.get(user) ?? null },
      },
      {
        next: (v) => {
          received.set(user, received.get(user)! + 1);
          const c = v.data?.onRecvNewMessage.cursor;
          if (c) cursors.set(user, c);
        },
        error: (e) => {
          failures.push(`subscription of ${user}: ${JSON.stringify(e)}`);
        },
        complete: () => {},
      },
    );
    clients.set(user, {
      client,
      dispose: () => {
        dispose();
        void client.dispose();
      },
    });
  };
  const failures: string[] = [];
  for (const u of USERS) subscribe(u);

  // Paused subscribers: 20 live subscriptions each, then they stop reading. Whenever one closes (the gateway's
  // keep-alive ends a socket that answers no ping), it comes back, paused again.
  const wsUrl = `ws://127.0.0.1:${port}/graphql`;
  type Raw = { ws: WebSocket; frames: { id?: string; type: string; payload?: any }[] };
  const rawSocket = (user: string, onAck: (raw: Raw) => void, onClose: () => void): Raw => {
    const raw: Raw = { ws: new WebSocket(wsUrl, 'graphql-transport-ws'), frames: [] };
    raw.ws.on('open', () => raw.ws.send(JSON.stringify({ type: 'connection_init', payload: { userSig: sig(user) } })));
    raw.ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as Raw['frames'][number];
      if (f.type === 'connection_ack') onAck(raw);
      else raw.frames.push(f);
    });
    raw.ws.on('close', onClose);
    raw.ws.on('error', () => {});
    return raw;
  };
  const socketOf = (raw: Raw) => (raw.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  const paused = new Map<string, Raw>();
  let pausedClosed = 0;
  let resumedWithError = 0;
  // Each stays paused 6–10 s (under the keep-alive's 12 s, whose end a paused client would not even notice), then
  // reads again: after what it missed it must find only the resumable error; then it is replaced by a fresh one.
  const openPaused = (user: string) => {
    paused.set(
      user,
      rawSocket(
        user,
        (raw) => {
          for (let i = 0; i < 20; i++)
            raw.ws.send(
              JSON.stringify({
                id: `s${i}`,
                type: 'subscribe',
                payload: { query: 'subscription { onRecvNewMessage { msgID cursor textElem { text } } }' },
              }),
            );
          setTimeout(() => socketOf(raw).pause(), 200);
          setTimeout(
            () => {
              socketOf(raw).resume();
              setTimeout(() => {
                const errors = raw.frames.filter((f) => f.type === 'error');
                if (errors.some((f) => f.payload?.[0]?.extensions?.code !== 'RESUBSCRIBE'))
                  failures.push(`a paused subscriber got ${JSON.stringify(errors[0])}`);
                if (errors.length > 0) resumedWithError++;
                raw.ws.terminate();
              }, 1500);
            },
            6000 + Math.random() * 4000,
          );
        },
        () => {
          pausedClosed++;
          if (running) setTimeout(() => openPaused(user), 200);
        },
      ),
    );
  };
  // Large messages into the paused subscribers' group, so that they fall behind within their pause.
  const bigSender = async () => {
    for (let k = 0; running; k++) {
      const id = (await call('soak0', CREATE, { t: `big ${k} ${'b'.repeat(11_000)}` })).data.id;
      const r = await call('soak0', SEND, { id, g: 'soak-paused' });
      if (r.code !== 0) failures.push(`send: ${r.code} ${r.desc}`);
      await pace(10);
    }
  };
  // A socket that pipelines history queries and never reads: the gateway stops reading it.
  let floodSent = 0;
  const flood = () => {
    const raw = rawSocket(
      USERS[1]!,
      (r) => {
        socketOf(r).pause();
        const tick = setInterval(() => {
          if (!running || r.ws.readyState !== WebSocket.OPEN) return clearInterval(tick);
          // Its own unsent writes are kept small: the point is the gateway's side.
          for (let i = 0; i < 20 && r.ws.bufferedAmount < 2 ** 20; i++) {
            r.ws.send(
              JSON.stringify({
                id: `f${floodSent++}`,
                type: 'subscribe',
                payload: {
                  query: `{ getGroupHistoryMessageList(groupID: "${GROUPS[0]!.id}", count: 20) { code data { msgID textElem { text } } } }`,
                },
              }),
            );
          }
        }, 100);
      },
      () => {
        if (running) setTimeout(flood, 1000);
      },
    );
    void raw;
  };

  let running = true;
  let sent = 0;
  let churned = 0;
  const CREATE = 'mutation($t: String!) { createTextMessage(text: $t) { code desc data { id } } }';
  const TARGET =
    'mutation($id: String!, $r: [String!]!) { createTargetedGroupMessage(id: $id, receiverList: $r) { code desc data { id } } }';
  const SEND =
    'mutation($id: String!, $g: String, $r: String) { sendMessage(id: $id, groupID: $g, receiver: $r) { code desc } }';
  const pace = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** A load loop whose error is a failure of the soak, not a crash of the script. */
  const loop = (name: string, body: () => Promise<void>) =>
    body().catch((e: unknown) => {
      failures.push(`${name}: ${String(e)}`);
    });

  const sender = async (lane: number) => {
    for (let k = 0; running; k++) {
      const g = GROUPS[(lane + k) % GROUPS.length]!;
      const from = g.members[k % g.members.length]!;
      let id = (await call(from, CREATE, { t: `soak ${lane}/${k}` })).data.id;
      const kind = k % 3;
      if (kind === 1) id = (await call(from, TARGET, { id, r: g.members.slice(0, 3) })).data.id;
      const r = await call(
        from,
        SEND,
        kind === 2 ? { id, r: USERS[(USERS.indexOf(from) + 1) % USERS.length] } : { id, g: g.id },
      );
      if (r.code !== 0) failures.push(`send: ${r.code} ${r.desc}`);
      else sent++;
      await pace(20);
    }
  };

  // Drafts left unsent: each must be gone (and unusable) once its TTL and a reclaim pass have gone by.
  const abandoned: { id: string; user: string; at: number }[] = [];
  const drafter = async () => {
    for (let k = 0; running; k++) {
      const user = USERS[k % USERS.length]!;
      abandoned.push({ id: (await call(user, CREATE, { t: `never sent ${k}` })).data.id, user, at: Date.now() });
      await pace(50);
    }
  };

  // Media: a file sent into a group that is then dismissed, and a media draft left unsent; each lap's bytes must go.
  const mediaDrafts: number[] = [];
  let mediaLaps = 0;
  const uploadFile = async (user: string, k: number): Promise<any> => {
    const form = new FormData();
    const query = 'mutation($file: Upload!) { createFileMessage(file: $file) { code desc data { id } } }';
    form.set('operations', JSON.stringify({ query, variables: { file: null } }));
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([new Uint8Array(Buffer.alloc(8 * 1024, k % 251))]), `soak-${k}.bin`);
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${sig(user)}` }, body: form });
    return Object.values(((await res.json()) as { data: Record<string, unknown> }).data)[0];
  };
  const media = async () => {
    for (let k = 0; running; k++) {
      const [owner, member] = [USERS[k % USERS.length]!, USERS[(k + 1) % USERS.length]!];
      const g = `soak-media-${k}`;
      await call(
        owner,
        'mutation($g: String!, $m: [V2TimGroupMemberInput!]) { createGroup(groupType: "Public", groupName: "media", groupID: $g, memberList: $m) { code } }',
        { g, m: [{ userID: member }] },
      );
      const file = await uploadFile(owner, k);
      if (file.code !== 0) failures.push(`createFileMessage: ${file.code} ${file.desc}`);
      else if ((await call(owner, SEND, { id: file.data.id, g })).code !== 0) failures.push('media send refused');
      const unsent = await uploadFile(member, k);
      if (unsent.code === 0) mediaDrafts.push(Date.now());
      const dismissed = await call(owner, 'mutation($g: String!) { dismissGroup(groupID: $g) { code desc } }', { g });
      if (dismissed.code !== 0) failures.push(`dismissGroup: ${dismissed.code} ${dismissed.desc}`);
      mediaLaps++;
      await pace(200);
    }
  };

  const churn = async () => {
    while (running) {
      await pace(1000);
      for (let i = 0; i < 3 && running; i++) {
        const user = USERS[Math.floor(Math.random() * USERS.length)]!;
        clients.get(user)?.dispose();
        subscribe(user);
        churned++;
      }
    }
  };

  const samples: { t: number; m: Memory }[] = [];
  const started = Date.now();
  for (const u of PAUSED) openPaused(u);
  flood();
  const load = [0, 1, 2, 3]
    .map((lane) => loop(`sender ${lane}`, () => sender(lane)))
    .concat(
      loop('drafter', drafter),
      loop('media', media),
      loop('churn', churn),
      loop('big sender', bigSender),
      loop('big sender', bigSender),
    );
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  while (Date.now() - started < seconds * 1000) {
    await pace(Math.min(5000, seconds * 100));
    const m = await memory();
    samples.push({ t: (Date.now() - started) / 1000, m });
    console.log(
      `t=${samples.at(-1)!.t.toFixed(0)}s rss=${mb(m.rss)} heap=${mb(m.heapUsed)} streams=${m.streams} sent=${sent} churned=${churned} maxBuffered=${mb(m.maxBuffered)} pausedClosed=${pausedClosed} flood=${floodSent}`,
    );
    if (m.maxBuffered > PAUSED_SOCKET_BOUND) failures.push(`a socket pinned ${mb(m.maxBuffered)} of unsent output`);
  }
  running = false;
  await Promise.all(load);

  // Drafts: the ones older than TTL + a reclaim pass (+2 s slack) are gone from the table and refused by id.
  await pace((RECLAIM_EVERY + 1) * 1000);
  const db = new Database(dbFile, { readonly: true });
  const stale = abandoned.filter((d) => Date.now() - d.at > (DRAFT_TTL + RECLAIM_EVERY + 2) * 1000);
  const left = db
    .prepare('SELECT count(*) FROM drafts WHERE expires_at <= ?')
    .pluck()
    .get(Math.floor(Date.now() / 1000) - RECLAIM_EVERY - 2) as number;
  db.close();
  for (const d of stale.slice(-5)) {
    const r = await call(d.user, SEND, { id: d.id, r: 'soak0' === d.user ? 'soak1' : 'soak0' });
    if (r.code !== 6017) failures.push(`an expired draft sent with code ${r.code}`);
  }
  if (left > 0) failures.push(`${left} expired drafts are still stored`);
  // Every dismissed group's file is gone; only media drafts too young to have been reclaimed may remain.
  const mediaDir = join(dir, 'media');
  const blobsLeft = existsSync(mediaDir) ? readdirSync(mediaDir).filter((n) => n !== '.partial').length : 0;
  const young = mediaDrafts.filter((at) => Date.now() - at <= (DRAFT_TTL + RECLAIM_EVERY + 2) * 1000).length;
  if (blobsLeft > young)
    failures.push(`${blobsLeft} media files are left, more than the ${young} drafts not reclaimed yet`);
  const quiet = USERS.filter((u) => received.get(u) === 0);
  if (quiet.length > 0) failures.push(`subscribers that received nothing: ${quiet.join(', ')}`);

  // Memory: from the end of the warm-up to the end, after GC.
  const base = samples.find((s) => s.t >= warmup) ?? samples[0]!;
  const end = samples.at(-1)!;
  const heapGrowth = end.m.heapUsed - base.m.heapUsed;
  const rssGrowth = end.m.rss - base.m.rss;
  console.log(
    `\nsoak: ${seconds}s, ${sent} messages sent, ${[...received.values()].reduce((a, b) => a + b, 0)} delivered, ${churned} subscriptions churned, ${abandoned.length} drafts abandoned (${stale.length} past expiry, ${left} still stored)`,
  );
  console.log(
    `media: ${mediaLaps} groups with a file dismissed, ${mediaDrafts.length} media drafts abandoned, ${blobsLeft} files left (${young} drafts too young to be reclaimed)`,
  );
  console.log(
    `paused sockets: ${PAUSED.length} × 20 subscriptions, ${pausedClosed} paused, read again and replaced (${resumedWithError} of them had fallen behind and found RESUBSCRIBE); flood: ${floodSent} queries pipelined unread`,
  );
  console.log(
    `heap after GC: ${mb(base.m.heapUsed)} at t=${base.t.toFixed(0)}s → ${mb(end.m.heapUsed)} at t=${end.t.toFixed(0)}s (growth ${mb(heapGrowth)}, bound ${mb(heapBound)})`,
  );
  console.log(`rss:           ${mb(base.m.rss)} → ${mb(end.m.rss)} (growth ${mb(rssGrowth)}, bound ${mb(rssBound)})`);
  if (heapGrowth > heapBound) failures.push(`heap grew by ${mb(heapGrowth)}`);
  if (rssGrowth > rssBound) failures.push(`rss grew by ${mb(rssGrowth)}`);

  for (const { dispose } of clients.values()) dispose();
  for (const raw of paused.values()) raw.ws.terminate();
  child.send({ cmd: 'stop' });
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  if (failures.length > 0) {
    console.error(`FAILED:\n  ${[...new Set(failures)].slice(0, 20).join('\n  ')}`);
    process.exit(1);
  }
  console.log('ok');
}

// Fault injection (architecture.md "every part can fail"): two gateway processes whose PostgreSQL or Redis is
// reached through a TCP proxy the test starts, cut while clients send. The processes live, requests during the
// outage answer STORAGE_UNAVAILABLE (9520, retryable), /ready says so, the gateways recover by themselves, and
// every acknowledged message is stored once. Runs when DATABASE_URL is postgres://… and REDIS_URL is set.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Code } from '../src/codes';
import { until as waitUntil, userSig } from './helpers/app';
import { CREATE_GROUP, CREATE_TEXT, GROUP_HISTORY, ON_MESSAGE, SEND } from './helpers/ops';
import { PG_URL, REDIS_URL, SKIP_MESSAGE, freshPrefix, freshSchema } from './helpers/pg';
import { pgBlobCount } from '../src/media/pg-store';
import { tcpProxy, type TcpProxy } from './helpers/proxy';
import { spawnGateway, type SpawnedGateway } from './helpers/spawn';
import { RawClient, until } from './helpers/raw-ws';

const enabled = PG_URL !== undefined && REDIS_URL !== undefined;
if (!enabled) console.log(SKIP_MESSAGE);
const suite = enabled ? describe : describe.skip;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Answer = { envelope?: any; errors?: any[]; transport?: string };

/** One request; a refused connection or a dead process is an answer too (`transport`), not a throw. */
async function post(
  gw: SpawnedGateway,
  user: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Answer> {
  try {
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${userSig(user, 3600)}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, any>; errors?: any[] };
    if (body.errors) return { errors: body.errors };
    return { envelope: Object.values(body.data!)[0] };
  } catch (e) {
    return { transport: String(e) };
  }
}

const isUnavailable = (a: Answer) =>
  a.envelope?.code === Code.STORAGE_UNAVAILABLE || a.errors?.[0]?.extensions?.imCode === Code.STORAGE_UNAVAILABLE;

async function ready(gw: SpawnedGateway): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${gw.port}/ready`)).status;
  } catch {
    return 0;
  }
}

/** Two gateway processes on a fresh schema and prefix, through `pg` and/or `redis` proxies when given. */
async function cluster(proxies: { pg?: TcpProxy; redis?: TcpProxy }): Promise<SpawnedGateway[]> {
  const schema = await freshSchema();
  cleanup.push(() => schema.drop());
  const prefix = freshPrefix();
  cleanup.push(() => prefix.drop());
  const env = {
    DATABASE_URL: proxies.pg ? proxies.pg.via(schema.url) : schema.url,
    REDIS_URL: proxies.redis ? proxies.redis.via(REDIS_URL!) : REDIS_URL!,
    IM_REDIS_PREFIX: prefix.prefix,
    IM_GROUP_SEND_RATE: '100000',
    IM_REDIS_HEARTBEAT_MS: '200',
  };
  const gws = await Promise.all([0, 1].map(() => spawnGateway(env)));
  for (const gw of gws) cleanup.push(() => gw.kill('SIGKILL'));
  return gws;
}

/**
 * Clients that send `count` group messages each, as an app does: a create or send answered STORAGE_UNAVAILABLE is
 * retried (the send with the same id); anything else that is not code 0 is recorded as unexpected.
 */
function senders(lanes: { gw: SpawnedGateway; from: string }[], groupID: string, count: number) {
  const acked: string[] = [];
  const unexpected: Answer[] = [];
  let unavailable = 0;
  const deadline = Date.now() + 90_000;
  const attempt = async (gw: SpawnedGateway, from: string, query: string, variables: Record<string, unknown>) => {
    for (;;) {
      if (Date.now() > deadline)
        throw new Error(`gave up retrying; unexpected: ${JSON.stringify(unexpected.slice(0, 3))}`);
      const a = await post(gw, from, query, variables);
      if (a.envelope?.code === 0) return a.envelope;
      if (isUnavailable(a)) unavailable++;
      else unexpected.push(a);
      await sleep(50);
    }
  };
  const done = Promise.all(
    lanes.map(async ({ gw, from }, lane) => {
      for (let k = 0; k < count; k++) {
        const text = `${from}/${lane}/${k}`;
        const created = await attempt(gw, from, CREATE_TEXT, { text });
        await attempt(gw, from, SEND, { id: created.data.id, groupID });
        acked.push(text);
      }
    }),
  );
  return { acked, unexpected, unavailable: () => unavailable, done };
}

async function history(gw: SpawnedGateway, user: string, groupID: string): Promise<string[]> {
  const all: string[] = [];
  for (let lastMsgID: string | undefined, i = 0; i < 100; i++) {
    const a = await post(gw, user, GROUP_HISTORY, { groupID, count: 100, lastMsgID });
    expect(a.envelope?.code).toBe(0);
    const page = a.envelope.data as any[];
    all.push(...page.map((m) => m.textElem.text));
    if (page.length < 100) break;
    lastMsgID = page.at(-1).msgID;
  }
  return all;
}

/** Everything a subscriber resuming from `cursor` is replayed, until `n` events (bounded). */
async function replay(gw: SpawnedGateway, user: string, cursor: string, n: number): Promise<string[]> {
  const client = await RawClient.open(gw.port, user);
  cleanup.push(() => client.dispose());
  client.subscribe('r', ON_MESSAGE, { afterCursor: cursor });
  const events = () => client.framesOf('r').filter((f) => f.type === 'next');
  await client.until(() => events().length >= n, `${n} replayed events`, 30_000);
  return events().map((f) => f.payload.data.onRecvNewMessage.textElem.text);
}

async function setUp(gw: SpawnedGateway) {
  const created = await post(gw, 'alice', CREATE_GROUP, {
    groupType: 'Work',
    groupName: 'room',
    groupID: 'room',
    memberList: [{ userID: 'bob' }, { userID: 'carol' }],
  });
  expect(created.envelope?.code).toBe(0);
  const c = await post(gw, 'alice', CREATE_TEXT, { text: 'origin' });
  const origin = await post(gw, 'alice', SEND, { id: c.envelope.data.id, groupID: 'room' });
  expect(origin.envelope?.code).toBe(0);
  return origin.envelope.data.cursor as string;
}

suite('fault injection: PostgreSQL and Redis cut under load, two gateway processes', () => {
  it('when PostgreSQL connections are reset while sends run, then both processes live, answer 9520 and /ready 503 meanwhile, recover by themselves, and store every acknowledged message once', async () => {
    const pg = await tcpProxy(Number(new URL(PG_URL!).port || 5432));
    cleanup.push(() => pg.close());
    const [a, b] = await cluster({ pg });
    const start = await setUp(a!);
    const run = senders(
      [
        { gw: a!, from: 'alice' },
        { gw: a!, from: 'bob' },
        { gw: b!, from: 'carol' },
        { gw: b!, from: 'alice' },
      ],
      'room',
      25,
    );

    await until(() => run.acked.length >= 10, '10 acknowledged sends before the cut', 30_000);
    pg.cut();
    // During the outage: requests are answered with the retryable code, and both processes say they are not ready.
    await until(() => run.unavailable() >= 4, 'answers with STORAGE_UNAVAILABLE during the cut', 20_000);
    const during = [await ready(a!), await ready(b!)];
    expect(during).toEqual([503, 503]);
    pg.restore();
    await run.done;

    expect([a!.child.exitCode, b!.child.exitCode]).toEqual([null, null]);
    expect(run.unexpected).toEqual([]);
    expect(run.acked).toHaveLength(100);
    expect([await ready(a!), await ready(b!)]).toEqual([200, 200]);
    // Every acknowledged message once, in storage and in a replay from before the cut.
    const stored = await history(b!, 'bob', 'room');
    expect(stored.filter((t) => t !== 'origin').sort()).toEqual([...run.acked].sort());
    expect((await replay(a!, 'carol', start, 100)).sort()).toEqual([...run.acked].sort());
  }, 120_000);

  it('when Redis connections are reset while sends run, then both processes live, sends still succeed, and a subscriber resuming from its cursor on the other process gets every message once', async () => {
    const redis = await tcpProxy(Number(new URL(REDIS_URL!).port || 6379));
    cleanup.push(() => redis.close());
    const [a, b] = await cluster({ redis });
    const start = await setUp(a!);
    const run = senders(
      [
        { gw: a!, from: 'alice' },
        { gw: a!, from: 'carol' },
      ],
      'room',
      20,
    );

    await until(() => run.acked.length >= 5, '5 acknowledged sends before the cut', 30_000);
    redis.cut();
    const before = run.acked.length;
    await until(() => run.acked.length >= before + 5, 'sends acknowledged while Redis is cut', 30_000);
    redis.restore();
    await run.done;

    expect([a!.child.exitCode, b!.child.exitCode]).toEqual([null, null]);
    expect(run.unexpected).toEqual([]);
    expect(run.acked).toHaveLength(40);
    expect((await replay(b!, 'bob', start, 40)).sort()).toEqual([...run.acked].sort());
  }, 120_000);
});

(PG_URL ? describe : describe.skip)('fault injection: PostgreSQL cut while an upload is read', () => {
  it("when PostgreSQL goes away between an upload's file and its refusal, then the refusal is answered, the process lives, and it serves again once PostgreSQL is back", async () => {
    const pg = await tcpProxy(Number(new URL(PG_URL!).port || 5432));
    cleanup.push(() => pg.close());
    const schema = await freshSchema();
    cleanup.push(() => schema.drop());
    // Media in PostgreSQL (the default with a postgres:// DATABASE_URL), through the proxy.
    const gw = await spawnGateway({ DATABASE_URL: pg.via(schema.url) });
    cleanup.push(() => gw.kill('SIGKILL'));
    expect((await post(gw, 'alice', '{ getLoginUser { code } }')).envelope?.code).toBe(0);

    const boundary = 'fault-boundary';
    const operations = JSON.stringify({
      query: 'mutation($file: Upload!) { createFileMessage(file: $file) { code } }',
      variables: { file: null },
    });
    const part = (head: string) => `--${boundary}\r\nContent-Disposition: form-data; ${head}\r\n\r\n`;
    const req = request(gw.url, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        authorization: `Bearer ${userSig('alice', 3600)}`,
      },
    });
    const answered = new Promise<{ status: number; body: string } | string>((resolve) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', (e) => resolve(`no answer: ${e.message}`));
    });
    req.write(
      part('name="operations"') +
        `${operations}\r\n` +
        part('name="map"') +
        '{"0":["variables.file"]}\r\n' +
        part('name="0"; filename="notes.txt"') +
        'notes\r\n',
    );
    // The file is stored (its part ended at the next boundary) before PostgreSQL goes away.
    const stray = part('name="1"; filename="stray.txt"');
    const cutAt = stray.indexOf('\r\n') + 2; // the boundary line, which ends the file's part
    req.write(stray.slice(0, cutAt));
    await waitUntil(async () => (await pgBlobCount(PG_URL!, schema.schema)) === 1, 'the file stored', 10_000);
    pg.cut();
    // A second file that map does not name: the request is refused, and its stored file is to be deleted, which
    // cannot be done now. That delete's failure once ended the process (an unhandled rejection).
    req.end(stray.slice(cutAt) + 'x\r\n' + `--${boundary}--\r\n`);
    const answer = await answered;
    expect(typeof answer === 'string' ? answer : answer.status).toBe(400);
    await sleep(300); // the delete has failed by now
    expect(gw.child.exitCode, gw.output()).toBeNull();
    pg.restore();
    await waitUntil(
      async () => (await post(gw, 'alice', '{ getLoginUser { code } }')).envelope?.code === 0,
      'a request served again after the restore',
      20_000,
    );
  }, 60_000);
});

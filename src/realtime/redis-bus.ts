// The Redis bus (REDIS_URL): the same wake-ups as the in-process bus, carried between gateway processes by Redis
// pub/sub on one channel as JSON. Plain ioredis rather than @graphql-yoga/redis-event-target: that target only
// delivers through Redis (a local send would wait for the round trip and stop when Redis does) and publishes
// fire-and-forget with no way to notice a lost message. Here an event reaches this process's router directly,
// before publish() resolves, exactly once (our own echo from Redis is dropped), and other processes soon after.
//
// Storage is the source of truth, the bus only says "look", so a lost wake-up may cost a delay, never a message.
// Every envelope carries its publisher's id and a per-publisher number, and each publisher sends a heartbeat
// with its current number. A receiver reports a gap when a number skips (a publish that failed, a message dropped
// while its subscriber was reconnecting), when its own subscriber reconnects, and when a publisher falls silent
// without saying goodbye (a process killed between storing a message and publishing it). The app then ends every
// local stream (router.resetAll), as for a stream that overflows: clients resubscribe with their cursor and the
// missed messages are replayed from the database.
//
// Commit order. Sends commit in any order and two processes publish on two connections, so here 11 can arrive
// before 10. A client that got 11, then disconnected before 10 arrived, would resume after 11's cursor and never
// see 10. So stored message events are handed to the router in order_no order: one that arrives past a hole is
// preceded by the holes' messages read from storage (storage.between waits until nothing below the event's order
// is still in flight, src/db/pg/order.ts), and the late original is dropped when it comes.
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { audienceOf, type MessageRow } from '../db/store';
import type { Logger } from '../log';
import type { Bus, RealtimeEvent } from './bus';

interface Envelope {
  /** The publishing bus. */
  from: string;
  /** Its count of events published so far (a heartbeat repeats the last one). */
  n: number;
  event?: RealtimeEvent;
  /** A clean shutdown: stop expecting heartbeats from it. */
  bye?: true;
}

export interface RedisBusOptions {
  /** Names the channel (`<prefix>:events`): the processes of one deployment share it. Default `im`. */
  prefix?: string;
  /** How often a publisher says where it is; a lost event is noticed within about three of these. Default 5 s. */
  heartbeatMs?: number;
  /** Where stored messages are read back to deliver them in commit order (the store's messages). */
  storage?: {
    lastOrder(): Promise<number>;
    between(afterOrder: number, beforeOrder: number, limit: number): Promise<MessageRow[]>;
  };
  log?: Logger;
}

const FILL_PAGE = 500;

export interface RedisBus extends Bus {
  /** The command connection (also used by the shared rate limiter). */
  readonly commands: Redis;
  /** Resolves once the channel is subscribed: events published by other processes from then on arrive. */
  ready(): Promise<void>;
  /** Called when wake-ups from other processes may have been lost. */
  onGap(handler: (reason: string) => void): void;
}

export function createRedisBus(url: string, options: RedisBusOptions = {}): RedisBus {
  const channel = `${options.prefix ?? 'im'}:events`;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const log = options.log;
  const id = randomBytes(8).toString('base64url');
  // Fail a command after a few reconnect attempts instead of holding a send: a lost publish is a detected gap.
  // Auto-pipelining: the publishes and rate-limit checks of one event-loop turn leave in one write (a socket write
  // per command was a fifth of a PostgreSQL send's CPU, BENCHMARKS.md figure 8).
  const pub = new Redis(url, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  const sub = new Redis(url, { maxRetriesPerRequest: 3 });
  for (const [name, conn] of [
    ['publisher', pub],
    ['subscriber', sub],
  ] as const) {
    conn.on('error', (err: Error) => log?.warn({ err: err.message, connection: name }, 'redis bus connection error'));
  }

  let handler: (event: RealtimeEvent) => void = () => {};
  const gapHandlers: ((reason: string) => void)[] = [];
  let published = 0;
  const heard = new Map<string, { n: number; at: number }>();
  let closed = false;

  const gap = (reason: string) => {
    heard.clear();
    log?.warn(
      { reason },
      'redis bus: wake-ups may have been lost; ending local streams so clients resume from storage',
    );
    for (const h of gapHandlers) h(reason);
  };

  // Events are handed to the router one at a time, in arrival order, stored messages in order_no order.
  const storage = options.storage;
  let delivered: number | undefined; // the highest order handed to the router
  let queue: Promise<void> = storage
    ? storage.lastOrder().then(
        (n) => {
          delivered = n;
        },
        () => {},
      )
    : Promise.resolve();
  async function deliver(event: RealtimeEvent): Promise<void> {
    if (event.type !== 'message' || event.row.orderNo === 0 || !storage) return handler(event);
    const order = event.row.orderNo;
    if (delivered !== undefined && order <= delivered) return; // read from storage already
    if (delivered !== undefined && order > delivered + 1) {
      try {
        for (let from = delivered; ;) {
          const rows = await storage.between(from, order, FILL_PAGE);
          for (const row of rows) handler({ type: 'message', row, users: audienceOf(row) });
          if (rows.length < FILL_PAGE) break;
          from = rows[rows.length - 1]!.orderNo;
        }
      } catch (err) {
        log?.warn({ err: (err as Error).message }, 'redis bus: could not read the messages before an early event');
        gap('messages out of order could not be read from storage');
      }
    }
    delivered = order;
    handler(event);
  }
  const enqueue = (event: RealtimeEvent) => {
    const next = queue.then(() => deliver(event));
    queue = next.catch(() => {});
    return next;
  };

  sub.on('message', (ch: string, raw: string) => {
    if (ch !== channel) return;
    let env: Envelope;
    try {
      env = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if (env.from === id || typeof env.n !== 'number') return; // ours was delivered locally already
    const last = heard.get(env.from);
    if (last !== undefined && env.n > last.n + (env.event ? 1 : 0))
      gap(`missed events ${last.n + 1}..${env.n - (env.event ? 1 : 0)} from ${env.from}`);
    if (env.bye) heard.delete(env.from);
    else heard.set(env.from, { n: Math.max(env.n, last?.n ?? 0), at: Date.now() });
    if (env.event)
      enqueue(env.event).catch((err: unknown) => log?.error({ err }, 'redis bus: delivering an event failed'));
  });

  const subscribe = (): Promise<void> => sub.subscribe(channel).then(() => undefined);
  let subscribed = subscribe();
  subscribed.catch(() => {});
  let connectedOnce = false;
  sub.on('ready', () => {
    if (!connectedOnce) {
      connectedOnce = true;
      return;
    }
    // Reconnected: anything published while we were away is gone. Resubscribe first, then report, so streams
    // reopened by resuming clients already receive new wake-ups.
    subscribed = subscribe().then(() => {
      if (!closed) gap('redis subscriber reconnected');
    });
    subscribed.catch(() => {});
  });

  const send = (env: Envelope) => {
    pub.publish(channel, JSON.stringify(env)).catch((err: Error) => {
      if (!closed) log?.warn({ err: err.message }, 'redis bus: publish failed (other processes will notice the gap)');
    });
  };

  const beat = setInterval(() => {
    if (pub.status === 'ready') send({ from: id, n: published });
    // Silent for three beats and no goodbye: it may have stored messages it never announced.
    const silent = [...heard].filter(([, h]) => h.at < Date.now() - 3 * heartbeatMs).map(([from]) => from);
    if (silent.length > 0) gap(`no heartbeat from ${silent.join(', ')}`);
  }, heartbeatMs);
  beat.unref();

  return {
    commands: pub,
    ready: async () => {
      await subscribed;
      await queue;
    },
    onGap: (h) => {
      gapHandlers.push(h);
    },
    async publish(event) {
      send({ from: id, n: ++published, event });
      await enqueue(event);
    },
    subscribe: (h) => {
      handler = h;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(beat);
      // QUIT after the queued publishes (auto-pipelined ones too: QUIT itself is not), so a clean shutdown delivers
      // what was sent and its goodbye; give up after a second.
      const bye = pub
        .publish(channel, JSON.stringify({ from: id, n: published, bye: true } satisfies Envelope))
        .catch(() => {});
      await Promise.race([
        bye.then(() => Promise.allSettled([pub.quit(), sub.quit()])),
        new Promise((r) => setTimeout(r, 1000).unref()),
      ]);
      pub.disconnect();
      sub.disconnect();
    },
  };
}

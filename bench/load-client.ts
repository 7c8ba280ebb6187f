// Many graphql-transport-ws sockets in one process, as lean as the servers under test are not: plain TCP sockets
// with a minimal frame reader (bench/websocket-frames.ts) instead of a graphql-ws client, or even a `ws` socket, per
// subscriber. Each socket subscribes once, with id "1" (and, for figure 6's own load, to more events with ids "2",
// "3", …); a delivery is a `next` frame whose text (a message's or an edit's) or first reactionID is a tag, found by
// a byte search rather than a JSON parse so the client stays cheaper than what it measures.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { clientFrame, FrameReader, Opcode, upgradeRequest } from './websocket-frames';

export interface SubscriberSpec {
  userId: string;
  connectionParams: Record<string, unknown>;
  query: string;
  variables?: Record<string, unknown>;
  /** More subscriptions on the same socket (ids "2", "3", …), e.g. onRecvMessageModified. */
  more?: string[];
}

/** Called for each delivered message tag, with the receive time (performance.now(), ms). */
export type DeliveryHandler = (userId: string, tag: string, atMs: number) => void;

const TEXT_KEY = Buffer.from('"text":"');
const REACTION_KEY = Buffer.from('"reactionID":"');
const QUOTE = 0x22;
const HEADERS_END = Buffer.from('\r\n\r\n');

export class LoadClient {
  private readonly sockets = new Set<Socket>();
  private closing = false;
  /** Frames and closes that are neither a delivery nor the handshake: errors, completes, unexpected closes. */
  readonly problems: string[] = [];

  constructor(private readonly onDelivery: DeliveryHandler) {}

  get size(): number {
    return this.sockets.size;
  }

  /** Opens one subscribed socket per spec, `concurrency` handshakes at a time; resolves once all are subscribed. */
  async open(port: number, specs: readonly SubscriberSpec[], concurrency = 200): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < specs.length) await this.openOne(port, specs[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  }

  private openOne(port: number, spec: SubscriberSpec): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      let upgraded = false;
      let subscribed = false;
      let head = Buffer.alloc(0);
      const fail = (why: string) => {
        this.problems.push(`${spec.userId}: ${why}`);
        if (!subscribed) {
          reject(new Error(`${spec.userId}: ${why}`));
          socket.destroy();
        }
      };
      const send = (opcode: number, payload: Buffer | string) => socket.write(clientFrame(opcode, payload));
      const reader = new FrameReader((opcode, buf, start, end) => {
        if (opcode === Opcode.TEXT) {
          const i = buf.indexOf(TEXT_KEY, start);
          if (i >= 0 && i < end) {
            const from = i + TEXT_KEY.length;
            this.onDelivery(spec.userId, buf.toString('latin1', from, buf.indexOf(QUOTE, from)), performance.now());
            return;
          }
          const r = spec.more ? buf.indexOf(REACTION_KEY, start) : -1;
          if (r >= 0 && r < end) {
            const from = r + REACTION_KEY.length;
            this.onDelivery(spec.userId, buf.toString('latin1', from, buf.indexOf(QUOTE, from)), performance.now());
            return;
          }
          const text = buf.toString('utf8', start, end);
          const msg = JSON.parse(text) as { type: string };
          if (msg.type === 'connection_ack') {
            send(
              Opcode.TEXT,
              JSON.stringify({
                id: '1',
                type: 'subscribe',
                payload: { query: spec.query, variables: spec.variables ?? {} },
              }),
            );
            (spec.more ?? []).forEach((query, k) =>
              send(Opcode.TEXT, JSON.stringify({ id: String(k + 2), type: 'subscribe', payload: { query } })),
            );
            subscribed = true;
            this.sockets.add(socket);
            resolve();
          } else if (msg.type === 'ping') {
            send(Opcode.TEXT, '{"type":"pong"}');
          } else if (msg.type !== 'pong') {
            fail(`unexpected ${text.slice(0, 300)}`);
          }
        } else if (opcode === Opcode.PING) {
          send(Opcode.PONG, buf.subarray(start, end));
        } else if (opcode === Opcode.CLOSE) {
          fail(
            `closed by server ${end - start >= 2 ? buf.readUInt16BE(start) : ''} ${buf.toString('utf8', start + 2, end)}`,
          );
          socket.destroy();
        }
      });
      socket.on('connect', () => socket.write(upgradeRequest('127.0.0.1', port, '/graphql', 'graphql-transport-ws')));
      socket.on('data', (chunk: Buffer) => {
        if (upgraded) return reader.push(chunk);
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEADERS_END);
        if (end < 0) return;
        const status = head.toString('latin1', 0, head.indexOf('\r\n'));
        if (!/^HTTP\/1\.1 101 /.test(status)) return fail(`upgrade refused: ${status}`);
        upgraded = true;
        send(Opcode.TEXT, JSON.stringify({ type: 'connection_init', payload: spec.connectionParams }));
        if (head.length > end + 4) reader.push(head.subarray(end + 4));
      });
      socket.on('error', (e) => fail(`socket error ${e.message}`));
      socket.on('close', () => {
        this.sockets.delete(socket);
        if (!this.closing) fail('closed');
      });
    });
  }

  /** Closes every socket and waits for the closes (servers see their subscriptions end). */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.sockets];
    await Promise.all(
      all.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.destroyed) return resolve();
            s.once('close', () => resolve());
            s.destroy();
          }),
      ),
    );
    this.sockets.clear();
  }
}

// A graphql-transport-ws client on a bare `ws` socket, for tests that misbehave on purpose: stop reading, pipeline
// operations, send frames the protocol does not allow. Every frame received is kept in order.
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { until as waitUntil, userSig } from './app';

export interface Frame {
  id?: string;
  type: string;
  payload?: any;
}

export class RawClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly closing: Promise<void>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(String(data)) as Frame));
    this.closing = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closed = { code, reason: String(reason) };
        resolve();
      }),
    );
    ws.on('error', () => {});
  }

  /** A socket that has opened, not yet initialised. */
  static async connect(port: number): Promise<RawClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** Connected and acknowledged as `user`. */
  static async open(port: number, user: string): Promise<RawClient> {
    const client = await RawClient.connect(port);
    client.send({ type: 'connection_init', payload: { userSig: userSig(user) } });
    await client.until(() => client.frames.some((f) => f.type === 'connection_ack'), 'connection_ack');
    return client;
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  subscribe(id: string, query: string, variables?: Record<string, unknown>): void {
    this.send({ id, type: 'subscribe', payload: { query, variables } });
  }

  /** Stops reading from the socket (the kernel buffers fill, then the server's output queues up). */
  pauseReading(): void {
    (this.ws as unknown as { _socket: Socket })._socket.pause();
  }
  resumeReading(): void {
    (this.ws as unknown as { _socket: Socket })._socket.resume();
  }

  framesOf(id: string): Frame[] {
    return this.frames.filter((f) => f.id === id);
  }

  /** Waits (bounded) until `done()`; `what` names it in the failure, with the frames and the close seen by then. */
  until(done: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    return waitUntil(
      done,
      () => `${what} (${this.frames.length} frames, closed: ${JSON.stringify(this.closed)})`,
      timeoutMs,
    );
  }

  whenClosed(): Promise<void> {
    return this.closing;
  }

  dispose(): void {
    this.ws.terminate();
  }
}

/** The wait helper with the longer deadline these socket tests need (a proxy or a process in between). */
export const until = (done: () => boolean, what: string, timeoutMs = 15_000): Promise<void> =>
  waitUntil(done, what, timeoutMs);

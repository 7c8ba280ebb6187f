// graphql-ws over ws, in place of graphql-ws's own use/ws.ts, with the connection-level bounds a public gateway needs
// (SECURITY.md §5). Three things differ from use/ws.ts:
// - Backpressure. A socket whose unsent output is over `maxBufferedBytes` is not read further: the frames ws has
//   already parsed are held (at most one read's worth) and the TCP socket is paused until its output drains, so a
//   client that pipelines operations and never reads stops costing CPU, and what it can pin stays bounded. An
//   operation's send resolves once the output is back under the bound, not once the bytes left the process (which
//   for a client that never reads is never), so graphql-ws does not keep a promise chain per frame either.
// - Expected ends are quiet. A send to a socket that is closing is dropped, not rejected, so a socket torn down
//   with 20 operations in flight logs nothing (use/ws.ts logs a stack trace for each and closes with 4500).
// - Admission. Sockets that have not sent their first message (connection_init) are capped in number; binary
//   frames are refused (graphql-transport-ws is text, and ws validates UTF-8 only in text frames).
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { CloseCode, handleProtocols, makeServer, MessageType, type ServerOptions } from 'graphql-ws';
import { WebSocket, type RawData, type WebSocketServer } from 'ws';
import type { Logger } from './log';

export interface TransportLimits {
  /** Unsent bytes queued on a socket above which it is not read, and live events are cut off (the subscription
   *  ends with the resumable error). IM_WS_MAX_BUFFERED_BYTES, default 256 KiB. */
  maxBufferedBytes: number;
  /** Sockets connected that have not yet sent connection_init; more are closed with 1013. IM_MAX_PENDING_INIT. */
  maxPendingInit: number;
}

/** Close codes of the transport (standard WebSocket codes: RFC 6455 §7.4.1). */
export const CloseCodes = {
  /** A binary frame: graphql-transport-ws messages are UTF-8 text. */
  BINARY_FRAME: 1003,
  /** Too many sockets awaiting connection_init: try again later. */
  PENDING_INIT_FULL: 1013,
} as const;

export type SocketExtra = { socket: WebSocket; request: IncomingMessage };

/** Per connection: the held frames and who waits for its output to drain. */
class Connection {
  private held: string[] = [];
  private waiting: (() => void)[] = [];
  private draining = false;
  /** Not yet sent its first message (connection_init). */
  pendingInit = true;

  constructor(
    private readonly socket: WebSocket,
    private readonly raw: Socket,
    private readonly maxBuffered: number,
    private readonly handle: (data: string) => void,
  ) {
    raw.on('drain', () => this.drained());
  }

  get over(): boolean {
    return this.socket.bufferedAmount > this.maxBuffered;
  }

  receive(data: string): void {
    if (this.held.length === 0 && !this.over) return this.handle(data);
    this.held.push(data);
    this.socket.pause();
  }

  /** Resolves when the output is under the bound again (or the socket closed). */
  send(data: string): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) return Promise.resolve();
    this.socket.send(data);
    if (!this.over) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private drained(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      const waiting = this.waiting;
      this.waiting = [];
      for (const resolve of waiting) resolve();
      // Held frames go in order; one may fill the output again, and the rest wait for the next drain.
      while (this.held.length > 0 && !this.over && this.socket.readyState === WebSocket.OPEN)
        this.handle(this.held.shift()!);
      if (this.held.length === 0 && this.socket.isPaused) this.socket.resume();
    } finally {
      this.draining = false;
    }
  }

  closed(): void {
    this.held = [];
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

/** Frame types only a server sends; graphql-ws throws when a client sends one. */
const SERVER_ONLY = new Set<string>([MessageType.ConnectionAck, MessageType.Next, MessageType.Error]);

/** The type of a frame of a server-only type, else undefined (not JSON, another type). */
function serverOnlyType(data: string): string | undefined {
  try {
    const type = (JSON.parse(data) as { type?: unknown } | null)?.type;
    return typeof type === 'string' && SERVER_ONLY.has(type) ? type : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves graphql-ws `options` on `wss` (the same options as graphql-ws's useServer; no keep-alive here: ws.ts sweeps
 * all sockets with one timer). `dispose` closes every socket with 1001 and stops serving.
 */
export function serveGraphQLWs<P extends Record<string, unknown> | undefined, E extends Record<PropertyKey, unknown>>(
  options: ServerOptions<P, E & SocketExtra>,
  wss: WebSocketServer,
  limits: TransportLimits,
  log: Logger,
) {
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;
  let pendingInit = 0;
  // ws re-emits the HTTP server's own errors (a port in use) here; start() already reports them, in one line.
  wss.on('error', (err) => log.debug({ err: err.message }, 'WebSocket server error'));
  wss.on('connection', (socket, request) => {
    // A socket error (a reset, an invalid frame) ends the socket; ws closes it itself, nothing to add but a note.
    socket.on('error', (err) => log.debug({ err: err.message }, 'WebSocket socket error'));
    if (pendingInit >= limits.maxPendingInit) {
      log.info({ pendingInit }, 'graphql-ws connection refused: too many sockets awaiting connection_init');
      return socket.close(
        CloseCodes.PENDING_INIT_FULL,
        `Too many connections awaiting connection_init (at most ${limits.maxPendingInit}); try again later.`,
      );
    }
    pendingInit++;
    let onMessage: ((data: string) => Promise<void>) | undefined;
    const handle = (data: string) => {
      onMessage?.(data).catch((err: unknown) => {
        // graphql-ws throws for a well-formed frame of a type only a server sends (next, error, connection_ack):
        // the client's mistake, closed as a bad request, not logged as the server's (a client could flood the log).
        // Told by the frame itself, read again only on this path, not by the library's wording.
        const type = serverOnlyType(data);
        if (type !== undefined) {
          log.debug({ type }, 'graphql-ws socket closed: a frame of a server-only type');
          return socket.close(CloseCode.BadRequest, `Unexpected message of type ${type} received`);
        }
        // An unexpected failure of the server itself: logged once, the socket closed like use/ws.ts does.
        log.error({ err }, 'graphql-ws message handling failed');
        socket.close(4500, 'Internal server error');
      });
    };
    const connection = new Connection(
      socket,
      (socket as unknown as { _socket: Socket })._socket,
      limits.maxBufferedBytes,
      handle,
    );
    const leavePendingInit = () => {
      if (!connection.pendingInit) return;
      connection.pendingInit = false;
      pendingInit--;
    };
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => connection.send(data),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) => {
          onMessage = cb;
        },
      },
      { socket, request } as E & SocketExtra,
    );
    socket.on('message', (data: RawData, isBinary: boolean) => {
      leavePendingInit();
      if (isBinary)
        return socket.close(
          CloseCodes.BINARY_FRAME,
          'Binary frames are not accepted: send graphql-transport-ws messages as UTF-8 text.',
        );
      // A text frame's bytes are valid UTF-8 (ws closes with 1007 otherwise), so this decoding changes nothing.
      connection.receive(String(data));
    });
    socket.once('close', (code, reason) => {
      leavePendingInit();
      connection.closed();
      // Its subscriptions' return() and onClose run here, outside any request: a throw must not end the process.
      closed(code, String(reason)).catch((err: unknown) => log.error({ err }, 'graphql-ws close handling failed'));
    });
  });
  return {
    /** Sockets connected that have not sent connection_init yet. */
    pendingInit: () => pendingInit,
    async dispose(): Promise<void> {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners('connection');
    },
  };
}

/**
 * Operations a connection may start per second: a bucket of `rate` tokens refilled continuously, so a burst of up
 * to `rate` is fine and a steady flood is held to `rate`. Two numbers per connection.
 */
export class OperationRate {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    now = Date.now(),
  ) {
    this.tokens = rate;
    this.at = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.at) * this.rate) / 1000);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

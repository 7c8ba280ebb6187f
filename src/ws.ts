// graphql-ws on the same /graphql path, wired through yoga.getEnveloped so WebSocket operations share the HTTP
// context factory and plugin pipeline (auth, limits, logging). The UserSig is checked at connection_init: a missing
// or bad one closes the socket with 4403, an expired one with 4001; a connection ends at its UserSig's expiry
// (4001) unless the `login` mutation renewed it first (src/auth/session.ts). The socket-level bounds (backpressure,
// the cap on sockets awaiting connection_init, binary frames) live in ws-transport.ts, which replaces graphql-ws's use/ws.
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Config } from './config';
import { authenticateConnectionParams, type Authentication } from './auth/viewer';
import {
  closeReason,
  createExpirySweep,
  createLoginSession,
  EXPIRED_REASON,
  USERSIG_EXPIRED_CLOSE,
  USERSIG_INVALID_CLOSE,
  type LoginSession,
} from './auth/session';
import { Code } from './codes';
import type { GraphQLContext } from './schema/context';
import type { Logger } from './log';
import type { DirectSink } from './realtime/shared-execution';
import { OperationRate, serveGraphQLWs } from './ws-transport';
import { Connections } from './connections';

export interface WsOptions {
  /** Seconds a client has to send connection_init before the socket is closed (4408). */
  connectionInitWaitTimeoutMs?: number;
  /** The user's open connections, shared with SSE streams (defaults to this server's own count). */
  connections?: Connections;
}

type Extra = {
  auth?: Authentication;
  login?: LoginSession;
  counted?: string;
  session?: Promise<Session>;
  rate?: OperationRate;
} & Record<PropertyKey, unknown>;

type Enveloped = ReturnType<YogaServerInstance<Record<string, unknown>, GraphQLContext>['getEnveloped']>;

/** What a connection's operations share: the viewer is the connection's, so one pipeline and one context serve all. */
interface Session {
  enveloped: Enveloped;
  context: GraphQLContext;
}

/** Writes an operation's `next` frames straight to its socket (shared-execution.ts); a class, so no closures each. */
class SocketSink implements DirectSink {
  constructor(
    readonly id: string,
    private readonly socket: WebSocket,
    private readonly maxBuffered: number,
  ) {}
  send(frame: Buffer): void {
    this.socket.send(frame, { binary: false });
  }
  behind(share = 1): boolean {
    return this.socket.bufferedAmount > this.maxBuffered * share;
  }
}

/**
 * Close code for a user over IM_MAX_CONNECTIONS_PER_USER. Not 4429: graphql-ws closes with 4429 for a second
 * connection_init, and a client must tell "wait for one of yours to close" from "your client has a bug".
 */
export const TOO_MANY_CONNECTIONS = 4430;

/** How often idle sockets are pinged; one that has not answered the previous ping by then is terminated. */
const KEEP_ALIVE_MS = 12_000;

/**
 * One timer for all sockets instead of graphql-ws's interval and pong timeout per socket: idle subscriptions are
 * the gateway's largest population, and per-socket timers and closures were a good part of their memory.
 */
export function keepAlive(wss: WebSocketServer, intervalMs: number): () => void {
  const answered = new WeakSet<WebSocket>();
  wss.on('connection', (socket) => {
    answered.add(socket);
    socket.on('pong', markAnswered);
  });
  function markAnswered(this: WebSocket) {
    answered.add(this);
  }
  const sweep = setInterval(() => {
    for (const socket of wss.clients) {
      if (!answered.has(socket)) {
        socket.terminate();
        continue;
      }
      answered.delete(socket);
      socket.ping();
    }
  }, intervalMs);
  sweep.unref();
  return () => clearInterval(sweep);
}

export function attachWebSocket(
  server: Server,
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>,
  config: Config,
  log: Logger,
  options: WsOptions = {},
) {
  const { limits } = config;
  // maxPayload: a message over the body limit closes the socket with 1009 before it is buffered whole.
  const origins = config.corsOrigins.includes('*') ? null : new Set(config.corsOrigins);
  const wss = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: limits.maxBodyBytes,
    // IM_CORS_ORIGINS for browsers' upgrades too (clients outside a browser send no Origin).
    verifyClient: origins
      ? (info, done) => (!info.origin || origins.has(info.origin) ? done(true) : done(false, 403, 'Origin not allowed'))
      : undefined,
  });
  const connections = options.connections ?? new Connections(limits.maxConnectionsPerUser); // acknowledged sockets
  const stopKeepAlive = keepAlive(wss, KEEP_ALIVE_MS);
  const expiry = createExpirySweep((socket) => {
    log.info('graphql-ws connection closed: its UserSig expired');
    socket.close(USERSIG_EXPIRED_CLOSE, EXPIRED_REASON);
  });
  const transport = serveGraphQLWs<Record<string, unknown> | undefined, Extra>(
    {
      connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs ?? limits.connectionInitTimeoutMs,
      onConnect: (ctx) => {
        const auth = authenticateConnectionParams(ctx.connectionParams, config);
        if (auth.viewer === null) {
          const { imCode, message } = auth.authFailure;
          log.info({ imCode }, 'graphql-ws connection refused');
          // Closed here with a code the client can act on; graphql-ws's 4403 that follows `false` is then a no-op.
          if (imCode === Code.USERSIG_EXPIRED) ctx.extra.socket.close(USERSIG_EXPIRED_CLOSE, EXPIRED_REASON);
          else ctx.extra.socket.close(USERSIG_INVALID_CLOSE, closeReason(imCode, message));
          return false;
        }
        if (!connections.take(auth.viewer)) {
          log.info({ userID: auth.viewer }, 'graphql-ws connection refused: too many for this user');
          // Closed here with its own code; graphql-ws's 4403 that follows `false` is then a no-op.
          ctx.extra.socket.close(TOO_MANY_CONNECTIONS, connections.refusal());
          return false;
        }
        (ctx.extra as Extra).auth = auth;
        (ctx.extra as Extra).login = createLoginSession(ctx.extra.socket, auth.viewer, auth.expiresAt, expiry);
        (ctx.extra as Extra).counted = auth.viewer;
        // Idle connections are the largest population: keep the verified viewer, not the UserSig or the upgrade
        // request (with all its headers), which nothing reads after this.
        (ctx as { connectionParams?: unknown }).connectionParams = undefined;
        (ctx.extra as { request?: unknown }).request = undefined;
        return true;
      },
      onClose: (ctx) => {
        expiry.untrack(ctx.extra.socket);
        const user = (ctx.extra as Extra).counted;
        if (user !== undefined) connections.release(user);
      },
      execute: (args) => (args.rootValue as { execute: Enveloped['execute'] }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: Enveloped['subscribe'] }).subscribe(args),
      onSubscribe: async (ctx, id, payload) => {
        // Checked before the first await, so a pipelined burst is counted as it arrives.
        if (!((ctx.extra as Extra).rate ??= new OperationRate(limits.maxOperationsPerSecond)).take()) {
          return [
            new GraphQLError(
              `Too many operations on this connection: at most ${limits.maxOperationsPerSecond} per second; retry later.`,
              { extensions: { code: 'RATE_LIMITED' } },
            ),
          ];
        }
        // graphql-ws has already registered this one, so the count includes it.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(
              `Too many operations on this connection: at most ${limits.maxSubscriptionsPerConnection}; complete one first.`,
              { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } },
            ),
          ];
        }
        const extra = ctx.extra as Extra & { socket: WebSocket };
        const { enveloped, context } = await (extra.session ??= openSession(extra.socket, extra.auth!, extra.login!));
        const { schema, execute, subscribe, parse, validate } = enveloped;
        // A syntax error (or the token limit) is the client's mistake: answer it on this operation, keep the socket.
        let document;
        try {
          document = parse(payload.query);
        } catch (e) {
          if (e instanceof GraphQLError) return [e];
          throw e;
        }
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: context,
          // Subscription events are written straight to the socket (shared-execution.ts), framed with this id.
          rootValue: { execute, subscribe, directSink: new SocketSink(id, extra.socket, limits.wsMaxBufferedBytes) },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
    { maxBufferedBytes: limits.wsMaxBufferedBytes, maxPendingInit: limits.maxPendingInit },
    log,
  );

  async function openSession(socket: WebSocket, wsAuth: Authentication, wsLogin: LoginSession): Promise<Session> {
    const enveloped = yoga.getEnveloped({ socket, wsAuth, wsLogin });
    return { enveloped, context: (await enveloped.contextFactory()) as unknown as GraphQLContext };
  }

  return {
    wss,
    /** Sockets connected that have not sent connection_init yet. */
    pendingInit: transport.pendingInit,
    async close() {
      stopKeepAlive();
      expiry.stop();
      await transport.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

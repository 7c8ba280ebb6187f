// createApp: everything the gateway is, with no side effects until start(). Tests create one per case, on port 0.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { createYoga, maskError } from 'graphql-yoga';
import type { Config } from './config';
import { StorageUnavailable, type Store } from './db/store';
import { openStore } from './db';
import { groupRules } from './resolvers/group-type';
import { createLocalBus, type Bus } from './realtime/bus';
import { createRedisBus } from './realtime/redis-bus';
import { createRouter } from './realtime/router';
import { createRateLimiter, createRedisRateLimiter } from './resolvers/rate-limit';
import { createCursorCodec } from './resolvers/cursor';
import type { Services } from './resolvers/context';
import { schema } from './schema';
import type { GraphQLContext } from './schema/context';
import { useAuth } from './auth/plugin';
import { authenticateHeader, type Authentication } from './auth/viewer';
import type { LoginSession } from './auth/session';
import { attachWebSocket } from './ws';
import { useSharedEventExecution } from './realtime/shared-execution';
import { limitBody, limitPlugins } from './limits';
import { useUtf8Body } from './utf8';
import { renderGraphiQL, seedTabs, serveGraphiQLAsset } from './graphiql';
import { serveDemo } from './demo';
import { useSingleConnectionSSE } from './sse';
import { Connections } from './connections';
import { createLogger, type Logger } from './log';
import { cleanupTolerant, openMediaBlobs } from './media/open';
import { sweepUnheldBlobs } from './media/sweep';
import type { MediaBlobs } from './media/store';
import { createMediaUrls } from './media/url';
import { serveMedia } from './media/download';
import { asJsonRequest, handleMultipart, isMultipart } from './media/upload';

export interface AppOptions {
  config: Config;
  /** Defaults to openStore(config.databaseUrl): SQLite, or PostgreSQL for a postgres:// URL. */
  store?: Store;
  /** Defaults to the Redis bus when config.redisUrl is set, else the in-process bus. */
  bus?: Bus;
  logger?: Logger;
  /** Seconds since the epoch; tests move it to cross expiry and revoke windows. */
  now?: () => number;
  /** Defaults to config.media.store: the disk under config.media.dir, or PostgreSQL (src/media/open.ts). */
  mediaBlobs?: MediaBlobs;
}

const GRAPHIQL_HEADERS = JSON.stringify({ Authorization: 'Bearer <UserSig from: npm run usersig -- alice>' });

export function createApp(options: AppOptions) {
  const { config } = options;
  const log = options.logger ?? createLogger(config.logLevel);
  const store = options.store ?? openStore(config.databaseUrl, groupRules);
  const redis =
    options.bus || !config.redisUrl
      ? undefined
      : createRedisBus(config.redisUrl, {
          prefix: config.redisPrefix,
          heartbeatMs: config.redisHeartbeatMs,
          storage: store.messages,
          log,
        });
  const bus = options.bus ?? redis ?? createLocalBus();
  const router = createRouter(store, bus, { maxStreamsPerUser: config.limits.maxSubscriptionsPerUser });
  // A wake-up from another process may have been lost: end local streams; clients resume from storage by cursor.
  redis?.onGap(() => router.resetAll('Live delivery between gateway processes was interrupted'));
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const connections = new Connections(config.limits.maxConnectionsPerUser);
  const mediaBlobs = cleanupTolerant(options.mediaBlobs ?? openMediaBlobs(config), log);
  const services: Services = {
    store,
    router,
    config,
    // Several processes share one per-group limit through Redis.
    groupSendLimiter: redis
      ? createRedisRateLimiter(redis.commands, config.groupSendRate, { prefix: config.redisPrefix })
      : createRateLimiter(config.groupSendRate),
    cursors: createCursorCodec(config.secretKey),
    media: { blobs: mediaBlobs, urls: createMediaUrls(config.secretKey, config.media.urlTtlSeconds, now) },
    now,
  };

  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Bearer tokens, not cookies: no credentials; clients may read WWW-Authenticate on a 401.
    cors: { origin: [...config.corsOrigins], credentials: false, exposedHeaders: ['WWW-Authenticate'] },
    graphiql: config.production
      ? false
      : {
          title: 'IM GraphQL gateway',
          subscriptionsProtocol: 'WS',
          headers: GRAPHIQL_HEADERS,
          defaultTabs: seedTabs(GRAPHIQL_HEADERS),
        },
    renderGraphiQL,
    logging: log,
    // Where there is no envelope (a request's context, a subscription), a storage outage is still a clear answer.
    maskedErrors: { maskError: (error, message, isDev) => storageError(error) ?? maskError(error, message, isDev) },
    plugins: [
      useUtf8Body(),
      useAuth(),
      ...limitPlugins(config),
      useSharedEventExecution(),
      useSingleConnectionSSE(config, now, connections),
    ],
    context: async (initial): Promise<GraphQLContext> => {
      const wsAuth = initial.wsAuth as Authentication | undefined;
      const request = initial.request as Request | undefined;
      const auth = wsAuth ?? authenticateHeader(request?.headers.get('authorization'), config);
      if (auth.viewer !== null) await store.users.ensure(auth.viewer, services.now());
      return {
        ...services,
        viewer: auth.viewer,
        authFailure: auth.authFailure,
        session: (initial.wsLogin as LoginSession | undefined) ?? null,
        expiresAt: auth.viewer !== null ? auth.expiresAt : null,
        uploads: initial.uploads as GraphQLContext['uploads'],
      };
    },
  });

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/health')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    if (path === '/ready') {
      store.ping().then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}'),
        () => res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"database unavailable"}'),
      );
      return;
    }
    if (!config.production && serveGraphiQLAsset(path, res)) return;
    if (serveDemo(path, req.url ?? '', config, res)) return;
    if (serveMedia(req, res, services)) return;
    // Uploads are streamed into the media store, not bounded by maxBodyBytes (each file has its own limit).
    if (path === '/graphql' && isMultipart(req))
      return handleMultipart(
        req,
        res,
        config,
        mediaBlobs,
        (body, uploads) => void yoga(asJsonRequest(req, body), res, { uploads }),
        log,
      );
    limitBody(req, res, config.limits.maxBodyBytes, () => void yoga(req, res));
  };
  // A throw while routing would be uncaught (this is an 'request' listener) and end the process for everyone: a
  // defect answers its own request 500 and is logged.
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    try {
      route(req, res);
    } catch (e) {
      log.error({ err: e, url: req.url?.slice(0, 200) }, 'routing a request failed');
      if (res.headersSent) return void res.destroy();
      res
        .writeHead(500, { 'content-type': 'application/json', connection: 'close' })
        .end(
          JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }),
        );
      req.resume();
    }
  });
  const ws = attachWebSocket(server, yoga, config, log, { connections });

  // Unsent created messages are reclaimed once expired (reads already treat them as gone).
  // Their media goes with them, unless a message or another draft holds it too (a forward, a reuse by uuid).
  const reclaimDrafts = async () => {
    const { blobs } = await store.messages.reclaimDrafts(services.now());
    await mediaBlobs.delete(blobs);
  };
  const reclaim = setInterval(() => {
    reclaimDrafts().catch((e: unknown) => log.error({ err: e }, 'draft reclaim failed'));
  }, config.draftReclaimSeconds * 1000);
  reclaim.unref();
  // Bytes left behind (a delete that failed just before a restart, a process killed mid-upload): swept a minute after
  // the start and every six hours, never two sweeps at once.
  let sweeping: Promise<number> | undefined;
  const stopSweep = new AbortController();
  const sweepMedia = (nowMs?: number) =>
    (sweeping ??= sweepUnheldBlobs(mediaBlobs, store.messages, nowMs, stopSweep.signal).finally(
      () => (sweeping = undefined),
    ));
  const sweepLogged = () =>
    void sweepMedia().then(
      (blobs) => blobs > 0 && log.info({ blobs }, 'deleted media bytes nobody holds'),
      (err: unknown) => log.warn({ err }, 'media sweep failed: trying again at the next one'),
    );
  const sweepTimers = [setTimeout(sweepLogged, 60_000), setInterval(sweepLogged, 6 * 3600_000)];
  for (const t of sweepTimers) t.unref();

  let stopped = false;
  return {
    yoga,
    server,
    /** The graphql-ws side: its WebSocketServer and how many sockets await connection_init. */
    ws,
    services,
    log,
    /** Deletes expired drafts and their media now (the timer does it every IM_DRAFT_RECLAIM_SECONDS). */
    reclaimDrafts,
    /** Deletes now the media bytes written over an hour before `nowMs` that nobody holds (timers do it too). */
    sweepMedia,
    /** Listens on `port` (0 = any free port) and resolves with the port. */
    async start(port = config.port, host?: string): Promise<number> {
      // Fail before taking traffic when the database (migrated) or Redis cannot be reached.
      await store.ping();
      await redis?.ready();
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      });
    },
    /** Stops accepting, ends subscriptions, closes sockets and the database. */
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      clearInterval(reclaim);
      for (const t of sweepTimers) clearTimeout(t);
      stopSweep.abort();
      await sweeping?.catch(() => {});
      router.closeAll();
      await ws.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await bus.close();
      await mediaBlobs.close();
      await store.close();
    },
  };
}

export type App = ReturnType<typeof createApp>;

/** A GraphQL error (HTTP 503) with STORAGE_UNAVAILABLE's imCode, for an error caused by a database out of reach. */
function storageError(error: unknown): GraphQLError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof StorageUnavailable) {
      return new GraphQLError(e.message, {
        extensions: { ...e.extensions, http: { status: 503, headers: { 'retry-after': '1' } } },
      });
    }
    e = e instanceof GraphQLError ? e.originalError : (e as { cause?: unknown }).cause;
  }
  return undefined;
}

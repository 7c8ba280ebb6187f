// Environment → typed configuration, validated once at start-up with a message that names the variable.
import { dirname } from 'node:path';

/** The dev app credentials: fine on a laptop, refused in production. */
export const DEV_SDKAPPID = 1400000000;
export const DEV_SECRET_KEY = 'dev-secret-key-change-me-0123456789abcdef0123456789abcdef';

export interface Config {
  /** TCP port for HTTP, SSE and graphql-ws (all on /graphql). Default 4000. */
  port: number;
  /** Interface to listen on (HOST). Default 127.0.0.1 while the dev key is in use (anyone can mint its UserSigs),
   *  else every interface. */
  host: string | undefined;
  /** A SQLite file path (default ./data/im.db, created if missing) or `:memory:`; `postgres://…` for several processes. */
  databaseUrl: string;
  /** Redis for cross-process wake-ups; unset = in-process bus. */
  redisUrl: string | undefined;
  /** Names the Redis channel and keys (IM_REDIS_PREFIX, default `im`): the processes of one deployment share it. */
  redisPrefix: string;
  /** How often each process tells the others where its events are (IM_REDIS_HEARTBEAT_MS, default 5000). */
  redisHeartbeatMs: number;
  /** Tencent app id and key that UserSigs are verified against. */
  sdkAppId: number;
  secretKey: string;
  /** True when the dev defaults above are in use (start-up logs a warning). */
  devCredentials: boolean;
  /** The app's plan (IM_PLAN, default `ultimate`); targeted group messages need one of PLANS_WITH_TARGETED. */
  plan: Plan;
  /** Unsent created messages are reclaimed after this many seconds (default 24 h). */
  draftTtlSeconds: number;
  /** Messages per second one group accepts before answering 10023. */
  groupSendRate: number;
  /** How often expired drafts are deleted (IM_DRAFT_RECLAIM_SECONDS, default 60). */
  draftReclaimSeconds: number;
  /** Abuse limits (SECURITY.md); each one answers with a protocol error the client can read, never a crash. */
  limits: Limits;
  /**
   * Browser origins allowed to call the API (IM_CORS_ORIGINS: comma-separated, e.g. `https://app.example.com`;
   * default `*`, any origin: credentials are a Bearer header, never cookies, so a page elsewhere can do nothing
   * without a UserSig). A list also refuses WebSocket upgrades from other browser origins (403).
   */
  corsOrigins: readonly string[];
  /** Media messages (src/media): where the bytes go, how large each kind may be, how long a download URL works. */
  media: MediaConfig;
  /** Production turns off GraphiQL and introspection. */
  production: boolean;
  logLevel: string;
}

export interface Limits {
  /** Largest HTTP request body, and WebSocket message, in bytes (IM_MAX_BODY_BYTES, default 1 MiB): 413 / close 1009. */
  maxBodyBytes: number;
  /** Deepest selection (IM_MAX_QUERY_DEPTH, default 8; this schema's deepest real path is 6). */
  maxDepth: number;
  /** Aliases per operation (IM_MAX_ALIASES, default 15). */
  maxAliases: number;
  /** Lexical tokens per document (IM_MAX_TOKENS, default 1000). */
  maxTokens: number;
  /** Operations running at once on one graphql-ws connection (IM_MAX_SUBSCRIPTIONS_PER_CONNECTION, default 20). */
  maxSubscriptionsPerConnection: number;
  /** Open graphql-ws sockets and SSE single-connection streams per userID together (IM_MAX_CONNECTIONS_PER_USER,
   *  default 10); another socket closes with 4430, another stream is answered 429. */
  maxConnectionsPerUser: number;
  /** Live subscriptions one userID holds in a process, over every transport (IM_MAX_SUBSCRIPTIONS_PER_USER, default
   *  200: ten graphql-ws connections of 20); more end at once with the error TOO_MANY_SUBSCRIPTIONS.
   *  SSE over distinct connections (a request per subscription) has no connection count, so this is its bound. */
  maxSubscriptionsPerUser: number;
  /** Milliseconds a socket may wait before connection_init (IM_CONNECTION_INIT_TIMEOUT_MS, default 10 s); then 4408. */
  connectionInitTimeoutMs: number;
  /** Sockets connected but not yet past connection_init (IM_MAX_PENDING_INIT, default 1000); more close with 1013. */
  maxPendingInit: number;
  /** Operations one graphql-ws connection may start per second, in bursts of as many (IM_MAX_OPERATIONS_PER_SECOND,
   *  default 100); more are answered with the error RATE_LIMITED. */
  maxOperationsPerSecond: number;
  /** Unsent bytes per socket before it is no longer read and its live events end with the resumable error
   *  (IM_WS_MAX_BUFFERED_BYTES, default 256 KiB). */
  wsMaxBufferedBytes: number;
}

export interface MediaConfig {
  /** Directory of the local-disk media store (IM_MEDIA_DIR; default `media` next to the SQLite file, or ./data/media). */
  dir: string;
  /** `disk` or `postgres` (IM_MEDIA_STORE; default `postgres` when DATABASE_URL is PostgreSQL, else `disk`). */
  store: 'disk' | 'postgres';
  /** Largest upload per kind in bytes: Tencent's 28 MB for image and sound, 100 MB for video and file. */
  maxBytes: { image: number; sound: number; video: number; file: number };
  /** Seconds a minted download URL stays valid (IM_MEDIA_URL_TTL_SECONDS, default 1 h). */
  urlTtlSeconds: number;
}

/** Tencent's limits (v2tim-surface §1: createImageMessage and createSoundMessage ≤ 28 MB, video and file ≤ 100 MB). */
export const MB = 1024 * 1024;
export const TENCENT_MEDIA_LIMITS = { image: 28 * MB, sound: 28 * MB, video: 100 * MB, file: 100 * MB } as const;

function mediaConfig(env: NodeJS.ProcessEnv, databaseUrl: string): MediaConfig {
  const pg = /^postgres(ql)?:\/\//.test(databaseUrl);
  const store = env.IM_MEDIA_STORE || (pg ? 'postgres' : 'disk');
  if (store !== 'disk' && store !== 'postgres')
    throw new ConfigError(`IM_MEDIA_STORE must be disk or postgres, got "${store}"`);
  if (store === 'postgres' && !pg) throw new ConfigError('IM_MEDIA_STORE=postgres needs DATABASE_URL=postgres://…');
  const sqliteFile = databaseUrl.startsWith('file:') ? databaseUrl.slice(5) : databaseUrl;
  const dir = env.IM_MEDIA_DIR || (pg || sqliteFile === ':memory:' ? './data/media' : `${dirname(sqliteFile)}/media`);
  return {
    dir,
    store,
    maxBytes: { ...TENCENT_MEDIA_LIMITS },
    urlTtlSeconds: int(env, 'IM_MEDIA_URL_TTL_SECONDS', 3600, 10, 7 * 24 * 3600),
  };
}

export class ConfigError extends Error {}

/**
 * Tencent's plan names, from both price lists: the Chinese pages (Trial, Pro, Ultimate, Enterprise) and the English
 * ones after the repricing (Free, Standard, Pro, Pro Plus, Enterprise). IM_PLAN is read case-insensitively, with
 * spaces, hyphens and underscores ignored (`Pro Plus`, `pro-plus`, `PRO_PLUS`); an unknown name is refused at start-up.
 */
export const PLANS = ['trial', 'free', 'standard', 'pro', 'pro_plus', 'ultimate', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];
/** Targeted group messages: "Ultimate or Enterprise" (Chinese docs), "Pro, Pro Plus or Enterprise" (English docs). */
export const PLANS_WITH_TARGETED: readonly Plan[] = ['ultimate', 'enterprise', 'pro', 'pro_plus'];
export const planIncludesTargeted = (plan: Plan) => PLANS_WITH_TARGETED.includes(plan);

function plan(raw: string | undefined): Plan {
  if (raw === undefined || raw === '') return 'ultimate';
  const key = raw.toLowerCase().replace(/[\s_-]+/g, '');
  const found = PLANS.find((p) => p.replace('_', '') === key);
  if (!found) throw new ConfigError(`IM_PLAN must be one of ${PLANS.join(', ')} (any case), got "${raw}"`);
  return found;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function corsOrigins(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '' || raw.trim() === '*') return ['*'];
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      let origin: string | undefined;
      try {
        origin = new URL(o).origin;
      } catch {
        /* refused below */
      }
      if (origin !== o || origin === 'null') {
        throw new ConfigError(
          `IM_CORS_ORIGINS must be * or origins like https://app.example.com (scheme, host, optional port; no path), got "${o}"`,
        );
      }
      return o;
    });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const sdkAppId = int(env, 'IM_SDKAPPID', DEV_SDKAPPID, 1, 2 ** 32 - 1);
  const secretKey = env.IM_SECRET_KEY || DEV_SECRET_KEY;
  const devCredentials = !env.IM_SECRET_KEY;
  if (production && devCredentials) {
    throw new ConfigError('IM_SECRET_KEY must be set when NODE_ENV=production (the dev key is public)');
  }
  if (env.REDIS_URL && !/^rediss?:\/\//.test(env.REDIS_URL)) {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${env.REDIS_URL}"`);
  }
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || (devCredentials ? '127.0.0.1' : undefined),
    databaseUrl: env.DATABASE_URL || './data/im.db',
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.IM_REDIS_PREFIX || 'im',
    redisHeartbeatMs: int(env, 'IM_REDIS_HEARTBEAT_MS', 5000, 50, 600_000),
    sdkAppId,
    secretKey,
    devCredentials,
    plan: plan(env.IM_PLAN),
    draftTtlSeconds: int(env, 'IM_DRAFT_TTL_SECONDS', 24 * 3600, 1, 365 * 24 * 3600),
    groupSendRate: int(env, 'IM_GROUP_SEND_RATE', 40, 1, 1_000_000),
    draftReclaimSeconds: int(env, 'IM_DRAFT_RECLAIM_SECONDS', 60, 1, 24 * 3600),
    limits: {
      maxBodyBytes: int(env, 'IM_MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
      maxDepth: int(env, 'IM_MAX_QUERY_DEPTH', 8, 2, 100),
      maxAliases: int(env, 'IM_MAX_ALIASES', 15, 0, 1000),
      maxTokens: int(env, 'IM_MAX_TOKENS', 1000, 50, 100_000),
      maxSubscriptionsPerConnection: int(env, 'IM_MAX_SUBSCRIPTIONS_PER_CONNECTION', 20, 1, 10_000),
      maxConnectionsPerUser: int(env, 'IM_MAX_CONNECTIONS_PER_USER', 10, 1, 1_000_000),
      maxSubscriptionsPerUser: int(env, 'IM_MAX_SUBSCRIPTIONS_PER_USER', 200, 1, 1_000_000),
      connectionInitTimeoutMs: int(env, 'IM_CONNECTION_INIT_TIMEOUT_MS', 10_000, 100, 600_000),
      maxPendingInit: int(env, 'IM_MAX_PENDING_INIT', 1000, 1, 1_000_000),
      maxOperationsPerSecond: int(env, 'IM_MAX_OPERATIONS_PER_SECOND', 100, 1, 1_000_000),
      // At least Node's socket high-water mark (16 KiB), so an output over the bound always ends in a 'drain'.
      wsMaxBufferedBytes: int(env, 'IM_WS_MAX_BUFFERED_BYTES', 256 * 1024, 16 * 1024, 64 * 1024 * 1024),
    },
    corsOrigins: corsOrigins(env.IM_CORS_ORIGINS),
    media: mediaConfig(env, env.DATABASE_URL || './data/im.db'),
    production,
    logLevel: env.LOG_LEVEL || (production ? 'info' : 'info'),
  };
}

// Environment → typed configuration, validated once at start-up with a message that names the variable.

/** The dev app credentials: fine on a laptop, refused in production. */
export const DEV_SDKAPPID = 1400000000;
export const DEV_SECRET_KEY = 'dev-secret-key-change-me-0123456789abcdef0123456789abcdef';

export interface Config {
  /** TCP port for HTTP, SSE and graphql-ws (all on /graphql). Default 4000. */
  port: number;
  /** A SQLite file path (default ./data/im.db, created if missing) or `:memory:`. */
  databaseUrl: string;
  /** Redis for cross-process wake-ups; unset = in-process bus. */
  redisUrl: string | undefined;
  /** Tencent app id and key that UserSigs are verified against. */
  sdkAppId: number;
  secretKey: string;
  /** True when the dev defaults above are in use (start-up logs a warning). */
  devCredentials: boolean;
  /** The app's plan; targeted group messages need `ultimate`. */
  plan: string;
  /** Unsent created messages are reclaimed after this many seconds (default 24 h). */
  draftTtlSeconds: number;
  /** Messages per second one group accepts before answering 10023. */
  groupSendRate: number;
  /** Production turns off GraphiQL and introspection. */
  production: boolean;
  logLevel: string;
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const sdkAppId = int(env, 'IM_SDKAPPID', DEV_SDKAPPID, 1, 2 ** 32 - 1);
  const secretKey = env.IM_SECRET_KEY || DEV_SECRET_KEY;
  const devCredentials = !env.IM_SECRET_KEY;
  if (production && devCredentials) {
    throw new ConfigError('IM_SECRET_KEY must be set when NODE_ENV=production (the dev key is public)');
  }
  const plan = (env.IM_PLAN || 'ultimate').toLowerCase();
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    databaseUrl: env.DATABASE_URL || './data/im.db',
    redisUrl: env.REDIS_URL || undefined,
    sdkAppId,
    secretKey,
    devCredentials,
    plan,
    draftTtlSeconds: int(env, 'IM_DRAFT_TTL_SECONDS', 24 * 3600, 1, 365 * 24 * 3600),
    groupSendRate: int(env, 'IM_GROUP_SEND_RATE', 40, 1, 1_000_000),
    production,
    logLevel: env.LOG_LEVEL || (production ? 'info' : 'info'),
  };
}

// Entry point: config, database (migrated), app, listen. SIGTERM/SIGINT drain and close.
import { ConfigError, loadConfig } from './config';
import { createApp } from './app';
import { createLogger } from './log';

let config;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`configuration error: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
const log = createLogger(config.logLevel);
if (config.devCredentials) log.warn('using the dev IM_SDKAPPID/IM_SECRET_KEY: anyone can mint UserSigs; set both for a real deployment');

const app = createApp({ config, logger: log });
// A postgres:// URL may carry a password: never log it.
const database = config.databaseUrl.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
let port: number;
try {
  port = await app.start(config.port);
} catch (e) {
  log.error({ err: e, database, redis: config.redisUrl !== undefined, port: config.port },
    'could not start: check that the database (DATABASE_URL) and Redis (REDIS_URL) answer and that PORT is free');
  await Promise.race([app.stop().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
  process.exit(1);
}
log.info({ port, database, redis: config.redisUrl !== undefined }, `IM gateway ready: GraphiQL at http://localhost:${port}/graphql`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.stop().then(() => process.exit(0), (e: unknown) => { log.error({ err: e }, 'shutdown failed'); process.exit(1); });
  });
}
